//! Gate: `POST /v2/payment/wallet/doku/sale`, `.../payout` and `/v2/payment/status`,
//! JSON signed in `general.signature`. Sales and payouts are only registered here;
//! results come by callback.

use crate::callback_body;
use crate::config::is_http_url;
use crate::contact;
use crate::money::to_idr;
use crate::payment::{Kind, Money, Origin, PaymentKey};
use crate::request_error::RequestError;
use crate::sandbox::{NewPayment, Sandbox};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecommpay::Signer;
use ecommpay::callback::signature_of;
use ecommpay::gate::{DokuPayout, DokuSale, GateResponse};
use ecommpay::payment_page::is_currency;
use serde_json::Value;
use std::net::IpAddr;
use std::time::Duration;

/// Paths every sale and payout needs, in the order they are checked.
const REQUIRED: [&str; 7] = [
    "general.project_id",
    "general.payment_id",
    "general.signature",
    "payment.amount",
    "payment.currency",
    "customer.id",
    "customer.ip_address",
];
/// Paths a payout needs as well.
const PAYOUT_REQUIRED: [&str; 2] = ["account.number", "account.customer_name"];
/// Paths a status request needs.
const STATUS_REQUIRED: [&str; 3] = [
    "general.project_id",
    "general.payment_id",
    "general.signature",
];

#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Sale,
    Payout,
    Status,
}

/// `POST /v2/payment/wallet/doku/sale`.
pub async fn sale(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    gate(&sandbox, &body, Endpoint::Sale).await
}

/// `POST /v2/payment/wallet/doku/payout`.
pub async fn payout(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    gate(&sandbox, &body, Endpoint::Payout).await
}

/// `POST /v2/payment/status`.
pub async fn status(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    gate(&sandbox, &body, Endpoint::Status).await
}

/// Applies the Gate faults of the payment named in the body, then answers.
async fn gate(sandbox: &Sandbox, body: &[u8], endpoint: Endpoint) -> Response {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value @ Value::Object(_)) => value,
        Ok(other) => {
            let found = match other {
                Value::Array(_) => "a list",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                _ => "a literal",
            };
            return refused(&RequestError::NotJson(format!("found {found}")));
        }
        Err(error) => return refused(&RequestError::NotJson(error.to_string())),
    };
    let named = value["general"]["project_id"]
        .as_u64()
        .zip(value["general"]["payment_id"].as_str())
        .map(|(project, payment)| (project, payment.to_string()));
    let (fail, delay) = match &named {
        Some(key) => {
            let mut store = sandbox.lock();
            let delay = store.faults(key).gate_delay_ms;
            let fail = store
                .faults_mut(key)
                .is_some_and(|faults| faults.take_gate_error());
            (fail, delay)
        }
        None => (false, 0),
    };
    if fail {
        tracing::info!(?named, "gate request failed by fault injection");
        let body = GateResponse {
            status: "error".into(),
            request_id: None,
            project_id: None,
            payment_id: None,
            code: Some(Value::String("500".into())),
            message: Some("Internal error (injected by the sandbox's gate_errors fault)".into()),
        };
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response();
    }
    let response = match endpoint {
        Endpoint::Sale => register(sandbox, &value, Kind::Purchase),
        Endpoint::Payout => register(sandbox, &value, Kind::Payout),
        Endpoint::Status => status_of(sandbox, &value),
    };
    if delay > 0 {
        // The request is done; only the answer is late.
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    response.unwrap_or_else(|error| refused(&error))
}

/// HTTP 400 (404 for an unknown payment) with `{status, code, message}`.
fn refused(error: &RequestError) -> Response {
    let status = match error {
        RequestError::NotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    let body = GateResponse {
        status: "error".into(),
        request_id: None,
        project_id: None,
        payment_id: None,
        code: Some(Value::String(error.code().into())),
        message: Some(error.to_string()),
    };
    (status, Json(body)).into_response()
}

/// The value at a dotted `path`.
fn at<'v>(value: &'v Value, path: &str) -> &'v Value {
    path.split('.').fold(value, |value, key| &value[key])
}

fn require(value: &Value, paths: &[&str]) -> Result<(), RequestError> {
    for path in paths {
        match at(value, path) {
            Value::Null => return Err(RequestError::Missing((*path).into())),
            Value::String(text) if text.trim().is_empty() => {
                return Err(RequestError::Missing((*path).into()));
            }
            _ => {}
        }
    }
    Ok(())
}

fn text<'v>(value: &'v Value, path: &str) -> Result<&'v str, RequestError> {
    at(value, path)
        .as_str()
        .ok_or_else(|| RequestError::invalid(path, "must be a string"))
}

/// Checks presence, project and signature; the key of the payment named.
fn authenticate(
    sandbox: &Sandbox,
    value: &Value,
    required: &[&str],
) -> Result<PaymentKey, RequestError> {
    require(value, required)?;
    let project_id = at(value, "general.project_id")
        .as_u64()
        .filter(|id| *id > 0)
        .ok_or_else(|| RequestError::invalid("general.project_id", "must be a positive integer"))?;
    let payment_id = text(value, "general.payment_id")?;
    let project = sandbox
        .project(project_id)
        .ok_or(RequestError::UnknownProject(project_id))?;
    let signature = signature_of(value)
        .map_err(|_| RequestError::invalid("general.signature", "must be a string"))?;
    if !Signer::new(&project.secret_key).verify_value(value, signature) {
        return Err(RequestError::Signature);
    }
    Ok((project_id, payment_id.to_string()))
}

