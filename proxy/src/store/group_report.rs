//! Group commit for the platform's reports. Concurrent reports (each with the payment's
//! new state, if it moves) are written together, so a burst of callbacks costs one
//! commit, not one each: on PostgreSQL as one statement, on SQLite as two in one
//! transaction.
//! A lone report goes out at once; reports that arrive while a write is in flight queue
//! and go out together when it ends ([`Batches`]). Each caller hears back only once its
//! report is committed.

use super::batches::{Batches, Together};
use super::callbacks::{CallbackOutcome, MOVE_AND_RECORD, REPORT_COLUMNS, Report};
use super::kept_connection::KeptConnection;
use super::payments::{Payment, WRITE_BACK, bind_write_back, write_back_query};
use super::{Backend, StoreError, now_millis, placeholder_rows};
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyConnection, Connection, Row};
use std::collections::HashSet;
use tokio::sync::oneshot;

/// A statement on the `Any` driver.
type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// The most reports one write carries (18 parameters each, well under both databases'
/// limits).
const MAX_BATCH: usize = 64;
/// Reports waiting for the writer before callers wait to queue.
const QUEUE: usize = 1024;

/// A report waiting for the writer, and where its outcome goes.
enum Waiting {
    /// The report alone, with what it did.
    Alone {
        report: Report,
        outcome: CallbackOutcome,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// The payment's new state (a compare-and-set on the version it was read at) and
    /// the report as applied: both or neither.
    Moving {
        report: Report,
        payment: Box<Payment>,
        /// The payment as stored, or `None` if a concurrent write won.
        reply: oneshot::Sender<Result<Option<Payment>, StoreError>>,
    },
}

impl Waiting {
    /// The payment this write moves, if any.
    fn moves(&self) -> Option<&str> {
        match self {
            Waiting::Alone { .. } => None,
            Waiting::Moving { payment, .. } => Some(&payment.id),
        }
    }

    /// Writes this report alone on `connection` at `now`, with its plain statements;
    /// `false` if its compare-and-set lost.
    async fn write_alone(
        &self,
        connection: &mut AnyConnection,
        backend: Backend,
        now: i64,
    ) -> Result<bool, StoreError> {
        match self {
            Waiting::Alone {
                report, outcome, ..
            } => {
                report.insert(*outcome).execute(&mut *connection).await?;
                Ok(true)
            }
            Waiting::Moving {
                report, payment, ..
            } => match backend {
                Backend::Postgres => {
                    let query = write_back_query(&MOVE_AND_RECORD, payment, now)?;
                    let moved = report.bind(query, CallbackOutcome::Applied);
                    Ok(moved.execute(&mut *connection).await?.rows_affected() == 1)
                }
                // SQLite cannot update inside an insert's CTE: two statements, the
                // second only if the first took.
                Backend::Sqlite => {
                    let query = write_back_query(WRITE_BACK, payment, now)?;
                    if query.execute(&mut *connection).await?.rows_affected() != 1 {
                        return Ok(false);
                    }
                    let recorded = report.insert(CallbackOutcome::Applied);
                    recorded.execute(&mut *connection).await?;
                    Ok(true)
                }
            },
        }
    }
}

/// The platform's reports written on `connection`, to `backend`.
struct Reports {
    connection: KeptConnection,
    backend: Backend,
}

impl Together for Reports {
    type Item = Waiting;
    /// Whether the report was written (`false`: its compare-and-set lost), and when.
    type Done = (bool, i64);

    /// Writes `reports` atomically ([`write_together`]).
    async fn handle(&self, reports: &[Waiting]) -> Result<Vec<(bool, i64)>, StoreError> {
        let now = now_millis();
        let write = async |connection: &mut AnyConnection| {
            write_together(connection, self.backend, reports, now).await
        };
        let written = self.connection.run(write).await?;
        Ok(written.into_iter().map(|written| (written, now)).collect())
    }

