//! `POST /api/payouts` (merchant-authenticated): pay out to a customer's DOKU e-wallet
//! through Gate. The result arrives by callback (typically within 5 minutes).

use super::orders::parse_customer_id;
use super::sessions::{customer_ip, millis};
use crate::app::SharedApp;
use crate::extract::{ApiJson, integer};
use crate::ids::new_id;
use crate::platform;
use crate::problem::ApiError;
use crate::registration::settle_registration;
use crate::store::{
    Customer, Inserted, Mode, NewPayment, Payment, PaymentKind, PayoutAccount, now_millis,
};
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use doku_protocol::{CheckoutStatus, Currency, Field, FieldError, FirstName, Idr, Problem};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};

/// `POST /api/payouts` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePayout {
    /// Minor units of IDR (whole rupiah, 1.00 to 10,000,000.00 IDR).
    pub amount: serde_json::Number,
    /// Must be `IDR`.
    pub currency: String,
    /// The e-wallet paid to.
    pub account: AccountInput,
    /// The customer.
    pub customer: PayoutCustomer,
    /// The merchant's reference: the same reference never pays twice.
    #[serde(default)]
    pub payout_id: Option<String>,
}

/// The e-wallet of a payout.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// The DOKU e-wallet number (digits).
    pub number: String,
    /// The holder's full name.
    pub customer_name: String,
}

/// The customer of a payout.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutCustomer {
    /// The merchant's customer id.
    pub id: String,
    /// The customer's IP address, if the merchant knows it (else the caller's).
    #[serde(default)]
    pub ip_address: Option<String>,
}

/// `POST /api/payouts` answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct PayoutView {
    /// The platform's payment_id of the payout.
    pub payment_id: String,
    /// The merchant's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payout_id: Option<String>,
    /// Where it stands.
    pub status: CheckoutStatus,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// The platform's result code, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The platform's result message, once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

fn invalid(field: Field, error: FieldError) -> ApiError {
    ApiError::invalid(Problem::new(field, error))
}

/// An e-wallet number: 4 to 32 digits.
fn account_number(number: &str) -> Result<String, ApiError> {
    let number = number.trim();
    if number.is_empty() {
        return Err(invalid(Field::AccountNumber, FieldError::Required));
    }
    if number.len() > 32 {
        return Err(invalid(
            Field::AccountNumber,
            FieldError::TooLong { max: 32 },
        ));
    }
    if let Some(found) = number.chars().find(|c| !c.is_ascii_digit()) {
        return Err(invalid(
            Field::AccountNumber,
            FieldError::Character { found },
        ));
    }
    if number.len() < 4 {
        return Err(invalid(
            Field::AccountNumber,
            FieldError::Format("e-wallet number of 4 to 32 digits"),
        ));
    }
    Ok(number.to_string())
}

/// A full name: the first-name rules, up to 100 characters.
fn account_name(name: &str) -> Result<String, ApiError> {
    const MAX: usize = 100;
    if name.trim().chars().count() > MAX {
        return Err(invalid(
            Field::AccountName,
            FieldError::TooLong { max: MAX },
        ));
    }
    // Split so the 50-character limit of a first name applies to no single word only.
    let words: Vec<String> = name
        .split_whitespace()
        .map(|word| FirstName::parse(word).map(|w| w.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|error| invalid(Field::AccountName, error))?;
    if words.is_empty() {
        return Err(invalid(Field::AccountName, FieldError::Required));
    }
    Ok(words.join(" "))
}

/// A payout reference: 1 to 64 characters of `A-Z a-z 0-9 - _`.
fn payout_ref(reference: &str) -> Result<String, ApiError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(invalid(Field::PayoutId, FieldError::Required));
    }
    if reference.len() > 64 {
        return Err(invalid(Field::PayoutId, FieldError::TooLong { max: 64 }));
    }
    if let Some(found) = reference
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(invalid(Field::PayoutId, FieldError::Character { found }));
    }
    Ok(reference.to_string())
}