/// Registers a sale or payout.
fn register(sandbox: &Sandbox, value: &Value, kind: Kind) -> Result<Response, RequestError> {
    let mut required = REQUIRED.to_vec();
    if kind == Kind::Payout {
        required.extend(PAYOUT_REQUIRED);
    }
    let (project_id, payment_id) = authenticate(sandbox, value, &required)?;
    if payment_id.chars().count() > 255 {
        return Err(RequestError::invalid(
            "general.payment_id",
            "must be at most 255 characters",
        ));
    }
    at(value, "payment.amount")
        .as_u64()
        .filter(|amount| *amount > 0)
        .ok_or_else(|| {
            RequestError::invalid(
                "payment.amount",
                "must be a positive integer of minor units",
            )
        })?;
    if !is_currency(text(value, "payment.currency")?) {
        return Err(RequestError::invalid(
            "payment.currency",
            "must be an ISO 4217 alpha-3 code such as IDR",
        ));
    }
    text(value, "customer.id")?;
    text(value, "customer.ip_address")?
        .parse::<IpAddr>()
        .map_err(|_| {
            RequestError::invalid("customer.ip_address", "must be an IPv4 or IPv6 address")
        })?;
    for path in [
        "customer.first_name",
        "customer.email",
        "payment.description",
    ] {
        if !at(value, path).is_null() {
            text(value, path)?;
        }
    }
    if let Some(email) = at(value, "customer.email").as_str()
        && let Err(reason) = contact::email(email)
    {
        return Err(RequestError::invalid("customer.email", reason));
    }
    let urls = [
        "general.merchant_callback_url",
        "return_url.success",
        "return_url.decline",
        "return_url.return",
    ];
    for path in urls {
        if !at(value, path).is_null() && !is_http_url(text(value, path)?) {
            return Err(RequestError::invalid(
                path,
                "must be an absolute http:// or https:// URL",
            ));
        }
    }
    let new = match kind {
        Kind::Purchase => {
            let sale: DokuSale = serde_json::from_value(value.clone())
                .map_err(|e| RequestError::invalid("body", e.to_string()))?;
            let payment = sale.payment;
            NewPayment {
                project_id,
                payment_id: payment_id.clone(),
                kind,
                origin: Origin::Gate {
                    return_url: sale.return_url,
                },
                customer_id: sale.customer.id,
                first_name: sale
                    .customer
                    .first_name
                    .and_then(|name| contact::first_name(&name).ok()),
                email: sale
                    .customer
                    .email
                    .and_then(|email| contact::email(&email).ok()),
                account_number: None,
                description: payment.description.unwrap_or_default(),
                converted: converted(sandbox, project_id, &payment.money)?,
                initial: Money {
                    amount: payment.money.amount,
                    currency: payment.money.currency,
                },
                callback_url: sale.general.merchant_callback_url,
            }
        }
        Kind::Payout => {
            let payout: DokuPayout = serde_json::from_value(value.clone())
                .map_err(|e| RequestError::invalid("body", e.to_string()))?;
            let payment = payout.payment;
            NewPayment {
                project_id,
                payment_id: payment_id.clone(),
                kind,
                origin: Origin::Gate { return_url: None },
                customer_id: payout.customer.id,
                first_name: None,
                email: None,
                account_number: Some(payout.account.number),
                description: payment.description.unwrap_or_default(),
                converted: converted(sandbox, project_id, &payment.money)?,
                initial: Money {
                    amount: payment.money.amount,
                    currency: payment.money.currency,
                },
                callback_url: payout.general.merchant_callback_url,
            }
        }
    };
    let key = sandbox.admit(new)?;
    let request_id = sandbox
        .lock()
        .payments
        .get(&key)
        .map(|payment| payment.request_id.clone());
    let body = GateResponse {
        status: "success".into(),
        request_id,
        project_id: Some(Value::from(project_id)),
        payment_id: Some(payment_id),
        code: None,
        message: None,
    };
    Ok(Json(body).into_response())
}

fn converted(
    sandbox: &Sandbox,
    project_id: u64,
    money: &ecommpay::gate::Money,
) -> Result<u64, RequestError> {
    let test = sandbox.project(project_id).is_some_and(|p| p.test);
    Ok(to_idr(
        money.amount,
        &money.currency,
        test,
        &sandbox.config().rates,
    )?)
}

/// The payment's current state in the callback format, signed.
fn status_of(sandbox: &Sandbox, value: &Value) -> Result<Response, RequestError> {
    let key = authenticate(sandbox, value, &STATUS_REQUIRED)?;
    let project = sandbox
        .project(key.0)
        .ok_or(RequestError::UnknownProject(key.0))?;
    let store = sandbox.lock();
    let payment = store
        .payments
        .get(&key)
        .ok_or_else(|| RequestError::NotFound {
            project_id: key.0,
            payment_id: key.1.clone(),
        })?;
    let body = callback_body::current(
        payment,
        sandbox.base_url(),
        &Signer::new(&project.secret_key),
    );
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn missing_paths_are_named_in_order() {
        let body = json!({"general": {"project_id": 1, "payment_id": "", "signature": "s"},
                          "payment": {"amount": 100}});
        assert_eq!(
            require(&body, &REQUIRED),
            Err(RequestError::Missing("general.payment_id".into()))
        );
        let body = json!({"general": {"project_id": 1, "payment_id": "p", "signature": "s"},
                          "payment": {"amount": 100, "currency": "IDR"}, "customer": {"id": "c"}});
        assert_eq!(
            require(&body, &REQUIRED),
            Err(RequestError::Missing("customer.ip_address".into()))
        );
        assert_eq!(at(&body, "payment.amount"), &json!(100));
        assert_eq!(at(&body, "payment.amount.deeper"), &Value::Null);
    }
}
