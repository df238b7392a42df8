//! Callback bodies (and status answers, which share the format), in the seed's format,
//! built from the `ecommpay` crate's callback types and signed with the project's key.

use crate::doku::RECEIVE_PATH;
use crate::payment::{Kind, Payment, callback_date};
use ecommpay::PaymentStatus;
use ecommpay::Signer;
use ecommpay::callback::{
    Account, Callback, Customer, Operation, Payment as CallbackPayment, Provider, RedirectData,
    Sum, Text,
};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// DOKU's provider id on the platform (from the method page's examples).
const PROVIDER_ID: &str = "1162";
/// The provider endpoint payouts go through (from the method page's payout example).
const PAYOUT_ENDPOINT: &str = "04";
/// The payment method's name in callbacks.
const METHOD: &str = "Doku";

/// The payment's current state, signed.
pub fn current(payment: &Payment, base_url: &str, signer: &Signer) -> Value {
    let redirect = redirect_data(payment, base_url);
    build(payment, &payment.status, payment.updated, redirect, signer)
}

/// A stale `processing` callback dated at the payment's creation, signed.
pub fn stale_processing(payment: &Payment, signer: &Signer) -> Value {
    build(
        payment,
        &PaymentStatus::Processing,
        payment.created,
        None,
        signer,
    )
}

/// Where the customer goes to pay: a POST of DOKU's form to the emulated DOKU page, while
/// the payment awaits that result.
pub fn redirect_data(payment: &Payment, base_url: &str) -> Option<RedirectData> {
    let doku = payment.doku.as_ref()?;
    (payment.status == PaymentStatus::AwaitingRedirectResult).then(|| RedirectData {
        method: "POST".into(),
        url: format!("{base_url}{RECEIVE_PATH}"),
        body: doku.fields(),
    })
}

fn sum(amount: u64, currency: &str) -> Option<Sum> {
    Some(Sum {
        amount: i64::try_from(amount).unwrap_or(i64::MAX),
        currency: currency.to_string(),
    })
}

fn text(value: impl ToString) -> Option<Text> {
    Some(Text(value.to_string()))
}

fn build(
    payment: &Payment,
    status: &PaymentStatus,
    date: OffsetDateTime,
    redirect: Option<RedirectData>,
    signer: &Signer,
) -> Value {
    let date = callback_date(date);
    let outcome = payment.outcome.filter(|_| status.is_final());
    let payout = payment.kind == Kind::Payout;
    let provider = Provider {
        id: text(PROVIDER_ID),
        payment_id: text(&payment.provider_payment_id),
        date: payment
            .provider_date
            .filter(|_| status.is_final())
            .map(callback_date),
        auth_code: text(""),
        endpoint_id: payout.then(|| Text(PAYOUT_ENDPOINT.into())),
        ..Provider::default()
    };
    let callback = Callback {
        project_id: text(payment.project_id),
        payment: Some(CallbackPayment {
            id: text(&payment.payment_id),
            kind: Some(if payout { "payout" } else { "purchase" }.into()),
            status: Some(status.clone()),
            date: Some(date.clone()),
            method: Some(METHOD.into()),
            sum: sum(payment.initial.amount, &payment.initial.currency),
            description: Some(payment.description.clone()),
            ..CallbackPayment::default()
        }),
        account: payment.account_number.as_ref().map(|number| Account {
            number: text(number),
            ..Account::default()
        }),
        customer: Some(Customer {
            id: text(&payment.customer_id),
            ..Customer::default()
        }),
        operation: Some(Operation {
            id: text(payment.operation_id),
            kind: Some(if payout { "payout" } else { "sale" }.into()),
            status: Some(status.to_string()),
            date: Some(date),
            created_date: Some(callback_date(payment.created)),
            request_id: text(&payment.request_id),
            sum_initial: sum(payment.initial.amount, &payment.initial.currency),
            sum_converted: sum(payment.converted, "IDR"),
            provider: Some(provider),
            code: outcome.map(|o| Text(o.code.into())),
            message: outcome.map(|o| o.message.to_string()),
            ..Operation::default()
        }),
        redirect_data: redirect,
        ..Callback::default()
    };
    let mut body = serde_json::to_value(&callback).unwrap_or_default();
    // The platform sends the `encrypted` service field (empty, so unsigned) with
    // redirect data; the library's type leaves it out.
    if let Some(redirect) = body.get_mut("redirect_data").and_then(Value::as_object_mut) {
        redirect.insert("encrypted".into(), json!([]));
    }
    let signature = signer.sign_value(&body);
    if let Some(object) = body.as_object_mut() {
        object.insert("signature".into(), Value::String(signature));
    }
    body
}
