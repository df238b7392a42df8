//! A payment as the sandbox keeps it, its status moves (a final status never changes),
//! and the view tests inspect.

use crate::delivery::Delivery;
use crate::doku::DokuSession;
use crate::money;
use crate::outcome::Outcome;
use ecommpay::gate::ReturnUrl;
use ecommpay::{PaymentStatus, RedirectData};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Instant;
use time::OffsetDateTime;
use time::macros::format_description;

/// A payment's identity: its project and the merchant's payment id.
pub type PaymentKey = (u64, String);

/// What kind of payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A DOKU Wallet purchase (operation `sale`).
    Purchase,
    /// A DOKU Wallet payout (operation `payout`).
    Payout,
}

/// How the payment was opened, and what that interface needs.
#[derive(Debug, Clone)]
pub enum Origin {
    /// Payment Page.
    PaymentPage(PageState),
    /// Gate, with where the customer returns after DOKU.
    Gate {
        /// The sale's `return_url`.
        return_url: Option<ReturnUrl>,
    },
}

/// A Payment Page payment's own state.
#[derive(Debug, Clone)]
pub struct PageState {
    /// The token in the payment's page URL (`/payment/{token}`).
    pub token: String,
    /// The signed parameters it was opened with (to recognise a reload).
    pub params: BTreeMap<String, String>,
    /// The customer chose DOKU Wallet (or `force_payment_method=doku`).
    pub method_chosen: bool,
    /// `redirect_success_url`.
    pub success_url: Option<String>,
    /// `redirect_fail_url`.
    pub fail_url: Option<String>,
}

/// A timed step the background clock takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Send a Gate sale's customer to DOKU (the intermediate callback).
    Redirect,
    /// Process a payout.
    Payout,
}

/// An amount and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Minor units.
    pub amount: u64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// One payment.
#[derive(Debug)]
pub struct Payment {
    /// The project.
    pub project_id: u64,
    /// The merchant's payment id.
    pub payment_id: String,
    /// Purchase or payout.
    pub kind: Kind,
    /// Payment Page or Gate.
    pub origin: Origin,
    /// The merchant's customer id.
    pub customer_id: String,
    /// The customer's first name, once known.
    pub first_name: Option<String>,
    /// The customer's email, once known.
    pub email: Option<String>,
    /// The e-wallet number (payouts: as requested; purchases: once paid).
    pub account_number: Option<String>,
    /// The merchant's description.
    pub description: String,
    /// The amount as requested.
    pub initial: Money,
    /// The amount charged, in IDR minor units.
    pub converted: u64,
    /// The payment's status.
    pub status: PaymentStatus,
    /// The result, once final.
    pub outcome: Option<Outcome>,
    /// The platform's operation id (also DOKU's `TRANSIDMERCHANT`).
    pub operation_id: u64,
    /// The id of the request that created it.
    pub request_id: String,
    /// When it was created.
    pub created: OffsetDateTime,
    /// When its status last changed.
    pub updated: OffsetDateTime,
    /// Past this, the payment is declined.
    pub deadline: Instant,
    /// A step the clock takes at a time.
    pub due: Option<(Instant, Due)>,
    /// The DOKU session, once the customer is sent to DOKU.
    pub doku: Option<DokuSession>,
    /// DOKU's payment id, once paid.
    pub provider_payment_id: String,
    /// When DOKU processed it.
    pub provider_date: Option<OffsetDateTime>,
    /// The request's `merchant_callback_url`.
    pub callback_url: Option<String>,
    /// The last non-final callback body (replayed stale by the out-of-order fault).
    pub last_pending_callback: Option<Value>,
    /// Every callback delivery, in the order they were created.
    pub deliveries: Vec<Delivery>,
}

impl Payment {
    /// The payment's key.
    pub fn key(&self) -> PaymentKey {
        (self.project_id, self.payment_id.clone())
    }

    /// Moves to a non-final `status`; refused (false) once the payment is final.
    pub fn advance(&mut self, status: PaymentStatus, now: OffsetDateTime) -> bool {
        if self.status.is_final() {
            return false;
        }
        self.status = status;
        self.updated = now;
        true
    }

    /// Ends the payment with `outcome`; refused (false) once the payment is final.
    pub fn finish(
        &mut self,
        outcome: Outcome,
        now: OffsetDateTime,
        provider_payment_id: String,
    ) -> bool {
        let status = if outcome.is_success() {
            PaymentStatus::Success
        } else {
            PaymentStatus::Decline
        };
        if !self.advance(status, now) {
            return false;
        }
        self.outcome = Some(outcome);
        self.due = None;
        if outcome.is_success() {
            self.provider_payment_id = provider_payment_id;
            self.provider_date = Some(now);
        }
        true
    }

    /// The Payment Page state, for a Payment Page payment.
    pub fn page(&self) -> Option<&PageState> {
        match &self.origin {
            Origin::PaymentPage(page) => Some(page),
            Origin::Gate { .. } => None,
        }
    }

