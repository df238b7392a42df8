//! The hosted checkout of an order (`/pay/{order_id}`, a payment link, as the
//! platform's Dashboard offers). The page carries the form itself, in the widget's
//! markup and styles, so the customer can fill it in and pay as soon as the HTML has
//! arrived, before any script has loaded, or with none. Once the widget has loaded it
//! takes over in its shadow root, keeping what was typed. Without it, the form posts
//! back here: the proxy opens the session as it does for the widget and sends the
//! customer on to DOKU, and on their return the page shows the payment's status.
//!
//! The page's style and its scripts are inline, so nothing waits on another file
//! before the form can be used; the Content-Security-Policy allows exactly them, by
//! hash ([`markup::inline_sources`]).

mod markup;

pub use markup::{InlineSources, inline_sources};

use crate::api::orders::find_order_view;
use crate::api::sessions::{self, Attempt, attempt_key, customer_ip};
use crate::app::SharedApp;
use crate::extract::ApiPath;
use crate::pages::order_not_found;
use crate::problem::ApiError;
use crate::store::{Payment, now_millis};
use axum::Form;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use doku_protocol::i18n::{self, Msg};
use doku_protocol::payment_id::payment_id_param;
use doku_protocol::{
    CheckoutStatus, Email, Field, FirstName, OrderView, RedirectData, RedirectPolicy,
};
use markup::{Content, Filled, Visitor, checkout_page};
use serde::Deserialize;
use std::net::SocketAddr;

/// `GET /pay/{order_id}`: the order's form or, back from DOKU
/// (`?payment_id=pay_…`), its payment's status.
pub async fn show(
    State(app): State<SharedApp>,
    ApiPath(order_id): ApiPath,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Some(order) = order(&app, &order_id).await? else {
        return Ok(order_not_found());
    };
    let query = query.unwrap_or_default();
    let parameter = |name| payment_id_param(&query, name);
    let of_order = |payment: &Payment| payment.order_id.as_deref() == Some(order.order_id.as_str());
    let content = if let Some(id) = parameter(OPENING) {
        match app.store.payment(&id).await?.filter(of_order) {
            Some(payment) => opening(payment, &app.config.redirect_policy, now_millis())
                .unwrap_or_else(|msg| Content::Form(Filled::failed(msg))),
            None => Content::Form(Filled::default()),
        }
    } else {
        let returned_from = match parameter("payment_id") {
            Some(id) => app.store.payment(&id).await?.filter(of_order),
            None => None,
        };
        match returned_from {
            Some(payment) => Content::Status(Box::new(payment)),
            None if order.paid => Content::Notice(Msg::AlreadyPaid),
            None => Content::Form(Filled::default()),
        }
    };
    checkout_page(
        &app,
        &order,
        &Visitor::of(&headers),
        content,
        StatusCode::OK,
    )
}

/// The form as it is posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PayForm {
    /// The customer's first name.
    pub first_name: String,
    /// Their email.
    pub email: String,
    /// The attempt's key, from the page that showed the form.
    pub attempt: String,
}

