//! A recording reverse proxy: forwards every request to one server and keeps what that
//! server answered (status, headers, body), so a test can inspect every response. It asks
//! for plain bodies, whatever encodings the browser accepts.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use std::sync::{Arc, Mutex};

/// One request and the answer it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The request's body, as sent.
    pub request_body: Bytes,
    /// The answer's status code.
    pub status: u16,
    /// The answer's headers.
    pub headers: HeaderMap,
    /// The answer's body, as sent.
    pub body: Bytes,
}

#[derive(Clone)]
struct Forwarding {
    target: String,
    client: reqwest::Client,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

/// A loopback server that forwards everything to `target` and records the answers.
/// Stops when dropped.
pub struct Recorder {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    /// Listens on a free loopback port; `target` (`http://host:port`) need not be up yet.
    pub async fn start(target: &str) -> Recorder {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let base = format!(
            "http://{}",
            listener.local_addr().expect("the recorder's address")
        );
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let state = Forwarding {
            target: target.trim_end_matches('/').to_string(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            exchanges: Arc::clone(&exchanges),
        };
        let app = axum::Router::new().fallback(forward).with_state(state);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Recorder {
            base,
            exchanges,
            task,
        }
    }

    /// Every exchange so far, in the order the answers came.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().expect("the record").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Headers that describe one hop of the connection, not the message.
fn hop_by_hop(name: &header::HeaderName) -> bool {
    [
        header::HOST,
        header::CONNECTION,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
    ]
    .contains(name)
}

async fn forward(State(state): State<Forwarding>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.to_string());
    let Ok(body) = to_bytes(body, usize::MAX).await else {
        return status_only(StatusCode::BAD_REQUEST);
    };
    let mut outgoing = state
        .client
        .request(parts.method.clone(), format!("{}{path}", state.target))
        .body(body.clone());
    // Asked without the browser's Accept-Encoding, every answer is recorded as plain
    // text that a test can read (the proxy would otherwise send compressed assets).
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) && name != header::ACCEPT_ENCODING {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return status_only(StatusCode::BAD_GATEWAY);
    };
    let status = answer.status();
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !hop_by_hop(name) {
            headers.append(name, value.clone());
        }
    }
    let request_body = body;
    let Ok(body) = answer.bytes().await else {
        return status_only(StatusCode::BAD_GATEWAY);
    };
    state.exchanges.lock().expect("the record").push(Exchange {
        method: parts.method.to_string(),
        path,
        request_body,
        status: status.as_u16(),
        headers: headers.clone(),
        body: body.clone(),
    });
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn status_only(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
