//! Crash consistency: under a steady stream of checkout sessions and the sandbox's
//! callbacks, the proxy (a real process, on an SQLite file) is killed with SIGKILL at
//! random moments and restarted, over and over; the sandbox's retries then finish.
//! Afterwards: every callback answered 200 is stored; no payment is lost, duplicated or
//! in two states; every payment ends in the state its last callback says.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit::{
    API_KEY, PROJECT_ID, StackOptions, eventually, free_port, pay_on_doku, proxy_command,
    wait_healthy,
};
use ecommpay_sandbox::delivery::{AttemptResult, DeliveryState};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// Kill-and-restart cycles.
const CYCLES: usize = 24;
/// Customers paying at the same time.
const CUSTOMERS: usize = 4;

/// The proxy as a process on a fixed loopback port and a persistent database.
struct ProxyProcess {
    port: u16,
    dir: PathBuf,
    sandbox: String,
    child: Option<Child>,
}

impl ProxyProcess {
    fn start(&mut self) {
        let binary = Path::new(env!("CARGO_BIN_EXE_doku-proxy"));
        let database = format!("sqlite://{}", self.dir.join("proxy.db").display());
        let child = proxy_command(binary, &self.dir, self.port, &database, &self.dir)
            .expect("write the proxy's secret and key")
            .arg(format!("--payment-page-url={}/payment", self.sandbox))
            .arg(format!("--gate-url={}", self.sandbox))
            .arg("--purchase-check-after=1h")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start doku-proxy");
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok(); // SIGKILL
            child.wait().ok();
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        self.kill();
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A small deterministic generator for the kill moments (the seed is printed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// Sends until the proxy answers 2xx (it may be down or restarting); the JSON answer.
async fn until_answered(request: impl Fn() -> reqwest::RequestBuilder) -> Value {
    eventually("an answer", Duration::from_secs(60), || async {
        let response = request()
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(response.status().to_string());
        }
        response.json::<Value>().await.map_err(|e| e.to_string())
    })
    .await
}

/// What the customers did: (order, payment, button pressed).
type Paid = Arc<Mutex<Vec<(String, String, &'static str)>>>;

async fn customer(base: String, number: usize, stop: Arc<AtomicBool>, paid: Paid) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut attempt = 0;
    while !stop.load(Ordering::Relaxed) {
        attempt += 1;
        let order = until_answered(|| {
            http.post(format!("{base}/api/orders"))
                .bearer_auth(API_KEY)
                .json(
                    &json!({"amount": 15_000_000, "currency": "IDR", "description": "Crash test"}),
                )
        })
        .await;
        let order_id = order["order_id"].as_str().unwrap().to_string();
        let key = format!("crash-{number}-{attempt}");
        let session = until_answered(|| {
            http.post(format!("{base}/api/checkout/sessions"))
                .header("Idempotency-Key", &key)
                .json(&json!({"order_id": order_id, "customer": {"first_name": "Budi", "email": "budi@example.com"}}))
        })
        .await;
        let payment_id = session["payment_id"].as_str().unwrap().to_string();
        let button = if attempt % 4 == 0 {
            "decline"
        } else {
            "success"
        };
        // DOKU is the sandbox: it stays up; its callbacks to the proxy are retried.
        pay_on_doku(&http, &session["redirect_data"], button).await;
        paid.lock().await.push((order_id, payment_id, button));
    }
}

fn parse(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_proxy_loses_and_duplicates_nothing() {
    let options = StackOptions {
        max_attempts: 500,
        ..StackOptions::default()
    };
    let sandbox = doku_testkit::start_sandbox(&options).await;
    let dir = std::env::temp_dir().join(format!("doku-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "dist").unwrap();
    let port = free_port();
    let mut proxy = ProxyProcess {
        port,
        dir: dir.clone(),
        sandbox: sandbox.base_url.clone(),
        child: None,
    };
    proxy.start();
    wait_healthy(&proxy.base()).await;

    let stop = Arc::new(AtomicBool::new(false));
    let paid: Paid = Arc::default();
    let customers: Vec<_> = (0..CUSTOMERS)
        .map(|n| tokio::spawn(customer(proxy.base(), n, stop.clone(), paid.clone())))
        .collect();

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("crash test: seed {seed}, {CYCLES} SIGKILL cycles");
    let mut random = Lcg(seed);
    for _ in 0..CYCLES {
        tokio::time::sleep(Duration::from_millis(100 + random.next(500))).await;
        proxy.kill();
        tokio::time::sleep(Duration::from_millis(random.next(150))).await;
        proxy.start();
        wait_healthy(&proxy.base()).await;
    }
    stop.store(true, Ordering::Relaxed);
    for customer in customers {
        customer.await.unwrap();
    }
    let paid = paid.lock().await.clone();

    // Let the sandbox's retries finish.
    eventually(
        "the sandbox's last deliveries",
        Duration::from_secs(60),
        || async {
            let pending = paid.iter().filter(|(_, payment_id, _)| {
                sandbox
                    .sandbox
                    .payment(PROJECT_ID, payment_id)
                    .is_none_or(|p| {
                        p.deliveries.is_empty()
                            || p.deliveries
                                .iter()
                                .any(|d| d.state == DeliveryState::Pending)
                    })
            });
            match pending.count() {
                0 => Ok(()),
                n => Err(format!("{n} payments still being delivered")),
            }
        },
    )
    .await;
    proxy.kill();

    // Read the proxy's database directly, as it was left.
    let store = doku_proxy::store::Store::connect(&format!(
        "sqlite://{}",
        proxy.dir.join("proxy.db").display()
    ))
    .await
    .unwrap();
    let (mut sent, mut acknowledged, mut stored, mut lost) = (0, 0, 0, 0);
    let mut orders = std::collections::BTreeSet::new();
    for (order_id, payment_id, button) in &paid {
        assert!(orders.insert(order_id.clone()), "one payment per order");
        let platform = sandbox.sandbox.payment(PROJECT_ID, payment_id).unwrap();
        let payment = store
            .payment(payment_id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("payment {payment_id} lost"));
        let records = store.callbacks_for(payment_id).await.unwrap();
        let bodies: Vec<Value> = records
            .iter()
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect();
        for delivery in &platform.deliveries {
            sent += delivery.attempts.len();
            let answered_200 = delivery
                .attempts
                .iter()
                .any(|a| a.result == AttemptResult::Http { status: 200 });
            if answered_200 {
                acknowledged += 1;
                if bodies.contains(&parse(&delivery.body)) {
                    stored += 1;
                } else {
                    lost += 1;
                }
            }
        }
        // The last callback the platform sent decides the state.
        let expected = if platform.status == "success" {
            "success"
        } else {
            "decline"
        };
        assert_eq!(
            payment.status.as_str(),
            expected,
            "{payment_id} after pressing {button}"
        );
        assert_eq!(payment.order_id.as_deref(), Some(order_id.as_str()));
    }
    let duplicates = store
        .list_payments(&doku_proxy::store::PaymentFilter {
            limit: i64::MAX,
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
        - paid.len();
    println!(
        "crash test: {} payments, {sent} delivery attempts sent, {acknowledged} acknowledged (200), {stored} stored, {lost} lost, {duplicates} extra payments",
        paid.len()
    );
    assert_eq!(lost, 0);
    assert_eq!(stored, acknowledged);
    assert_eq!(duplicates, 0, "no payment opened twice");
    assert!(
        paid.len() >= CYCLES,
        "a steady stream: {} payments",
        paid.len()
    );
    store.close().await;
    sandbox.stop().await.ok();
    drop(proxy); // removes its directory
}
