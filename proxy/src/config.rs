//! The server's configuration: flags and environment, one typed struct, printed at start
//! with secrets masked.

use crate::store::redact_url;
use clap::{Args, ValueEnum};
use doku_protocol::{Kyc, RedirectPolicy};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable holding the project's secret key. There is deliberately no flag
/// for the value itself: flags end up in shell history and process listings.
pub const SECRET_KEY_ENV: &str = "ECOMMPAY_SECRET_KEY";
/// Environment variable holding the merchant API keys, comma-separated.
pub const API_KEYS_ENV: &str = "DOKU_API_KEYS";

/// How the proxy opens a DOKU payment (the same mode is stored with each payment).
pub use crate::store::Mode;

/// Flags and environment of `doku-proxy serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DOKU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// The URL customers and the platform reach this server at (return and callback
    /// URLs are built on it). Default: http://<listen address>.
    #[arg(long, env = "DOKU_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Directory of the trunk-built widget (`trunk build --release`).
    #[arg(long, env = "DOKU_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// Database: `sqlite://file.db` (default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://doku-proxy.db")]
    pub database_url: String,

    /// The ecommpay project identifier.
    #[arg(long, env = "ECOMMPAY_PROJECT_ID")]
    pub project_id: u64,

    /// File holding the project's secret key (otherwise `ECOMMPAY_SECRET_KEY`).
    #[arg(long, env = "ECOMMPAY_SECRET_KEY_FILE")]
    pub secret_file: Option<PathBuf>,

    /// How payments are opened.
    #[arg(long, env = "DOKU_MODE", value_enum, default_value = "payment-page")]
    pub mode: Mode,

    /// The platform's Payment Page.
    #[arg(long, env = "ECOMMPAY_PAYMENT_PAGE_URL", default_value = ecommpay::PAYMENT_PAGE_URL)]
    pub payment_page_url: String,

    /// The platform's Gate API.
    #[arg(long, env = "ECOMMPAY_GATE_URL", default_value = ecommpay::gate::GATE_URL)]
    pub gate_url: String,

    /// Origins allowed to call the checkout API from a browser (comma-separated), in
    /// addition to this server's own.
    #[arg(long, env = "DOKU_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// File holding merchant API keys, one per line (otherwise `DOKU_API_KEYS`,
    /// comma-separated).
    #[arg(long, env = "DOKU_API_KEYS_FILE")]
    pub api_keys_file: Option<PathBuf>,

    /// The project has passed DOKU's KYC: purchases up to 10,000,000.00 IDR.
    #[arg(long, env = "DOKU_KYC")]
    pub kyc: bool,

    /// Header carrying the customer's IP, set by a reverse proxy you run (e.g.
    /// `x-forwarded-for`; of a list, the last address, which your proxy appended);
    /// without it the connection's address is used.
    #[arg(long, env = "DOKU_TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,

    /// Hosts the customer may be sent to (comma-separated). Default: the Payment Page's
    /// and Gate's hosts and pay.doku.com.
    #[arg(long, env = "DOKU_REDIRECT_HOSTS", value_delimiter = ',')]
    pub redirect_hosts: Vec<String>,

    /// The project's threshold time: a payment not completed by then is declined.
    #[arg(long, env = "DOKU_THRESHOLD", default_value = "30m", value_parser = parse_duration)]
    pub threshold: Duration,

    /// Ask the platform about a purchase with no final callback after this long (the
    /// method's base time).
    #[arg(long, env = "DOKU_PURCHASE_CHECK_AFTER", default_value = "60s", value_parser = parse_duration)]
    pub purchase_check_after: Duration,

    /// Ask the platform about a payout with no final callback after this long.
    #[arg(long, env = "DOKU_PAYOUT_CHECK_AFTER", default_value = "5m", value_parser = parse_duration)]
    pub payout_check_after: Duration,

    /// How often the reconciler looks for payments to check.
    #[arg(long, env = "DOKU_RECONCILE_EVERY", default_value = "5s", value_parser = parse_duration)]
    pub reconcile_every: Duration,

    /// Timeout of every call to the platform.
    #[arg(long, env = "DOKU_GATE_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub gate_timeout: Duration,

    /// Serve the demo shop at `/` (for `make demo`, with the sandbox as the platform).
    #[arg(long, env = "DOKU_DEMO")]
    pub demo: bool,

    /// The shop's name, shown on hosted checkout pages (payment links).
    #[arg(long, env = "DOKU_SHOP_NAME", default_value = "Checkout")]
    pub shop_name: String,
}

