//! The servers under measurement, started as processes on loopback ports of their own,
//! and what the platform sends them.

use doku_testkit::{eventually, free_port, proxy_command, wait_healthy};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The servers run as the test kit's project (whose callbacks the load sends), with its
/// secret key and merchant API key.
pub use doku_testkit::{API_KEY, PROJECT_ID, SECRET};

/// A server process under load.
pub struct Server {
    /// Which server and store, e.g. `doku-proxy (SQLite)`.
    pub name: String,
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// Waits until the server at `base` answers anything on `/` (the Node.js peer has no
/// health check).
async fn wait_until_up(base: &str) {
    let client = reqwest::Client::new();
    let url = format!("{base}/");
    eventually(base, Duration::from_secs(60), || async {
        client
            .get(&url)
            .send()
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    })
    .await;
}

/// The release proxy (`target/server/doku-proxy`) on `database_url`, serving `dist`.
pub async fn start_proxy(
    root: &Path,
    work: &Path,
    dist: &Path,
    name: &str,
    database_url: &str,
    flags: &[&str],
) -> Server {
    let port = free_port();
    let binary = root.join("target/server/doku-proxy");
    assert!(
        binary.is_file(),
        "build it first: cargo build --profile server -p doku-proxy"
    );
    let child = proxy_command(&binary, work, port, database_url, dist)
        .expect("write the proxy's secret and key")
        .args(flags)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start doku-proxy");
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    Server {
        name: name.to_string(),
        child,
        base,
    }
}

/// The Node.js peer (`bench/node/peer-server.js`) on `database_url`.
pub async fn start_peer(root: &Path, database_url: &str) -> Server {
    let port = free_port();
    let child = Command::new("node")
        .arg(root.join("bench/node/peer-server.js"))
        .env("PEER_PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env("ECOMMPAY_SECRET_KEY", SECRET)
        .env("ECOMMPAY_PROJECT_ID", PROJECT_ID.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the Node.js peer (npm ci --prefix bench/node)");
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&base).await;
    Server {
        name: crate::load::PEER.into(),
        child,
        base,
    }
}

/// The server's peak resident memory so far, in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    memory_mib(pid, "VmHWM:")
}

/// The server's resident memory now, in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    memory_mib(pid, "VmRSS:")
}

/// A memory figure of process `pid` from `/proc/<pid>/status` (`field` in kB), in MiB;
/// 0 if the process is gone.
fn memory_mib(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// A signed final callback (`success` or `decline`) in the seed's format, on one line.
pub fn callback_body(signer: &ecommpay::Signer, payment_id: &str, status: &str) -> String {
    let mut body = doku_testkit::platform_callback(payment_id, status, 15_000_000);
    body["signature"] = serde_json::Value::String(signer.sign_value(&body));
    body.to_string()
}
