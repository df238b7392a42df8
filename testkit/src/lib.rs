//! What the proxy's integration tests and the end-to-end tests share: real databases
//! (an SQLite file, or a fresh database on the PostgreSQL server `make test` starts),
//! the sandbox as the platform and the proxy, each on a loopback port of its own, all
//! removed when dropped.

use sqlx::Connection;
use std::path::{Path, PathBuf};
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

/// A loopback port free right now, for a server started as a separate process (which
/// binds it itself).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

/// The command that runs `binary` (the proxy) as a separate process: serving on
/// `127.0.0.1:port` from `database_url` and `dist`, as the test kit's project, with its
/// secret key and merchant API key in files it writes into `dir` (as a merchant's server
/// holds them). Callers add their own flags, environment and output.
pub fn proxy_command(
    binary: &Path,
    dir: &Path,
    port: u16,
    database_url: &str,
    dist: &Path,
) -> std::io::Result<std::process::Command> {
    let secret = dir.join("secret");
    let keys = dir.join("keys");
    std::fs::write(&secret, SECRET)?;
    std::fs::write(&keys, API_KEY)?;
    let mut command = std::process::Command::new(binary);
    command
        .arg("serve")
        .arg(format!("--listen=127.0.0.1:{port}"))
        .arg(format!("--project-id={PROJECT_ID}"))
        .arg(format!("--secret-file={}", secret.display()))
        .arg(format!("--api-keys-file={}", keys.display()))
        .arg(format!("--database-url={database_url}"))
        .arg(format!("--dist-dir={}", dist.display()));
    Ok(command)
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

impl TestDb {
    /// Another handle on an existing database (a second proxy instance on it).
    pub fn shared(url: String) -> TestDb {
        TestDb {
            url,
            backend: "postgres",
            file: None,
        }
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
        TestProxy::start_serving(db, None, extra).await
    }

    /// Starts a proxy on `db` serving the widget build in `dist` (else an empty one).
    pub async fn start_serving(db: TestDb, dist: Option<PathBuf>, extra: &[String]) -> TestProxy {
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
        let dist = dist.unwrap_or_else(|| dir.join("dist"));
        std::fs::write(dir.join("secret"), SECRET).expect("write the secret");
        std::fs::write(dir.join("keys"), API_KEY).expect("write the API keys");
        let mut args = vec![
            format!("--listen={address}"),
            format!("--dist-dir={}", dist.display()),
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

    /// The merchant's payments list (`query` like `?type=payout`, or empty).
    pub async fn payments(&self, query: &str) -> Vec<serde_json::Value> {
        let list: serde_json::Value =
            serde_json::from_str(&self.merchant_text(&format!("/api/payments{query}")).await)
                .expect("a payments list");
        list["payments"]
            .as_array()
            .cloned()
            .expect("a payments array")
    }

    /// The Prometheus metrics text.
    pub async fn metrics(&self) -> String {
        self.merchant_text("/metrics").await
    }

    /// The body of a merchant `GET` of `path`, which must answer 200: a refusal's problem
    /// text would otherwise pass for an answer that merely lacks what a test looks for.
    async fn merchant_text(&self, path: &str) -> String {
        let response = self.merchant_get(path).await;
        let status = response.status();
        let text = response.text().await.expect("the answer's body");
        assert_eq!(status, 200, "GET {path}: {text}");
        text
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

/// How a [`Stack`] is set up.
pub struct StackOptions {
    /// `payment-page` or `gate`.
    pub mode: &'static str,
    /// The sandbox's threshold time for the project.
    pub platform_threshold: std::time::Duration,
    /// Delivery attempts per callback in the sandbox.
    pub max_attempts: u32,
    /// More `doku-proxy serve` flags.
    pub proxy_flags: Vec<String>,
    /// The widget build the proxy serves (default: an empty one).
    pub dist: Option<PathBuf>,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            mode: "payment-page",
            platform_threshold: std::time::Duration::from_secs(600),
            max_attempts: 6,
            proxy_flags: Vec::new(),
            dist: None,
        }
    }
}

/// The sandbox (as the platform) and a proxy pointed at it.
pub struct Stack {
    /// The platform.
    pub sandbox: ecommpay_sandbox::RunningSandbox,
    /// The merchant's proxy.
    pub proxy: TestProxy,
}

/// The sandbox as the platform of [`PROJECT_ID`], quick to call back and to retry.
pub async fn start_sandbox(options: &StackOptions) -> ecommpay_sandbox::RunningSandbox {
    let mut config = ecommpay_sandbox::Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        redirect_delay: std::time::Duration::from_millis(20),
        tick: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    config.delivery.first_retry = std::time::Duration::from_millis(20);
    config.delivery.max_delay = std::time::Duration::from_millis(200);
    config.delivery.max_attempts = options.max_attempts;
    let mut project = ecommpay_sandbox::ProjectConfig::demo();
    project.id = PROJECT_ID;
    project.secret_key = SECRET.into();
    project.callback_url = None;
    project.threshold = options.platform_threshold;
    project.payout_delay = std::time::Duration::from_millis(50);
    config.projects = vec![project];
    ecommpay_sandbox::spawn(config)
        .await
        .expect("the sandbox starts")
}

impl Stack {
    /// Starts the sandbox with this project, then a proxy on `db` pointed at it.
    pub async fn start(db: TestDb, options: StackOptions) -> Stack {
        let sandbox = start_sandbox(&options).await;
        let mut flags = vec![
            format!("--mode={}", options.mode),
            format!("--payment-page-url={}", sandbox.url("/payment")),
            format!("--gate-url={}", sandbox.base_url),
        ];
        // A flag given in the options replaces the default of the same name.
        let name = |flag: &str| flag.split('=').next().unwrap_or(flag).to_string();
        flags.retain(|default| !options.proxy_flags.iter().any(|f| name(f) == name(default)));
        flags.extend(options.proxy_flags);
        let proxy = TestProxy::start_serving(db, options.dist, &flags).await;
        Stack { sandbox, proxy }
    }

    /// Stops both.
    pub async fn stop(self) {
        self.proxy.stop().await;
        self.sandbox.stop().await.ok();
    }
}

/// Polls `probe` until it gives `Ok` (every 25 ms). After `within`, panics with `what`
/// and the last `Err`, which says what was seen instead.
pub async fn eventually<T, F, Fut>(what: &str, within: std::time::Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = std::time::Instant::now() + within;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(seen) => assert!(
                std::time::Instant::now() < deadline,
                "gave up waiting for {what}; last seen: {seen}"
            ),
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Waits (up to 30 s) until the server at `base` answers `/healthz`.
pub async fn wait_healthy(base: &str) {
    let http = reqwest::Client::new();
    eventually(
        "a healthy server",
        std::time::Duration::from_secs(30),
        || async {
            match http.get(format!("{base}/healthz")).send().await {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(response.status().to_string()),
                Err(error) => Err(error.to_string()),
            }
        },
    )
    .await;
}

/// Polls the widget's status endpoint until `done` holds (or 15 s pass: then panics).
pub async fn wait_for(
    proxy: &TestProxy,
    payment_id: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    eventually(
        "the payment's status",
        std::time::Duration::from_secs(15),
        || async {
            let (_, view) = proxy.status(payment_id).await;
            if done(&view) {
                Ok(view)
            } else {
                Err(view.to_string())
            }
        },
    )
    .await
}

/// The `Location` of a redirect answer.
pub fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .expect("a Location header")
        .to_string()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The action and hidden fields of a page's first form.
pub fn first_form(html: &str) -> (String, Vec<(String, String)>) {
    let form = &html[html.find("<form").expect("a form")..];
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let marker = format!("{name}=\"");
        let start = tag.find(&marker)? + marker.len();
        Some(unescape(&tag[start..start + tag[start..].find('"')?]))
    };
    let action =
        attribute(&form[..form.find('>').expect("a tag end")], "action").expect("an action");
    let end = form.find("</form>").expect("a form end");
    let mut fields = Vec::new();
    for input in form[..end].split("<input").skip(1) {
        let tag = &input[..input.find('>').expect("an input end")];
        if tag.contains("type=\"hidden\"") {
            fields.push((
                attribute(tag, "name").expect("a name"),
                attribute(tag, "value").unwrap_or_default(),
            ));
        }
    }
    (action, fields)
}

/// A customer who follows the redirect the proxy gave (GET URL or POST form) to the
/// DOKU page and presses `button` there; returns where DOKU sends them back to.
pub async fn pay_on_doku(
    http: &reqwest::Client,
    redirect: &serde_json::Value,
    button: &str,
) -> String {
    let form: Vec<(String, String)> = redirect["body"]
        .as_object()
        .map(|body| {
            body.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let url = redirect["url"].as_str().expect("a redirect URL");
    let mut response = match redirect["method"].as_str() {
        Some("GET") => http.get(url).send().await,
        _ => http.post(url).form(&form).send().await,
    }
    .expect("the platform answers");
    // Follow redirects and auto-submitted forms until the DOKU page with its buttons.
    for _ in 0..6 {
        if response.status().is_redirection() {
            let next = location(&response);
            response = http.get(&next).send().await.expect("the platform answers");
            continue;
        }
        let page = response.url().to_string();
        let html = response.text().await.expect("a page");
        if html.contains("id=\"doku-success\"") {
            let back = http
                .post(&page)
                .form(&[("action", button)])
                .send()
                .await
                .expect("DOKU answers");
            return location(&back);
        }
        assert!(html.contains("<form"), "no way on from {page}: {html}");
        let (action, fields) = first_form(&html);
        response = http
            .post(&action)
            .form(&fields)
            .send()
            .await
            .expect("the platform answers");
    }
    panic!("never reached the DOKU page");
}
