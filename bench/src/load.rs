//! Load on the merchant server: `wrk` against `POST /api/checkout/sessions` (a distinct
//! order and idempotency key per request) and `POST /callbacks/ecommpay` (a distinct,
//! validly signed callback per request), at several concurrency levels, for the proxy on
//! SQLite and on PostgreSQL and for the Node.js peer on PostgreSQL.

use crate::server::{
    API_KEY, SECRET, Server, callback_body, peak_rss_mib, start_peer, start_proxy,
};
use crate::stats::Series;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The reconciler stays out of the measurement.
const QUIET: &[&str] = &["--purchase-check-after=1h", "--reconcile-every=1h"];
/// Concurrent connections of each run.
pub const CONCURRENCY: [u32; 3] = [1, 16, 64];
/// Length of each run.
pub const SECONDS: u32 = 5;
/// Runs of each server at each endpoint and concurrency level.
pub const ROUNDS: u32 = 3;
/// The name of the proxy on PostgreSQL, which is compared with the peer.
pub const PROXY_ON_POSTGRES: &str = "doku-proxy (PostgreSQL)";
/// The name of a second instance of the proxy on the same PostgreSQL database, sent
/// callbacks for payments a third instance opened.
pub const PROXY_ELSEWHERE: &str = "doku-proxy (PostgreSQL), another instance's payments";
/// The name of the Node.js peer.
pub const PEER: &str = "Node.js + express + ecommpay SDK (PostgreSQL)";
/// Distinct orders (and callbacks) ready before each run: more than a run uses here
/// (the proxy on PostgreSQL took 63,400 orders in one 5 s run at 64 connections).
const ORDERS: usize = 100_000;
/// Commits timed by [`commit_floor`].
const COMMITS: i64 = 2_000;

/// One `wrk` run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRun {
    /// Which server and store, e.g. `doku-proxy (SQLite)`.
    pub server: String,
    /// `sessions` or `callbacks`.
    pub endpoint: String,
    /// Open connections.
    pub concurrency: u32,
    /// Which of the [`ROUNDS`] this run belongs to (from 0).
    pub round: u32,
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

/// Opens a payment for each of `count` new orders at `server`; returns the payment ids,
/// the last opened first.
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
    let mut opened: Vec<String> = futures::stream::iter(requests)
        .buffer_unordered(32)
        .collect()
        .await;
    opened.reverse();
    opened
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
    endpoint: Endpoint,
    concurrency: u32,
    round: u32,
    summary: &WrkSummary,
    available: usize,
) -> LoadRun {
    let seconds = summary.duration_us as f64 / 1e6;
    let run = LoadRun {
        server: server.name.clone(),
        endpoint: endpoint.name().to_string(),
        concurrency,
        round,
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
        "load {} {} c={} round {}: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {}",
        run.server,
        run.endpoint,
        run.concurrency,
        run.round + 1,
        run.rps,
        run.p50_ms,
        run.p99_ms,
        run.errors
    );
    run
}

/// A server under load and the inputs it has ready: orders to open sessions for, and
/// signed callbacks for payments opened shortly before.
struct Target {
    server: Server,
    /// Where the payments its callbacks report on are opened: `None` for the server
    /// itself (it still remembers them), or another instance on the same database, so
    /// that the server has never seen them.
    opener: Option<Server>,
    /// Whether it takes the sessions runs (the second instance takes only callbacks).
    sessions: bool,
    orders: Vec<String>,
    /// The payment opened last first, so that a run's callbacks are for the payments
    /// opened most recently.
    bodies: Vec<String>,
    /// Requests per second of its runs so far, with their concurrency.
    rates: Vec<(u32, f64)>,
}

impl Target {
    fn new(server: Server) -> Target {
        Target {
            server,
            opener: None,
            sessions: true,
            orders: Vec::new(),
            bodies: Vec::new(),
            rates: Vec::new(),
        }
    }

    /// `server`, sent callbacks for the payments `opener` opens, and no sessions.
    fn callbacks_for(server: Server, opener: Server) -> Target {
        Target {
            opener: Some(opener),
            sessions: false,
            ..Target::new(server)
        }
    }

    /// How many distinct inputs a run at `concurrency` should have: half as many again
    /// as its fastest run at that level so far took, or [`ORDERS`] before the first.
    fn inputs_for(&self, concurrency: u32) -> usize {
        let fastest = (self.rates.iter())
            .filter(|(level, _)| *level == concurrency)
            .map(|(_, rps)| *rps)
            .fold(0.0, f64::max);
        if fastest > 0.0 {
            ((fastest * f64::from(SECONDS) * 1.5) as usize).min(ORDERS)
        } else {
            ORDERS
        }
    }

