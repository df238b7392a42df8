//! A merchant's own site on a loopback origin of its own: a checkout page that embeds the
//! proxy's widget the way the README shows, its element and its one script tag from the
//! proxy's origin (and, if asked, the README's hints in its head). The proxy must list
//! the site's origin in `--allowed-origins`.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use doku_proxy::pages::{escape, widget_preloads};
use doku_testkit::{Stack, StackOptions};
use std::collections::HashMap;

/// The running site; stops when dropped.
pub struct MerchantSite {
    origin: String,
    _served: crate::Served,
}

impl MerchantSite {
    /// Starts the site on a free loopback port.
    pub async fn start() -> MerchantSite {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let origin = format!("http://{}", listener.local_addr().expect("local address"));
        let router = Router::new()
            .route("/checkout", get(checkout_page))
            .with_state(origin.clone());
        MerchantSite {
            origin,
            _served: crate::serve(listener, router),
        }
    }

    /// A Payment Page stack whose proxy serves the release widget and lets this site's
    /// origin load it and call its checkout API (`--allowed-origins`).
    pub async fn stack(&self) -> Stack {
        let options = StackOptions {
            dist: Some(crate::release_dist()),
            proxy_flags: vec![format!("--allowed-origins={}", self.origin)],
            ..StackOptions::default()
        };
        Stack::start(doku_testkit::sqlite(), options).await
    }

    /// The site's origin (`http://127.0.0.1:port`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The checkout page for `order_id`, embedding the widget of the proxy at `proxy`
    /// (its base URL).
    pub fn checkout_url(&self, proxy: &str, order_id: &str) -> String {
        checkout_url(&self.origin, proxy, order_id, Extra::Plain)
    }

    /// [`MerchantSite::checkout_url`], the widget styled by `stylesheet` instead of its
    /// own (`data-stylesheet`).
    pub fn styled_checkout_url(&self, proxy: &str, order_id: &str, stylesheet: &str) -> String {
        checkout_url(&self.origin, proxy, order_id, Extra::Stylesheet(stylesheet))
    }

    /// [`MerchantSite::checkout_url`], with the README's hints in the page's head: the
    /// browser asks for the widget's files and the order with the page.
    pub fn hinted_checkout_url(&self, proxy: &str, order_id: &str) -> String {
        checkout_url(&self.origin, proxy, order_id, Extra::Hints)
    }
}

/// What a checkout page adds to the README's integration.
#[derive(Clone, Copy)]
enum Extra<'a> {
    /// Nothing: the README's integration as it is.
    Plain,
    /// The page's own stylesheet for the widget (`data-stylesheet`).
    Stylesheet(&'a str),
    /// The README's hints in the page's head.
    Hints,
}

const STYLESHEET: &str = "stylesheet";
const HINTS: &str = "hints";

fn checkout_url(origin: &str, proxy: &str, order_id: &str, extra: Extra) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("proxy", proxy)
        .append_pair("order", order_id);
    match extra {
        Extra::Plain => {}
        Extra::Stylesheet(stylesheet) => {
            query.append_pair(STYLESHEET, stylesheet);
        }
        Extra::Hints => {
            query.append_pair(HINTS, "head");
        }
    }
    format!("{origin}/checkout?{}", query.finish())
}

/// The README's hints for a page embedding the widget of the proxy at `proxy` (its base
/// URL, escaped) for order `order` (escaped): the widget's files, as the proxy's own
/// pages preload them, and the order.
fn hints(proxy: &str, order: &str) -> String {
    widget_preloads(proxy)
        + &format!(
            "<link rel=\"preload\" href=\"{proxy}/api/checkout/orders/{order}\" as=\"fetch\" crossorigin>\n"
        )
}

/// The page: a heading, the widget's element (DOKU sends the customer back to this same
/// page) and the widget's script, nothing else (no preloads unless asked for, no form of
/// its own, no Content-Security-Policy).
async fn checkout_page(
    State(origin): State<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Html<String> {
    let value = |name: &str| query.get(name).map_or("", String::as_str);
    let (proxy, order) = (value("proxy"), value("order"));
    let extra = match (query.get(STYLESHEET), query.contains_key(HINTS)) {
        (Some(stylesheet), _) => Extra::Stylesheet(stylesheet),
        (None, true) => Extra::Hints,
        (None, false) => Extra::Plain,
    };
    let back = escape(&checkout_url(&origin, proxy, order, extra));
    let styled = match extra {
        Extra::Stylesheet(href) => format!(" data-stylesheet=\"{}\"", escape(href)),
        _ => String::new(),
    };
    let (proxy, order) = (escape(proxy), escape(order));
    let head = match extra {
        Extra::Hints => hints(&proxy, &order),
        _ => String::new(),
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Checkout</title>\n{head}</head>\n<body>\n<h1>Checkout</h1>\n\
         <div id=\"doku-checkout\" data-proxy-url=\"{proxy}\" data-order-id=\"{order}\" \
         data-return-url=\"{back}\"{styled}></div>\n\
         <script type=\"module\" src=\"{proxy}/doku-embed.js\"></script>\n</body>\n</html>\n"
    ))
}
