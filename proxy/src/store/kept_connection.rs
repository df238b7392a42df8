//! A connection one grouped reader or writer keeps for itself on PostgreSQL. A pooled
//! connection costs a ping on its way back to the pool (sqlx 0.8 always sends one), one
//! more round trip and one more wake-up of the database per statement. A worker handles
//! one batch at a time ([`Batches`](super::batches)), so it can keep one connection of
//! its own instead: taken out for a statement and put back once the statement has
//! answered. A connection whose statement was cut short (its caller gone) or broke (an
//! I/O or protocol error, or the server ending the session) is never put back, so what
//! is kept is always at rest; the next statement opens a new one from the pool. One
//! kept idle for over [`PING_IDLE_OVER`] is pinged first, as the pool does with its
//! own.
//!
//! On SQLite nothing is kept: its pool has one connection, which every statement shares.

use super::{Backend, PING_IDLE_OVER, StoreError};
use sqlx::postgres::{PgDatabaseError, PgSeverity};
use sqlx::{AnyConnection, AnyPool, Connection};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Where a worker's statements get their connection; clones share what is kept.
#[derive(Debug, Clone)]
pub(super) struct KeptConnection {
    pool: AnyPool,
    /// The connection at rest and since when; `None` on SQLite (nothing is kept).
    kept: Option<Arc<Mutex<Option<AtRest>>>>,
}

/// A kept connection between statements.
#[derive(Debug)]
struct AtRest {
    connection: AnyConnection,
    since: Instant,
}

impl KeptConnection {
    /// Connections from `pool`, kept between statements unless `backend` is SQLite.
    pub(super) fn new(pool: AnyPool, backend: Backend) -> KeptConnection {
        let kept = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(Arc::default()),
        };
        KeptConnection { pool, kept }
    }

    /// Runs `statement` (one statement, or one transaction) on the kept connection if
    /// there is one and it answers, else on one from the pool; keeps the connection
    /// afterwards unless the statement was cut short or broke it.
    pub(super) async fn run<T>(
        &self,
        statement: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(kept) = &self.kept else {
            return statement(&mut *self.pool.acquire().await?).await;
        };
        let answering = match take(kept) {
            Some(at_rest) => at_rest.answering().await,
            None => None,
        };
        let mut connection = match answering {
            Some(connection) => connection,
            None => self.pool.acquire().await?.detach(),
        };
        // Dropped here (the caller gone), the connection is closed, not kept.
        let outcome = statement(&mut connection).await;
        if !outcome.as_ref().is_err_and(broke_the_connection) && !self.pool.is_closed() {
            let at_rest = AtRest {
                connection,
                since: Instant::now(),
            };
            *kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(at_rest);
        }
        outcome
    }

    /// Closes the kept connection, if any (the store is closing).
    pub(super) async fn close(&self) {
        if let Some(at_rest) = self.kept.as_ref().and_then(take) {
            at_rest.connection.close().await.ok();
        }
    }
}

impl AtRest {
    /// The connection, if it was in use within [`PING_IDLE_OVER`] or answers a ping.
    async fn answering(mut self) -> Option<AnyConnection> {
        let answers =
            self.since.elapsed() <= PING_IDLE_OVER || self.connection.ping().await.is_ok();
        answers.then_some(self.connection)
    }
}

