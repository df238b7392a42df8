//! Registering a payment with the platform (a Gate sale or payout), and applying the
//! platform's status answers, which the reconciler asks for as well.

use crate::app::SharedApp;
use crate::platform::status_update;
use crate::problem::ApiError;
use crate::store::{CallbackOutcome, Payment, StoreError};
use doku_protocol::{CheckoutStatus, Transition};
use ecommpay::gate::GateResponse;
use ecommpay::{Callback, GateError};

/// Records the platform's status `answer` for `payment_id` (for audit) and applies it
/// like a callback.
pub async fn apply_status_answer(
    app: &SharedApp,
    payment_id: &str,
    answer: &Callback,
) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
    let body = serde_json::to_string(answer).unwrap_or_default();
    let update = status_update(answer, &app.config.redirect_policy);
    let (outcome, stored) = app
        .store
        .record_status_answer(payment_id, &body, &update)
        .await?;
    app.metrics.report_stored(outcome, stored.as_ref());
    Ok((outcome, stored))
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
            let Ok(answer) = app.gate.status(app.config.project_id, &payment.id).await else {
                return Err(ApiError::platform(error));
            };
            app.metrics.platform_call("status", "ok");
            apply_status_answer(app, &payment.id, &answer).await?;
        }
    }
    app.store
        .modify_payment(&payment.id, |p| {
            p.status.advance(registered) == Transition::Moved
        })
        .await?
        .ok_or_else(|| ApiError::internal(format!("payment {} vanished", payment.id)))
}
