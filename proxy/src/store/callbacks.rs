//! The platform's reports (callbacks and status answers): each one is stored (raw, for audit) in the same
//! transaction as the state change it causes, so a callback acknowledged with 200 is
//! never lost and never applied twice.

use super::payments::{COLUMNS, MAX_CAS_ATTEMPTS, Payment, StatusUpdate, read_payment, write_back};
use super::{Store, StoreError, now_millis};
use doku_protocol::Transition;
use sqlx::Row;

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// It moved the payment forward (or brought its redirect).
    Applied,
    /// It repeated what was already known.
    Duplicate,
    /// It would have moved the payment backwards (e.g. `processing` after `success`):
    /// recorded, ignored.
    Stale,
    /// It names a payment this proxy does not know: recorded.
    UnknownPayment,
}

impl CallbackOutcome {
    /// `applied`, `duplicate`, `stale` or `unknown_payment`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackOutcome::Applied => "applied",
            CallbackOutcome::Duplicate => "duplicate",
            CallbackOutcome::Stale => "stale",
            CallbackOutcome::UnknownPayment => "unknown_payment",
        }
    }
}

/// Where a platform report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A callback the platform sent.
    Callback,
    /// The platform's answer to our status request.
    StatusAnswer,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Callback => "callback",
            Source::StatusAnswer => "status_answer",
        }
    }
}

/// A stored callback delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackRecord {
    /// The payment it named.
    pub payment_id: Option<String>,
    /// When it arrived (Unix ms).
    pub received_at: i64,
    /// The platform's status in it.
    pub platform_status: Option<String>,
    /// What it did.
    pub outcome: String,
    /// `callback` or `status_answer`.
    pub source: String,
    /// The body exactly as received.
    pub body: String,
}

impl Store {
    /// Records a verified callback `body` for `payment_id` and applies `update`, in one
    /// transaction. Returns what it did and the payment as stored afterwards.
    pub async fn record_callback(
        &self,
        payment_id: Option<&str>,
        body: &str,
        update: &StatusUpdate,
    ) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
        self.record(Source::Callback, payment_id, body, update)
            .await
    }

    /// Like [`Store::record_callback`], for the platform's answer to a status request.
    pub async fn record_status_answer(
        &self,
        payment_id: &str,
        body: &str,
        update: &StatusUpdate,
    ) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
        self.record(Source::StatusAnswer, Some(payment_id), body, update)
            .await
    }

    async fn record(
        &self,
        source: Source,
        payment_id: Option<&str>,
        body: &str,
        update: &StatusUpdate,
    ) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
        for _ in 0..MAX_CAS_ATTEMPTS {
            let mut tx = self.pool.begin().await?;
            let payment = match payment_id {
                Some(id) => sqlx::query(&format!("SELECT {COLUMNS} FROM payments WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|row| read_payment(&row))
                    .transpose()?,
                None => None,
            };
            let (outcome, payment) = match payment {
                None => (CallbackOutcome::UnknownPayment, None),
                Some(mut payment) => match payment.apply(update) {
                    Transition::Moved => {
                        if !write_back(&mut *tx, &mut payment).await? {
                            // A concurrent writer won: start again from its state.
                            tx.rollback().await?;
                            continue;
                        }
                        (CallbackOutcome::Applied, Some(payment))
                    }
                    Transition::Unchanged => (CallbackOutcome::Duplicate, Some(payment)),
                    Transition::Refused => (CallbackOutcome::Stale, Some(payment)),
                },
            };
            sqlx::query(
                "INSERT INTO callbacks (payment_id, received_at, platform_status, outcome, body, source) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(payment_id)
            .bind(now_millis())
            .bind(update.platform_status.as_deref())
            .bind(outcome.as_str())
            .bind(body)
            .bind(source.as_str())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok((outcome, payment));
        }
        Err(StoreError::Contention(format!(
            "payment {payment_id:?} kept changing under concurrent callbacks"
        )))
    }

    /// Every stored delivery for `payment_id`, oldest first.
    pub async fn callbacks_for(&self, payment_id: &str) -> Result<Vec<CallbackRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT payment_id, received_at, platform_status, outcome, body, source FROM callbacks \
             WHERE payment_id = $1 ORDER BY id",
        )
        .bind(payment_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(CallbackRecord {
                    payment_id: row.try_get("payment_id")?,
                    received_at: row.try_get("received_at")?,
                    platform_status: row.try_get("platform_status")?,
                    outcome: row.try_get("outcome")?,
                    source: row.try_get("source")?,
                    body: row.try_get("body")?,
                })
            })
            .collect()
    }
}
