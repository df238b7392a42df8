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

/// The project the test proxies serve.
pub const PROJECT_ID: u64 = 77;
/// The project's secret key in tests.
pub const SECRET: &str = "proxy-test-secret";
/// A merchant API key the test proxies accept.
pub const API_KEY: &str = "merchant-test-key";
/// An origin the test proxies allow besides their own.
pub const SHOP_ORIGIN: &str = "https://shop.example";

/// A proxy serving in-process on `127.0.0.1:0`, with its own database and files.
pub struct TestProxy {
    /// `http://127.0.0.1:port`
    pub base: String,
    /// A client that never follows redirects.
    pub http: reqwest::Client,
    /// Signs like the platform does for this project.
    pub signer: ecommpay::Signer,
    /// The proxy's state (for direct store checks and reconciler rounds).
    pub app: doku_proxy::app::SharedApp,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    dir: PathBuf,
    /// Which database it runs on.
    pub db: TestDb,
}

impl TestProxy {
    /// Starts a proxy on `db` with `extra` `doku-proxy serve` flags.
    pub async fn start(db: TestDb, extra: &[String]) -> TestProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let dir = std::env::temp_dir().join(unique("doku_proxy_test"));
        std::fs::create_dir_all(dir.join("dist")).expect("create the test directory");
        std::fs::write(
            dir.join("dist/index.html"),
            "<!doctype html><title>dist</title>",
        )
        .expect("write dist");
        std::fs::write(dir.join("secret"), SECRET).expect("write the secret");
        std::fs::write(dir.join("keys"), API_KEY).expect("write the API keys");
        let mut args = vec![
            format!("--listen={address}"),
            format!("--dist-dir={}", dir.join("dist").display()),
            format!("--database-url={}", db.url),
            format!("--secret-file={}", dir.join("secret").display()),
            format!("--api-keys-file={}", dir.join("keys").display()),
            format!("--project-id={PROJECT_ID}"),
            format!("--allowed-origins={SHOP_ORIGIN}"),
        ];
        args.extend(extra.iter().cloned());
        let config = doku_proxy::config::Config::from_args(args).expect("a valid configuration");
        let app = doku_proxy::app::App::start(config)
            .await
            .expect("the proxy starts");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = app.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                stopped.await.ok();
            };
            doku_proxy::server::serve(listener, served, shutdown)
                .await
                .expect("the proxy serves");
        });
        TestProxy {
            base: format!("http://{address}"),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
            signer: ecommpay::Signer::new(SECRET),
            app,
            stop: Some(stop),
            task: Some(task),
            dir,
            db,
        }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates an IDR order of `amount` minor units through the merchant API.
    pub async fn order(&self, amount: i64) -> String {
        let (status, body) = self
            .merchant_post("/api/orders", serde_json::json!({"amount": amount, "currency": "IDR", "description": "Kopi Toraja"}))
            .await;
        assert_eq!(status, 201, "{body}");
        body["order_id"].as_str().expect("an order id").to_string()
    }

    /// POSTs JSON with the merchant key.
    pub async fn merchant_post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(API_KEY)
            .json(&body)
            .send()
            .await
            .expect("the proxy answers");
        read(response).await
    }

    /// GETs with the merchant key.
    pub async fn merchant_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(API_KEY)
            .send()
            .await
            .expect("the proxy answers")
    }

    /// Opens a checkout session as the widget does.
    pub async fn session(&self, order_id: &str, key: &str) -> (u16, serde_json::Value) {
        let body = serde_json::json!({
            "order_id": order_id,
            "customer": {"first_name": "Budi", "email": "budi@example.com"},
            "locale": "id",
        });
        let response = self
            .http
            .post(self.url("/api/checkout/sessions"))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .expect("the proxy answers");
        read(response).await
    }

    /// The widget's view of a payment.
    pub async fn status(&self, payment_id: &str) -> (u16, serde_json::Value) {
        let response = self
            .http
            .get(self.url(&format!("/api/checkout/sessions/{payment_id}")))
            .send()
            .await
            .expect("the proxy answers");
        read(response).await
    }

    /// Delivers `body`, signed with the project's secret, as a platform callback.
    pub async fn callback(&self, mut body: serde_json::Value) -> (u16, serde_json::Value) {
        body["signature"] = serde_json::Value::String(self.signer.sign_value(&body));
        self.raw_callback(body.to_string()).await
    }

    /// Delivers `body` as it is to the callback endpoint.
    pub async fn raw_callback(&self, body: String) -> (u16, serde_json::Value) {
        let response = self
            .http
            .post(self.url("/callbacks/ecommpay"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the proxy answers");
        read(response).await
    }

    /// Stops the server and waits until it has finished (database closed).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(task) = self.task.take() {
            task.await.ok();
        }
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// The status and JSON body (or `null`) of a response.
pub async fn read(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// A callback in the seed's format for `payment_id` with the platform `status`.
pub fn platform_callback(payment_id: &str, status: &str, amount: u64) -> serde_json::Value {
    let (code, message) = match status {
        "success" => ("0", "Success"),
        "decline" => ("20101", "Decline due to amount or frequency limit"),
        _ => ("0", "Processing"),
    };
    serde_json::json!({
        "project_id": PROJECT_ID,
        "payment": {"id": payment_id, "type": "purchase", "status": status, "date": "2026-11-24T09:21:58+0000",
                    "method": "Doku", "sum": {"amount": amount, "currency": "IDR"}, "description": ""},
        "account": {"number": "1189632633"},
        "operation": {"id": 6085000002263u64, "type": "sale", "status": status, "date": "2026-11-24T09:21:58+0000",
                      "created_date": "2026-11-24T09:20:39+0000", "request_id": "026b9dbadeb438abea86c9667edc9b11eb994",
                      "sum_initial": {"amount": amount, "currency": "IDR"}, "sum_converted": {"amount": amount, "currency": "IDR"},
                      "provider": {"id": 1162, "payment_id": "342205", "date": "2026-11-24T09:21:54+0000", "auth_code": ""},
                      "code": code, "message": message}
    })
}
