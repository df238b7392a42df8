//! The emulated DOKU Wallet page: `POST /doku/Suite/Receive` takes the platform's form,
//! then `/doku/Suite/Payment/{session}` shows the test purchase with its **Success** and
//! **Decline** buttons, asks for a missing name or email, and shows the confirmation.

use crate::contact::{self, ContactForm};
use crate::doku::{DokuError, field, optional_field};
use crate::html::{self, Brand, escape};
use crate::money;
use crate::outcome::{self, Choice, EXPIRED};
use crate::payment::{Payment, PaymentKey};
use crate::payment_page::pairs;
use crate::sandbox::{Sandbox, Store};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ecommpay::PaymentStatus;

/// `POST /doku/Suite/Receive`: checks the form and its `WORDS` against the session, then
/// sends the customer to the session's page.
pub async fn receive(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let form = pairs(&body);
    let mut guard = sandbox.lock();
    let store = &mut *guard;
    let session_id = match field(&form, "SESSIONID") {
        Ok(session_id) => session_id.to_string(),
        Err(error) => return refusal(&error),
    };
    let Some((key, project)) = session(&sandbox, store, &session_id) else {
        return refusal(&DokuError::UnknownSession);
    };
    let Some(payment) = store.payments.get_mut(&key) else {
        return refusal(&DokuError::UnknownSession);
    };
    let Some(doku) = payment.doku.as_mut() else {
        return refusal(&DokuError::UnknownSession);
    };
    if let Err(error) = doku.check(&form, &project.doku) {
        return refusal(&error);
    }
    // DOKU takes a name or email the merchant left out from the form, when valid.
    if payment.first_name.is_none()
        && let Ok(Some(name)) = optional_field(&form, "NAME")
        && let Ok(name) = contact::first_name(name)
    {
        doku.name.clone_from(&name);
        payment.first_name = Some(name);
    }
    if payment.email.is_none()
        && let Ok(Some(email)) = optional_field(&form, "EMAIL")
        && let Ok(email) = contact::email(email)
    {
        doku.email.clone_from(&email);
        payment.email = Some(email);
    }
    doku.received = true;
    Redirect::to(&page_url(&sandbox, &session_id)).into_response()
}

/// `GET /doku/Suite/Payment/{session}`: the step the session is at.
pub async fn show(State(sandbox): State<Sandbox>, Path(session_id): Path<String>) -> Response {
    let store = sandbox.lock();
    let payment = match received(&sandbox, &store, &session_id) {
        Ok((_, payment)) => payment,
        Err(unavailable) => return unavailable.into_response(),
    };
    let merchant = sandbox.project_name(payment.project_id);
    if payment.status.is_final() {
        return final_page(StatusCode::OK, &sandbox, payment, &merchant);
    }
    if payment.first_name.is_none() || payment.email.is_none() {
        return details_page(
            StatusCode::OK,
            &sandbox,
            payment,
            &merchant,
            &details_form(),
            None,
        );
    }
    let body = format!(
        r#"{summary}<p class="muted">Test purchase: choose the result of this payment.</p>
<form method="post" action="{action}">
<button type="submit" name="action" value="success" id="doku-success">Success</button>
<button type="submit" name="action" value="decline" id="doku-decline">Decline</button>
</form>"#,
        summary = summary(payment, &merchant),
        action = escape(&page_url(&sandbox, &session_id)),
    );
    html::respond(StatusCode::OK, Brand::Doku, "Pay with DOKU Wallet", &body)
}

