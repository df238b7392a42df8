//! The HTTP server: routes, the protections every response gets (security headers, a
//! strict Content-Security-Policy, body limits, timeouts, CORS for the checkout API and
//! the widget's files), and serving with the reconciler alongside.

use crate::api::{callbacks, orders, payouts, reports, sessions};
use crate::app::SharedApp;
use crate::auth::merchant_only;
use crate::extract::RawBody;
use crate::hosted::{self, InlineSources};
use crate::pages;
use crate::problem::ApiError;
use crate::reconciler;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::{ListenerExt, TapIo};
use axum::{Json, Router};
use doku_protocol::ProblemCode;
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;
use tower_http::timeout::TimeoutLayer;

/// The largest JSON body the API accepts (callbacks have their own, larger limit).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Every request is answered (or abandoned with 408) within this time.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The application's routes.
pub fn router(app: SharedApp) -> Router {
    let checkout = Router::new()
        .route("/api/checkout/orders/{order_id}", get(orders::view))
        .route("/api/checkout/sessions", post(sessions::create))
        .route("/api/checkout/sessions/{payment_id}", get(sessions::view))
        .route_layer(middleware::from_fn_with_state(
            app.clone(),
            refuse_foreign_origins,
        ))
        .layer(cors(&app));
    // The merchant's own endpoints: the API key is checked before anything else.
    let merchant = Router::new()
        .route("/api/orders", post(orders::create))
        .route("/api/payouts", post(payouts::create))
        .route("/api/payments", get(reports::list))
        .route("/api/payments.csv", get(reports::csv))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(app.clone(), merchant_only));
    let mut routes = Router::new()
        .merge(checkout)
        .merge(merchant)
        .route(
            "/callbacks/ecommpay",
            post(callbacks::receive).layer(DefaultBodyLimit::max(callbacks::MAX_CALLBACK_BYTES)),
        )
        // The hosted page carries its style: compressed, it reaches a phone sooner.
        .route(
            "/pay/{order_id}",
            get(hosted::show)
                .post(hosted::pay)
                .layer(CompressionLayer::new()),
        )
        .route(
            "/csp-reports",
            post(csp_report).layer(DefaultBodyLimit::max(MAX_CSP_REPORT_BYTES)),
        )
        .route("/healthz", get(healthz));
    if app.config.demo {
        routes = routes
            .route("/", get(pages::demo_shop))
            .route("/demo/orders", post(pages::demo_order));
    }
    let headers = SecurityHeaders::new(&app);
    // A merchant's page on another origin loads the widget's script and wasm in CORS
    // mode: the allowed origins may read them, as they may call the checkout API.
    let assets = Router::new()
        .fallback_service(widget_assets(&app.config.dist_dir))
        .layer(cors(&app));
    routes
        .fallback_service(assets)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(app.clone(), count_requests))
        .layer(middleware::from_fn_with_state(headers, security_headers))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(app)
}

/// The widget's files from `dist`: the build's brotli or gzip copy of a file to a
/// browser that accepts it (same content type), else the file itself.
fn widget_assets(dist: &std::path::Path) -> SetResponseHeader<ServeDir, HeaderValue> {
    let files = ServeDir::new(dist).precompressed_br().precompressed_gzip();
    // Caches must keep the encodings apart.
    let vary = HeaderValue::from_static("accept-encoding");
    SetResponseHeader::appending(files, header::VARY, vary)
}

/// `listener`, with every connection it accepts sending each write at once
/// (`TCP_NODELAY`). A file goes out as its headers, then its body: with Nagle's
/// algorithm, on a reused connection, the body waited for the browser's delayed
/// acknowledgement of the previous response, about 40 ms.
pub fn immediate_writes(listener: TcpListener) -> TapIo<TcpListener, fn(&mut TcpStream)> {
    fn no_delay(connection: &mut TcpStream) {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::warn!(%error, "cannot set TCP_NODELAY on a connection");
        }
    }
    listener.tap_io(no_delay)
}

/// Serves `app` on `listener` until `shutdown` resolves, with the reconciler running
/// alongside; finishes in-flight requests before returning. Its connections write at
/// once ([`immediate_writes`]).
pub async fn serve(
    listener: TcpListener,
    app: SharedApp,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let reconciler = tokio::spawn(reconciler::run(app.clone(), stopped));
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(immediate_writes(listener), service)
        .with_graceful_shutdown(shutdown)
        .await;
    stop.send(true).ok();
    reconciler.await.ok();
    app.store.close().await;
    result
}

/// CORS for the checkout API and the widget's files: the configured origins only.
fn cors(app: &SharedApp) -> CorsLayer {
    let origins: Vec<HeaderValue> = app
        .config
        .allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static(sessions::IDEMPOTENCY_KEY),
        ])
        .max_age(Duration::from_secs(600))
}

