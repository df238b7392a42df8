//! What the end-to-end tests share: the release build, the servers on loopback ports
//! of their own choosing, and a headless Chromium driven through chromedriver.

use doku_proxy::config::Config;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The release build of the widget (`trunk build --release`), checked to be there.
pub fn release_dist() -> PathBuf {
    let dist = workspace_root().join("dist");
    let built = [
        "index.html",
        "doku-checkout.js",
        "doku-checkout_bg.wasm",
        "doku-embed.js",
    ]
    .iter()
    .all(|file| dist.join(file).is_file());
    assert!(
        built,
        "{} lacks the release widget: run `trunk build --release` first (make test does)",
        dist.display()
    );
    dist
}

/// A proxy serving in-process on a loopback port it chose; stops when dropped.
pub struct Proxy {
    /// Where it listens.
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Proxy {
    /// Starts the proxy serving `dist` on `127.0.0.1:0`.
    pub async fn start(dist: PathBuf) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let config = Config {
            listen: address,
            dist_dir: dist,
            project_id: None,
            secret_key: None,
        };
        let router = doku_proxy::server::router(&config);
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    stopped.await.ok();
                })
                .await
                .expect("proxy serves");
        });
        Proxy {
            address,
            stop: Some(stop),
        }
    }

    /// The URL of `path` on this proxy.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

/// chromedriver on a free loopback port; killed when dropped.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    /// Starts `chromedriver` (or `$CHROMEDRIVER`) and waits until it answers.
    pub fn start() -> Chromedriver {
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} (run scripts/setup.sh): {e}"));
        let driver = Chromedriver { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    /// A new headless Chromium session.
    pub async fn browser(&self) -> Client {
        let mut options = json!({ "args": CHROMIUM_FLAGS });
        if let Some(binary) = chromium_binary() {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a chromedriver session")
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
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

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
