//! Grouped reads by id (payments, orders). Under load most of the database's time goes
//! to round trips, not to the reads themselves, so concurrent reads of one table go out
//! together as one `SELECT ... WHERE id IN (...)`. A lone read goes out at once; reads
//! that arrive while one is in flight queue and go out together when it ends
//! ([`Batches`]). An unreadable row fails only its own read.

use super::batches::{Batches, Together};
use super::kept_connection::KeptConnection;
use super::{StoreError, placeholder_rows};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::marker::PhantomData;
use tokio::sync::oneshot;

/// A row that is read by its id.
pub(super) trait ById: Clone + Send + Sync + 'static {
    /// Its table.
    const TABLE: &'static str;
    /// The columns [`ById::read`] expects.
    const COLUMNS: &'static str;
    /// Its id.
    fn id(&self) -> &str;
    /// Reads one row of [`ById::COLUMNS`].
    fn read(row: &AnyRow) -> Result<Self, StoreError>;
}

/// The most ids one read asks for.
const MAX_BATCH: usize = 64;
/// Reads waiting for the reader before callers wait to queue.
const QUEUE: usize = 1024;

/// A read waiting for the reader, and where its answer goes.
struct Waiting<T> {
    id: String,
    reply: oneshot::Sender<Result<Option<T>, StoreError>>,
}

/// Reads of `T` by id, on `connection`.
struct Reads<T> {
    connection: KeptConnection,
    rows: PhantomData<fn() -> T>,
}

impl<T> Reads<T> {
    fn new(connection: KeptConnection) -> Reads<T> {
        Reads {
            connection,
            rows: PhantomData,
        }
    }
}

impl<T: ById> Together for Reads<T> {
    type Item = Waiting<T>;
    type Done = Option<T>;

    /// Reads every row `reads` ask for in one statement.
    async fn handle(&self, reads: &[Waiting<T>]) -> Result<Vec<Option<T>>, StoreError> {
        let ids: Vec<&str> = reads.iter().map(|waiting| waiting.id.as_str()).collect();
        let read = async |connection: &mut AnyConnection| select::<T>(connection, &ids).await;
        let found = self.connection.run(read).await?;
        Ok(reads
            .iter()
            .map(|read| found.get(&read.id).cloned())
            .collect())
    }

    fn answer(read: Waiting<T>, outcome: Result<Option<T>, StoreError>) {
        read.reply.send(outcome).ok();
    }
}

/// The way to the reader task of `T`; cloned with the store.
#[derive(Debug, Clone)]
pub(super) struct GroupRead<T: ById> {
    batches: Batches<Reads<T>>,
}

impl<T: ById> GroupRead<T> {
    /// Starts the reader, reading on `connection`. It stops once every clone of the
    /// returned value is gone.
    pub(super) fn start(connection: KeptConnection) -> GroupRead<T> {
        GroupRead {
            batches: Batches::start(QUEUE, MAX_BATCH, Reads::new(connection)),
        }
    }

    /// The row `id`, if there is one.
    pub(super) async fn read(&self, id: &str) -> Result<Option<T>, StoreError> {
        let id = id.to_owned();
        self.batches.ask(|reply| Waiting { id, reply }).await
    }
}

