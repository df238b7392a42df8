//! Group commit for new payments. Concurrent inserts are written together, as one
//! multi-row `INSERT` (one statement, so one commit and one round trip). A lone insert
//! goes out at once; inserts that arrive while a write is in flight queue and go out
//! together when it ends ([`Batches`]), so batches grow with the load and cost nothing
//! when there is none. Each caller hears back only once its row is committed (or
//! turned away).

use super::batches::{Batches, Together};
use super::kept_connection::KeptConnection;
use super::payments::{COLUMNS, Payment, redirect_json};
use super::{StoreError, orders::to_i64, placeholder_rows};
use sqlx::AnyConnection;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use std::collections::HashSet;
use tokio::sync::oneshot;

/// The most rows one statement carries (27 parameters each, well under both databases'
/// limits).
const MAX_BATCH: usize = 64;
/// Inserts waiting for the writer before callers wait to queue.
const QUEUE: usize = 1024;
/// Columns per row: [`COLUMNS`] and `open_order_id`.
const PARAMETERS_PER_ROW: usize = 27;

/// A payment ready to be written: its values already converted for the database, so
/// writing it cannot fail for the payment's own sake.
pub(super) struct PaymentRow {
    payment: Payment,
    amount: i64,
    redirect: Option<String>,
}

impl PaymentRow {
    /// The row for `payment`, or why it cannot be stored.
    pub(super) fn new(payment: Payment) -> Result<PaymentRow, StoreError> {
        Ok(PaymentRow {
            amount: to_i64(payment.amount)?,
            redirect: redirect_json(&payment.redirect)?,
            payment,
        })
    }

    /// The payment this row stores.
    pub(super) fn payment(&self) -> &Payment {
        &self.payment
    }

    /// The payment, once written.
    pub(super) fn into_payment(self) -> Payment {
        self.payment
    }

    /// Binds the row's values, in the order of [`COLUMNS`] and `open_order_id`.
    fn bind<'q>(
        &'q self,
        query: Query<'q, sqlx::Any, AnyArguments<'q>>,
    ) -> Query<'q, sqlx::Any, AnyArguments<'q>> {
        let p = &self.payment;
        query
            .bind(&p.id)
            .bind(p.kind.as_str())
            .bind(p.mode.as_str())
            .bind(p.order_id.as_deref())
            .bind(p.idempotency_key.as_deref())
            .bind(p.payout_ref.as_deref())
            .bind(self.amount)
            .bind(p.currency.as_str())
            .bind(&p.customer.id)
            .bind(p.customer.first_name.as_deref())
            .bind(p.customer.email.as_deref())
            .bind(p.customer.ip.as_deref())
            .bind(p.account.as_ref().map(|a| a.number.as_str()))
            .bind(p.account.as_ref().map(|a| a.name.as_str()))
            .bind(p.status.as_str())
            .bind(p.platform_status.as_deref())
            .bind(p.code.as_deref())
            .bind(p.message.as_deref())
            .bind(self.redirect.as_deref())
            .bind(p.created_at)
            .bind(p.updated_at)
            .bind(p.expires_at)
            .bind(p.next_check_at())
            .bind(p.check_attempts)
            .bind(p.lease_until())
            .bind(p.version)
            .bind(p.open_order_id())
    }
}

/// An insert waiting for the writer, and where its outcome goes.
struct Waiting {
    row: PaymentRow,
    /// The row back, and whether it was stored (`false`: a unique constraint turned it
    /// away).
    reply: oneshot::Sender<Result<(PaymentRow, bool), StoreError>>,
}

/// New payments written on `connection`.
struct Inserts {
    connection: KeptConnection,
}

impl Together for Inserts {
    type Item = Waiting;
    /// Whether the row was stored.
    type Done = bool;

    /// Writes every row of `inserts` in one statement.
    async fn handle(&self, inserts: &[Waiting]) -> Result<Vec<bool>, StoreError> {
        let rows: Vec<&PaymentRow> = inserts.iter().map(|waiting| &waiting.row).collect();
        let insert =
            async |connection: &mut AnyConnection| Ok(insert_rows(connection, &rows).await?);
        let stored = self.connection.run(insert).await?;
        Ok(rows
            .iter()
            .map(|row| stored.contains(&row.payment.id))
            .collect())
    }

    fn answer(insert: Waiting, outcome: Result<bool, StoreError>) {
        let Waiting { row, reply } = insert;
        reply.send(outcome.map(|stored| (row, stored))).ok();
    }
}

/// The way to the writer task; cloned with the store.
#[derive(Debug, Clone)]
pub(super) struct GroupInsert {
    batches: Batches<Inserts>,
}

impl GroupInsert {
    /// Starts the writer, writing on `connection`. It stops once every clone of the
    /// returned value is gone.
    pub(super) fn start(connection: KeptConnection) -> GroupInsert {
        GroupInsert {
            batches: Batches::start(QUEUE, MAX_BATCH, Inserts { connection }),
        }
    }

