//! Server-rendered pages: their common frame and, in demo mode, a small shop (the hosted
//! checkout is [`crate::hosted`]). Every dynamic value is escaped, and the pages run
//! under the strict Content-Security-Policy the server sends.

use crate::app::SharedApp;
use crate::problem::ApiError;
use crate::store::NewOrder;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use doku_protocol::i18n::format_amount;
use doku_protocol::{Currency, Description, Locale, OrderAmount, ProblemCode};
use serde::Deserialize;

/// `s` with the five HTML-significant characters escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages' own stylesheet, as a file.
pub const STYLESHEET: &str = "<link rel=\"stylesheet\" href=\"/hosted.css\">\n";

/// The widget's files preloaded by a page that holds it, from `base` (the proxy's base
/// URL, escaped; empty on the proxy's own pages): the browser fetches the widget's
/// script, wasm and stylesheet with the page, in parallel. The stylesheet is only
/// preloaded: it styles the widget's shadow root, whose link then takes the preloaded
/// copy, and blocks neither the page's first paint nor its scripts. The README gives
/// merchants' pages the same lines.
pub fn widget_preloads(base: &str) -> String {
    format!(
        "<link rel=\"modulepreload\" href=\"{base}/doku-checkout.js\">\n\
         <link rel=\"preload\" href=\"{base}/doku-checkout_bg.wasm\" as=\"fetch\" type=\"application/wasm\" crossorigin>\n\
         <link rel=\"preload\" href=\"{base}/doku-checkout.css\" as=\"style\">\n"
    )
}

/// A proxy's page holding a widget loads it: its files preloaded ([`widget_preloads`]),
/// then the loader.
pub fn widget_files() -> String {
    widget_preloads("") + "<script type=\"module\" src=\"/doku-embed.js\"></script>\n"
}

/// A page in `lang`, `head` (its styles, scripts and the like) after the title and
/// `body` inside `<main>`.
pub fn page(lang: &str, title: &str, head: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
{head}</head>
<body>
<main class="page">
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
    )
}

/// The answer for an order id that names no order.
pub fn order_not_found() -> Response {
    let body = "<h1>Payment link not found</h1><p>This payment link does not exist. Ask the shop for a new one.</p>";
    (
        StatusCode::NOT_FOUND,
        Html(page("en", "Payment link not found", STYLESHEET, body)),
    )
        .into_response()
}

/// A product of the demo shop.
struct Product {
    slug: &'static str,
    name: &'static str,
    note: &'static str,
    /// IDR minor units.
    amount: u64,
}

/// The demo shop's products, including the amounts the platform's test mode declines.
const PRODUCTS: [Product; 4] = [
    Product {
        slug: "kopi",
        name: "Kopi Toraja, 250 g",
        note: "Pays successfully.",
        amount: 15_000_000,
    },
    Product {
        slug: "gula",
        name: "Gula Aren, 500 g",
        note: "Pays successfully.",
        amount: 3_500_000,
    },
    Product {
        slug: "decline-400",
        name: "Test: declined payment",
        note: "Rp 400 (40000): the test amount DOKU declines.",
        amount: 40_000,
    },
    Product {
        slug: "decline-404",
        name: "Test: declined payment",
        note: "Rp 404 (40400): the other test amount DOKU declines.",
        amount: 40_400,
    },
];

/// `GET /` in demo mode: pick a product.
pub async fn demo_shop(State(app): State<SharedApp>) -> Html<String> {
    let items: String = PRODUCTS
        .iter()
        .map(|p| {
            format!(
                r#"<li class="product">
<div><h2>{name}</h2><p>{note}</p></div>
<form method="post" action="/demo/orders"><input type="hidden" name="product" value="{slug}">
<button type="submit" class="buy" id="buy-{slug}">Buy for {price}</button></form>
</li>"#,
                name = escape(p.name),
                note = escape(p.note),
                slug = p.slug,
                price = format_amount(p.amount, Currency::IDR, Locale::Id),
            )
        })
        .collect();
    let body = format!(
        r#"<h1>{shop}</h1>
<p class="page-lead">A demo shop: each purchase creates an order on the server and opens the DOKU checkout for it. The platform is the local sandbox.</p>
<ul class="products">{items}</ul>"#,
        shop = escape(&app.config.shop_name),
    );
    Html(page("en", &app.config.shop_name, STYLESHEET, &body))
}

/// The demo shop's purchase form.
#[derive(Debug, Deserialize)]
pub struct DemoPurchase {
    /// Which product.
    pub product: String,
}

/// `POST /demo/orders`: creates the order server-side, then opens its checkout.
pub async fn demo_order(
    State(app): State<SharedApp>,
    Form(purchase): Form<DemoPurchase>,
) -> Result<Response, ApiError> {
    let product = PRODUCTS
        .iter()
        .find(|p| p.slug == purchase.product)
        .ok_or_else(|| {
            ApiError::bad_request(
                ProblemCode::UnknownProduct,
                "no such product in the demo shop",
                Some("product"),
            )
        })?;
    let amount = OrderAmount::parse(i128::from(product.amount), "IDR", app.config.kyc)
        .map_err(ApiError::invalid)?;
    let description =
        Description::parse(product.name).map_err(|e| ApiError::internal(e.to_string()))?;
    let order = app
        .store
        .insert_order(NewOrder {
            amount,
            description: description.to_string(),
            customer_id: None,
        })
        .await?;
    Ok(Redirect::to(&format!("/pay/{}", order.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_attributes_and_text() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