fn view(payment: &Payment) -> PayoutView {
    PayoutView {
        payment_id: payment.id.clone(),
        payout_id: payment.payout_ref.clone(),
        status: payment.status,
        amount: payment.amount,
        currency: payment.currency,
        code: payment.code.clone(),
        message: payment.message.clone(),
    }
}

/// `POST /api/payouts`.
pub async fn create(
    State(app): State<SharedApp>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreatePayout>,
) -> Result<(StatusCode, Json<PayoutView>), ApiError> {
    let currency = Currency::parse(&body.currency).map_err(|e| invalid(Field::Currency, e))?;
    if currency != Currency::IDR {
        return Err(invalid(
            Field::Currency,
            FieldError::Format("payout currency: DOKU pays out in IDR only"),
        ));
    }
    let minor = u64::try_from(integer(&body.amount, "amount")?)
        .map_err(|_| invalid(Field::Amount, FieldError::BelowMinimum { min: Idr::MIN }))?;
    let amount = Idr::payout(minor).map_err(|e| invalid(Field::Amount, e))?;
    let account = PayoutAccount {
        number: account_number(&body.account.number)?,
        name: account_name(&body.account.customer_name)?,
    };
    let customer_id = parse_customer_id(&body.customer.id).map_err(ApiError::invalid)?;
    let ip = match body.customer.ip_address.as_deref() {
        Some(text) => text.trim().parse::<IpAddr>().map_err(|_| {
            ApiError::invalid(Problem::new(
                Field::CustomerIp,
                FieldError::Format("IP address"),
            ))
        })?,
        None => customer_ip(&app, &headers, peer),
    };
    let payout_ref = body.payout_id.as_deref().map(payout_ref).transpose()?;

    let now = now_millis();
    let new = NewPayment {
        id: new_id("po"),
        kind: PaymentKind::Payout,
        mode: Mode::Gate,
        order_id: None,
        idempotency_key: None,
        payout_ref,
        amount: amount.minor(),
        currency,
        customer: Customer {
            id: customer_id,
            first_name: None,
            email: None,
            ip: Some(ip.to_string()),
        },
        account: Some(account),
        status: CheckoutStatus::Created,
        redirect: None,
        expires_at: now + millis(app.config.threshold),
        next_check_at: now + millis(app.config.payout_check_after),
    };
    let (status, payment) = match app.store.insert_payment(new).await? {
        Inserted::New(payment) => (StatusCode::ACCEPTED, payment),
        Inserted::Existing(payment) => (StatusCode::OK, payment),
    };
    let payment = match (&payment.status, &payment.account) {
        (CheckoutStatus::Created, Some(account)) => send(&app, &payment, account).await?,
        _ => payment,
    };
    Ok((status, Json(view(&payment))))
}

/// Sends the Gate payout; see [`settle_registration`].
async fn send(
    app: &SharedApp,
    payment: &Payment,
    account: &PayoutAccount,
) -> Result<Payment, ApiError> {
    let payout = platform::doku_payout(&app.config, &platform::Charge::from(payment), account);
    let sent = app.gate.doku_payout(&payout).await;
    tracing::info!(payment_id = %payment.id, amount = payment.amount, sent = sent.is_ok(), "payout sent");
    settle_registration(app, payment, "payout", sent, CheckoutStatus::Pending).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payout_fields() {
        assert_eq!(account_number(" 654654654 ").unwrap(), "654654654");
        assert!(account_number("65x").is_err());
        assert!(account_number("123").is_err());
        assert_eq!(account_name(" John   Doe ").unwrap(), "John Doe");
        assert!(account_name("John <b>").is_err());
        assert!(account_name("  ").is_err());
        assert_eq!(payout_ref("po-2024_01").unwrap(), "po-2024_01");
        assert!(payout_ref("po 1").is_err());
    }
}
