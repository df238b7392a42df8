//! Orders: created by the merchant's backend (authenticated), read by the widget.

use crate::app::SharedApp;
use crate::extract::{ApiJson, ApiPath, integer};
use crate::problem::ApiError;
use crate::store::{NewOrder, Order};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use doku_protocol::{Description, Field, OrderAmount, OrderView, Problem, ProblemCode};
use serde::{Deserialize, Serialize};

/// `POST /api/orders` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrder {
    /// Minor units (for IDR: hundredths of a rupiah, whole rupiah only).
    pub amount: serde_json::Number,
    /// ISO 4217 code; DOKU charges IDR, converting other currencies.
    pub currency: String,
    /// What is being paid for.
    pub description: String,
    /// The merchant's id for the customer, sent to the platform.
    #[serde(default)]
    pub customer_id: Option<String>,
}

/// `POST /api/orders` answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedOrder {
    /// The new order's id.
    pub order_id: String,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: String,
    /// Description.
    pub description: String,
    /// The merchant's customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Whether the platform converts the amount to IDR (rounded to 1,000.00 IDR).
    pub converted_to_idr: bool,
    /// A hosted checkout page for this order (a payment link).
    pub checkout_url: String,
}

/// The longest merchant customer id accepted.
const MAX_CUSTOMER_ID: usize = 64;

/// Checks a merchant customer id: printable ASCII without `;`, at most 64 characters.
pub fn parse_customer_id(id: &str) -> Result<String, Problem> {
    use doku_protocol::FieldError;
    let id = id.trim();
    let problem = |error| Problem::new(Field::CustomerId, error);
    if id.is_empty() {
        return Err(problem(FieldError::Required));
    }
    if id.chars().count() > MAX_CUSTOMER_ID {
        return Err(problem(FieldError::TooLong {
            max: MAX_CUSTOMER_ID,
        }));
    }
    if let Some(found) = id.chars().find(|c| !c.is_ascii_graphic() || *c == ';') {
        return Err(problem(FieldError::Character { found }));
    }
    Ok(id.to_string())
}

/// `POST /api/orders`: the merchant creates an order; the amount is checked with the
/// shared rules.
pub async fn create(
    State(app): State<SharedApp>,
    ApiJson(body): ApiJson<CreateOrder>,
) -> Result<(StatusCode, Json<CreatedOrder>), ApiError> {
    let amount = OrderAmount::parse(
        integer(&body.amount, "amount")?,
        &body.currency,
        app.config.kyc,
    )
    .map_err(ApiError::invalid)?;
    let description = Description::parse(&body.description)
        .map_err(|e| ApiError::invalid(Problem::new(Field::Description, e)))?;
    let customer_id = body
        .customer_id
        .as_deref()
        .map(parse_customer_id)
        .transpose()
        .map_err(ApiError::invalid)?;
    let order = app
        .store
        .insert_order(NewOrder {
            amount,
            description: description.to_string(),
            customer_id,
        })
        .await?;
    tracing::info!(order_id = %order.id, amount = order.amount.minor, currency = %order.amount.currency, "order created");
    Ok((StatusCode::CREATED, Json(created(&app, order))))
}

fn created(app: &SharedApp, order: Order) -> CreatedOrder {
    CreatedOrder {
        checkout_url: app.config.public(&format!("/pay/{}", order.id)),
        order_id: order.id,
        amount: order.amount.minor,
        currency: order.amount.currency.to_string(),
        description: order.description,
        customer_id: order.customer_id,
        converted_to_idr: order.amount.is_converted(),
    }
}

/// Whether `id` has the shape of an order id (so nothing else reaches the database).
pub fn is_order_id(id: &str) -> bool {
    id.len() <= 64 && !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Loads order `id`, or answers 404 naming `order_id`.
pub async fn find_order(app: &SharedApp, id: &str) -> Result<Order, ApiError> {
    checked_order_id(id)?;
    app.store
        .order(id)
        .await?
        .ok_or_else(|| order_not_found(id))
}

/// Loads order `id` and whether it is paid, or answers 404 naming `order_id`.
async fn find_order_and_paid(app: &SharedApp, id: &str) -> Result<(Order, bool), ApiError> {
    checked_order_id(id)?;
    app.store
        .order_and_paid(id)
        .await?
        .ok_or_else(|| order_not_found(id))
}

/// Turns away (as not found) what does not have the shape of an order id, so it never
/// reaches the database.
fn checked_order_id(id: &str) -> Result<(), ApiError> {
    if is_order_id(id) {
        Ok(())
    } else {
        Err(order_not_found(id))
    }
}

fn order_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        ProblemCode::OrderNotFound,
        format!("there is no order {id:?}"),
        Some("order_id"),
    )
}

/// What the widget shows before payment of order `id`, or 404 naming `order_id`.
pub async fn find_order_view(app: &SharedApp, id: &str) -> Result<OrderView, ApiError> {
    let (order, paid) = find_order_and_paid(app, id).await?;
    Ok(OrderView {
        order_id: order.id,
        amount: order.amount.minor,
        currency: order.amount.currency,
        description: order.description,
        paid,
    })
}

/// `GET /api/checkout/orders/{order_id}`: what the widget shows before payment.
pub async fn view(
    State(app): State<SharedApp>,
    ApiPath(order_id): ApiPath,
) -> Result<Json<OrderView>, ApiError> {
    find_order_view(&app, &order_id).await.map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_ids() {
        assert_eq!(parse_customer_id(" cust-42 ").unwrap(), "cust-42");
        assert!(parse_customer_id("").is_err());
        assert!(parse_customer_id("a;b").is_err());
        assert!(parse_customer_id("a b").is_err());
        assert!(parse_customer_id(&"x".repeat(65)).is_err());
    }

    #[test]
    fn order_id_shape() {
        assert!(is_order_id("ord_abc234"));
        assert!(!is_order_id("../etc"));
        assert!(!is_order_id(""));
    }
}