/// `POST /doku/Suite/Payment/{session}` with `action=success|decline`.
pub async fn act(
    State(sandbox): State<Sandbox>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let form = pairs(&body);
    let mut guard = sandbox.lock();
    let store = &mut *guard;
    let (key, payment) = match received(&sandbox, store, &session_id) {
        Ok(found) => found,
        Err(unavailable) => return unavailable.into_response(),
    };
    let merchant = sandbox.project_name(payment.project_id);
    if payment.status.is_final() {
        return if payment.outcome == Some(EXPIRED) {
            final_page(StatusCode::CONFLICT, &sandbox, payment, &merchant)
        } else {
            // A repeated press: the result stands; go where the first press went.
            Redirect::to(&payment.return_url(sandbox.base_url())).into_response()
        };
    }
    let choice = match optional_field(&form, "action") {
        Ok(Some("success")) => Choice::Success,
        Ok(Some("decline")) => Choice::Decline,
        Ok(Some(other)) => {
            return page_error(&format!("action must be success or decline, not {other:?}"));
        }
        Ok(None) => return page_error("action is required: press Success or Decline"),
        Err(error) => return page_error(&error.to_string()),
    };
    if payment.first_name.is_none() || payment.email.is_none() {
        return details_page(
            StatusCode::BAD_REQUEST,
            &sandbox,
            payment,
            &merchant,
            &details_form(),
            Some("Enter your name and email before paying."),
        );
    }
    let test = sandbox.project(key.0).is_some_and(|p| p.test);
    let result = outcome::purchase(test, payment.converted, choice);
    sandbox.finish(store, &key, result);
    match store.payments.get(&key) {
        Some(payment) => Redirect::to(&payment.return_url(sandbox.base_url())).into_response(),
        None => page_error("the payment disappeared"),
    }
}

/// DOKU's details form.
fn details_form() -> ContactForm {
    ContactForm::new(("name", "Name"), "email")
}

/// `POST /doku/Suite/Payment/{session}/customer`: the name and email DOKU asked for.
pub async fn submit_details(
    State(sandbox): State<Sandbox>,
    Path(session_id): Path<String>,
    body: Bytes,
) -> Response {
    let mut guard = sandbox.lock();
    let store = &mut *guard;
    let key = match received(&sandbox, store, &session_id) {
        Ok((key, _)) => key,
        Err(unavailable) => return unavailable.into_response(),
    };
    let Some(payment) = store.payments.get_mut(&key) else {
        return page_error("the payment disappeared");
    };
    let here = page_url(&sandbox, &session_id);
    if payment.status.is_final() {
        return Redirect::to(&here).into_response();
    }
    let mut form = details_form();
    match form.read(&pairs(&body)) {
        Some((name, email)) => {
            if let Some(doku) = payment.doku.as_mut() {
                doku.name.clone_from(&name);
                doku.email.clone_from(&email);
            }
            payment.first_name = Some(name);
            payment.email = Some(email);
            Redirect::to(&here).into_response()
        }
        None => {
            let merchant = sandbox.project_name(payment.project_id);
            details_page(
                StatusCode::BAD_REQUEST,
                &sandbox,
                payment,
                &merchant,
                &form,
                None,
            )
        }
    }
}

fn page_url(sandbox: &Sandbox, session_id: &str) -> String {
    format!("{}/doku/Suite/Payment/{session_id}", sandbox.base_url())
}

/// The payment and project of `session_id`.
fn session<'a>(
    sandbox: &'a Sandbox,
    store: &Store,
    session_id: &str,
) -> Option<(PaymentKey, &'a crate::config::ProjectConfig)> {
    let key = store.sessions.get(session_id)?.clone();
    let project = sandbox.project(key.0)?;
    Some((key, project))
}

/// Why a session's page cannot be shown.
enum Unavailable {
    /// No such session.
    Unknown,
    /// DOKU has not received the merchant's form for it yet.
    NotReceived,
}

impl IntoResponse for Unavailable {
    fn into_response(self) -> Response {
        match self {
            Unavailable::Unknown => html::respond(
                StatusCode::NOT_FOUND,
                Brand::Doku,
                "Session not found",
                &html::paragraph(Some("error"), Some("error"), "No DOKU session has this id."),
            ),
            Unavailable::NotReceived => page_error(
                "this page opens once the merchant's form has been posted to /doku/Suite/Receive",
            ),
        }
    }
}

