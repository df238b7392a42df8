//! What the end-to-end tests share: the release build, a headless Chromium driven
//! through chromedriver on a loopback port of its own, a merchant's site that embeds
//! the widget, and the loopback server it runs on (the bench's pages use it too). The
//! proxy and the sandbox come from `doku-testkit`.

mod merchant_site;
mod recorder;

pub use merchant_site::MerchantSite;
pub use recorder::{Exchange, Recorder};

use doku_testkit::free_port;
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A router being served on a loopback port; it stops when this is dropped.
pub struct Served {
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// Serves `router` on `listener` until the answer is dropped, every response written
/// at once, as the proxy writes its own (`doku_proxy::server::immediate_writes`).
pub fn serve(listener: tokio::net::TcpListener, router: axum::Router) -> Served {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(doku_proxy::server::immediate_writes(listener), router)
            .with_graceful_shutdown(async {
                stopped.await.ok();
            })
            .await
            .ok();
    });
    Served { _stop: stop }
}

/// How long any one wait in a browser may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// The release build of the widget (`make build`), checked to be there.
pub fn release_dist() -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let built = [
        "index.html",
        "doku-checkout.js",
        "doku-checkout_bg.wasm",
        "doku-embed.js",
        "doku-checkout.css",
    ]
    .iter()
    .all(|file| dist.join(file).is_file());
    assert!(
        built,
        "{} lacks the release widget: run `make build` first (make test does)",
        dist.display()
    );
    dist
}

/// chromedriver on a free loopback port, and one headless Chromium session; both end
/// when dropped (call [`Browser::close`] to end the session cleanly).
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    /// Held for its drop, which ends chromedriver.
    _driver: Driver,
}

/// Tries to start chromedriver and open a session this many times before giving up: a
/// port found free can be taken by another test's driver before ours binds it.
const DRIVER_ATTEMPTS: u32 = 3;

/// A running chromedriver, killed when dropped (also when a test panics).
struct Driver {
    process: Child,
    port: u16,
}