/// The server's resolved configuration. `Debug` prints what `Display` prints: secrets
/// and database passwords masked.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Public base URL, without a trailing slash.
    pub public_url: String,
    /// Directory of the trunk-built widget.
    pub dist_dir: PathBuf,
    /// Database URL.
    pub database_url: String,
    /// The ecommpay project.
    pub project_id: u64,
    /// The project's secret key.
    pub secret_key: SecretKey,
    /// How payments are opened.
    pub mode: Mode,
    /// The platform's Payment Page.
    pub payment_page_url: String,
    /// The platform's Gate API.
    pub gate_url: String,
    /// Browser origins allowed to call the checkout API (this server's own included).
    pub allowed_origins: Vec<String>,
    /// Merchant API keys.
    pub api_keys: Vec<SecretKey>,
    /// KYC state, which sets the purchase limit.
    pub kyc: Kyc,
    /// Trusted header carrying the customer's IP.
    pub trusted_proxy_header: Option<String>,
    /// Where the customer may be redirected.
    pub redirect_policy: RedirectPolicy,
    /// Threshold time of a payment.
    pub threshold: Duration,
    /// First status check of a purchase.
    pub purchase_check_after: Duration,
    /// First status check of a payout.
    pub payout_check_after: Duration,
    /// Reconciler period.
    pub reconcile_every: Duration,
    /// Timeout of platform calls.
    pub gate_timeout: Duration,
    /// Demo shop on.
    pub demo: bool,
    /// The shop's name on hosted pages.
    pub shop_name: String,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A secret file could not be read.
    #[error("cannot read {path}: {source}")]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A secret was given but it is empty.
    #[error("the secret key from {0} is empty")]
    EmptySecret(String),
    /// No secret key at all.
    #[error("no secret key: set ECOMMPAY_SECRET_KEY or pass --secret-file")]
    NoSecret,
    /// The widget's build directory is missing.
    #[error(
        "the widget directory {0} does not exist: build it with `trunk build --release` (or `make demo`)"
    )]
    MissingDist(PathBuf),
    /// A URL setting is not an http(s) URL.
    #[error("{setting} must be an http:// or https:// URL, not {value:?}")]
    Url {
        /// The setting.
        setting: &'static str,
        /// Its value.
        value: String,
    },
}

/// `doku-proxy serve`'s command line, for [`Config::from_args`].
#[derive(Debug, clap::Parser)]
#[command(name = "doku-proxy serve")]
struct ServeCommand {
    #[command(flatten)]
    serve: ServeArgs,
}

impl Config {
    /// The configuration `doku-proxy serve` would build from these arguments (and the
    /// environment): for embedding the server in another program, or a test.
    pub fn from_args<I, T>(args: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let command = std::iter::once(std::ffi::OsString::from("doku-proxy serve"))
            .chain(args.into_iter().map(Into::into));
        let parsed =
            <ServeCommand as clap::Parser>::try_parse_from(command).map_err(|e| e.to_string())?;
        Config::load(parsed.serve).map_err(|e| e.to_string())
    }

    /// Resolves `args` and the environment into a configuration.
    pub fn load(args: ServeArgs) -> Result<Self, ConfigError> {
        let secret_key =
            SecretKey::load(args.secret_file.as_deref())?.ok_or(ConfigError::NoSecret)?;
        if !args.dist_dir.is_dir() {
            return Err(ConfigError::MissingDist(args.dist_dir));
        }
        let public_url = args
            .public_url
            .unwrap_or_else(|| format!("http://{}", args.listen))
            .trim_end_matches('/')
            .to_string();
        let public_origin = origin_of(&public_url).ok_or_else(|| ConfigError::Url {
            setting: "--public-url",
            value: public_url.clone(),
        })?;
        for (setting, value) in [
            ("--payment-page-url", &args.payment_page_url),
            ("--gate-url", &args.gate_url),
        ] {
            if origin_of(value).is_none() {
                return Err(ConfigError::Url {
                    setting,
                    value: value.clone(),
                });
            }
        }
        let mut allowed_origins = vec![public_origin];
        for origin in &args.allowed_origins {
            let origin = origin.trim().trim_end_matches('/');
            if origin.is_empty() {
                continue;
            }
            let parsed = origin_of(origin).ok_or_else(|| ConfigError::Url {
                setting: "--allowed-origins",
                value: origin.to_string(),
            })?;
            if !allowed_origins.contains(&parsed) {
                allowed_origins.push(parsed);
            }
        }
        let redirect_hosts = if args.redirect_hosts.is_empty() {
            let mut hosts: Vec<String> = [&args.payment_page_url, &args.gate_url]
                .iter()
                .filter_map(|url| host_of(url))
                .collect();
            hosts.push("pay.doku.com".into());
            hosts.dedup();
            hosts
        } else {
            args.redirect_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect()
        };
        Ok(Config {
            listen: args.listen,
            public_url,
            dist_dir: args.dist_dir,
            database_url: args.database_url,
            project_id: args.project_id,
            secret_key,
            mode: args.mode,
            payment_page_url: args.payment_page_url,
            gate_url: args.gate_url,
            allowed_origins,
            api_keys: load_api_keys(args.api_keys_file.as_deref())?,
            kyc: if args.kyc { Kyc::After } else { Kyc::Before },
            trusted_proxy_header: args
                .trusted_proxy_header
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            redirect_policy: RedirectPolicy {
                allowed_hosts: redirect_hosts,
            },
            threshold: args.threshold,
            purchase_check_after: args.purchase_check_after,
            payout_check_after: args.payout_check_after,
            reconcile_every: args.reconcile_every,
            gate_timeout: args.gate_timeout,
            demo: args.demo,
            shop_name: args.shop_name.trim().to_string(),
        })
    }

