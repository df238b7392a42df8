//! Load on the merchant server: `wrk` against `POST /api/checkout/sessions` (a distinct
//! order and idempotency key per request) and `POST /callbacks/ecommpay` (a distinct,
//! validly signed callback per request), at several concurrency levels, for the proxy on
//! SQLite and on PostgreSQL and for the Node.js peer on PostgreSQL.

use crate::server::{
    API_KEY, SECRET, Server, callback_body, peak_rss_mib, start_peer, start_proxy,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The reconciler stays out of the measurement.
const QUIET: &[&str] = &["--purchase-check-after=1h", "--reconcile-every=1h"];
/// Concurrent connections of each run.
pub const CONCURRENCY: [u32; 3] = [1, 16, 64];
/// Length of each run.
pub const SECONDS: u32 = 5;
/// Distinct orders (and callbacks) ready before each run: more than a run uses here.
const ORDERS: usize = 25_000;

/// One `wrk` run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRun {
    /// Which server and store, e.g. `doku-proxy (SQLite)`.
    pub server: String,
    /// `sessions` or `callbacks`.
    pub endpoint: String,
    /// Open connections.
    pub concurrency: u32,
    /// Completed requests.
    pub requests: u64,
    /// Requests per second.
    pub rps: f64,
    /// Median latency (ms).
    pub p50_ms: f64,
    /// 99th percentile latency (ms).
    pub p99_ms: f64,
    /// Slowest request (ms).
    pub max_ms: f64,
    /// Failed requests: connection errors, timeouts and non-2xx answers.
    pub errors: u64,
    /// Whether the run outlasted its distinct orders or callbacks and repeated some.
    pub repeated: bool,
    /// The server's peak resident memory so far (MiB).
    pub peak_rss_mib: f64,
}

#[derive(Debug, Deserialize)]
struct WrkSummary {
    requests: u64,
    duration_us: u64,
    connect: u64,
    read: u64,
    write: u64,
    status: u64,
    timeout: u64,
    p50_us: u64,
    p99_us: u64,
    max_us: u64,
}

/// Creates `count` IDR orders through the server's order endpoint.
async fn create_orders(server: &Server, count: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let requests = (0..count).map(|i| {
        let client = client.clone();
        let url = format!("{}/api/orders", server.base);
        async move {
            let body = serde_json::json!({"amount": 15_000_000, "currency": "IDR", "description": format!("Bench order {i}")});
            let answer: serde_json::Value = client
                .post(url)
                .bearer_auth(API_KEY)
                .json(&body)
                .send()
                .await
                .expect("create an order")
                .json()
                .await
                .expect("an order");
            answer["order_id"].as_str().expect("an order id").to_string()
        }
    });
    futures::stream::iter(requests)
        .buffer_unordered(32)
        .collect()
        .await
}

/// Opens a payment for each of `count` new orders; returns the payment ids.
async fn open_payments(server: &Server, count: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let orders = create_orders(server, count).await;
    let requests = orders.into_iter().enumerate().map(|(i, order_id)| {
        let client = client.clone();
        let url = format!("{}/api/checkout/sessions", server.base);
        async move {
            let body = serde_json::json!({"order_id": order_id, "customer": {"first_name": "Budi", "email": "budi@example.com"}});
            let answer: serde_json::Value = client
                .post(url)
                .header("Idempotency-Key", format!("bench-prepare-{i}"))
                .json(&body)
                .send()
                .await
                .expect("open a session")
                .json()
                .await
                .expect("a session");
            answer["payment_id"].as_str().expect("a payment id").to_string()
        }
    });
    futures::stream::iter(requests)
        .buffer_unordered(32)
        .collect()
        .await
}

/// The payments the server stored (for the callback runs).
async fn stored_payments(server: &Server) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&server.database_url)
        .await
        .expect("connect to the server's database");
    sqlx::query(&format!("SELECT id FROM {}", server.payments_table))
        .fetch_all(&mut connection)
        .await
        .expect("list the payments")
        .iter()
        .map(|row| row.get::<String, _>("id"))
        .collect()
}