    /// Answers the caller: `written` at `now`, or the error.
    fn answer(report: Waiting, outcome: Result<(bool, i64), StoreError>) {
        match report {
            Waiting::Alone { reply, .. } => {
                reply.send(outcome.map(|_| ())).ok();
            }
            Waiting::Moving {
                mut payment, reply, ..
            } => {
                let stored = outcome.map(|(written, now)| {
                    written.then(|| {
                        payment.written_back(now);
                        *payment
                    })
                });
                reply.send(stored).ok();
            }
        }
    }
}

/// The way to the writer task; cloned with the store.
#[derive(Debug, Clone)]
pub(super) struct GroupReport {
    batches: Batches<Reports>,
}

impl GroupReport {
    /// Starts the writer, writing on `connection` to `backend`. It stops once every
    /// clone of the returned value is gone.
    pub(super) fn start(connection: KeptConnection, backend: Backend) -> GroupReport {
        let reports = Reports {
            connection,
            backend,
        };
        GroupReport {
            batches: Batches::start(QUEUE, MAX_BATCH, reports),
        }
    }

    /// Stores `report` alone, with `outcome`; returns once it is committed.
    pub(super) async fn record(
        &self,
        report: Report,
        outcome: CallbackOutcome,
    ) -> Result<(), StoreError> {
        let alone = |reply| Waiting::Alone {
            report,
            outcome,
            reply,
        };
        self.batches.ask(alone).await
    }

