//! The platform's reports (callbacks and status answers): each one is stored (raw, for
//! audit) in the same atomic write as the state change it causes, committed together
//! with whatever other reports arrive at the same time (`group_report`), so a callback
//! acknowledged with 200 is never lost and never applied twice.

use super::payments::{MAX_CAS_ATTEMPTS, Payment, StatusUpdate, WRITE_BACK};
use super::{Store, StoreError, now_millis};
use doku_protocol::Transition;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};
use std::sync::LazyLock;

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
pub(super) enum Source {
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

/// The columns of a stored report, in the order [`Report::bind`] binds them.
pub(super) const REPORT_COLUMNS: &str =
    "payment_id, received_at, platform_status, outcome, body, source";

/// Stores a report alone.
static INSERT_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO callbacks ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)")
});

/// PostgreSQL's way to move a payment and store its report in one statement: the
/// payment's compare-and-set, and the report inserted only if it took.
pub(super) static MOVE_AND_RECORD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH moved AS ({WRITE_BACK} RETURNING id) INSERT INTO callbacks ({REPORT_COLUMNS}) \
         SELECT $13, $14, $15, $16, $17, $18 FROM moved"
    )
});

/// A report about to be stored.
pub(super) struct Report {
    pub(super) payment_id: Option<String>,
    pub(super) received_at: i64,
    pub(super) platform_status: Option<String>,
    pub(super) body: String,
    pub(super) source: Source,
}

impl Report {
    /// Binds the report, with `outcome`, to the next six parameters of `query`.
    pub(super) fn bind<'q>(
        &'q self,
        query: Query<'q, Any, AnyArguments<'q>>,
        outcome: CallbackOutcome,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        query
            .bind(self.payment_id.as_deref())
            .bind(self.received_at)
            .bind(self.platform_status.as_deref())
            .bind(outcome.as_str())
            .bind(self.body.as_str())
            .bind(self.source.as_str())
    }

    /// The statement storing the report alone, with `outcome`.
    pub(super) fn insert(&self, outcome: CallbackOutcome) -> Query<'_, Any, AnyArguments<'_>> {
        self.bind(sqlx::query(&INSERT_REPORT), outcome)
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

    /// Reads the payment, decides what the report does to it, then stores the report
    /// and (if it moves the payment) the payment's new state in one atomic write: a
    /// compare-and-set, so a payment changed since it was read is read again. The read
    /// needs no transaction of its own.
    ///
    /// The payment as this instance last wrote or read it, if kept, stands in for the
    /// first read when the report would move it: the compare-and-set then checks it
    /// against the row (every write bumps the version). A report that would not move
    /// the kept copy is decided on a read, since another instance may have moved the
    /// payment since.
    async fn record(
        &self,
        source: Source,
        payment_id: Option<&str>,
        body: &str,
        update: &StatusUpdate,
    ) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
        let mut guess = payment_id.and_then(|id| self.known_payments.get(id));
        for _ in 0..MAX_CAS_ATTEMPTS {
            let guessed = guess.is_some();
            let read = match (guess.take(), payment_id) {
                (Some(kept), _) => Some(kept),
                (None, Some(id)) => self.payment(id).await?,
                (None, None) => None,
            };
            let report = Report {
                payment_id: payment_id.map(str::to_owned),
                received_at: now_millis(),
                platform_status: update.platform_status.clone(),
                body: body.to_owned(),
                source,
            };
            let Some(mut payment) = read else {
                let outcome = CallbackOutcome::UnknownPayment;
                self.reports.record(report, outcome).await?;
                return Ok((outcome, None));
            };
            let outcome = match payment.apply(update) {
                Transition::Moved => CallbackOutcome::Applied,
                Transition::Unchanged => CallbackOutcome::Duplicate,
                Transition::Refused => CallbackOutcome::Stale,
            };
            if outcome != CallbackOutcome::Applied {
                if guessed {
                    continue;
                }
                self.reports.record(report, outcome).await?;
                return Ok((outcome, Some(payment)));
            }
            if let Some(stored) = self.reports.move_and_record(report, payment).await? {
                self.known_payments.keep(&stored);
                return Ok((outcome, Some(stored)));
            }
            // A concurrent writer won: start again from its state.
        }
        Err(StoreError::Contention(format!(
            "payment {payment_id:?} kept changing under concurrent callbacks"
        )))
    }

    /// Every stored delivery for `payment_id`, oldest first.
    pub async fn callbacks_for(&self, payment_id: &str) -> Result<Vec<CallbackRecord>, StoreError> {
        let sql =
            format!("SELECT {REPORT_COLUMNS} FROM callbacks WHERE payment_id = $1 ORDER BY id");
        let rows = sqlx::query(&sql)
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