    /// Inserts `row` unless a unique constraint turns it away (`ON CONFLICT DO
    /// NOTHING`); returns it with whether it was stored, once that is committed.
    pub(super) async fn insert(&self, row: PaymentRow) -> Result<(PaymentRow, bool), StoreError> {
        self.batches.ask(|reply| Waiting { row, reply }).await
    }
}

/// Inserts `rows` in one statement; returns the ids of those stored.
async fn insert_rows(
    connection: &mut AnyConnection,
    rows: &[&PaymentRow],
) -> Result<HashSet<String>, sqlx::Error> {
    let sql = format!(
        "INSERT INTO payments ({COLUMNS}, open_order_id) VALUES {} \
         ON CONFLICT DO NOTHING RETURNING id",
        placeholder_rows(rows.len(), PARAMETERS_PER_ROW)
    );
    let mut query = sqlx::query(&sql);
    for row in rows {
        query = row.bind(query);
    }
    let stored = query.fetch_all(connection).await?;
    stored
        .iter()
        .map(|row| sqlx::Row::try_get::<String, _>(row, 0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::batches::handle_batch;
    use crate::store::payments::tests::order;
    use crate::store::{Backend, Schedule, Store, payments};
    use doku_protocol::CheckoutStatus;

    fn row(order_id: &str, key: &str) -> PaymentRow {
        let mut payment = payments::tests::payment(CheckoutStatus::Pending);
        payment.id = crate::ids::new_id("pay");
        payment.order_id = Some(order_id.into());
        payment.idempotency_key = Some(key.into());
        PaymentRow::new(payment).expect("a valid row")
    }

    /// Writes `rows` as one batch to the store on the database at `url`; returns each
    /// insert's outcome (stored or not).
    async fn write(
        store: &Store,
        url: &str,
        rows: Vec<PaymentRow>,
    ) -> Vec<Result<bool, StoreError>> {
        let mut answers = Vec::new();
        let mut batch = Vec::new();
        for row in rows {
            let (reply, answer) = oneshot::channel();
            batch.push(Waiting { row, reply });
            answers.push(answer);
        }
        let backend = Backend::of(url).expect("a supported database");
        let inserts = Inserts {
            connection: KeptConnection::new(store.pool.clone(), backend),
        };
        handle_batch(&inserts, batch).await;
        let mut outcomes = Vec::new();
        for answer in answers {
            let outcome = answer.await.expect("an answer");
            outcomes.push(outcome.map(|(_, stored)| stored));
        }
        outcomes
    }

    #[tokio::test]
    async fn a_batch_stores_its_rows_and_turns_away_what_conflicts_within_it() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let (first, second) = (order(&store).await, order(&store).await);
            // Two live payments for the first order in one batch: the second waits.
            let rows = vec![
                row(&first, "key-a"),
                row(&first, "key-b"),
                row(&second, "key-a"),
            ];
            let ids: Vec<String> = rows.iter().map(|r| r.payment().id.clone()).collect();
            let outcomes = write(&store, &db.url, rows).await;
            let outcomes: Vec<bool> = outcomes.into_iter().map(|o| o.expect("written")).collect();
            assert_eq!(outcomes, [true, false, true], "{}", db.backend);
            for (id, expected) in ids.iter().zip(outcomes) {
                let found = store.payment(id).await.expect("a read");
                // Stored with its schedule (the row's first check is at 1).
                let schedule = found.map(|p| p.schedule);
                let expected = expected.then_some(Some(Schedule::at(1)));
                assert_eq!(schedule, expected, "{}: {id}", db.backend);
            }
            // The statement takes several rows at once (were it broken, the one-by-one
            // fallback would hide it above).
            let third = order(&store).await;
            let more = [row(&third, "key-a"), row(&third, "key-b")];
            let more: Vec<&PaymentRow> = more.iter().collect();
            let mut connection = store.pool.acquire().await.expect("a connection");
            let stored = insert_rows(&mut connection, &more)
                .await
                .expect("one statement");
            drop(connection);
            assert_eq!(stored.len(), 1, "{}", db.backend);
            store.close().await;
        }
    }

    #[tokio::test]
    async fn a_row_the_database_refuses_fails_alone() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let known = order(&store).await;
            // No such order: the foreign key refuses the row, and with it the statement.
            let orphan = row("ord_missing", "key-a");
            let good = row(&known, "key-a");
            let (orphan_id, good_id) = (orphan.payment().id.clone(), good.payment().id.clone());
            let outcomes = write(&store, &db.url, vec![orphan, good]).await;
            assert!(
                matches!(outcomes[0], Err(StoreError::Database(_))),
                "{}: {:?}",
                db.backend,
                outcomes[0]
            );
            assert!(
                matches!(outcomes[1], Ok(true)),
                "{}: {:?}",
                db.backend,
                outcomes[1]
            );
            assert!(store.payment(&orphan_id).await.expect("a read").is_none());
            assert!(store.payment(&good_id).await.expect("a read").is_some());

            // Alone, the refused row gets the database's error too.
            let outcomes = write(&store, &db.url, vec![row("ord_missing", "key-b")]).await;
            assert!(
                matches!(outcomes[0], Err(StoreError::Database(_))),
                "{}",
                db.backend
            );
            store.close().await;
        }
    }
}
