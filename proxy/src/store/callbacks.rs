//! The platform's reports (callbacks and status answers): each one is stored (raw, for
//! audit) in the same atomic write as the state change it causes (one statement on
//! PostgreSQL, one transaction on SQLite), so a callback acknowledged with 200 is never
//! lost and never applied twice.

use super::payments::{
    MAX_CAS_ATTEMPTS, Payment, StatusUpdate, WRITE_BACK, write_back, write_back_query,
};
use super::{Backend, Store, StoreError, now_millis};
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

/// The columns of a stored report, in the order [`Report::bind`] binds them.
const REPORT_COLUMNS: &str = "payment_id, received_at, platform_status, outcome, body, source";

/// Stores a report alone.
static INSERT_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO callbacks ({REPORT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)")
});

/// PostgreSQL's [`Store::move_and_record`], one statement: the payment's
/// compare-and-set, and the report inserted only if it took.
static MOVE_AND_RECORD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH moved AS ({WRITE_BACK} RETURNING id) INSERT INTO callbacks ({REPORT_COLUMNS}) \
         SELECT $13, $14, $15, $16, $17, $18 FROM moved"
    )
});

/// A report about to be stored.
struct Report<'a> {
    payment_id: Option<&'a str>,
    received_at: i64,
    platform_status: Option<&'a str>,
    body: &'a str,
    source: Source,
}

impl<'a> Report<'a> {
    /// Binds the report, with `outcome`, to the next six parameters of `query`.
    fn bind(
        &self,
        query: Query<'a, Any, AnyArguments<'a>>,
        outcome: CallbackOutcome,
    ) -> Query<'a, Any, AnyArguments<'a>> {
        query
            .bind(self.payment_id)
            .bind(self.received_at)
            .bind(self.platform_status)
            .bind(outcome.as_str())
            .bind(self.body)
            .bind(self.source.as_str())
    }

    /// The statement storing the report alone, with `outcome`.
    fn insert(&self, outcome: CallbackOutcome) -> Query<'a, Any, AnyArguments<'a>> {
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
    /// needs no transaction of its own; PostgreSQL takes the write as one statement.
    async fn record(
        &self,
        source: Source,
        payment_id: Option<&str>,
        body: &str,
        update: &StatusUpdate,
    ) -> Result<(CallbackOutcome, Option<Payment>), StoreError> {
        for _ in 0..MAX_CAS_ATTEMPTS {
            let read = match payment_id {
                Some(id) => self.payment(id).await?,
                None => None,
            };
            let report = Report {
                payment_id,
                received_at: now_millis(),
                platform_status: update.platform_status.as_deref(),
                body,
                source,
            };
            let Some(mut payment) = read else {
                report
                    .insert(CallbackOutcome::UnknownPayment)
                    .execute(&self.pool)
                    .await?;
                return Ok((CallbackOutcome::UnknownPayment, None));
            };
            let outcome = match payment.apply(update) {
                Transition::Moved => CallbackOutcome::Applied,
                Transition::Unchanged => CallbackOutcome::Duplicate,
                Transition::Refused => CallbackOutcome::Stale,
            };
            if outcome != CallbackOutcome::Applied {
                report.insert(outcome).execute(&self.pool).await?;
                return Ok((outcome, Some(payment)));
            }
            if self.move_and_record(&mut payment, &report).await? {
                return Ok((outcome, Some(payment)));
            }
            // A concurrent writer won: start again from its state.
        }
        Err(StoreError::Contention(format!(
            "payment {payment_id:?} kept changing under concurrent callbacks"
        )))
    }

    /// Writes `payment` back (compare-and-set) and stores `report` as applied, both or
    /// neither; `false` if a concurrent write won.
    async fn move_and_record(
        &self,
        payment: &mut Payment,
        report: &Report<'_>,
    ) -> Result<bool, StoreError> {
        match self.backend {
            Backend::Postgres => {
                let now = now_millis();
                let query = write_back_query(&MOVE_AND_RECORD, payment, now)?;
                let written = report
                    .bind(query, CallbackOutcome::Applied)
                    .execute(&self.pool)
                    .await?
                    .rows_affected()
                    == 1;
                if written {
                    payment.written_back(now);
                }
                Ok(written)
            }
            Backend::Sqlite => {
                let mut tx = self.pool.begin().await?;
                if !write_back(&mut *tx, payment).await? {
                    tx.rollback().await?;
                    return Ok(false);
                }
                report
                    .insert(CallbackOutcome::Applied)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::group_insert::PaymentRow;
    use crate::store::payments::tests::{order, payment};
    use doku_protocol::CheckoutStatus;

    fn success() -> StatusUpdate {
        StatusUpdate {
            status: Some(CheckoutStatus::Success),
            platform_status: Some("success".into()),
            ..StatusUpdate::default()
        }
    }

    #[tokio::test]
    async fn a_report_on_a_payment_changed_since_it_was_read_writes_neither() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let mut pending = payment(CheckoutStatus::Pending);
            pending.order_id = Some(order(&store).await);
            let row = PaymentRow::new(pending).expect("a row");
            let (row, stored) = store.inserts.insert(row).await.expect("an insert");
            assert!(stored, "{}", db.backend);
            let id = row.payment().id.clone();
            let report = Report {
                payment_id: Some(&id),
                received_at: 1,
                platform_status: Some("success"),
                body: "{}",
                source: Source::Callback,
            };

            // Read, then changed by someone else before the report is written.
            let mut stale = store.payment(&id).await.expect("a read").expect("stored");
            store
                .modify_payment(&id, |p| {
                    p.check_attempts += 1;
                    true
                })
                .await
                .expect("a write");
            assert_eq!(stale.apply(&success()), Transition::Moved);
            let written = store.move_and_record(&mut stale, &report).await;
            assert!(!written.expect("no error"), "{}", db.backend);
            let stored = store.payment(&id).await.expect("a read").expect("stored");
            assert_eq!(stored.status, CheckoutStatus::Pending, "{}", db.backend);
            let reports = store.callbacks_for(&id).await.expect("reports");
            assert!(reports.is_empty(), "{}: {reports:?}", db.backend);

            // Read again: the payment moves and the report is stored with it.
            let mut fresh = store.payment(&id).await.expect("a read").expect("stored");
            assert_eq!(fresh.apply(&success()), Transition::Moved);
            let written = store.move_and_record(&mut fresh, &report).await;
            assert!(written.expect("no error"), "{}", db.backend);
            let stored = store.payment(&id).await.expect("a read").expect("stored");
            assert_eq!(stored.status, CheckoutStatus::Success, "{}", db.backend);
            assert_eq!(stored.check_attempts, 1, "{}", db.backend);
            assert_eq!(
                (stored.version, stored.updated_at),
                (fresh.version, fresh.updated_at),
                "{}: the caller holds the payment as stored",
                db.backend
            );
            let reports = store.callbacks_for(&id).await.expect("reports");
            let outcomes: Vec<&str> = reports.iter().map(|r| r.outcome.as_str()).collect();
            assert_eq!(outcomes, ["applied"], "{}", db.backend);
            store.close().await;
        }
    }
}
