//! The widget's client for the merchant's proxy. [`Backend`] is the seam tests stub;
//! [`HttpBackend`] is the real one, over `fetch` with a timeout.

use crate::wire::{self, Malformed};
use doku_protocol::{CreateSession, OrderView, ProblemDocument, SessionView};
use std::future::Future;
use std::pin::Pin;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, Response};

/// A future on this (single) thread.
pub type LocalFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Why a call to the proxy failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// No answer (offline, DNS, CORS refusal, timeout).
    Network,
    /// The proxy answered with a problem document.
    Problem(ProblemDocument),
    /// The proxy answered something that is not the contract.
    Unexpected(String),
}

impl ClientError {
    /// The problem's code, or `network` / `unexpected`.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Network => "network",
            ClientError::Problem(problem) => &problem.code,
            ClientError::Unexpected(_) => "unexpected",
        }
    }

    /// An English description, for events and the console.
    pub fn message(&self) -> String {
        match self {
            ClientError::Network => "the proxy could not be reached".into(),
            ClientError::Problem(problem) => problem.detail.clone(),
            ClientError::Unexpected(what) => what.clone(),
        }
    }
}

/// What the widget asks the proxy. Each call sends its request before it returns; the
/// future it returns reads the answer.
pub trait Backend {
    /// `GET /api/checkout/orders/{order_id}`.
    fn order(&self, order_id: &str) -> LocalFuture<'static, Result<OrderView, ClientError>>;
    /// `POST /api/checkout/sessions` with `Idempotency-Key: key`.
    fn open_session(
        &self,
        request: &CreateSession,
        key: &str,
    ) -> LocalFuture<'static, Result<SessionView, ClientError>>;
    /// `GET /api/checkout/sessions/{payment_id}`.
    fn session(&self, payment_id: &str) -> LocalFuture<'static, Result<SessionView, ClientError>>;
}

/// The proxy over HTTP.
#[derive(Debug, Clone)]
pub struct HttpBackend {
    base: String,
    timeout_ms: i32,
}

impl HttpBackend {
    /// A client for the proxy at `base` (absolute, without a trailing slash).
    pub fn new(base: &str, timeout_ms: i32) -> HttpBackend {
        HttpBackend {
            base: base.trim_end_matches('/').to_string(),
            timeout_ms,
        }
    }

    /// Sends the request at once and returns a future on its answer, read by `read`, so
    /// a caller can start a request before it has anything to await it with (the order
    /// is asked for while the widget renders its first view).
    fn send<T: 'static>(
        &self,
        method: &str,
        path: String,
        body: Option<(String, &str)>,
        read: fn(&JsValue) -> Result<T, Malformed>,
    ) -> LocalFuture<'static, Result<T, ClientError>> {
        let answer = self.fetch_json(method, &path, body);
        Box::pin(async move {
            read(&answer.await?)
                .map_err(|Malformed(field)| ClientError::Unexpected(format!("{path}: bad {field}")))
        })
    }

    /// [`HttpBackend::send`] up to the JSON of a successful answer: one copy of the
    /// exchange for every kind of answer.
    fn fetch_json(
        &self,
        method: &str,
        path: &str,
        body: Option<(String, &str)>,
    ) -> LocalFuture<'static, Result<JsValue, ClientError>> {
        let Some(window) = web_sys::window() else {
            return Box::pin(async { Err(ClientError::Network) });
        };
        let init = RequestInit::new();
        init.set_method(method);
        let Ok(headers) = Headers::new() else {
            return Box::pin(async { Err(ClientError::Network) });
        };
        // No other headers on GETs: a page may preload the order (`<link rel=preload
        // as=fetch>`), and the preloaded response is only reused for a plain request.
        if let Some((json, key)) = &body {
            headers.set("Content-Type", "application/json").ok();
            headers.set("Idempotency-Key", key).ok();
            init.set_body(&JsValue::from_str(json));
        }
        init.set_headers(&headers);
        // Give up after the timeout rather than leave the customer waiting on a spinner.
        let controller = AbortController::new().ok();
        let timer = controller.as_ref().and_then(|controller| {
            let signal = controller.clone();
            let abort = wasm_bindgen::closure::Closure::once_into_js(move || signal.abort());
            init.set_signal(Some(&controller.signal()));
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(
                    abort.unchecked_ref(),
                    self.timeout_ms,
                )
                .ok()
        });
        let url = format!("{}{path}", self.base);
        let answer = JsFuture::from(window.fetch_with_str_and_init(&url, &init));
        let path = path.to_string();
        Box::pin(async move {
            let answer = answer.await;
            if let Some(timer) = timer {
                window.clear_timeout_with_handle(timer);
            }
            let response: Response = answer
                .map_err(|_| ClientError::Network)?
                .dyn_into()
                .map_err(|_| ClientError::Network)?;
            let json = match response.json() {
                Ok(promise) => JsFuture::from(promise).await.ok(),
                Err(_) => None,
            };
            let status = response.status();
            match (response.ok(), json) {
                (true, Some(json)) => Ok(json),
                (false, Some(json)) => match wire::problem(&json) {
                    Ok(problem) => Err(ClientError::Problem(problem)),
                    Err(_) => Err(ClientError::Unexpected(format!("{path}: HTTP {status}"))),
                },
                (_, None) => Err(ClientError::Unexpected(format!(
                    "{path}: HTTP {status} without JSON"
                ))),
            }
        })
    }
}

/// `segment` percent-encoded for a URL path.
fn path_segment(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}

impl Backend for HttpBackend {
    fn order(&self, order_id: &str) -> LocalFuture<'static, Result<OrderView, ClientError>> {
        let path = format!("/api/checkout/orders/{}", path_segment(order_id));
        self.send("GET", path, None, wire::order_view)
    }

    fn open_session(
        &self,
        request: &CreateSession,
        key: &str,
    ) -> LocalFuture<'static, Result<SessionView, ClientError>> {
        let json = wire::create_session(request);
        let path = "/api/checkout/sessions".to_string();
        self.send("POST", path, Some((json, key)), wire::session_view)
    }

    fn session(&self, payment_id: &str) -> LocalFuture<'static, Result<SessionView, ClientError>> {
        let path = format!("/api/checkout/sessions/{}", path_segment(payment_id));
        self.send("GET", path, None, wire::session_view)
    }
}
