//! Callback delivery: POST to the merchant, retried with exponential backoff until it
//! answers HTTP 200 or the attempts run out, every attempt logged. Fault injection
//! (delay, duplicates, stale callbacks, dropped attempts) acts here.

use crate::faults::Faults;
use crate::payment::{PaymentKey, callback_date};
use crate::sandbox::Sandbox;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use time::OffsetDateTime;

/// One callback body on its way to the merchant.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// 1-based, in the order deliveries were created for the payment.
    pub number: usize,
    /// Why this delivery exists.
    pub copy: DeliveryCopy,
    /// The payment status the body carries.
    pub status: String,
    /// Where it goes; `None` when neither the request nor the project names a URL.
    pub url: Option<String>,
    /// The signed body, exactly as sent.
    pub body: Value,
    /// Every attempt so far.
    pub attempts: Vec<Attempt>,
    /// Where the delivery stands.
    pub state: DeliveryState,
}

/// Why a delivery exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryCopy {
    /// The callback for a status change.
    Original,
    /// The same body again (`duplicate_callbacks`).
    Duplicate,
    /// A stale non-final callback after the final one (`out_of_order`).
    Stale,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not attempted yet, or between attempts.
    Pending,
    /// The merchant answered HTTP 200.
    Delivered,
    /// Every attempt failed.
    GaveUp,
    /// There is no callback URL to deliver to.
    NoUrl,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// When it was made, in the callback date format.
    pub at: String,
    /// What happened.
    #[serde(flatten)]
    pub result: AttemptResult,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum AttemptResult {
    /// The merchant answered with this HTTP status.
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// No answer: connection refused, timeout, ...
    Error {
        /// What went wrong.
        message: String,
    },
    /// Dropped by `drop_first_attempts`: it never reached the merchant.
    Dropped,
}

impl Delivery {
    /// A pending delivery of `body`.
    pub fn new(number: usize, copy: DeliveryCopy, body: Value, url: Option<String>) -> Delivery {
        let status = body["payment"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Delivery {
            number,
            copy,
            status,
            url,
            body,
            attempts: Vec::new(),
            state: DeliveryState::Pending,
        }
    }
}

impl Sandbox {
    /// Runs the deliveries `indices` of payment `key` one after the other, each with
    /// its own retries. Ends early when the sandbox stops.
    pub(crate) async fn deliver(&self, key: PaymentKey, indices: Vec<usize>, faults: Faults) {
        for index in indices {
            if faults.callback_delay_ms > 0
                && !self
                    .pause(Duration::from_millis(faults.callback_delay_ms))
                    .await
            {
                return;
            }
            if !self
                .deliver_one(&key, index, faults.drop_first_attempts)
                .await
            {
                return;
            }
        }
    }

    /// One delivery with its retries; false when the sandbox stopped meanwhile.
    async fn deliver_one(&self, key: &PaymentKey, index: usize, drop_first: u32) -> bool {
        let Some((url, body)) = self.with_delivery(key, index, |d| (d.url.clone(), d.body.clone()))
        else {
            return true;
        };
        let Some(url) = url else {
            self.with_delivery(key, index, |d| d.state = DeliveryState::NoUrl);
            return true;
        };
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let delivery = self.config().delivery.clone();
        for attempt in 1..=delivery.max_attempts {
            let at = callback_date(OffsetDateTime::now_utc());
            let result = if attempt <= drop_first {
                AttemptResult::Dropped
            } else {
                self.post_callback(&url, &body).await
            };
            let delivered = result == AttemptResult::Http { status: 200 };
            tracing::info!(project = key.0, payment = %key.1, attempt, ?result, "callback attempt");
            let last = attempt == delivery.max_attempts;
            self.with_delivery(key, index, |d| {
                d.attempts.push(Attempt { at, result });
                if delivered {
                    d.state = DeliveryState::Delivered;
                } else if last {
                    d.state = DeliveryState::GaveUp;
                }
            });
            if delivered || last {
                return true;
            }
            if !self.pause(delivery.retry_delay(attempt)).await {
                return false;
            }
        }
        true
    }

    async fn post_callback(&self, url: &str, body: &[u8]) -> AttemptResult {
        let request = self
            .http()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_vec());
        match request.send().await {
            Ok(response) => AttemptResult::Http {
                status: response.status().as_u16(),
            },
            Err(error) => AttemptResult::Error {
                message: if error.is_timeout() {
                    "timed out".into()
                } else if error.is_connect() {
                    "connection failed".into()
                } else {
                    error.to_string()
                },
            },
        }
    }
}