    /// The URL of `path` on this server.
    pub fn public(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Whether a browser's `Origin` is one of [`Config::allowed_origins`].
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = self
            .mode
            .to_possible_value()
            .map_or_else(String::new, |value| value.get_name().to_string());
        let kyc = match self.kyc {
            Kyc::Before => "no (purchases up to 2,000,000.00 IDR)",
            Kyc::After => "yes (purchases up to 10,000,000.00 IDR)",
        };
        writeln!(f, "doku-proxy {} configuration:", env!("CARGO_PKG_VERSION"))?;
        writeln!(f, "  listen               {}", self.listen)?;
        writeln!(f, "  public url           {}", self.public_url)?;
        writeln!(f, "  dist dir             {}", self.dist_dir.display())?;
        writeln!(
            f,
            "  database             {}",
            redact_url(&self.database_url)
        )?;
        writeln!(f, "  project id           {}", self.project_id)?;
        writeln!(f, "  secret key           {}", self.secret_key)?;
        writeln!(f, "  mode                 {mode}")?;
        writeln!(f, "  payment page         {}", self.payment_page_url)?;
        writeln!(f, "  gate                 {}", self.gate_url)?;
        writeln!(
            f,
            "  allowed origins      {}",
            self.allowed_origins.join(", ")
        )?;
        writeln!(
            f,
            "  merchant api keys    {} configured (********)",
            self.api_keys.len()
        )?;
        writeln!(f, "  kyc                  {kyc}")?;
        let header = self
            .trusted_proxy_header
            .as_deref()
            .unwrap_or("(none: connection address)");
        writeln!(f, "  customer ip from     {header}")?;
        writeln!(
            f,
            "  redirect hosts       {}",
            self.redirect_policy.allowed_hosts.join(", ")
        )?;
        writeln!(f, "  threshold            {:?}", self.threshold)?;
        writeln!(
            f,
            "  status checks after  {:?} (purchases), {:?} (payouts), every {:?}",
            self.purchase_check_after, self.payout_check_after, self.reconcile_every
        )?;
        writeln!(f, "  gate timeout         {:?}", self.gate_timeout)?;
        writeln!(f, "  shop name            {}", self.shop_name)?;
        write!(
            f,
            "  demo shop            {}",
            if self.demo { "on" } else { "off" }
        )
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `scheme://host[:port]` of an http(s) URL, lower-cased.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// The host (without port) of an http(s) URL, lower-cased.
pub fn host_of(url: &str) -> Option<String> {
    let origin = origin_of(url)?;
    let authority = origin.split_once("://")?.1;
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => authority.split(':').next()?.to_string(),
    };
    Some(host)
}

/// Parses `250ms`, `90s`, `15m` or `2h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{text:?} needs a unit: ms, s, m or h"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} does not start with a whole number"))?;
    let millis = match unit {
        "ms" => Some(number),
        "s" => number.checked_mul(1_000),
        "m" => number.checked_mul(60_000),
        "h" => number.checked_mul(3_600_000),
        _ => return Err(format!("{text:?} has an unknown unit: use ms, s, m or h")),
    };
    millis
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{text:?} is too long"))
}

/// A secret (the project's key, a merchant API key). It prints as `********` (with where
/// it came from) in both `Display` and `Debug`, so it cannot leak through logs.
#[derive(Clone)]
pub struct SecretKey {
    value: String,
    source: String,
}

impl SecretKey {
    /// A secret with a description of where it came from.
    pub fn new(value: impl Into<String>, source: impl Into<String>) -> SecretKey {
        SecretKey {
            value: value.into(),
            source: source.into(),
        }
    }

