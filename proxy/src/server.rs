//! The HTTP server: routes and how they are served.

use crate::config::Config;
use axum::{Json, Router, routing::get};
use serde_json::{Value, json};
use tower_http::services::ServeDir;

/// The application's routes: the API and, for everything else, the widget's `dist/`.
pub fn router(config: &Config) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(ServeDir::new(&config.dist_dir))
}

/// Liveness: answers while the server can serve requests.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}
