//! Translating between our payments and the platform: what to send it (a signed Payment
//! Page URL, a Gate sale or payout) and what its callbacks and status answers mean.

use crate::config::Config;
use crate::store::{Customer, NewPayment, Payment, PayoutAccount, StatusUpdate};
use doku_protocol::{
    BodyValue, CheckoutStatus, Currency, Locale, RedirectData, RedirectPolicy, UncheckedRedirect,
};
use ecommpay::gate::{self, DokuPayout, DokuSale, General, Money, ReturnUrl};
use ecommpay::{
    Callback, PaymentPageError, PaymentPageRequest, PaymentStatus, RedirectMode, Signer,
};
use serde::Deserialize;
use serde_json::Value;

/// What the platform needs to know about a payment to open it.
#[derive(Debug, Clone, Copy)]
pub struct Charge<'a> {
    /// The platform's payment_id.
    pub id: &'a str,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Who pays or is paid.
    pub customer: &'a Customer,
    /// When the threshold time runs out (Unix ms).
    pub expires_at: i64,
}

impl<'a> From<&'a Payment> for Charge<'a> {
    fn from(p: &'a Payment) -> Charge<'a> {
        Charge {
            id: &p.id,
            amount: p.amount,
            currency: p.currency,
            customer: &p.customer,
            expires_at: p.expires_at,
        }
    }
}

impl<'a> From<&'a NewPayment> for Charge<'a> {
    fn from(p: &'a NewPayment) -> Charge<'a> {
        Charge {
            id: &p.id,
            amount: p.amount,
            currency: p.currency,
            customer: &p.customer,
            expires_at: p.expires_at,
        }
    }
}

/// Our status for the platform's, or `None` for one that says nothing about the outcome.
pub fn checkout_status(status: &PaymentStatus) -> Option<CheckoutStatus> {
    use PaymentStatus::*;
    Some(match status {
        Success => CheckoutStatus::Success,
        Decline | Expired | Cancelled => CheckoutStatus::Decline,
        Refunded | PartiallyRefunded | Reversed => CheckoutStatus::Refunded,
        Processing
        | AwaitingRedirectResult
        | AwaitingCustomer
        | AwaitingClarification
        | ExternalProcessing
        | ExternalError
        | InternalError
        | Error => CheckoutStatus::Pending,
        Other(_) => return None,
    })
}

/// What a verified callback (or status answer) says about its payment; a redirect the
/// widget will refuse under `policy` is kept (so it says why) and logged.
pub fn status_update(callback: &Callback, policy: &RedirectPolicy) -> StatusUpdate {
    let operation = callback.operation.as_ref();
    let redirect = callback
        .redirect_data
        .as_ref()
        .map(|data| UncheckedRedirect {
            method: data.method.clone(),
            url: data.url.clone(),
            body: data
                .body
                .iter()
                .map(|(field, value)| (field.clone(), body_value(value)))
                .collect(),
        });
    if let Some(redirect) = &redirect
        && let Err(error) = RedirectData::validate(redirect, policy)
    {
        // Kept: the widget refuses it with a clear message instead of waiting forever.
        tracing::warn!(%error, "the platform sent a redirect the widget will refuse");
    }
    StatusUpdate {
        status: callback.status().and_then(checkout_status),
        platform_status: callback.status().map(|s| s.as_str().to_string()),
        code: operation
            .and_then(|o| o.code.as_ref())
            .map(|c| c.as_str().to_string()),
        message: operation.and_then(|o| o.message.clone()),
        redirect,
    }
}

/// A redirect body value read by the same rules as the widget reads it.
fn body_value(value: &Value) -> BodyValue {
    // The visitor accepts every JSON value (marking the ones it refuses).
    BodyValue::deserialize(value).unwrap_or(BodyValue::Unsupported("value"))
}

/// Where the customer comes back to: `return_page` with `payment_id` added.
pub fn return_url(return_page: &str, payment_id: &str) -> String {
    let separator = if return_page.contains('?') { '&' } else { '?' };
    format!("{return_page}{separator}payment_id={payment_id}")
}

/// `best_before` for a payment that expires at `expires_at` (Unix ms).
fn best_before(expires_at: i64) -> Option<String> {
    let time = time::OffsetDateTime::from_unix_timestamp(expires_at / 1000).ok()?;
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+00:00");
    time.format(&format).ok()
}

/// The Payment Page redirect (a GET to the signed URL) for a purchase.
pub fn payment_page_redirect(
    config: &Config,
    signer: &Signer,
    payment: &Charge<'_>,
    description: &str,
    locale: Option<Locale>,
    return_page: &str,
) -> Result<UncheckedRedirect, PaymentPageError> {
    let back = return_url(return_page, payment.id);
    let mut request = PaymentPageRequest::new(
        config.project_id,
        payment.id,
        payment.amount,
        payment.currency.as_str(),
        payment.customer.id.clone(),
    );
    request.customer_first_name = payment.customer.first_name.clone();
    request.customer_email = payment.customer.email.clone();
    request.force_payment_method = Some("doku".into());
    request.language_code = locale.map(|l| l.code().to_string());
    request.payment_description = Some(description.to_string()).filter(|d| !d.is_empty());
    request.merchant_callback_url = Some(config.public("/callbacks/ecommpay"));
    request.redirect_success_url = Some(back.clone());
    request.redirect_success_mode = Some(RedirectMode::ParentPage);
    request.redirect_fail_url = Some(back);
    request.redirect_fail_mode = Some(RedirectMode::ParentPage);
    request.best_before = best_before(payment.expires_at);
    Ok(UncheckedRedirect {
        method: "GET".into(),
        url: request.signed_url(&config.payment_page_url, signer)?,
        body: Vec::new(),
    })
}