    /// Where the customer goes once the payment is final (or to see where it stands):
    /// Payment Page: `redirect_success_url` / `redirect_fail_url`, else the payment's
    /// page; Gate: the sale's `return_url` (`success` / `decline`, else `return`), else
    /// DOKU's test purchase confirmation page.
    pub fn return_url(&self, base_url: &str) -> String {
        let success = self.status == PaymentStatus::Success;
        let final_ = self.status.is_final();
        match &self.origin {
            Origin::PaymentPage(page) => {
                let chosen = if success {
                    &page.success_url
                } else {
                    &page.fail_url
                };
                chosen
                    .clone()
                    .filter(|_| final_)
                    .unwrap_or_else(|| format!("{base_url}/payment/{}", page.token))
            }
            Origin::Gate { return_url } => {
                let urls = return_url.as_ref().filter(|_| final_);
                let chosen = urls
                    .and_then(|urls| {
                        if success {
                            urls.success.clone()
                        } else {
                            urls.decline.clone()
                        }
                    })
                    .or_else(|| urls.and_then(|urls| urls.r#return.clone()));
                chosen.unwrap_or_else(|| match &self.doku {
                    Some(doku) => format!("{base_url}/doku/Suite/Payment/{}", doku.session_id),
                    None => format!("{base_url}/"),
                })
            }
        }
    }

    /// What tests and the control API see.
    pub fn view(&self, redirect_data: Option<RedirectData>) -> PaymentView {
        PaymentView {
            project_id: self.project_id,
            payment_id: self.payment_id.clone(),
            kind: self.kind,
            interface: match self.origin {
                Origin::PaymentPage(_) => "payment_page",
                Origin::Gate { .. } => "gate",
            },
            status: self.status.to_string(),
            code: self.outcome.map(|o| o.code.to_string()),
            message: self.outcome.map(|o| o.message.to_string()),
            sum_initial: self.initial.clone(),
            sum_converted: Money {
                amount: self.converted,
                currency: "IDR".into(),
            },
            amount_display: money::rupiah(self.converted),
            operation_id: self.operation_id,
            request_id: self.request_id.clone(),
            created: callback_date(self.created),
            updated: callback_date(self.updated),
            page_token: self.page().map(|page| page.token.clone()),
            doku_session: self.doku.as_ref().map(|doku| doku.session_id.clone()),
            redirect_data,
            deliveries: self.deliveries.clone(),
        }
    }
}

/// A payment as tests and `GET /sandbox/projects/{id}/payments/{payment_id}` see it.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    /// The project.
    pub project_id: u64,
    /// The merchant's payment id.
    pub payment_id: String,
    /// `purchase` or `payout`.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// `payment_page` or `gate`.
    pub interface: &'static str,
    /// The platform status (`success`, `decline`, `awaiting redirect result`, ...).
    pub status: String,
    /// The result code, once final.
    pub code: Option<String>,
    /// The result message, once final.
    pub message: Option<String>,
    /// The amount as requested.
    pub sum_initial: Money,
    /// The amount charged in IDR minor units.
    pub sum_converted: Money,
    /// The charged amount as DOKU's page shows it (`Rp 10.000`).
    pub amount_display: String,
    /// The platform's operation id.
    pub operation_id: u64,
    /// The id of the request that created it.
    pub request_id: String,
    /// Created, in the callback date format.
    pub created: String,
    /// Last status change, in the callback date format.
    pub updated: String,
    /// The Payment Page token (`/payment/{token}`), for Payment Page payments.
    pub page_token: Option<String>,
    /// DOKU's `SESSIONID`, once the customer is sent to DOKU.
    pub doku_session: Option<String>,
    /// Where the customer is sent to pay (while awaiting the DOKU result).
    pub redirect_data: Option<RedirectData>,
    /// Every callback delivery with its attempts.
    pub deliveries: Vec<Delivery>,
}

/// A date as callbacks write it: `2018-12-14T09:21:58+0000` (UTC).
pub fn callback_date(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// A date as DOKU's `REQUESTDATETIME` writes it: `YYYYMMDDhhmmss` (UTC).
pub fn doku_date(at: OffsetDateTime) -> String {
    let format = format_description!("[year][month][day][hour][minute][second]");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{CANCELLED, SUCCESS};
    use time::macros::datetime;

    #[test]
    fn dates_are_written_as_the_platform_and_doku_write_them() {
        let at = datetime!(2018-12-14 16:21:58 +07:00);
        assert_eq!(callback_date(at), "2018-12-14T09:21:58+0000");
        assert_eq!(doku_date(at), "20181214092158");
    }

    fn payment() -> Payment {
        let now = OffsetDateTime::now_utc();
        Payment {
            project_id: 1,
            payment_id: "p".into(),
            kind: Kind::Purchase,
            origin: Origin::Gate { return_url: None },
            customer_id: "c".into(),
            first_name: None,
            email: None,
            account_number: None,
            description: String::new(),
            initial: Money {
                amount: 100_000,
                currency: "IDR".into(),
            },
            converted: 100_000,
            status: PaymentStatus::Processing,
            outcome: None,
            operation_id: 1,
            request_id: "r".into(),
            created: now,
            updated: now,
            deadline: Instant::now(),
            due: Some((Instant::now(), Due::Redirect)),
            doku: None,
            provider_payment_id: String::new(),
            provider_date: None,
            callback_url: None,
            last_pending_callback: None,
            deliveries: Vec::new(),
        }
    }

    #[test]
    fn a_final_status_never_changes() {
        let mut payment = payment();
        let now = OffsetDateTime::now_utc();
        assert!(payment.advance(PaymentStatus::AwaitingRedirectResult, now));
        assert!(payment.finish(CANCELLED, now, String::new()));
        assert_eq!(payment.status, PaymentStatus::Decline);
        assert_eq!(payment.due, None);
        assert!(!payment.finish(SUCCESS, now, "342205".into()));
        assert!(!payment.advance(PaymentStatus::Processing, now));
        assert_eq!(payment.status, PaymentStatus::Decline);
        assert_eq!(payment.outcome, Some(CANCELLED));
        assert_eq!(payment.provider_payment_id, "");
    }
}