    /// Writes `payment` back (compare-and-set) and stores `report` as applied, both or
    /// neither; returns the payment as stored once committed, or `None` if a
    /// concurrent write won.
    pub(super) async fn move_and_record(
        &self,
        report: Report,
        payment: Payment,
    ) -> Result<Option<Payment>, StoreError> {
        let moving = |reply| Waiting::Moving {
            report,
            payment: Box::new(payment),
            reply,
        };
        self.batches.ask(moving).await
    }
}

/// Writes `reports` atomically: on PostgreSQL in one statement, on SQLite in one
/// transaction of two. Returns whether each was written.
async fn write_together(
    connection: &mut AnyConnection,
    backend: Backend,
    reports: &[Waiting],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    match (backend, reports) {
        // The batch's statement would do for one report too, but it made lone callbacks
        // about 6% slower (1,170 -> 1,099 req/s at one connection): a lone report keeps
        // its plain statement. On SQLite the batch's pair cost them 9%.
        (Backend::Postgres, [lone]) => Ok(vec![lone.write_alone(connection, backend, now).await?]),
        (Backend::Postgres, _) => write_in_one_statement(connection, reports, now).await,
        (Backend::Sqlite, _) => {
            let mut transaction = connection.begin().await?;
            let written = match reports {
                [lone] => vec![lone.write_alone(&mut transaction, backend, now).await?],
                _ => write_in_two_statements(&mut transaction, reports, now).await?,
            };
            transaction.commit().await?;
            Ok(written)
        }
    }
}

/// The reports of a batch that its write takes up, as indexes into `reports`: all but
/// a second move of one payment. A payment moves at most once per write; a repeat is
/// left out, as if its compare-and-set had lost, and its caller reads the payment again.
fn once_per_payment(reports: &[Waiting]) -> Vec<usize> {
    let mut moving = HashSet::new();
    (0..reports.len())
        .filter(|&i| reports[i].moves().is_none_or(|id| moving.insert(id)))
        .collect()
}

/// SQLite's write of many reports (inside a transaction the caller commits), which
/// cannot write inside a CTE: one multi-row compare-and-set moves every payment whose
/// version is still the one read, then one multi-row insert stores every report that
/// stands alone or whose payment moved.
async fn write_in_two_statements(
    connection: &mut AnyConnection,
    reports: &[Waiting],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    let taken = once_per_payment(reports);
    let payments: Vec<&Payment> = taken
        .iter()
        .filter_map(|&i| match &reports[i] {
            Waiting::Alone { .. } => None,
            Waiting::Moving { payment, .. } => Some(&**payment),
        })
        .collect();
    let mut moved = HashSet::new();
    if !payments.is_empty() {
        let sql = sqlite_moves_statement(payments.len());
        let mut query = sqlx::query(&sql);
        for payment in &payments {
            query = bind_write_back(query, payment, now)?;
        }
        for row in query.fetch_all(&mut *connection).await? {
            moved.insert(row.try_get::<String, _>(0)?);
        }
    }
    let mut written = vec![false; reports.len()];
    for &i in &taken {
        written[i] = reports[i].moves().is_none_or(|id| moved.contains(id));
    }
    let recorded: Vec<(&Report, CallbackOutcome)> = (0..reports.len())
        .filter(|&i| written[i])
        .map(|i| match &reports[i] {
            Waiting::Alone {
                report, outcome, ..
            } => (report, *outcome),
            Waiting::Moving { report, .. } => (report, CallbackOutcome::Applied),
        })
        .collect();
    if !recorded.is_empty() {
        let sql = format!(
            "INSERT INTO callbacks ({REPORT_COLUMNS}) VALUES {}",
            placeholder_rows(recorded.len(), REPORT_PARAMETERS)
        );
        let mut query = sqlx::query(&sql);
        for (report, outcome) in recorded {
            query = report.bind(query, outcome);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(written)
}

/// Parameters of one report as [`Report::bind`] binds them.
const REPORT_PARAMETERS: usize = 6;

/// SQLite's multi-row compare-and-set of `rows` payments, each bound as
/// [`bind_write_back`] binds one; returns the ids of those moved.
fn sqlite_moves_statement(rows: usize) -> String {
    let columns: Vec<&str> = ROW_COLUMNS[..MOVE_PARAMETERS]
        .iter()
        .map(|(name, _)| *name)
        .collect();
    format!(
        "WITH input ({columns}) AS (VALUES {values}) \
         UPDATE payments SET {moved}, version = payments.version + 1 \
         FROM input WHERE payments.id = input.id AND payments.version = input.version \
         RETURNING payments.id",
        columns = columns.join(", "),
        values = placeholder_rows(rows, columns.len()),
        moved = moved_columns("input"),
    )
}

/// Columns of one report in [`write_in_one_statement`]: the payment's new state as
/// [`bind_write_back`] binds it (all null for a report alone), then the report as
/// [`Report::bind`] binds it, each with its type. [`sqlite_moves_statement`] takes the
/// payment's ([`MOVE_PARAMETERS`]).
const ROW_COLUMNS: [(&str, &str); 18] = [
    ("status", "text"),
    ("platform_status", "text"),
    ("code", "text"),
    ("message", "text"),
    ("redirect", "text"),
    ("open_order_id", "text"),
    ("next_check_at", "bigint"),
    ("check_attempts", "bigint"),
    ("lease_until", "bigint"),
    ("updated_at", "bigint"),
    ("id", "text"),
    ("version", "bigint"),
    ("report_payment_id", "text"),
    ("received_at", "bigint"),
    ("report_platform_status", "text"),
    ("outcome", "text"),
    ("body", "text"),
    ("source", "text"),
];

/// PostgreSQL's write of many reports as one statement: every payment whose version is
/// still the one read moves (one multi-row compare-and-set), and every report is
/// stored that stands alone or whose payment moved. Rows are numbered from 0 by `n`;
/// the statement returns the `n` of each payment moved.
fn many_reports_statement(rows: usize) -> String {
    let columns: Vec<&str> = ROW_COLUMNS.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let first = row * ROW_COLUMNS.len() + 1;
            let cells: Vec<String> = ROW_COLUMNS
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| format!("${}::{kind}", first + i))
                .collect();
            format!("({row}, {})", cells.join(", "))
        })
        .collect();
    format!(
        "WITH input (n, {columns}) AS (VALUES {values}), \
         moved AS (UPDATE payments p SET {moved}, version = p.version + 1 \
             FROM input i WHERE p.id = i.id AND p.version = i.version RETURNING i.n), \
         recorded AS (INSERT INTO callbacks ({REPORT_COLUMNS}) \
             SELECT report_payment_id, received_at, report_platform_status, outcome, body, source \
             FROM input WHERE id IS NULL OR n IN (SELECT n FROM moved) ORDER BY n) \
         SELECT n::bigint FROM moved",
        columns = columns.join(", "),
        values = values.join(", "),
        moved = moved_columns("i"),
    )
}