impl Driver {
    /// Starts chromedriver (`program`) on a free port and waits until it accepts
    /// connections there while still running.
    fn start(program: &str) -> Result<Driver, String> {
        let port = free_port();
        let process = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {program} (run scripts/setup.sh): {e}"))?;
        let mut driver = Driver { process, port };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = driver.process.try_wait() {
                return Err(format!("chromedriver on port {port} exited: {status}"));
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(driver);
            }
            if Instant::now() > deadline {
                return Err(format!("chromedriver did not start on port {port}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

impl Browser {
    /// Starts chromedriver (`$CHROMEDRIVER` or on `PATH`) and a headless Chromium,
    /// optionally with another user agent.
    pub async fn start(user_agent: Option<&str>) -> Browser {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        if let Some(user_agent) = user_agent {
            args.push(format!("--user-agent={user_agent}"));
        }
        let mut options = json!({ "args": args });
        if let Some(binary) = chromium_binary() {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let mut failures = Vec::new();
        for _ in 0..DRIVER_ATTEMPTS {
            let driver = match Driver::start(&program) {
                Ok(driver) => driver,
                Err(failure) => {
                    failures.push(failure);
                    continue;
                }
            };
            let session =
                ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                    .capabilities(capabilities.clone())
                    .connect(&format!("http://127.0.0.1:{}", driver.port))
                    .await;
            match session {
                Ok(client) => {
                    return Browser {
                        client,
                        _driver: driver,
                    };
                }
                Err(e) => failures.push(format!("a chromedriver session: {e}")),
            }
        }
        panic!("no browser after {DRIVER_ATTEMPTS} attempts: {failures:?}");
    }

    /// The widget's shadow root on the current page, once it is there.
    pub async fn widget(&self) -> ShadowRoot {
        let host = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("#doku-checkout[data-doku-mounted]"))
            .await
            .expect("the widget's element");
        host.shadow_root().await.expect("the widget's shadow root")
    }

    /// Waits until the widget shows an element matching `selector`.
    pub async fn in_widget(&self, selector: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let root = self.widget().await;
            if let Ok(element) = root.find(Locator::Css(selector)).await {
                return element;
            }
            assert!(
                Instant::now() < deadline,
                "the widget never showed {selector}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page's URL satisfies `condition`; returns it.
    pub async fn url_where(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self
                .client
                .current_url()
                .await
                .expect("the current URL")
                .to_string();
            if condition(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "never reached {what}; at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types the customer's details into the widget and presses Pay.
    pub async fn pay(&self, first_name: &str, email: &str) {
        self.in_widget("input[type=text]")
            .await
            .send_keys(first_name)
            .await
            .expect("type the name");
        self.in_widget("input[type=email]")
            .await
            .send_keys(email)
            .await
            .expect("type the email");
        self.in_widget("button.doku-pay")
            .await
            .click()
            .await
            .expect("press Pay");
    }

    /// Presses `success` or `decline` on the emulated DOKU page.
    pub async fn press_on_doku(&self, button: &str) {
        self.url_where("the DOKU page", |url| url.contains("/doku/"))
            .await;
        let button = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Id(&format!("doku-{button}")))
            .await
            .expect("DOKU's buttons");
        button.click().await.expect("press the DOKU button");
    }

    /// The text of the widget's result once it shows one.
    pub async fn result(&self) -> String {
        self.in_widget(".doku-result:not([hidden])")
            .await
            .text()
            .await
            .expect("the result's text")
    }

    /// When the current page asked for `path` (on any origin): the start of each such
    /// request, in milliseconds after navigation start (Resource Timing).
    pub async fn requests(&self, path: &str) -> Vec<f64> {
        let starts = self
            .client
            .execute(
                "return performance.getEntriesByType('resource')
                    .filter(e => new URL(e.name).pathname === arguments[0])
                    .map(e => e.startTime);",
                vec![json!(path)],
            )
            .await
            .expect("the page's resource timing");
        serde_json::from_value(starts).expect("start times")
    }

    /// Makes Chromium emulate `network` for this tab's requests from now on.
    pub async fn emulate_network(&self, network: NetworkConditions) {
        self.client
            .issue_cmd(network)
            .await
            .expect("chromedriver emulates the network");
    }

    /// Ends the session, then chromedriver.
    pub async fn close(self) {
        self.client.clone().close().await.ok();
    }
}

/// A network for Chromium to emulate (chromedriver's `network_conditions` command): each
/// request waits `latency_ms` more, and transfers are capped at the given rates.
#[derive(Debug, Clone, Copy)]
pub struct NetworkConditions {
    /// Added round-trip time, in milliseconds.
    pub latency_ms: u32,
    /// Download rate, in bytes per second.
    pub download_bytes_per_s: u32,
    /// Upload rate, in bytes per second.
    pub upload_bytes_per_s: u32,
}

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "network_conditions": {
            "offline": false,
            "latency": self.latency_ms,
            "download_throughput": self.download_bytes_per_s,
            "upload_throughput": self.upload_bytes_per_s,
        }});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Chromium's flags for this machine: headless, and no calls to Google's services
/// (the network beyond the package registries is closed).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1024,900",
];

fn chromium_binary() -> Option<String> {
    std::env::var("CHROME_BIN").ok().or_else(|| {
        Path::new("/usr/bin/chromium")
            .is_file()
            .then(|| "/usr/bin/chromium".into())
    })
}

/// How many Content-Security-Policy violations browsers have reported to `proxy`
/// (its pages send them to `/csp-reports`).
pub async fn csp_violations(proxy: &doku_testkit::TestProxy) -> u64 {
    let metrics = proxy.metrics().await;
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("doku_csp_violations_total "))
        .and_then(|count| count.trim().parse().ok())
        .expect("a CSP violation counter")
}

#[cfg(test)]
mod tests {
    use super::Driver;

    #[test]
    fn a_driver_that_exits_at_once_is_a_failure_to_retry_not_a_wait() {
        let failure = Driver::start("false").err().expect("no driver");
        assert!(failure.contains("exited"), "{failure}");
    }

    #[test]
    fn a_driver_ends_when_dropped() {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Driver::start(&program).expect("chromedriver (run scripts/setup.sh)");
        let process = std::path::PathBuf::from(format!("/proc/{}", driver.process.id()));
        assert!(process.exists());
        drop(driver);
        assert!(!process.exists(), "chromedriver still runs");
    }
}