/// `POST /pay/{order_id}`: the form, sent without the widget. Refused values show the
/// form again with their messages; otherwise the session opens and the customer goes
/// on to DOKU, or (303) to the page that waits for DOKU's redirect (Gate) or shows the
/// payment's result (the platform declined at once, the order was paid meanwhile).
pub async fn pay(
    State(app): State<SharedApp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiPath(order_id): ApiPath,
    headers: HeaderMap,
    Form(form): Form<PayForm>,
) -> Result<Response, ApiError> {
    let Some(order) = order(&app, &order_id).await? else {
        return Ok(order_not_found());
    };
    let visitor = Visitor::of(&headers);
    if !same_site(&app, &headers) {
        // Another site's page posted this: show the form, for the customer to send.
        let filled = Filled::failed(Msg::GenericError);
        return checkout_page(
            &app,
            &order,
            &visitor,
            Content::Form(filled),
            StatusCode::FORBIDDEN,
        );
    }
    let locale = visitor.locale;
    let first_name = FirstName::parse(&form.first_name);
    let email = Email::parse(&form.email);
    let key = attempt_key(&form.attempt);
    let (first_name, email, key) = match (first_name, email, key) {
        (Ok(first_name), Ok(email), Ok(key)) => (first_name, email, key),
        (first_name, email, key) => {
            let filled = Filled {
                errors: [
                    first_name
                        .err()
                        .map(|e| i18n::field_error(locale, Field::FirstName, &e)),
                    email
                        .err()
                        .map(|e| i18n::field_error(locale, Field::Email, &e)),
                ],
                form_error: key.is_err().then_some(Msg::GenericError),
                first_name: form.first_name,
                email: form.email,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return checkout_page(&app, &order, &visitor, Content::Form(filled), status);
        }
    };
    let attempt = Attempt {
        key,
        order_id: order.order_id.clone(),
        first_name,
        email,
        locale: Some(locale),
        return_url: None,
        ip: customer_ip(&app, &headers, peer),
    };
    let refused = |msg, status| {
        let filled = Filled {
            form_error: Some(msg),
            first_name: form.first_name.clone(),
            email: form.email.clone(),
            ..Filled::default()
        };
        checkout_page(&app, &order, &visitor, Content::Form(filled), status)
    };
    let payment = match sessions::open(&app, attempt).await {
        Ok((_, payment)) => payment,
        Err(error) => return refused(i18n::problem_msg(error.code()), error.status),
    };
    // Pages that show a payment have their own address, which a reload asks again.
    let see = |parameter: &str, payment_id: &str| {
        let path = format!("/pay/{}?{parameter}={payment_id}", order.order_id);
        Ok(Redirect::to(&path).into_response())
    };
    match opening(payment, &app.config.redirect_policy, now_millis()) {
        Ok(Content::Waiting(payment_id)) => see(OPENING, &payment_id),
        Ok(Content::Status(payment)) => see("payment_id", &payment.id),
        Ok(content) => checkout_page(&app, &order, &visitor, content, StatusCode::OK),
        Err(msg) => refused(msg, StatusCode::BAD_GATEWAY),
    }
}

/// The query parameter of the page that waits for DOKU's redirect (Gate).
const OPENING: &str = "opening";

/// How long the page waits for DOKU's redirect before it gives up, as the widget does.
const REDIRECT_WAIT_MS: i64 = 60_000;

/// The next step of a payment just opened, at `now` (Unix ms): on to DOKU through its
/// redirect (checked against `policy`), its result (the platform may decline at once),
/// or waiting for DOKU's redirect (Gate), for a while. `Err`: back to the form, with
/// this message.
fn opening(payment: Payment, policy: &RedirectPolicy, now: i64) -> Result<Content, Msg> {
    let waiting = matches!(
        payment.status,
        CheckoutStatus::Pending | CheckoutStatus::AwaitingRedirect
    );
    match payment.redirect.as_ref().filter(|_| waiting) {
        Some(unchecked) => match RedirectData::validate(unchecked, policy) {
            Ok(redirect) => Ok(Content::Continue(redirect)),
            Err(error) => {
                tracing::warn!(payment_id = %payment.id, %error, "redirect refused");
                Err(Msg::RedirectRefused)
            }
        },
        None if payment.status.is_final() => Ok(Content::Status(Box::new(payment))),
        None if now - payment.created_at > REDIRECT_WAIT_MS => {
            tracing::warn!(payment_id = %payment.id, "DOKU's redirect did not arrive in time");
            Err(Msg::PlatformUnavailable)
        }
        None => Ok(Content::Waiting(payment.id)),
    }
}

/// Whether the form came from one of this server's origins. Browsers send the origin
/// with a form (the page's referrer policy lets them); a request without one is not a
/// browser's cross-site post.
fn same_site(app: &SharedApp, headers: &HeaderMap) -> bool {
    headers.get(header::ORIGIN).is_none_or(|origin| {
        origin
            .to_str()
            .is_ok_and(|origin| app.config.allows_origin(origin))
    })
}

/// The order, or `None` if there is none of that id.
async fn order(app: &SharedApp, order_id: &str) -> Result<Option<OrderView>, ApiError> {
    match find_order_view(app, order_id).await {
        Ok(order) => Ok(Some(order)),
        Err(error) if error.status == StatusCode::NOT_FOUND => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_payment as payment;
    use doku_protocol::UncheckedRedirect;

    fn policy() -> RedirectPolicy {
        RedirectPolicy {
            allowed_hosts: vec!["paymentpage.ecommpay.com".into()],
        }
    }

    fn redirect_to(url: &str) -> Option<UncheckedRedirect> {
        Some(UncheckedRedirect {
            method: "GET".into(),
            url: url.into(),
            body: Vec::new(),
        })
    }

    #[test]
    fn a_payment_just_opened_goes_on_to_doku_when_its_redirect_passes() {
        let mut pending = payment(CheckoutStatus::Pending);
        pending.redirect = redirect_to("https://paymentpage.ecommpay.com/payment?a=1");
        let next = opening(pending.clone(), &policy(), 0);
        assert!(matches!(next, Ok(Content::Continue(_))));
        pending.redirect = redirect_to("https://evil.example/payment");
        let next = opening(pending, &policy(), 0);
        assert!(matches!(next, Err(Msg::RedirectRefused)));
    }

    #[test]
    fn without_a_redirect_it_waits_a_minute_then_gives_up() {
        let mut opened = payment(CheckoutStatus::AwaitingRedirect);
        opened.created_at = 1_000;
        let waiting = opening(opened.clone(), &policy(), 1_000 + REDIRECT_WAIT_MS);
        assert!(matches!(waiting, Ok(Content::Waiting(id)) if id == "pay_x"));
        let late = opening(opened, &policy(), 1_001 + REDIRECT_WAIT_MS);
        assert!(matches!(late, Err(Msg::PlatformUnavailable)));
    }

    #[test]
    fn a_final_payment_shows_its_result_even_with_a_redirect() {
        let mut declined = payment(CheckoutStatus::Decline);
        declined.redirect = redirect_to("https://paymentpage.ecommpay.com/payment");
        let next = opening(declined, &policy(), i64::MAX);
        assert!(matches!(next, Ok(Content::Status(payment)) if payment.id == "pay_x"));
    }
}
