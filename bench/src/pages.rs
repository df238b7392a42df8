//! A static server on a loopback port for the pages measured beside ours: Adyen Web's
//! DOKU component (its bundle and a page mounting it), the plain HTML form, and a landing
//! page the widget is redirected to when its click-to-navigation time is measured.

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use std::net::SocketAddr;
use std::path::Path;
use tower_http::services::ServeDir;

/// The running server; stops when dropped.
pub struct Pages {
    /// Where it listens.
    pub address: SocketAddr,
    _served: doku_e2e::Served,
}

impl Pages {
    /// Serves `bench/adyen` (with the esbuild bundle from `target/bench/adyen`) at
    /// `/adyen/`, `bench/plain` at `/plain/`, and `/land`.
    pub async fn start(root: &Path) -> Pages {
        // Adyen's bundle goes out as its brotli or gzip copy (written by scripts/size.mjs),
        // as our widget's does from the proxy.
        let bundle = root.join("target/bench/adyen");
        assert!(
            ["entry.js.br", "entry.css.br"]
                .iter()
                .all(|copy| bundle.join(copy).is_file()),
            "{} lacks Adyen's compressed bundle: run `doku-bench size` first (make bench does)",
            bundle.display()
        );
        let adyen = ServeDir::new(bundle)
            .precompressed_br()
            .precompressed_gzip()
            .fallback(ServeDir::new(root.join("bench/adyen")));
        let router = Router::new()
            .nest_service("/adyen", adyen)
            .nest_service("/plain", ServeDir::new(root.join("bench/plain")))
            .route(
                "/land",
                get(|| async { Html("<!doctype html><title>landed</title><p>landed</p>") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        Pages {
            address: listener.local_addr().expect("local address"),
            _served: doku_e2e::serve(listener, router),
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}