fn run_wrk(
    root: &Path,
    server: &Server,
    script: &str,
    concurrency: u32,
    lines: &Path,
    variable: &str,
) -> WrkSummary {
    let threads = concurrency.clamp(1, 2);
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{concurrency}"))
        .arg(format!("-d{SECONDS}s"))
        .arg("--timeout=10s")
        .arg("-s")
        .arg(root.join("bench/wrk").join(script))
        .arg(&server.base)
        .env(variable, lines)
        .env("WRK_THREADS", threads.to_string())
        .output()
        .expect("run wrk (apt-get install wrk)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("wrk printed no summary: {stdout}"));
    serde_json::from_str(line).expect("wrk's summary")
}

fn record(
    server: &Server,
    endpoint: &str,
    concurrency: u32,
    summary: &WrkSummary,
    available: usize,
) -> LoadRun {
    let seconds = summary.duration_us as f64 / 1e6;
    let run = LoadRun {
        server: server.name.clone(),
        endpoint: endpoint.to_string(),
        concurrency,
        requests: summary.requests,
        rps: summary.requests as f64 / seconds,
        p50_ms: summary.p50_us as f64 / 1000.0,
        p99_ms: summary.p99_us as f64 / 1000.0,
        max_ms: summary.max_us as f64 / 1000.0,
        errors: summary.connect + summary.read + summary.write + summary.status + summary.timeout,
        repeated: summary.requests as usize > available,
        peak_rss_mib: peak_rss_mib(server.child.id()),
    };
    eprintln!(
        "load {} {} c={}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {}",
        run.server, run.endpoint, run.concurrency, run.rps, run.p50_ms, run.p99_ms, run.errors
    );
    run
}

/// Sessions, then callbacks, at each concurrency level, against one server.
async fn measure(root: &Path, work: &Path, server: Server) -> Vec<LoadRun> {
    let mut runs = Vec::new();
    let mut orders = Vec::new();
    for concurrency in CONCURRENCY {
        if orders.len() < ORDERS {
            orders.extend(create_orders(&server, ORDERS - orders.len()).await);
        }
        let file = work.join(format!("orders-{concurrency}"));
        std::fs::write(&file, orders.join("\n")).expect("write the orders");
        let summary = run_wrk(
            root,
            &server,
            "sessions.lua",
            concurrency,
            &file,
            "ORDERS_FILE",
        );
        runs.push(record(
            &server,
            "sessions",
            concurrency,
            &summary,
            orders.len(),
        ));
        let used = (summary.requests as usize).min(orders.len());
        orders.drain(..used);
    }
    let signer = ecommpay::Signer::new(SECRET);
    let mut bodies: Vec<String> = stored_payments(&server)
        .await
        .iter()
        .map(|id| callback_body(&signer, id, "success"))
        .collect();
    for concurrency in CONCURRENCY {
        if bodies.len() < ORDERS {
            let more = open_payments(&server, ORDERS - bodies.len()).await;
            bodies.extend(more.iter().map(|id| callback_body(&signer, id, "success")));
        }
        let file = work.join(format!("callbacks-{concurrency}"));
        std::fs::write(&file, bodies.join("\n")).expect("write the callbacks");
        let summary = run_wrk(
            root,
            &server,
            "callbacks.lua",
            concurrency,
            &file,
            "BODIES_FILE",
        );
        runs.push(record(
            &server,
            "callbacks",
            concurrency,
            &summary,
            bodies.len(),
        ));
        let used = (summary.requests as usize).min(bodies.len().saturating_sub(1));
        bodies.drain(..used);
    }
    runs
}

async fn fresh_database(admin_url: &str, name: &str) -> String {
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut admin)
        .await
        .ok();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create a database");
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Every server, every endpoint, every concurrency level. `admin_url` is a PostgreSQL
/// server the bench may create databases on.
pub async fn run(root: &Path, admin_url: &str) -> Vec<LoadRun> {
    let work: PathBuf = root.join("target/bench/load");
    std::fs::remove_dir_all(&work).ok();
    std::fs::create_dir_all(&work).expect("a work directory");
    let mut runs = Vec::new();

    let sqlite = format!("sqlite://{}", work.join("proxy.db").display());
    let server = start_proxy(
        root,
        &work,
        &root.join("dist"),
        "doku-proxy (SQLite)",
        &sqlite,
        QUIET,
    )
    .await;
    runs.extend(measure(root, &work, server).await);

    let postgres = fresh_database(admin_url, "bench_proxy").await;
    let server = start_proxy(
        root,
        &work,
        &root.join("dist"),
        "doku-proxy (PostgreSQL)",
        &postgres,
        QUIET,
    )
    .await;
    runs.extend(measure(root, &work, server).await);

    let postgres = fresh_database(admin_url, "bench_peer").await;
    let server = start_peer(root, &postgres).await;
    runs.extend(measure(root, &work, server).await);
    runs
}