/// The compare-and-set's assignments from the row `input` (an alias): each column
/// [`bind_write_back`] sets, which are its parameters but the id and version it matches.
fn moved_columns(input: &str) -> String {
    let assignments: Vec<String> = ROW_COLUMNS[..MOVE_PARAMETERS]
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !matches!(*name, "id" | "version"))
        .map(|name| format!("{name} = {input}.{name}"))
        .collect();
    assignments.join(", ")
}

/// How many parameters [`bind_write_back`] binds: the first of [`ROW_COLUMNS`].
const MOVE_PARAMETERS: usize = 12;

/// `query` with nulls for [`bind_write_back`]'s parameters (a report that moves no
/// payment), typed as [`ROW_COLUMNS`] has them.
fn bind_no_move(query: AnyQuery<'_>) -> AnyQuery<'_> {
    ROW_COLUMNS[..MOVE_PARAMETERS]
        .iter()
        .fold(query, |query, (_, kind)| match *kind {
            "bigint" => query.bind(None::<i64>),
            _ => query.bind(None::<&str>),
        })
}

/// PostgreSQL's write of `reports` in one statement ([`many_reports_statement`]), each
/// payment moving at most once ([`once_per_payment`]).
async fn write_in_one_statement(
    connection: &mut AnyConnection,
    reports: &[Waiting],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    let rows = once_per_payment(reports);
    let sql = many_reports_statement(rows.len());
    let mut query = sqlx::query(&sql);
    for &i in &rows {
        query = match &reports[i] {
            Waiting::Alone {
                report, outcome, ..
            } => report.bind(bind_no_move(query), *outcome),
            Waiting::Moving {
                report, payment, ..
            } => report.bind(
                bind_write_back(query, payment, now)?,
                CallbackOutcome::Applied,
            ),
        };
    }
    let moved: HashSet<i64> = query
        .fetch_all(&mut *connection)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    let mut written = vec![false; reports.len()];
    for (n, &i) in rows.iter().enumerate() {
        written[i] = match reports[i] {
            Waiting::Alone { .. } => true,
            Waiting::Moving { .. } => moved.contains(&(n as i64)),
        };
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::batches::handle_batch;
    use crate::store::callbacks::Source;
    use crate::store::payments::tests::stored_pending;
    use crate::store::payments::{Schedule, StatusUpdate};
    use crate::store::{CallbackRecord, Store};
    use doku_protocol::{CheckoutStatus, Transition};

    /// The payment as read now, moved to success.
    async fn read_and_succeed(store: &Store, id: &str) -> Payment {
        let mut read = store.payment(id).await.expect("a read").expect("stored");
        let success = StatusUpdate {
            status: Some(CheckoutStatus::Success),
            platform_status: Some("success".into()),
            ..StatusUpdate::default()
        };
        assert_eq!(read.apply(&success), Transition::Moved);
        read
    }

    /// A callback about `payment_id` with `body`.
    fn report(payment_id: &str, body: &str) -> Report {
        Report {
            payment_id: Some(payment_id.into()),
            received_at: 1,
            platform_status: Some("success".into()),
            body: body.into(),
            source: Source::Callback,
        }
    }

    /// What each stored report about `payment_id` did, oldest first.
    async fn outcomes(store: &Store, payment_id: &str) -> Vec<String> {
        let reports = store.callbacks_for(payment_id).await.expect("reports");
        reports
            .into_iter()
            .map(|r: CallbackRecord| r.outcome)
            .collect()
    }

    #[tokio::test]
    async fn a_report_on_a_payment_changed_since_it_was_read_writes_neither() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let id = stored_pending(&store).await.id;

            // Read, then changed by someone else before the report is written.
            let stale = read_and_succeed(&store, &id).await;
            store
                .modify_payment(&id, |p| {
                    p.check_attempts += 1;
                    true
                })
                .await
                .expect("a write");
            let written = store
                .reports
                .move_and_record(report(&id, "{}"), stale)
                .await;
            assert!(written.expect("no error").is_none(), "{}", db.backend);
            let stored = store.payment(&id).await.expect("a read").expect("stored");
            assert_eq!(stored.status, CheckoutStatus::Pending, "{}", db.backend);
            assert!(outcomes(&store, &id).await.is_empty(), "{}", db.backend);

            // Read again: the payment moves and the report is stored with it.
            let fresh = read_and_succeed(&store, &id).await;
            let written = store
                .reports
                .move_and_record(report(&id, "{}"), fresh)
                .await;
            let fresh = written.expect("no error").expect("written");
            let stored = store.payment(&id).await.expect("a read").expect("stored");
            assert_eq!(stored.status, CheckoutStatus::Success, "{}", db.backend);
            assert_eq!(stored.check_attempts, 1, "{}", db.backend);
            assert_eq!(
                (stored.version, stored.updated_at),
                (fresh.version, fresh.updated_at),
                "{}: the caller holds the payment as stored",
                db.backend
            );
            assert_eq!(outcomes(&store, &id).await, ["applied"], "{}", db.backend);
            store.close().await;
        }
    }

    /// The store's report writer, on the database at `url`.
    fn reports(store: &Store, url: &str) -> Reports {
        let backend = Backend::of(url).expect("a supported database");
        Reports {
            connection: KeptConnection::new(store.pool.clone(), backend),
            backend,
        }
    }

    /// The answers to one batch of writes, handled directly (not through the queue).
    struct Batch {
        waiting: Vec<Waiting>,
        alone: Vec<oneshot::Receiver<Result<(), StoreError>>>,
        moving: Vec<oneshot::Receiver<Result<Option<Payment>, StoreError>>>,
    }

    impl Batch {
        fn new() -> Batch {
            Batch {
                waiting: Vec::new(),
                alone: Vec::new(),
                moving: Vec::new(),
            }
        }

        fn alone(mut self, report: Report, outcome: CallbackOutcome) -> Batch {
            let (reply, answer) = oneshot::channel();
            self.waiting.push(Waiting::Alone {
                report,
                outcome,
                reply,
            });
            self.alone.push(answer);
            self
        }

        fn moving(mut self, report: Report, payment: Payment) -> Batch {
            let (reply, answer) = oneshot::channel();
            self.waiting.push(Waiting::Moving {
                report,
                payment: Box::new(payment),
                reply,
            });
            self.moving.push(answer);
            self
        }

        /// Writes the batch to `store` (at `url`) as the writer does, falling back to one
        /// by one if it must; the answers to its lone reports, then to its moves.
        async fn write(mut self, store: &Store, url: &str) -> Answers {
            let reports = reports(store, url);
            handle_batch(&reports, std::mem::take(&mut self.waiting)).await;
            self.answers().await
        }

        /// Like [`Batch::write`], but the batch must go in one write: a failure is not
        /// hidden by the one-by-one fallback.
        async fn write_at_once(mut self, store: &Store, url: &str) -> Answers {
            let written = reports(store, url).handle(&self.waiting).await;
            let written = written.expect("the batch is written in one go");
            for (waiting, written) in self.waiting.drain(..).zip(written) {
                Reports::answer(waiting, Ok(written));
            }
            self.answers().await
        }

        async fn answers(self) -> Answers {
            assert!(self.waiting.is_empty(), "every report is answered");
            let mut alone = Vec::new();
            for answer in self.alone {
                alone.push(answer.await.expect("an answer"));
            }
            let mut moving = Vec::new();
            for answer in self.moving {
                moving.push(answer.await.expect("an answer"));
            }
            (alone, moving)
        }
    }

    /// The answers to a batch's lone reports, then to its moves.
    type Answers = (
        Vec<Result<(), StoreError>>,
        Vec<Result<Option<Payment>, StoreError>>,
    );

    #[tokio::test]
    async fn a_batch_commits_its_reports_and_only_the_first_move_of_a_payment_takes() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let (first, second) = (stored_pending(&store).await, stored_pending(&store).await);
            // Read, then changed by someone else before the batch is written.
            let changed = stored_pending(&store).await;
            let stale = read_and_succeed(&store, &changed.id).await;
            store
                .modify_payment(&changed.id, |p| {
                    p.check_attempts += 1;
                    true
                })
                .await
                .expect("a write");
            // A status answer that leaves the payment open and moves its next check.
            let open = stored_pending(&store).await;
            let read = store.payment(&open.id).await.expect("a read");
            let mut rescheduled = read.expect("stored");
            rescheduled.schedule = Some(Schedule {
                next_check_at: 42,
                lease_until: Some(43),
            });
            // Two callbacks for the first payment, read at the same version: the first
            // moves it, the second must find it changed and store nothing.
            let (alone, moving) = Batch::new()
                .moving(report(&changed.id, "stale"), stale)
                .moving(
                    report(&first.id, "one"),
                    read_and_succeed(&store, &first.id).await,
                )
                .moving(
                    report(&first.id, "two"),
                    read_and_succeed(&store, &first.id).await,
                )
                .alone(
                    report("pay_unknown", "three"),
                    CallbackOutcome::UnknownPayment,
                )
                .moving(
                    report(&second.id, "four"),
                    read_and_succeed(&store, &second.id).await,
                )
                .moving(report(&open.id, "five"), rescheduled)
                .write_at_once(&store, &db.url)
                .await;
            assert!(alone.iter().all(Result::is_ok), "{}: {alone:?}", db.backend);
            let moved: Vec<Option<i64>> = moving
                .into_iter()
                .map(|m| m.expect("no error").map(|p| p.version))
                .collect();
            let versions = Some(first.version + 1);
            assert_eq!(
                moved,
                [
                    None,
                    versions,
                    None,
                    Some(second.version + 1),
                    Some(open.version + 1)
                ],
                "{}",
                db.backend
            );
            let unmoved = store.payment(&changed.id).await.expect("a read");
            let unmoved = unmoved.expect("stored");
            assert_eq!(unmoved.status, CheckoutStatus::Pending, "{}", db.backend);
            assert_eq!(unmoved.schedule, changed.schedule, "{}", db.backend);
            let open = store.payment(&open.id).await.expect("a read");
            let schedule = open.map(|p| (p.status, p.schedule));
            let expected = Schedule {
                next_check_at: 42,
                lease_until: Some(43),
            };
            let expected = (CheckoutStatus::Pending, Some(expected));
            assert_eq!(schedule, Some(expected), "{}", db.backend);
            assert!(
                outcomes(&store, &changed.id).await.is_empty(),
                "{}",
                db.backend
            );
            for (id, version) in [(&first.id, first.version), (&second.id, second.version)] {
                let stored = store.payment(id).await.expect("a read").expect("stored");
                assert_eq!(stored.status, CheckoutStatus::Success, "{}", db.backend);
                assert_eq!(stored.version, version + 1, "{}", db.backend);
                assert_eq!(stored.schedule, None, "{}: paid, no check", db.backend);
                assert_eq!(outcomes(&store, id).await, ["applied"], "{}", db.backend);
            }
            let first_bodies = store.callbacks_for(&first.id).await.expect("reports");
            assert_eq!(first_bodies[0].body, "one", "{}", db.backend);
            let unknown = outcomes(&store, "pay_unknown").await;
            assert_eq!(unknown, ["unknown_payment"], "{}", db.backend);
            store.close().await;
        }
    }

    #[tokio::test]
    async fn a_report_the_database_refuses_fails_alone() {
        // PostgreSQL's text cannot hold a NUL character; SQLite's can, so it has nothing
        // to refuse here.
        let db = doku_testkit::postgres().await;
        let store = Store::connect(&db.url).await.expect("a store");
        let payment = stored_pending(&store).await;
        let (alone, moving) = Batch::new()
            .alone(
                report("pay_refused", "nul \0"),
                CallbackOutcome::UnknownPayment,
            )
            .alone(report("pay_kept", "kept"), CallbackOutcome::UnknownPayment)
            .moving(
                report(&payment.id, "moved"),
                read_and_succeed(&store, &payment.id).await,
            )
            .write(&store, &db.url)
            .await;
        assert!(
            matches!(alone[0], Err(StoreError::Database(_))),
            "{alone:?}"
        );
        assert!(alone[1].is_ok(), "{alone:?}");
        let moved = moving.into_iter().next().expect("one move");
        assert!(matches!(moved, Ok(Some(_))), "{moved:?}");
        assert!(outcomes(&store, "pay_refused").await.is_empty());
        assert_eq!(outcomes(&store, "pay_kept").await, ["unknown_payment"]);
        assert_eq!(outcomes(&store, &payment.id).await, ["applied"]);
        store.close().await;
    }
}
