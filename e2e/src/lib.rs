//! What the end-to-end tests share: the release build, the servers on loopback ports
//! of their own choosing, and a headless Chromium driven through chromedriver.

use doku_proxy::app::App;
use doku_proxy::config::Config;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
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

/// A proxy serving in-process on a loopback port it chose, with a fresh SQLite database
/// in a temporary directory; stops (and removes the directory) when dropped.
pub struct Proxy {
    /// Where it listens.
    pub address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    dir: PathBuf,
}

impl Proxy {
    /// Starts the proxy serving `dist`, with `extra` `doku-proxy serve` flags.
    pub async fn start(dist: PathBuf, extra: &[String]) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let dir = unique_temp_dir("doku-e2e-proxy");
        let secret = dir.join("secret");
        std::fs::write(&secret, "e2e-secret").expect("write the secret file");
        let mut args = vec![
            format!("--listen={address}"),
            format!("--dist-dir={}", dist.display()),
            format!("--database-url=sqlite://{}", dir.join("proxy.db").display()),
            format!("--secret-file={}", secret.display()),
            "--project-id=1".to_string(),
        ];
        args.extend(extra.iter().cloned());
        let config = Config::from_args(args).expect("a valid proxy configuration");
        let app = App::start(config).await.expect("the proxy starts");
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                stopped.await.ok();
            };
            doku_proxy::server::serve(listener, app, shutdown)
                .await
                .expect("proxy serves");
        });
        Proxy {
            address,
            stop: Some(stop),
            dir,
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
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

/// A new empty directory under the system's temporary directory.
pub fn unique_temp_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
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
