//! Secrets stay secret. The project's secret key and the merchant's API key appear in
//! no file of the release build, in no response of the proxy (headers or body) and in
//! no line it logs at `debug`. A customer's full email appears in no file and no log
//! line, and in exactly one place of the proxy's responses: the `redirect_data` of that
//! customer's own checkout session, because the platform's page must receive it (a
//! Payment Page parameter, or the DOKU form's `EMAIL` field).
//!
//! The proxy runs as the `doku-proxy` binary (as merchants run it, so its start-up
//! printing and logging are the real ones) behind a recording reverse proxy, which keeps
//! every answer: the browser's, the platform's callbacks' and the merchant API's.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_e2e::{Browser, Exchange, Recorder, release_dist};
use doku_testkit::{API_KEY, SECRET, StackOptions, free_port, proxy_command, start_sandbox};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The secrets: this test's project key and API key, and the demo's project key.
const SECRETS: [&str; 3] = [SECRET, API_KEY, "sandbox-demo-secret"];

/// The `doku-proxy` binary next to this test's, which `cargo test --workspace` builds
/// before it runs any test (`make test-native`, `make test-e2e`), refused if any source
/// it is built from is newer: the scan must not look at a stale one. (Building it from
/// here would rebuild shared dependencies with other features on every run.)
fn proxy_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("doku-proxy");
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cargo test --workspace --no-run` first",
                binary.display()
            )
        });
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Not the manifests or Cargo.lock: cargo does not relink when they are touched but
    // unchanged, so their times would refuse an up-to-date binary.
    let inputs = [
        "proxy/src",
        "proxy/migrations",
        "proxy/build.rs",
        "ecommpay/src",
        "protocol/src",
    ];
    for path in inputs
        .iter()
        .flat_map(|input| files_under(workspace.join(input)))
    {
        if std::fs::metadata(&path).and_then(|m| m.modified()).unwrap() > built {
            panic!(
                "{} is older than {}: run `cargo test --workspace --no-run` first",
                binary.display(),
                path.display()
            );
        }
    }
    binary
}

/// Every file under `path` (itself, if a file).
fn files_under(path: PathBuf) -> Vec<PathBuf> {
    let (mut files, mut pending) = (Vec::new(), vec![path]);
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            files.push(path);
        }
    }
    files
}

/// The forms an email may take in a response: as typed, and percent-encoded in a URL
/// or form.
fn forms_of(email: &str) -> Vec<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    vec![email.to_string(), encoded.replace('+', "%20"), encoded]
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The proxy as a process on loopback, logging at `debug` into a file.
struct ProxyProcess {
    child: Child,
    log: PathBuf,
}

impl ProxyProcess {
    fn start(dir: &Path, mode: &str, public_url: &str, sandbox: &str, port: u16) -> Self {
        let log = dir.join(format!("proxy-{mode}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let database = format!("sqlite://{}", dir.join(format!("{mode}.db")).display());
        let child = proxy_command(&proxy_binary(), dir, port, &database, &release_dist())
            .unwrap()
            .arg(format!("--public-url={public_url}"))
            .arg(format!("--mode={mode}"))
            .arg(format!("--payment-page-url={sandbox}/payment"))
            .arg(format!("--gate-url={sandbox}"))
            .env("RUST_LOG", "debug")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        ProxyProcess { child, log }
    }

    /// SIGTERM, then waits: the proxy finishes and flushes its log.
    fn stop(mut self) -> String {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        self.child.wait().unwrap();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn merchant(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let request = match body {
        Some(body) => http.post(format!("{base}{path}")).json(&body),
        None => http.get(format!("{base}{path}")),
    };
    let response = request.bearer_auth(API_KEY).send().await.unwrap();
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

/// A customer pays an order in `mode` (success with one email, decline with another),
/// then the merchant uses every API; returns what the proxy answered and logged.
async fn run(mode: &str, emails: [&str; 2], dir: &Path) -> (Vec<Exchange>, String) {
    let sandbox = start_sandbox(&StackOptions::default()).await;
    let port = free_port();
    let recorder = Recorder::start(&format!("http://127.0.0.1:{port}")).await;
    let proxy = ProxyProcess::start(dir, mode, &recorder.base, &sandbox.base_url, port);
    let http = reqwest::Client::new();
    doku_testkit::wait_healthy(&recorder.base).await;

    let browser = Browser::start(None).await;
    for (email, button, outcome) in [
        (emails[0], "success", "Payment successful"),
        (emails[1], "decline", "Payment declined"),
    ] {
        let (status, order) = merchant(
            &http,
            &recorder.base,
            "/api/orders",
            Some(json!({"amount": 15_000_000, "currency": "IDR", "description": "Kopi Toraja"})),
        )
        .await;
        assert_eq!(status, 201, "{order}");
        let order: Value = serde_json::from_str(&order).unwrap();
        let order_id = order["order_id"].as_str().unwrap();
        browser
            .client
            .goto(&format!("{}/pay/{order_id}", recorder.base))
            .await
            .unwrap();
        browser.pay("Siti", email).await;
        browser.press_on_doku(button).await;
        browser
            .url_where("the shop again", |url| url.starts_with(&recorder.base))
            .await;
        let result = browser.result().await;
        assert!(result.contains(outcome), "{mode}: {result}");
    }
    browser.close().await;

    // The merchant's side: a payout, the reports, the metrics, and refusals.
    let payout = json!({"amount": 5_000_000, "currency": "IDR", "payout_id": format!("po-{mode}"),
                        "account": {"number": "654654654", "customer_name": "Siti Rahma"},
                        "customer": {"id": "siti", "ip_address": "192.0.2.10"}});
    let (status, answer) = merchant(&http, &recorder.base, "/api/payouts", Some(payout)).await;
    assert_eq!(status, 202, "{answer}");
    for path in [
        "/api/payments",
        "/api/payments?type=purchase&status=success",
        "/api/payments.csv",
        "/metrics",
    ] {
        let (status, answer) = merchant(&http, &recorder.base, path, None).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    let (status, _) = merchant(
        &http,
        &recorder.base,
        "/api/orders",
        Some(json!({"amount": -1, "currency": "IDR"})),
    )
    .await;
    assert_eq!(status, 422);
    let anonymous = http
        .get(format!("{}/api/payments", recorder.base))
        .bearer_auth("a-wrong-key")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // Anyone may post a CSP report: one trying to forge a log line.
    let forged = http
        .post(format!("{}/csp-reports", recorder.base))
        .header("content-type", "application/csp-report")
        .body(r#"{"csp-report": {"violated-directive": "img-src", "blocked-uri": "https://x/\nFORGED INFO payment settled"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 204);

    let log = proxy.stop();
    sandbox.stop().await.ok();
    (recorder.exchanges(), log)
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_and_no_customer_email_leaks_from_the_build_the_responses_or_the_logs() {
    let dir = std::env::temp_dir().join(format!("doku_secrets_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let runs = [
        (
            "payment-page",
            [
                "siti.rahma+pp-ok@example.co.id",
                "siti.rahma+pp-no@example.co.id",
            ],
        ),
        (
            "gate",
            [
                "siti.rahma+gate-ok@example.co.id",
                "siti.rahma+gate-no@example.co.id",
            ],
        ),
    ];
    let mut failures = Vec::new();
    let (mut responses, mut log_lines, mut files) = (0, 0, 0);

    // The release build.
    for path in files_under(release_dist()) {
        // The served gzip and brotli copies decode to the files scanned here (checked
        // by `make size-check`, part of `make test`).
        if path.extension().is_some_and(|e| e == "gz" || e == "br") {
            continue;
        }
        files += 1;
        let bytes = std::fs::read(&path).unwrap();
        let needles = SECRETS.iter().map(|s| s.to_string()).chain(
            runs.iter()
                .flat_map(|(_, emails)| emails.iter().flat_map(|e| forms_of(e))),
        );
        for needle in needles {
            if contains(&bytes, &needle) {
                failures.push(format!("{} holds {needle:?}", path.display()));
            }
        }
    }

    let all_emails: Vec<&str> = runs.iter().flat_map(|(_, e)| e.iter().copied()).collect();
    for (mode, emails) in runs {
        let (exchanges, log) = run(mode, emails, &dir).await;
        responses += exchanges.len();
        log_lines += log.lines().count();
        assert!(
            log.contains("DEBUG"),
            "{mode}: the proxy logged at debug: {log}"
        );
        assert!(
            log.contains("Content-Security-Policy violation")
                && !log.lines().any(|line| line.starts_with("FORGED")),
            "{mode}: a report's text stays on its own log line"
        );
        for secret in SECRETS {
            if log.contains(secret) {
                failures.push(format!("{mode}: the log holds the secret {secret:?}"));
            }
        }
        for form in emails.iter().flat_map(|e| forms_of(e)) {
            if contains(log.as_bytes(), &form) {
                failures.push(format!("{mode}: the log holds {form:?}"));
            }
        }
        // Whose each session is: the email its opening request sent.
        let owners: Vec<(String, String)> = exchanges
            .iter()
            .filter(|e| e.method == "POST" && e.path == "/api/checkout/sessions")
            .filter_map(|e| {
                let request: Value = serde_json::from_slice(&e.request_body).ok()?;
                let session: Value = serde_json::from_slice(&e.body).ok()?;
                Some((
                    session["payment_id"].as_str()?.to_string(),
                    request["customer"]["email"].as_str()?.to_string(),
                ))
            })
            .collect();
        let mut shown = [0; 2];
        for exchange in &exchanges {
            let what = format!(
                "{mode}: {} {} -> {}",
                exchange.method, exchange.path, exchange.status
            );
            assert!(
                exchange.headers.get("content-encoding").is_none(),
                "{what}: an encoded body could hide what it holds"
            );
            let headers = format!("{:?}", exchange.headers);
            // A session's `redirect_data` may carry its own customer's email; nothing else
            // may, and no other answer may have a `redirect_data` to hide one in.
            let mut body = exchange.body.to_vec();
            if exchange.path.starts_with("/api/checkout/sessions")
                && let Ok(mut session) = serde_json::from_slice::<Value>(&exchange.body)
                && let Some(redirect) = session
                    .as_object_mut()
                    .and_then(|s| s.remove("redirect_data"))
            {
                let owner = owners
                    .iter()
                    .find(|(id, _)| session["payment_id"].as_str() == Some(id))
                    .map(|(_, email)| email.as_str());
                let redirect = redirect.to_string();
                for email in &all_emails {
                    if !forms_of(email)
                        .iter()
                        .any(|f| contains(redirect.as_bytes(), f))
                    {
                        continue;
                    }
                    match emails.iter().position(|own| Some(*own) == owner && own == email) {
                        Some(i) => shown[i] += 1,
                        None => failures.push(format!(
                            "{what}: its redirect holds {email:?}, not its own customer's ({owner:?})"
                        )),
                    }
                }
                body = session.to_string().into_bytes();
            }
            for secret in SECRETS {
                if contains(&body, secret) || headers.contains(secret) {
                    failures.push(format!("{what}: holds the secret {secret:?}"));
                }
            }
            for email in &all_emails {
                for form in forms_of(email) {
                    if contains(&body, &form) || contains(headers.as_bytes(), &form) {
                        failures.push(format!("{what}: holds {form:?} outside a redirect"));
                    }
                }
            }
        }
        // The scan sees emails where they are: each customer's redirect carried theirs.
        assert!(
            shown.iter().all(|&n| n > 0),
            "{mode}: the redirects carry the customers' emails ({shown:?})"
        );
    }
    println!(
        "secrets: {files} files of the release build, {responses} proxy responses, \
         {log_lines} debug log lines scanned; {} findings",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    std::fs::remove_dir_all(&dir).ok();
}
