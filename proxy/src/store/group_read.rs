//! Grouped reads of payments by id. Under load most of the database's time goes to
//! round trips, not to the reads themselves, so concurrent reads go out together as one
//! `SELECT ... WHERE id IN (...)`. A lone read goes out at once; reads that arrive
//! while one is in flight queue and go out together when it ends ([`Batches`]). An
//! unreadable row fails only its own read.

use super::StoreError;
use super::batches::{Batches, Together};
use super::payments::{COLUMNS, Payment, read_payment};
use sqlx::AnyPool;
use std::collections::HashMap;
use tokio::sync::oneshot;

/// The most ids one read asks for.
const MAX_BATCH: usize = 64;
/// Reads waiting for the reader before callers wait to queue.
const QUEUE: usize = 1024;

/// A read waiting for the reader, and where its answer goes.
struct Waiting {
    id: String,
    reply: oneshot::Sender<Result<Option<Payment>, StoreError>>,
}

/// Reads of payments by id, from `pool`.
struct Reads {
    pool: AnyPool,
}

impl Together for Reads {
    type Item = Waiting;
    type Done = Option<Payment>;

    /// Reads every payment `reads` ask for in one statement.
    async fn handle(&self, reads: &[Waiting]) -> Result<Vec<Option<Payment>>, StoreError> {
        let ids: Vec<&str> = reads.iter().map(|waiting| waiting.id.as_str()).collect();
        let found = select(&self.pool, &ids).await?;
        Ok(reads
            .iter()
            .map(|read| found.get(&read.id).cloned())
            .collect())
    }

    fn answer(read: Waiting, outcome: Result<Option<Payment>, StoreError>) {
        read.reply.send(outcome).ok();
    }
}

/// The way to the reader task; cloned with the store.
#[derive(Debug, Clone)]
pub(super) struct GroupRead {
    batches: Batches<Reads>,
}

impl GroupRead {
    /// Starts the reader for `pool`. It stops once every clone of the returned value is
    /// gone.
    pub(super) fn start(pool: AnyPool) -> GroupRead {
        GroupRead {
            batches: Batches::start(QUEUE, MAX_BATCH, Reads { pool }),
        }
    }

    /// The payment `id`, if there is one.
    pub(super) async fn payment(&self, id: &str) -> Result<Option<Payment>, StoreError> {
        let id = id.to_owned();
        self.batches.ask(|reply| Waiting { id, reply }).await
    }
}

/// The payments with `ids` that exist, by id.
async fn select(pool: &AnyPool, ids: &[&str]) -> Result<HashMap<String, Payment>, StoreError> {
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM payments WHERE id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(pool).await?;
    rows.iter()
        .map(|row| read_payment(row).map(|payment| (payment.id.clone(), payment)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::batches::handle_batch;
    use crate::store::payments::tests::stored_pending;

    /// Reads `ids` as one batch; returns each answer.
    async fn read(store: &Store, ids: &[&str]) -> Vec<Result<Option<Payment>, StoreError>> {
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
        let reads = Reads {
            pool: store.pool.clone(),
        };
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
            let answers = read(&store, &[second, "pay_missing", first, second]).await;
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
            let found = select(&store.pool, &[second, "pay_missing", first, second]).await;
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
            let answers = read(&store, &[&ids[0], &ids[1]]).await;
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
}