    /// Reads the key from `file` if given, else from [`SECRET_KEY_ENV`]; `None` if neither.
    /// Surrounding whitespace (a trailing newline in a file) is not part of the key.
    pub fn load(file: Option<&Path>) -> Result<Option<Self>, ConfigError> {
        let (value, source) = match file {
            Some(path) => (read_secret_file(path)?, format!("file {}", path.display())),
            None => match std::env::var(SECRET_KEY_ENV) {
                Ok(value) => (value, SECRET_KEY_ENV.to_string()),
                Err(_) => return Ok(None),
            },
        };
        let value = value.trim().to_string();
        if value.is_empty() {
            return Err(ConfigError::EmptySecret(source));
        }
        Ok(Some(SecretKey { value, source }))
    }

    /// The secret itself, for signing or comparing. Never print it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "******** (from {})", self.source)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(******** from {})", self.source)
    }
}

fn read_secret_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
        path: path.to_path_buf(),
        source,
    })
}

/// Merchant API keys from `file` (one per line) or [`API_KEYS_ENV`] (comma-separated).
fn load_api_keys(file: Option<&Path>) -> Result<Vec<SecretKey>, ConfigError> {
    let (text, source, separator) = match file {
        Some(path) => (
            read_secret_file(path)?,
            format!("file {}", path.display()),
            '\n',
        ),
        None => match std::env::var(API_KEYS_ENV) {
            Ok(text) => (text, API_KEYS_ENV.to_string(), ','),
            Err(_) => return Ok(Vec::new()),
        },
    };
    Ok(text
        .split(separator)
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| SecretKey::new(key, source.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of its own for each call: tests run in parallel.
    fn temp_file(name: &str, contents: &str) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("doku-config-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn load(extra: &[&str]) -> Result<Config, String> {
        let secret = temp_file("secret", "s3cr3t-value\n");
        let keys = temp_file("keys", "merchant-key-1\nmerchant-key-2\n");
        let dist = std::env::temp_dir();
        let mut args = vec![
            "--project-id=42".to_string(),
            format!("--secret-file={}", secret.display()),
            format!("--api-keys-file={}", keys.display()),
            format!("--dist-dir={}", dist.display()),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        Config::from_args(args)
    }

    #[test]
    fn secrets_are_read_and_never_printed() {
        let config = load(&["--database-url=postgres://doku:pw@127.0.0.1/doku"]).unwrap();
        assert_eq!(config.secret_key.expose(), "s3cr3t-value");
        assert_eq!(config.api_keys.len(), 2);
        let printed = format!("{config}\n{config:?}");
        for secret in ["s3cr3t", "merchant-key", ":pw@"] {
            assert!(!printed.contains(secret), "{secret} leaked:\n{printed}");
        }
        assert!(printed.contains("project id           42"), "{printed}");
    }

    #[test]
    fn defaults_derive_from_the_platform_urls() {
        let config = load(&[
            "--payment-page-url=http://127.0.0.1:8090/payment",
            "--gate-url=http://127.0.0.1:8090",
            "--allowed-origins=https://Shop.Example/, https://m.shop.example",
        ])
        .unwrap();
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert_eq!(
            config.allowed_origins,
            [
                "http://127.0.0.1:8080",
                "https://shop.example",
                "https://m.shop.example"
            ]
        );
        assert_eq!(
            config.redirect_policy.allowed_hosts,
            ["127.0.0.1", "pay.doku.com"]
        );
        assert_eq!(config.threshold, Duration::from_secs(1800));
    }

    #[test]
    fn bad_settings_say_which() {
        let error = load(&["--allowed-origins=javascript:x"]).unwrap_err();
        assert!(error.contains("--allowed-origins"), "{error}");
        let error = load(&["--gate-url=ftp://x"]).unwrap_err();
        assert!(error.contains("--gate-url"), "{error}");
        let error = load(&["--threshold=5 days"]).unwrap_err();
        assert!(error.contains("--threshold"), "{error}");
        assert!(matches!(
            SecretKey::load(Some(Path::new("/nonexistent/doku"))),
            Err(ConfigError::SecretFile { .. })
        ));
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("x5s").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn origins_and_hosts() {
        assert_eq!(
            origin_of("HTTPS://Pay.Example:8443/x?y"),
            Some("https://pay.example:8443".into())
        );
        assert_eq!(host_of("http://[::1]:8090/x"), Some("[::1]".into()));
        assert_eq!(origin_of("https://user@pay.example"), None);
        assert_eq!(origin_of("pay.example"), None);
    }
}