fn general(config: &Config, payment: &Charge<'_>) -> General {
    General {
        project_id: config.project_id,
        payment_id: payment.id.to_string(),
        merchant_callback_url: Some(config.public("/callbacks/ecommpay")),
        signature: None,
    }
}

/// The Gate sale for a purchase; the customer returns to `return_page`.
pub fn doku_sale(
    config: &Config,
    payment: &Charge<'_>,
    description: &str,
    return_page: &str,
) -> DokuSale {
    let back = return_url(return_page, payment.id);
    DokuSale {
        general: general(config, payment),
        payment: gate::Payment {
            money: Money {
                amount: payment.amount,
                currency: payment.currency.as_str().to_string(),
            },
            description: Some(description.to_string()).filter(|d| !d.is_empty()),
        },
        customer: gate::Customer {
            id: payment.customer.id.clone(),
            ip_address: payment.customer.ip.clone().unwrap_or_default(),
            first_name: payment.customer.first_name.clone(),
            email: payment.customer.email.clone(),
        },
        return_url: Some(ReturnUrl {
            success: Some(back.clone()),
            decline: Some(back.clone()),
            r#return: Some(back),
        }),
    }
}

/// The Gate payout of `payment` to `account`.
pub fn doku_payout(config: &Config, payment: &Charge<'_>, account: &PayoutAccount) -> DokuPayout {
    DokuPayout {
        general: general(config, payment),
        payment: gate::Payment {
            money: Money {
                amount: payment.amount,
                currency: payment.currency.as_str().to_string(),
            },
            description: None,
        },
        customer: gate::Customer {
            id: payment.customer.id.clone(),
            ip_address: payment.customer.ip.clone().unwrap_or_default(),
            first_name: None,
            email: None,
        },
        account: gate::PayoutAccount {
            number: account.number.clone(),
            customer_name: account.name.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_statuses_map_to_ours() {
        assert_eq!(
            checkout_status(&PaymentStatus::Success),
            Some(CheckoutStatus::Success)
        );
        assert_eq!(
            checkout_status(&PaymentStatus::Decline),
            Some(CheckoutStatus::Decline)
        );
        assert_eq!(
            checkout_status(&PaymentStatus::Expired),
            Some(CheckoutStatus::Decline)
        );
        assert_eq!(
            checkout_status(&PaymentStatus::AwaitingRedirectResult),
            Some(CheckoutStatus::Pending)
        );
        assert_eq!(
            checkout_status(&PaymentStatus::Reversed),
            Some(CheckoutStatus::Refunded)
        );
        assert_eq!(
            checkout_status(&PaymentStatus::Other("mystery".into())),
            None
        );
    }

    #[test]
    fn return_urls_carry_the_payment_id() {
        assert_eq!(
            return_url("https://shop.example/pay", "pay_1"),
            "https://shop.example/pay?payment_id=pay_1"
        );
        assert_eq!(
            return_url("https://shop.example/pay?o=1", "pay_1"),
            "https://shop.example/pay?o=1&payment_id=pay_1"
        );
    }

    #[test]
    fn redirect_bodies_are_read_as_the_widget_reads_them() {
        let callback = ecommpay::Callback::from_value(serde_json::json!({
            "payment": {"id": "pay_1", "status": "awaiting 3ds result"},
            "redirect_data": {"method": "POST", "url": "https://pay.doku.com/Suite/Receive",
                "body": {"MALLID": 4038, "AMOUNT": "150000.00", "RATE": 1.5, "X": true, "Y": [1]}}
        }))
        .unwrap();
        let redirect = status_update(&callback, &RedirectPolicy::default())
            .redirect
            .unwrap();
        let body: std::collections::BTreeMap<_, _> = redirect.body.into_iter().collect();
        assert_eq!(body["MALLID"], BodyValue::Number("4038".into()));
        assert_eq!(body["AMOUNT"], BodyValue::Text("150000.00".into()));
        assert_eq!(body["RATE"], BodyValue::Number("1.5".into()));
        assert_eq!(body["X"], BodyValue::Unsupported("boolean"));
        assert_eq!(body["Y"], BodyValue::Unsupported("list"));
    }

    #[test]
    fn best_before_is_in_the_platform_format() {
        assert_eq!(
            best_before(1_700_000_000_000).as_deref(),
            Some("2023-11-14T22:13:20+00:00")
        );
    }
}
