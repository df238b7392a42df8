//! Shared by the proxy's integration tests: real databases (an SQLite file and a fresh
//! database on the PostgreSQL server `make test` starts), cleaned up afterwards.
#![allow(dead_code)]

use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A database for one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    /// `sqlite` or `postgres`, for assertion messages.
    pub backend: &'static str,
    file: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                std::fs::remove_file(format!("{}{suffix}", file.display())).ok();
            }
        }
    }
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A new SQLite file in the temp directory.
pub fn sqlite() -> TestDb {
    let file = std::env::temp_dir().join(format!("{}.db", unique("doku_test")));
    TestDb {
        url: format!("sqlite://{}", file.display()),
        backend: "sqlite",
        file: Some(file),
    }
}

/// A new database on the test PostgreSQL server. Fails (never skips) when the server is
/// not there: `make test-native` starts one (scripts/with-postgres.sh).
pub async fn postgres() -> TestDb {
    let admin = std::env::var("DOKU_TEST_POSTGRES_URL").expect(
        "DOKU_TEST_POSTGRES_URL is not set: run the tests with scripts/with-postgres.sh (make test-native does)",
    );
    let name = unique("doku_test");
    let mut connection = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .expect("create a test database");
    let base = admin
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(&admin);
    TestDb {
        url: format!("{base}/{name}"),
        backend: "postgres",
        file: None,
    }
}

/// One database of each kind.
pub async fn databases() -> Vec<TestDb> {
    vec![sqlite(), postgres().await]
}
