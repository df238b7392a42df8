//! Checkout sessions: the widget opens (or finds) the payment for an order, then asks
//! for its status. One idempotency key, or one live payment per order, means one
//! payment however often the customer clicks, retries or reloads; a paid order takes
//! none (its payment holds the order in the database, see `Payment::open_order_id`).

use super::orders::find_order;
use crate::app::SharedApp;
use crate::config::origin_of;
use crate::extract::{ApiJson, ApiPath};
use crate::ids::new_id;
use crate::platform;
use crate::problem::ApiError;
use crate::registration::settle_registration;
use crate::store::{Customer, Inserted, Mode, NewPayment, Payment, PaymentKind, now_millis};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use doku_protocol::payment_id::is_payment_id;
use doku_protocol::{
    CheckoutStatus, CreateSession, Email, Field, FieldError, FirstName, Locale, Problem,
    ProblemCode, SessionView,
};
use std::net::{IpAddr, SocketAddr};

/// The header carrying the widget's idempotency key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The widget's key, checked ([`attempt_key`]).
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let problem = |error| ApiError::invalid(Problem::new(Field::IdempotencyKey, error));
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .ok_or_else(|| problem(FieldError::Required))?
        .to_str()
        .map_err(|_| problem(FieldError::Format("idempotency key")))?;
    attempt_key(key).map_err(problem)
}

/// An attempt's key, checked: 8 to 128 characters of `A-Z a-z 0-9 - _ . :`.
pub fn attempt_key(key: &str) -> Result<String, FieldError> {
    let key = key.trim();
    if key.is_empty() {
        return Err(FieldError::Required);
    }
    if key.len() > 128 {
        return Err(FieldError::TooLong { max: 128 });
    }
    if let Some(found) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.:".contains(*c)))
    {
        return Err(FieldError::Character { found });
    }
    if key.len() < 8 {
        return Err(FieldError::Format(
            "idempotency key of at least 8 characters",
        ));
    }
    Ok(key.to_string())
}

/// The customer's IP: from the configured trusted header, else the connection. Of a
/// list (`x-forwarded-for: a, b`, or the header sent several times) the last address
/// counts: the one the merchant's own reverse proxy appended; earlier ones come from
/// the client and may be forged.
pub fn customer_ip(app: &SharedApp, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    app.config
        .trusted_proxy_header
        .as_deref()
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer.ip())
}

/// The page the customer returns to: the requested one if its origin is allowed, else
/// the hosted checkout of the order.
fn return_page(
    app: &SharedApp,
    requested: Option<&str>,
    order_id: &str,
) -> Result<String, ApiError> {
    match requested.map(str::trim).filter(|url| !url.is_empty()) {
        None => Ok(app.config.public(&format!("/pay/{order_id}"))),
        Some(url) => {
            let allowed = origin_of(url)
                .is_some_and(|origin| app.config.allowed_origins.contains(&origin))
                && url.len() <= 2048
                && !url.chars().any(|c| c.is_control() || c.is_whitespace());
            if allowed {
                // Drop any fragment: the proxy appends `payment_id` to the query.
                Ok(url.split('#').next().unwrap_or(url).to_string())
            } else {
                Err(ApiError::invalid(Problem::new(
                    Field::ReturnUrl,
                    FieldError::Format("URL on one of this server's allowed origins"),
                )))
            }
        }
    }
}

/// A customer id for the platform when the merchant gave none: derived from the email
/// with the secret key, so it is stable per customer but reveals nothing.
fn derived_customer_id(app: &SharedApp, email: &Email) -> String {
    let digest = app
        .signer
        .sign_value(&serde_json::json!({ "customer": email.as_str().to_ascii_lowercase() }));
    let id: String = digest
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect();
    format!("c_{id}")
}

/// The widget's view of a payment.
pub fn session_view(payment: &Payment) -> SessionView {
    SessionView {
        payment_id: payment.id.clone(),
        status: payment.status,
        is_final: payment.status.is_final(),
        amount: payment.amount,
        currency: payment.currency,
        code: payment.code.clone(),
        message: payment.message.clone(),
        redirect_data: payment
            .redirect
            .clone()
            .filter(|_| !payment.status.is_final()),
    }
}

/// One attempt to pay an order, checked: what the widget's request (or the hosted
/// checkout's form) asks for.
#[derive(Debug)]
pub struct Attempt {
    /// The idempotency key ([`attempt_key`]).
    pub key: String,
    /// The order to pay.
    pub order_id: String,
    /// Who pays.
    pub first_name: FirstName,
    /// Their email.
    pub email: Email,
    /// Their language, for the platform's pages.
    pub locale: Option<Locale>,
    /// The page to return to, if not the hosted checkout.
    pub return_url: Option<String>,
    /// The customer's IP ([`customer_ip`]).
    pub ip: IpAddr,
}

/// `POST /api/checkout/sessions`.
pub async fn create(
    State(app): State<SharedApp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateSession>,
) -> Result<(StatusCode, Json<SessionView>), ApiError> {
    let key = idempotency_key(&headers)?;
    let first_name =
        FirstName::parse_field(&body.customer.first_name).map_err(ApiError::invalid)?;
    let email = Email::parse_field(&body.customer.email).map_err(ApiError::invalid)?;
    let locale = body
        .locale
        .as_deref()
        .map(|tag| {
            Locale::from_tag(tag).ok_or_else(|| {
                ApiError::invalid(Problem::new(
                    Field::Locale,
                    FieldError::Format("locale (en or id)"),
                ))
            })
        })
        .transpose()?;
    let attempt = Attempt {
        key,
        order_id: body.order_id.trim().to_string(),
        first_name,
        email,
        locale,
        return_url: body.return_url,
        ip: customer_ip(&app, &headers, peer),
    };
    let (status, payment) = open(&app, attempt).await?;
    Ok((status, Json(session_view(&payment))))
}

