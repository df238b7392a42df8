//! Durable storage: SQLite (one file, WAL) by default, PostgreSQL when several proxy
//! instances share one database. One code path serves both through sqlx's `Any`
//! driver: portable SQL, `$n` placeholders in order of first use, times as Unix
//! milliseconds, and compare-and-set updates (a `version` column) instead of row locks.

mod batches;
mod callbacks;
mod group_insert;
mod group_read;
mod group_report;
mod kept_connection;
mod orders;
mod payments;
mod recent_rows;
mod reports;

pub use callbacks::{CallbackOutcome, CallbackRecord};
pub use orders::{NewOrder, Order};
/// A purchase for tests elsewhere in the crate (`payments::tests::payment`).
#[cfg(test)]
pub(crate) use payments::tests::payment as test_payment;
pub use payments::{
    Customer, Inserted, Mode, NewPayment, Payment, PaymentKind, PayoutAccount, Schedule,
    StatusUpdate,
};
pub use reports::{PaymentFilter, StatusCount};

use group_insert::GroupInsert;
use group_read::GroupRead;
use group_report::GroupReport;
use kept_connection::KeptConnection;
use recent_rows::RecentRows;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Connection, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row holds something this version cannot read.
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// Concurrent writers kept changing the same row; the request may be retried.
    #[error("too many concurrent changes: {0}")]
    Contention(String),
    /// The URL names no database this proxy supports.
    #[error("unsupported database URL (use sqlite://path or postgres://...): {0}")]
    UnsupportedUrl(String),
}

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The database `url` names, if this proxy supports it.
    fn of(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The proxy's storage: orders, payments and the callback audit.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// New payments go through here, written in batches.
    inserts: GroupInsert,
    /// The platform's reports go through here, committed in batches.
    reports: GroupReport,
    /// Payments read by id go through here, read in batches.
    payments: GroupRead<Payment>,
    /// Orders read by id go through here, read in batches.
    orders: GroupRead<Order>,
    /// Orders this instance has written or read, shared by its clones.
    known_orders: Arc<RecentRows<Order>>,
    /// Payments as this instance last wrote or read them: first guesses for callbacks.
    known_payments: Arc<RecentRows<Payment>>,
    /// The connections the grouped readers and writers keep, to close with the pool.
    kept: [KeptConnection; 4],
}

/// A connection idle for longer than this is pinged before its next statement: one
/// from the pool before it is handed out, a kept one ([`KeptConnection`]) before reuse.
const PING_IDLE_OVER: Duration = Duration::from_secs(1);

/// The pool's options for both databases. sqlx pings every connection before handing
/// it out by default: one more round trip before each statement. Here only a
/// connection that sat idle for over [`PING_IDLE_OVER`] is checked (a database
/// restarted during a quiet spell is noticed then, and the connection replaced); one
/// in steady use goes straight to its statement. (sqlx 0.8 also pings each connection
/// on its way back to the pool, and no option turns that off: the grouped readers and
/// writers, which carry most statements, keep connections of their own instead,
/// [`KeptConnection`].)
fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_IDLE_OVER {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}

impl Store {
    /// Connects to `url` (`sqlite://file.db`, `postgres://...`) and brings the schema
    /// up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::of(url).ok_or_else(|| StoreError::UnsupportedUrl(redact_url(url)))?;
        let url = match backend {
            // Create the file if it does not exist yet.
            Backend::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_string(),
        };
        // Statements are logged at debug level only; slow ones (over a second) warn.
        let options = AnyConnectOptions::from_str(&url)?
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = match backend {
            // SQLite has one writer: one connection serialises every transaction, so a
            // transaction never fails for another's lock.
            Backend::Sqlite => {
                pool_options()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|connection, _| {
                        Box::pin(async move {
                            connection
                                .execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                                )
                                .await
                                .map(|_| ())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                pool_options()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("migrations/postgres").run(&pool).await?,
        }
        // On PostgreSQL each worker keeps a connection besides the pool's sixteen.
        let keep = || KeptConnection::new(pool.clone(), backend);
        let kept = [keep(), keep(), keep(), keep()];
        let [inserts, reports, payments, orders] = kept.clone();
        Ok(Store {
            inserts: GroupInsert::start(inserts),
            reports: GroupReport::start(reports, backend),
            payments: GroupRead::start(payments),
            orders: GroupRead::start(orders),
            known_orders: Arc::default(),
            known_payments: Arc::default(),
            kept,
            pool,
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waiting for running queries).
    pub async fn close(&self) {
        self.pool.close().await;
        for kept in &self.kept {
            kept.close().await;
        }
    }
}

/// The URL with any password replaced, for error messages and the start-up banner.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => {
                    format!("{}{user}:********{}", &url[..scheme_end + 3], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `rows` parenthesised lists of `width` placeholders each, numbered on from `$1`: the
/// values of a multi-row statement, bound row by row.
fn placeholder_rows(rows: usize, width: usize) -> String {
    let lists: Vec<String> = (0..rows)
        .map(|row| {
            let first = row * width + 1;
            let list: Vec<String> = (first..first + width).map(|n| format!("${n}")).collect();
            format!("({})", list.join(", "))
        })
        .collect();
    lists.join(", ")
}

/// Milliseconds since the Unix epoch, now.
pub fn now_millis() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_printed_urls() {
        assert_eq!(
            redact_url("postgres://doku:s3cret@127.0.0.1:5432/doku"),
            "postgres://doku:********@127.0.0.1:5432/doku"
        );
        assert_eq!(redact_url("sqlite://doku.db"), "sqlite://doku.db");
        assert_eq!(
            redact_url("postgres://doku@host/db"),
            "postgres://doku@host/db"
        );
    }

    /// A connection PostgreSQL ended while it sat idle is replaced before a statement
    /// uses it (the check of connections idle over [`PING_IDLE_OVER`]); without that
    /// check the statement fails on the dead connection.
    #[tokio::test]
    async fn a_connection_ended_while_idle_is_replaced() {
        let db = doku_testkit::postgres().await;
        let store = Store::connect(&db.url).await.expect("connect");
        store.ping().await.expect("the database answers");
        // A connection of its own to the same database ends every other one there.
        let mut other = sqlx::PgConnection::connect(&db.url)
            .await
            .expect("connect to the test database");
        let ended: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended",
        )
        .fetch_one(&mut other)
        .await
        .expect("end the store's connections");
        assert!(ended > 0, "the store had no connection to end");
        tokio::time::sleep(PING_IDLE_OVER + Duration::from_millis(200)).await;
        for _ in 0..=ended {
            store
                .ping()
                .await
                .expect("the store answers on a new connection");
        }
    }
}