/// The kept connection, taken out.
fn take(kept: &Arc<Mutex<Option<AtRest>>>) -> Option<AtRest> {
    kept.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// Whether `error` leaves its PostgreSQL connection unusable: an I/O, TLS or protocol
/// failure, or the server ending the session (a fatal error, e.g. the server shutting
/// down or the backend terminated). After the database refuses a statement, or a row
/// cannot be read, the connection is at rest.
fn broke_the_connection(error: &StoreError) -> bool {
    let StoreError::Database(error) = error else {
        return false;
    };
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(error) => error
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|error| matches!(error.severity(), PgSeverity::Fatal | PgSeverity::Panic)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::payments::tests::stored_pending;
    use doku_testkit::TestDb;
    use std::time::Duration;

    /// A store on a new PostgreSQL database, and connections kept from its pool.
    async fn on_postgres() -> (TestDb, Store, KeptConnection) {
        let db = doku_testkit::postgres().await;
        let store = Store::connect(&db.url).await.expect("a store");
        let kept = KeptConnection::new(store.pool.clone(), Backend::Postgres);
        (db, store, kept)
    }

    /// One statement run as a worker runs it; the PostgreSQL backend that served it.
    async fn statement(kept: &KeptConnection) -> Result<i32, StoreError> {
        let backend = async |connection: &mut AnyConnection| {
            let pid = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(connection)
                .await?;
            Ok(pid)
        };
        kept.run(backend).await
    }

    /// Ends the PostgreSQL backend `pid` from the pool's side.
    async fn end(store: &Store, pid: i32) {
        let ended: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .fetch_one(&store.pool)
            .await
            .expect("end a backend");
        assert!(ended, "backend {pid} was not there");
    }

    /// Waits (up to two seconds) until no session but this check's own is open on the
    /// database at `url`: ended sessions leave pg_stat_activity shortly after they
    /// close. Fails if some stay.
    async fn until_no_session_is_left(url: &str) {
        let mut own = sqlx::PgConnection::connect(url).await.expect("connect");
        let mut left = i64::MAX;
        for _ in 0..100 {
            left = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_one(&mut own)
            .await
            .expect("count sessions");
            if left == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{left} sessions left open");
    }

    #[tokio::test]
    async fn statements_go_out_on_the_one_kept_connection() {
        let (db, store, kept) = on_postgres().await;
        let first = statement(&kept).await.expect("a statement");
        for _ in 0..3 {
            assert_eq!(statement(&kept).await.expect("a statement"), first);
        }
        // A statement the database refuses leaves the connection at rest: still kept.
        let refuse = async |connection: &mut AnyConnection| {
            sqlx::query("SELECT no_such_column FROM payments")
                .execute(connection)
                .await?;
            Ok(())
        };
        let refused = kept.run(refuse).await;
        assert!(
            matches!(refused, Err(StoreError::Database(sqlx::Error::Database(_)))),
            "{refused:?}"
        );
        assert_eq!(statement(&kept).await.expect("a statement"), first);
        // Closing it (with the pool) leaves nothing open.
        store.close().await;
        kept.close().await;
        until_no_session_is_left(&db.url).await;
    }

    #[tokio::test]
    async fn closing_the_store_closes_the_connections_it_kept() {
        let db = doku_testkit::postgres().await;
        let store = Store::connect(&db.url).await.expect("a store");
        // A write and a read through the grouped writer and reader.
        let payment = stored_pending(&store).await;
        store.payment(&payment.id).await.expect("a read");
        let kept_any = store.kept.iter().any(|kept| {
            let slot = kept.kept.as_ref().expect("kept on PostgreSQL");
            slot.lock().expect("the kept connection").is_some()
        });
        assert!(kept_any, "nothing was kept");
        store.close().await;
        until_no_session_is_left(&db.url).await;
    }

    #[tokio::test]
    async fn a_connection_whose_statement_was_cut_short_is_not_kept() {
        let (_db, store, kept) = on_postgres().await;
        let first = statement(&kept).await.expect("a statement");
        // The caller goes away in the middle of a statement.
        let slow = async |connection: &mut AnyConnection| {
            sqlx::query("SELECT pg_sleep(5)")
                .execute(connection)
                .await?;
            Ok(())
        };
        let cut = tokio::time::timeout(Duration::from_millis(100), kept.run(slow)).await;
        assert!(cut.is_err(), "the statement was not cut short");
        let next = statement(&kept)
            .await
            .expect("a statement on a new connection");
        assert_ne!(next, first);
        store.close().await;
        kept.close().await;
    }

    #[tokio::test]
    async fn a_broken_connection_is_replaced() {
        let (_db, store, kept) = on_postgres().await;
        // In steady use (not pinged): the statement fails on the ended connection, and
        // the next one goes out on a new one.
        let first = statement(&kept).await.expect("a statement");
        end(&store, first).await;
        let failed = statement(&kept).await;
        assert!(
            matches!(&failed, Err(error) if broke_the_connection(error)),
            "{failed:?}"
        );
        let second = statement(&kept)
            .await
            .expect("a statement on a new connection");
        assert_ne!(second, first);
        // Idle for over a second: pinged first, so the statement finds a new one.
        end(&store, second).await;
        tokio::time::sleep(PING_IDLE_OVER + Duration::from_millis(200)).await;
        let third = statement(&kept).await.expect("a statement after the ping");
        assert_ne!(third, second);
        store.close().await;
        kept.close().await;
    }

    #[tokio::test]
    async fn nothing_is_kept_on_sqlite() {
        let db = doku_testkit::sqlite();
        let store = Store::connect(&db.url).await.expect("a store");
        let kept = KeptConnection::new(store.pool.clone(), Backend::Sqlite);
        // A temporary table lives on the connection that made it: the pool's one
        // connection sees it only if the statement ran there and it went back.
        let make = async |connection: &mut AnyConnection| {
            sqlx::query("CREATE TEMP TABLE made_here (x INTEGER)")
                .execute(connection)
                .await?;
            Ok(())
        };
        kept.run(make).await.expect("a statement");
        sqlx::query("SELECT x FROM made_here")
            .fetch_all(&store.pool)
            .await
            .expect("the statement ran on the pool's connection");
        store.close().await;
    }
}