/// Opens (or finds) the payment for `attempt`: 201 with a new payment, 200 with the one
/// this attempt (or this customer) already has.
pub async fn open(app: &SharedApp, attempt: Attempt) -> Result<(StatusCode, Payment), ApiError> {
    let Attempt {
        key,
        order_id,
        first_name,
        email,
        locale,
        return_url,
        ip,
    } = attempt;
    let order = find_order(app, &order_id).await?;
    let return_page = return_page(app, return_url.as_deref(), &order.id)?;
    let now = now_millis();
    let config = &app.config;
    let mode = config.mode;
    let mut new = NewPayment {
        id: new_id("pay"),
        kind: PaymentKind::Purchase,
        mode,
        order_id: Some(order.id.clone()),
        idempotency_key: Some(key.clone()),
        payout_ref: None,
        amount: order.amount.minor,
        currency: order.amount.currency,
        customer: Customer {
            id: order
                .customer_id
                .clone()
                .unwrap_or_else(|| derived_customer_id(app, &email)),
            first_name: Some(first_name.to_string()),
            email: Some(email.to_string()),
            ip: Some(ip.to_string()),
        },
        account: None,
        status: CheckoutStatus::Created,
        redirect: None,
        expires_at: now + millis(config.threshold),
        next_check_at: now + millis(config.purchase_check_after),
    };
    if mode == Mode::PaymentPage {
        let draft = platform::Charge::from(&new);
        let redirect = platform::payment_page_redirect(
            config,
            &app.signer,
            &draft,
            &order.description,
            locale,
            &return_page,
        )
        .map_err(|e| ApiError::bad_request(ProblemCode::PaymentPageRefused, e.to_string(), None))?;
        new.redirect = Some(redirect);
        new.status = CheckoutStatus::Pending;
    }

    let (status, payment) = match app.store.insert_payment(new).await? {
        Inserted::New(payment) => (StatusCode::CREATED, payment),
        // The paid payment holds the order for good.
        Inserted::Existing(payment) if payment.status.is_paid() => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ProblemCode::OrderPaid,
                format!("order {} is already paid", order.id),
                Some("order_id"),
            ));
        }
        // The same attempt again, or the same customer in another tab: continue it.
        Inserted::Existing(payment)
            if payment.idempotency_key.as_deref() == Some(key.as_str())
                || same_customer(&payment, &email) =>
        {
            (StatusCode::OK, payment)
        }
        // Someone else's live payment: its redirect carries their details.
        Inserted::Existing(_) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ProblemCode::PaymentInProgress,
                format!(
                    "another customer is paying order {}; try again once that payment ends",
                    order.id
                ),
                Some("order_id"),
            ));
        }
    };
    let payment = if payment.mode == Mode::Gate && payment.status == CheckoutStatus::Created {
        register_sale(app, payment, &order.description, &return_page).await?
    } else {
        payment
    };
    tracing::info!(payment_id = %payment.id, order_id = %order.id, status = %payment.status, "checkout session");
    Ok((status, payment))
}

/// Whether `payment` was opened by the customer with `email`.
fn same_customer(payment: &Payment, email: &Email) -> bool {
    payment
        .customer
        .email
        .as_deref()
        .is_some_and(|stored| stored.eq_ignore_ascii_case(email.as_str()))
}

/// Sends the Gate sale for `payment`; see [`settle_registration`].
async fn register_sale(
    app: &SharedApp,
    payment: Payment,
    description: &str,
    return_page: &str,
) -> Result<Payment, ApiError> {
    let sale = platform::doku_sale(
        &app.config,
        &platform::Charge::from(&payment),
        description,
        return_page,
    );
    let sent = app.gate.doku_sale(&sale).await;
    settle_registration(
        app,
        &payment,
        "sale",
        sent,
        CheckoutStatus::AwaitingRedirect,
    )
    .await
}

/// `GET /api/checkout/sessions/{payment_id}`: the authoritative status.
pub async fn view(
    State(app): State<SharedApp>,
    ApiPath(payment_id): ApiPath,
) -> Result<Json<SessionView>, ApiError> {
    let not_found = || {
        ApiError::not_found(
            ProblemCode::PaymentNotFound,
            format!("there is no payment {payment_id:?}"),
            Some("payment_id"),
        )
    };
    if !is_payment_id(&payment_id) {
        return Err(not_found());
    }
    let payment = app
        .store
        .payment(&payment_id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(session_view(&payment)))
}

/// A duration in milliseconds, saturating.
pub fn millis(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn key(value: &str) -> Result<String, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_str(value).unwrap());
        idempotency_key(&headers)
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert_eq!(
            key("9b2f1c1e-5a7d-4c1b-9a55-0d6f2c1e7b10").unwrap(),
            "9b2f1c1e-5a7d-4c1b-9a55-0d6f2c1e7b10"
        );
        assert_eq!(
            key("short").unwrap_err().field.as_deref(),
            Some("Idempotency-Key")
        );
        assert!(key("has space inside").is_err());
        assert!(key(&"k".repeat(129)).is_err());
        assert!(idempotency_key(&HeaderMap::new()).is_err());
    }
}