    /// One `wrk` run of `endpoint` at `concurrency`, with distinct inputs made first, or
    /// `None` if this target takes no such runs.
    async fn run(
        &mut self,
        root: &Path,
        work: &Path,
        endpoint: Endpoint,
        concurrency: u32,
        round: u32,
    ) -> Option<LoadRun> {
        let (inputs, script, variable) = match endpoint {
            Endpoint::Sessions if !self.sessions => return None,
            Endpoint::Sessions => {
                if self.orders.len() < ORDERS {
                    let more = create_orders(&self.server, ORDERS - self.orders.len()).await;
                    self.orders.extend(more);
                }
                (&mut self.orders, "sessions.lua", "ORDERS_FILE")
            }
            Endpoint::Callbacks => {
                // Each payment given one success, seconds after it was opened.
                let needed = self.inputs_for(concurrency);
                if self.bodies.len() < needed {
                    let opener = self.opener.as_ref().unwrap_or(&self.server);
                    let opened = open_payments(opener, needed - self.bodies.len()).await;
                    let signer = ecommpay::Signer::new(SECRET);
                    let mut bodies: Vec<String> = (opened.iter())
                        .map(|id| callback_body(&signer, id, "success"))
                        .collect();
                    bodies.append(&mut self.bodies);
                    self.bodies = bodies;
                }
                (&mut self.bodies, "callbacks.lua", "BODIES_FILE")
            }
        };
        let file = work.join(format!("{}-{concurrency}", endpoint.name()));
        std::fs::write(&file, inputs.join("\n")).expect("write the inputs");
        let summary = run_wrk(root, &self.server, script, concurrency, &file, variable);
        let run = record(
            &self.server,
            endpoint,
            concurrency,
            round,
            &summary,
            inputs.len(),
        );
        // Every input is used once: those this run sent are gone.
        let used = (summary.requests as usize).min(inputs.len().saturating_sub(1));
        inputs.drain(..used);
        self.rates.push((concurrency, run.rps));
        Some(run)
    }
}

/// What the load asks for.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Sessions,
    Callbacks,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Sessions => "sessions",
            Endpoint::Callbacks => "callbacks",
        }
    }
}

/// Each endpoint at each concurrency level, [`ROUNDS`] times over, the servers taking
/// turns within each round (in an order rotated every round). The servers' runs at one
/// level are then seconds apart, not minutes, so a machine that drifts during the bench
/// moves every server's figures alike instead of the ratios between them.
async fn measure(root: &Path, work: &Path, targets: &mut [Target]) -> Vec<LoadRun> {
    let mut runs = Vec::new();
    for endpoint in [Endpoint::Sessions, Endpoint::Callbacks] {
        for concurrency in CONCURRENCY {
            for round in 0..ROUNDS {
                let count = targets.len();
                for turn in 0..count {
                    let target = &mut targets[(turn + round as usize) % count];
                    let run = target.run(root, work, endpoint, concurrency, round).await;
                    runs.extend(run);
                }
            }
        }
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

/// The time of one durable commit on PostgreSQL: a one-row INSERT into a table with one
/// index, committed (with the server's default, durable settings) over one connection
/// from here, each sample one INSERT's round trip. A server that commits before it
/// answers and is sent one request at a time can answer no faster.
pub async fn commit_floor(admin_url: &str) -> Series {
    let url = fresh_database(admin_url, "bench_commit").await;
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query("CREATE TABLE commits (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&mut db)
        .await
        .expect("create the table");
    let mut floor = Series::new("PostgreSQL: one INSERT committed, one connection");
    for id in 0..COMMITS {
        let start = Instant::now();
        sqlx::query("INSERT INTO commits (id, body) VALUES ($1, 'a committed row')")
            .bind(id)
            .execute(&mut db)
            .await
            .expect("insert a row");
        floor
            .samples_ms
            .push(start.elapsed().as_secs_f64() * 1000.0);
    }
    floor
}

/// Every server, every endpoint, every concurrency level. `admin_url` is a PostgreSQL
/// server the bench may create databases on.
pub async fn run(root: &Path, admin_url: &str) -> Vec<LoadRun> {
    let work: PathBuf = root.join("target/bench/load");
    std::fs::remove_dir_all(&work).ok();
    std::fs::create_dir_all(&work).expect("a work directory");
    let dist = root.join("dist");

    let sqlite = format!("sqlite://{}", work.join("proxy.db").display());
    let on_sqlite = start_proxy(root, &work, &dist, "doku-proxy (SQLite)", &sqlite, QUIET).await;
    let postgres = fresh_database(admin_url, "bench_proxy").await;
    let on_postgres = start_proxy(root, &work, &dist, PROXY_ON_POSTGRES, &postgres, QUIET).await;
    // Two more instances on the same database: one opens payments, the other is sent
    // their callbacks (as behind a load balancer), so it has never seen them.
    let opener = start_proxy(root, &work, &dist, "opener", &postgres, QUIET).await;
    let elsewhere = start_proxy(root, &work, &dist, PROXY_ELSEWHERE, &postgres, QUIET).await;
    let peer_database = fresh_database(admin_url, "bench_peer").await;
    let peer = start_peer(root, &peer_database).await;

    let mut targets = [
        Target::new(on_sqlite),
        Target::new(on_postgres),
        Target::callbacks_for(elsewhere, opener),
        Target::new(peer),
    ];
    measure(root, &work, &mut targets).await
}