/// The rows of `T` with `ids` that exist, by id.
async fn select<T: ById>(
    connection: &mut AnyConnection,
    ids: &[&str],
) -> Result<HashMap<String, T>, StoreError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id IN {}",
        T::COLUMNS,
        T::TABLE,
        placeholder_rows(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(connection).await?;
    rows.iter()
        .map(|row| T::read(row).map(|read| (read.id().to_owned(), read)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::batches::handle_batch;
    use crate::store::payments::tests::{order, stored_pending};
    use crate::store::{Backend, NewOrder, Order, Payment, Store};
    use doku_protocol::{Kyc, OrderAmount};

    /// Reads `ids` as one batch from the store on the database at `url`; returns each
    /// answer.
    async fn read<T: ById>(
        store: &Store,
        url: &str,
        ids: &[&str],
    ) -> Vec<Result<Option<T>, StoreError>> {
        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for id in ids {
            let (reply, answer) = oneshot::channel();
            batch.push(Waiting {
                id: id.to_string(),
                reply,
            });
            answers.push(answer);
        }
        let backend = Backend::of(url).expect("a supported database");
        let reads = Reads::<T>::new(KeptConnection::new(store.pool.clone(), backend));
        handle_batch(&reads, batch).await;
        let mut read = Vec::new();
        for answer in answers {
            read.push(answer.await.expect("an answer"));
        }
        read
    }

    /// The ids of two new pending payments in `store`.
    async fn two_stored(store: &Store) -> [String; 2] {
        [
            stored_pending(store).await.id,
            stored_pending(store).await.id,
        ]
    }

    #[tokio::test]
    async fn a_batch_answers_each_read_with_its_own_payment() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let ids = two_stored(&store).await;
            let (first, second) = (ids[0].as_str(), ids[1].as_str());
            let answers =
                read::<Payment>(&store, &db.url, &[second, "pay_missing", first, second]).await;
            let read: Vec<Option<String>> = answers
                .into_iter()
                .map(|answer| answer.expect("no error").map(|p| p.id))
                .collect();
            let expected = [Some(second), None, Some(first), Some(second)];
            let expected: Vec<Option<String>> =
                expected.iter().map(|id| id.map(str::to_owned)).collect();
            assert_eq!(read, expected, "{}", db.backend);
            // The statement answers for several ids at once (were it broken, the
            // one-by-one fallback would hide it above).
            let asked = [second, "pay_missing", first, second];
            let mut connection = store.pool.acquire().await.expect("a connection");
            let found = select::<Payment>(&mut connection, &asked).await;
            drop(connection);
            let mut found: Vec<String> = found.expect("one statement").into_keys().collect();
            found.sort();
            let mut stored = ids.to_vec();
            stored.sort();
            assert_eq!(found, stored, "{}", db.backend);
            store.close().await;
        }
    }

    #[tokio::test]
    async fn an_unreadable_row_fails_only_its_own_read() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let ids = two_stored(&store).await;
            sqlx::query("UPDATE payments SET status = 'lost' WHERE id = $1")
                .bind(&ids[0])
                .execute(&store.pool)
                .await
                .expect("a write");
            let answers = read::<Payment>(&store, &db.url, &[&ids[0], &ids[1]]).await;
            assert!(
                matches!(answers[0], Err(StoreError::Corrupt(_))),
                "{}: {:?}",
                db.backend,
                answers[0]
            );
            let good = answers[1].as_ref().expect("no error").as_ref();
            assert_eq!(good.map(|p| p.id.as_str()), Some(ids[1].as_str()));
            store.close().await;
        }
    }

    #[tokio::test]
    async fn a_batch_answers_each_read_with_its_own_order() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let second = order(&store).await;
            // Every column set, so a misread one shows.
            let new = NewOrder {
                amount: OrderAmount::parse(100, "USD", Kyc::Before).expect("an amount"),
                description: "Kopi Gayo".into(),
                customer_id: Some("cust-7".into()),
            };
            let first = store.insert_order(new).await.expect("an order");
            let ids = [second.as_str(), "ord_missing", first.id.as_str()];
            let answers = read::<Order>(&store, &db.url, &ids).await;
            let read: Vec<Option<Order>> = answers
                .into_iter()
                .map(|answer| answer.expect("no error"))
                .collect();
            assert_eq!(read[2].as_ref(), Some(&first), "{}: as stored", db.backend);
            assert_eq!(read[0].as_ref().map(|o| o.id.as_str()), Some(ids[0]));
            assert_eq!(read[1], None, "{}", db.backend);
            // In one statement, as for payments.
            let mut connection = store.pool.acquire().await.expect("a connection");
            let found = select::<Order>(&mut connection, &ids)
                .await
                .expect("one statement");
            drop(connection);
            assert_eq!(found.len(), 2, "{}", db.backend);
            store.close().await;
        }
    }
}