/// A browser request from an origin that is not allowed is refused outright (403), not
/// just left without CORS headers: the proxy does no work for foreign pages.
async fn refuse_foreign_origins(
    State(app): State<SharedApp>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    match origin {
        Some(origin) if !app.config.allows_origin(origin) => ApiError::new(
            StatusCode::FORBIDDEN,
            ProblemCode::OriginNotAllowed,
            format!("origin {origin} may not use this checkout API"),
            Some("Origin"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// Counts every request by route and status for `/metrics`.
async fn count_requests(State(app): State<SharedApp>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_string())
        .unwrap_or_else(|| "static".into());
    let response = next.run(request).await;
    app.metrics.request(&route, response.status().as_u16());
    response
}

/// The headers every response carries.
#[derive(Debug, Clone)]
struct SecurityHeaders {
    csp: HeaderValue,
    hsts: bool,
}

impl SecurityHeaders {
    fn new(app: &SharedApp) -> SecurityHeaders {
        let csp = content_security_policy(
            &app.config.redirect_policy.allowed_hosts,
            &hosted::inline_sources(),
        );
        SecurityHeaders {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
            hsts: app.config.public_url.starts_with("https://"),
        }
    }
}

/// The policy of every page this server sends: its own scripts (and WebAssembly) and
/// styles only, besides the hosted checkout's inline ones (allowed by their hashes),
/// forms only to itself and the payment hosts, never framed.
pub fn content_security_policy(redirect_hosts: &[String], inline: &InlineSources) -> String {
    let mut form_action = vec!["'self'".to_string()];
    for host in redirect_hosts {
        form_action.push(format!("https://{host}"));
        if host == "localhost" || host.starts_with("127.") || host == "[::1]" {
            form_action.push(format!("http://{host}:*"));
        }
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self' {style}; \
         img-src 'self' data:; connect-src 'self'; form-action {forms}; frame-ancestors 'none'; \
         base-uri 'none'; object-src 'none'; report-uri /csp-reports",
        scripts = inline.scripts,
        style = inline.style,
        forms = form_action.join(" ")
    )
}

async fn security_headers(
    State(policy): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.csp.clone());
    if policy.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        let cache = if is_api { "no-store" } else { "no-cache" };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}

/// The largest CSP report accepted; browsers send a few hundred bytes, so anyone posting
/// more than this (less than other bodies may be) is not a browser reporting.
const MAX_CSP_REPORT_BYTES: usize = 4 * 1024;

/// `POST /csp-reports`: a browser reporting that a page of ours broke its
/// Content-Security-Policy. Logged and counted (`doku_csp_violations_total`), so a
/// violation anywhere shows up in monitoring and fails the end-to-end tests.
async fn csp_report(
    State(app): State<SharedApp>,
    RawBody(body): RawBody,
) -> Result<StatusCode, ApiError> {
    let report: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            ProblemCode::MalformedReport,
            format!("not a CSP report: {e}"),
            Some("body"),
        )
    })?;
    let report = &report["csp-report"];
    if !report.is_object() {
        return Err(ApiError::bad_request(
            ProblemCode::MalformedReport,
            "not a CSP report",
            Some("csp-report"),
        ));
    }
    // Anyone may post here: at most 200 characters a field, control characters
    // replaced, so a report cannot forge log lines.
    let text = |key: &str| {
        report[key]
            .as_str()
            .unwrap_or("-")
            .chars()
            .take(200)
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .collect::<String>()
    };
    tracing::warn!(
        directive = %text("violated-directive"),
        blocked = %text("blocked-uri"),
        page = %text("document-uri"),
        "Content-Security-Policy violation"
    );
    app.metrics.csp_violation();
    Ok(StatusCode::NO_CONTENT)
}

/// Liveness and readiness: answers 200 while the database answers.
async fn healthz(State(app): State<SharedApp>) -> Response {
    match app.store.ping().await {
        Ok(()) => {
            Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "database unavailable" })),
            )
                .into_response()
        }
    }
}

/// `GET /metrics` (merchant key required: volumes are business data).
async fn metrics(State(app): State<SharedApp>) -> Result<Response, ApiError> {
    let open = app.store.count_open().await?;
    let text = app.metrics.render(&open);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_forms_only_to_payment_hosts() {
        let inline = InlineSources {
            style: "'sha256-style='".to_string(),
            scripts: "'sha256-a=' 'sha256-b='".to_string(),
        };
        let csp = content_security_policy(
            &["paymentpage.ecommpay.com".into(), "127.0.0.1".into()],
            &inline,
        );
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-a=' 'sha256-b=';"));
        assert!(csp.contains("style-src 'self' 'sha256-style=';"));
        assert!(csp.contains("form-action 'self' https://paymentpage.ecommpay.com https://127.0.0.1 http://127.0.0.1:*;"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
    }

    /// Accepts one connection from a client of `listener`'s address.
    async fn accept_one<L: axum::serve::Listener<Io = TcpStream>>(
        listener: &mut L,
        at: SocketAddr,
    ) -> TcpStream {
        let _client = std::net::TcpStream::connect(at).expect("connect");
        listener.accept().await.0
    }

    #[tokio::test]
    async fn accepted_connections_write_at_once() {
        let mut plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let at = plain.local_addr().expect("address");
        // Without the wrapper a connection delays small writes (Nagle's algorithm).
        assert!(!accept_one(&mut plain, at).await.nodelay().expect("nodelay"));
        let mut listener = immediate_writes(plain);
        assert!(
            accept_one(&mut listener, at)
                .await
                .nodelay()
                .expect("nodelay")
        );
    }
}