/// The payment of a session whose form DOKU has received.
fn received<'s>(
    sandbox: &Sandbox,
    store: &'s Store,
    session_id: &str,
) -> Result<(PaymentKey, &'s Payment), Unavailable> {
    let (key, _) = session(sandbox, store, session_id).ok_or(Unavailable::Unknown)?;
    let payment = store.payments.get(&key).ok_or(Unavailable::Unknown)?;
    if !payment.doku.as_ref().is_some_and(|doku| doku.received) {
        return Err(Unavailable::NotReceived);
    }
    Ok((key, payment))
}

/// DOKU's error page for a refused form (HTTP 400).
fn refusal(error: &DokuError) -> Response {
    page_error(&error.to_string())
}

fn page_error(message: &str) -> Response {
    html::respond(
        StatusCode::BAD_REQUEST,
        Brand::Doku,
        "Payment request refused",
        &format!(
            "{}{}",
            html::paragraph(
                Some("error"),
                Some("error"),
                &format!("DOKU cannot process this request: {message}.")
            ),
            html::paragraph(None, Some("muted"), "Nothing was charged."),
        ),
    )
}

fn summary(payment: &Payment, merchant: &str) -> String {
    html::details(&[
        ("Merchant", merchant, "merchant"),
        ("Amount", &money::rupiah(payment.converted), "amount"),
        (
            "Transaction",
            &payment.operation_id.to_string(),
            "transaction",
        ),
    ])
}

fn details_page(
    status: StatusCode,
    sandbox: &Sandbox,
    payment: &Payment,
    merchant: &str,
    form: &ContactForm,
    error: Option<&str>,
) -> Response {
    let session_id = payment
        .doku
        .as_ref()
        .map(|d| d.session_id.as_str())
        .unwrap_or_default();
    let body = format!(
        r#"{summary}{error}<p>DOKU Wallet needs your name and email.</p>
<form method="post" action="{action}">
{inputs}
<button type="submit" id="details-submit">Continue</button>
</form>"#,
        summary = summary(payment, merchant),
        error = error
            .map(|e| html::paragraph(Some("error"), Some("error"), e))
            .unwrap_or_default(),
        action = escape(&format!("{}/customer", page_url(sandbox, session_id))),
        inputs = form.inputs(payment.first_name.as_deref(), payment.email.as_deref()),
    );
    html::respond(status, Brand::Doku, "Your details", &body)
}

/// The confirmation of a finished test purchase, or the notice that it expired.
fn final_page(
    status: StatusCode,
    sandbox: &Sandbox,
    payment: &Payment,
    merchant: &str,
) -> Response {
    let back = format!(
        r#"<p><a id="return" href="{}">Return to the merchant</a></p>"#,
        escape(&payment.return_url(sandbox.base_url()))
    );
    if payment.outcome == Some(EXPIRED) {
        let body = format!(
            "{}{}{back}",
            summary(payment, merchant),
            html::paragraph(
                Some("expired"),
                Some("error"),
                "This payment expired: it was not completed within the merchant's time limit. Nothing was charged.",
            )
        );
        return html::respond(status, Brand::Doku, "Payment expired", &body);
    }
    let title = if payment.status == PaymentStatus::Success {
        "Test purchase confirmed: success"
    } else {
        "Test purchase confirmed: declined"
    };
    let body = format!(
        "{}{}{back}",
        summary(payment, merchant),
        html::details(&[
            ("Status", payment.status.as_str(), "result-status"),
            (
                "Code",
                payment.outcome.map(|o| o.code).unwrap_or_default(),
                "result-code"
            ),
            (
                "Message",
                payment.outcome.map(|o| o.message).unwrap_or_default(),
                "result-message"
            ),
        ])
    );
    html::respond(status, Brand::Doku, title, &body)
}
