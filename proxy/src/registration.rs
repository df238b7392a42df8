//! Registering a payment with the platform (a Gate sale or payout), and applying the
//! platform's status answers, which the reconciler asks for as well.

use crate::app::SharedApp;
use crate::platform::status_update;
use crate::problem::ApiError;
use crate::store::{CallbackOutcome, Payment, StoreError};
use doku_protocol::{CheckoutStatus, Transition};
use ecommpay::GateError;
use ecommpay::gate::GateResponse;

/// What asking the platform about a payment came to.
pub enum Asked {
    /// The platform answered; its answer was recorded and applied like a callback.
    Applied(CallbackOutcome),
    /// The platform could not be asked (the error is counted and logged).
    Unanswered,
}

/// Asks the platform for the status of `payment_id` (counted in the metrics); records its
/// answer (for audit) and applies it like a callback.
pub async fn ask_status(app: &SharedApp, payment_id: &str) -> Result<Asked, StoreError> {
    let answer = match app.gate.status(app.config.project_id, payment_id).await {
        Ok(answer) => answer,
        Err(error) => {
            app.metrics.platform_call("status", "error");
            tracing::info!(payment_id, %error, "status check failed");
            return Ok(Asked::Unanswered);
        }
    };
    app.metrics.platform_call("status", "ok");
    let body = serde_json::to_string(&answer).unwrap_or_default();
    let update = status_update(&answer, &app.config.redirect_policy);
    let (outcome, stored) = app
        .store
        .record_status_answer(payment_id, &body, &update)
        .await?;
    app.metrics.report_stored(outcome, stored.as_ref());
    Ok(Asked::Applied(outcome))
}

/// Settles what the Gate request `call` (`sale`, `payout`) for `payment` came to: once
/// the platform has the payment it moves to `registered`. When the request failed, the
/// platform is asked about the payment: the request may have gone through with its
/// answer lost (a resend is then refused as a duplicate). If the platform knows it, its
/// answer is applied like a callback; if not, the failure is the answer (502).
pub async fn settle_registration(
    app: &SharedApp,
    payment: &Payment,
    call: &'static str,
    sent: Result<GateResponse, GateError>,
    registered: CheckoutStatus,
) -> Result<Payment, ApiError> {
    match sent {
        Ok(_) => app.metrics.platform_call(call, "ok"),
        Err(error) => {
            app.metrics.platform_call(call, "error");
            if let Asked::Unanswered = ask_status(app, &payment.id).await? {
                return Err(ApiError::platform(error));
            }
        }
    }
    app.store
        .modify_payment(&payment.id, |p| {
            p.status.advance(registered) == Transition::Moved
        })
        .await?
        .ok_or_else(|| ApiError::internal(format!("payment {} vanished", payment.id)))
}
