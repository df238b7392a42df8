//! `POST /callbacks/ecommpay`: the platform's callbacks. Verified in constant time,
//! stored raw with the state change they cause in one transaction, answered 200 only
//! once durable (so the platform stops retrying), applied idempotently and only forward.

use crate::app::SharedApp;
use crate::extract::RawBody;
use crate::platform::status_update;
use crate::problem::ApiError;
use axum::Json;
use axum::extract::State;
use doku_protocol::ProblemCode;
use ecommpay::{CallbackError, verify_callback};
use serde_json::{Value, json};

/// The largest callback body accepted.
pub const MAX_CALLBACK_BYTES: usize = 256 * 1024;

/// Receives one callback delivery.
pub async fn receive(
    State(app): State<SharedApp>,
    RawBody(body): RawBody,
) -> Result<Json<Value>, ApiError> {
    let callback = match verify_callback(&body, &app.signer) {
        Ok(callback) => callback,
        Err(error) => {
            app.metrics.callback("rejected");
            tracing::warn!(%error, "callback rejected");
            let (code, field) = match error {
                CallbackError::InvalidSignature => {
                    (ProblemCode::InvalidSignature, Some("signature"))
                }
                CallbackError::MissingSignature => {
                    (ProblemCode::MissingSignature, Some("signature"))
                }
                CallbackError::NotJson(_) | CallbackError::NotAnObject => {
                    (ProblemCode::MalformedCallback, Some("body"))
                }
            };
            return Err(ApiError::bad_request(code, error.to_string(), field));
        }
    };
    if let Some(project) = callback.project()
        && project != app.config.project_id.to_string()
    {
        app.metrics.callback("rejected");
        return Err(ApiError::bad_request(
            ProblemCode::WrongProject,
            format!("the callback is for project {project}, not this server's"),
            Some("project_id"),
        ));
    }
    // Verified JSON is UTF-8: store it exactly as received.
    let text = String::from_utf8_lossy(&body);
    let update = status_update(&callback, &app.config.redirect_policy);
    let payment_id = callback.payment_id();
    let (outcome, payment) = app
        .store
        .record_callback(payment_id, &text, &update)
        .await?;
    app.metrics.callback(outcome.as_str());
    app.metrics.report_stored(outcome, payment.as_ref());
    tracing::info!(
        payment_id = payment_id.unwrap_or("-"),
        platform_status = update.platform_status.as_deref().unwrap_or("-"),
        outcome = outcome.as_str(),
        status = payment.as_ref().map(|p| p.status.as_str()).unwrap_or("-"),
        "callback"
    );
    Ok(Json(json!({ "status": "ok", "outcome": outcome.as_str() })))
}
