//! The sandbox's configuration: projects, demo rates, callback delivery and timings,
//! from code, flags or a small TOML file, printed at start with secrets masked.

use crate::doku::DokuMerchant;
use crate::money::{EXPONENTS, Rate, Rates, demo_rates};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the sandbox listens unless told otherwise.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
    std::net::Ipv4Addr::LOCALHOST,
    8090,
));

/// Everything a sandbox needs. [`Config::default`] is a ready demo.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (loopback only).
    pub listen: SocketAddr,
    /// Base URL of the sandbox as browsers reach it, for `redirect_data` and page links;
    /// `None` means `http://<listen>` (the bound address when spawned on port 0).
    pub public_url: Option<String>,
    /// The projects.
    pub projects: Vec<ProjectConfig>,
    /// Demo rates: rupiah per major unit, for non-test projects.
    pub rates: Rates,
    /// How callbacks are delivered.
    pub delivery: DeliveryConfig,
    /// Time between a Gate sale and its intermediate callback.
    pub redirect_delay: Duration,
    /// How often the background clock looks for due steps and expired payments.
    pub tick: Duration,
}

/// One project on the platform.
#[derive(Clone)]
pub struct ProjectConfig {
    /// The project id.
    pub id: u64,
    /// Shown to customers on the payment and DOKU pages.
    pub name: String,
    /// The secret key requests and callbacks are signed with. Never printed.
    pub secret_key: String,
    /// Where callbacks go unless a request names its own `merchant_callback_url`.
    pub callback_url: Option<String>,
    /// A test project: IDR only, amount-driven results.
    pub test: bool,
    /// The project has passed KYC (purchases up to 10,000,000.00 IDR).
    pub kyc: bool,
    /// A payment not completed within this time is declined.
    pub threshold: Duration,
    /// Time a payout takes before its result.
    pub payout_delay: Duration,
    /// The project's merchant account at DOKU.
    pub doku: DokuMerchant,
}

/// Callback delivery: retries with exponential backoff (factor 2) until HTTP 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Wait after the first failed attempt.
    pub first_retry: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
    /// Attempts per callback, the first included.
    pub max_attempts: u32,
    /// Time allowed for one attempt.
    pub timeout: Duration,
}

impl DeliveryConfig {
    /// The wait after `failed` attempts have failed (1 for the first): `first_retry`
    /// doubled each time, at most `max_delay`.
    pub fn retry_delay(&self, failed: u32) -> Duration {
        let factor = 2u32.saturating_pow(failed.saturating_sub(1));
        self.first_retry
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            first_retry: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
        }
    }
}

impl ProjectConfig {
    /// The demo project: id 1, a test project whose callbacks go to a `doku-proxy` on
    /// its default address.
    pub fn demo() -> ProjectConfig {
        ProjectConfig {
            id: 1,
            name: "Warung Kopi Nusantara (demo)".into(),
            secret_key: "sandbox-demo-secret".into(),
            callback_url: Some("http://127.0.0.1:8080/callbacks/ecommpay".into()),
            test: true,
            kyc: false,
            threshold: Duration::from_secs(DEFAULT_THRESHOLD_SECONDS),
            payout_delay: Duration::from_millis(DEFAULT_PAYOUT_DELAY_MS),
            doku: DokuMerchant {
                mall_id: 1,
                shared_key: DEFAULT_DOKU_SHARED_KEY.into(),
            },
        }
    }
}

const DEFAULT_THRESHOLD_SECONDS: u64 = 600;
const DEFAULT_PAYOUT_DELAY_MS: u64 = 3_000;
const DEFAULT_DOKU_SHARED_KEY: &str = "sandbox-doku-shared-key";
const DEFAULT_REDIRECT_DELAY_MS: u64 = 200;
const DEFAULT_TICK_MS: u64 = 100;

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: DEFAULT_LISTEN,
            public_url: None,
            projects: vec![ProjectConfig::demo()],
            rates: demo_rates(),
            delivery: DeliveryConfig::default(),
            redirect_delay: Duration::from_millis(DEFAULT_REDIRECT_DELAY_MS),
            tick: Duration::from_millis(DEFAULT_TICK_MS),
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("the configuration is not valid: {0}")]
    Parse(String),
    /// A value is out of range or inconsistent.
    #[error("configuration key {key}: {reason}")]
    Invalid {
        /// The key at fault, e.g. `projects[1].secret_key`.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

impl Config {
    /// The configuration in the TOML file at `path` (see [`Config::from_toml`]).
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(&text)
    }

    /// A configuration from TOML text. Missing keys take their defaults; `[rates]`
    /// entries override or add to the demo rates; without `[[projects]]` the demo project
    /// is used. The result is validated.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let file: FileConfig =
            toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let config = file.into_config()?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses a configuration the sandbox cannot run with, naming the key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.listen.ip().is_loopback() {
            return Err(invalid(
                "listen",
                format!(
                    "{} is not a loopback address: the sandbox only binds 127.0.0.1 or ::1",
                    self.listen
                ),
            ));
        }
        if let Some(url) = &self.public_url {
            check_url("public_url", url)?;
        }
        if self.tick.is_zero() {
            return Err(invalid("tick_ms", "must be positive"));
        }
        let delivery = &self.delivery;
        if delivery.max_attempts == 0 {
            return Err(invalid("callbacks.max_attempts", "must be at least 1"));
        }
        if delivery.timeout.is_zero() {
            return Err(invalid("callbacks.timeout_ms", "must be positive"));
        }
        if delivery.max_delay < delivery.first_retry {
            return Err(invalid(
                "callbacks.max_delay_ms",
                "must not be less than first_retry_ms",
            ));
        }
        for currency in self.rates.keys() {
            if currency == "IDR" || !EXPONENTS.iter().any(|(code, _)| code == currency) {
                let known: Vec<&str> = EXPONENTS.iter().skip(1).map(|(code, _)| *code).collect();
                return Err(invalid(
                    format!("rates.{currency}"),
                    format!(
                        "no rate can be set for it; known currencies: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        if self.projects.is_empty() {
            return Err(invalid("projects", "at least one project is needed"));
        }
        for (index, project) in self.projects.iter().enumerate() {
            let key = |name: &str| format!("projects[{index}].{name}");
            if project.id == 0 {
                return Err(invalid(key("id"), "must be a positive integer"));
            }
            if self.projects[..index]
                .iter()
                .any(|other| other.id == project.id)
            {
                return Err(invalid(
                    key("id"),
                    format!("project {} is configured twice", project.id),
                ));
            }
            if project.name.trim().is_empty() {
                return Err(invalid(key("name"), "must not be empty"));
            }
            if project.secret_key.is_empty() {
                return Err(invalid(key("secret_key"), "must not be empty"));
            }
            if project.doku.shared_key.is_empty() {
                return Err(invalid(key("doku_shared_key"), "must not be empty"));
            }
            if project.threshold.is_zero() {
                return Err(invalid(key("threshold_seconds"), "must be positive"));
            }
            if let Some(url) = &project.callback_url {
                check_url(&key("callback_url"), url)?;
            }
        }
        Ok(())
    }

    /// The base URL pages and `redirect_data` use, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

fn check_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if is_http_url(url) {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("{url:?} is not an http:// or https:// URL"),
        ))
    }
}

/// Whether `url` is an absolute http(s) URL with a host.
pub fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    matches!(rest, Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !url.chars().any(char::is_whitespace))
}

/// The file's shape.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    public_url: Option<String>,
    redirect_delay_ms: Option<u64>,
    tick_ms: Option<u64>,
    callbacks: Option<FileDelivery>,
    #[serde(default)]
    rates: BTreeMap<String, Number>,
    #[serde(default)]
    projects: Vec<FileProject>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDelivery {
    first_retry_ms: Option<u64>,
    max_delay_ms: Option<u64>,
    max_attempts: Option<u32>,
    timeout_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileProject {
    id: u64,
    name: String,
    secret_key: String,
    callback_url: Option<String>,
    #[serde(default)]
    test: bool,
    #[serde(default)]
    kyc: bool,
    threshold_seconds: Option<Number>,
    payout_delay_ms: Option<u64>,
    doku_mall_id: Option<u64>,
    doku_shared_key: Option<String>,
}

/// A TOML integer or float.
#[derive(Deserialize, Clone, Copy)]
#[serde(untagged)]
enum Number {
    Integer(u64),
    Float(f64),
}

impl Number {
    fn as_f64(self) -> f64 {
        match self {
            Number::Integer(value) => value as f64,
            Number::Float(value) => value,
        }
    }
}

impl FileConfig {
    fn into_config(self) -> Result<Config, ConfigError> {
        let defaults = Config::default();
        let mut rates = defaults.rates;
        for (currency, number) in self.rates {
            let rate = Rate::new(number.as_f64()).ok_or_else(|| {
                invalid(
                    format!("rates.{currency}"),
                    "must be a positive number of rupiah",
                )
            })?;
            rates.insert(currency, rate);
        }
        let delivery = match self.callbacks {
            None => defaults.delivery,
            Some(file) => {
                let base = DeliveryConfig::default();
                DeliveryConfig {
                    first_retry: file
                        .first_retry_ms
                        .map_or(base.first_retry, Duration::from_millis),
                    max_delay: file
                        .max_delay_ms
                        .map_or(base.max_delay, Duration::from_millis),
                    max_attempts: file.max_attempts.unwrap_or(base.max_attempts),
                    timeout: file.timeout_ms.map_or(base.timeout, Duration::from_millis),
                }
            }
        };
        let projects = if self.projects.is_empty() {
            defaults.projects
        } else {
            self.projects
                .into_iter()
                .enumerate()
                .map(|(index, project)| project.into_config(index))
                .collect::<Result<_, _>>()?
        };
        Ok(Config {
            listen: self.listen.unwrap_or(defaults.listen),
            public_url: self.public_url,
            projects,
            rates,
            delivery,
            redirect_delay: self
                .redirect_delay_ms
                .map_or(defaults.redirect_delay, Duration::from_millis),
            tick: self.tick_ms.map_or(defaults.tick, Duration::from_millis),
        })
    }
}

impl FileProject {
    fn into_config(self, index: usize) -> Result<ProjectConfig, ConfigError> {
        let threshold = match self.threshold_seconds {
            None => Duration::from_secs(DEFAULT_THRESHOLD_SECONDS),
            Some(seconds) => Duration::try_from_secs_f64(seconds.as_f64()).map_err(|_| {
                invalid(
                    format!("projects[{index}].threshold_seconds"),
                    "must be a positive number of seconds",
                )
            })?,
        };
        Ok(ProjectConfig {
            id: self.id,
            name: self.name,
            secret_key: self.secret_key,
            callback_url: self.callback_url,
            test: self.test,
            kyc: self.kyc,
            threshold,
            payout_delay: Duration::from_millis(
                self.payout_delay_ms.unwrap_or(DEFAULT_PAYOUT_DELAY_MS),
            ),
            doku: DokuMerchant {
                mall_id: self.doku_mall_id.unwrap_or(self.id),
                shared_key: self
                    .doku_shared_key
                    .unwrap_or_else(|| DEFAULT_DOKU_SHARED_KEY.into()),
            },
        })
    }
}

impl fmt::Debug for ProjectConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret_key", &"********")
            .field("callback_url", &self.callback_url)
            .field("test", &self.test)
            .field("kyc", &self.kyc)
            .field("threshold", &self.threshold)
            .field("payout_delay", &self.payout_delay)
            .field("doku", &self.doku)
            .finish()
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ecommpay-sandbox {} configuration:",
            env!("CARGO_PKG_VERSION")
        )?;
        writeln!(f, "  listen           {}", self.listen)?;
        writeln!(f, "  public url       {}", self.base_url())?;
        let d = &self.delivery;
        writeln!(
            f,
            "  callbacks        first retry {:?}, backoff x2, max delay {:?}, max {} attempts, timeout {:?}",
            d.first_retry, d.max_delay, d.max_attempts, d.timeout
        )?;
        writeln!(
            f,
            "  redirect delay   {:?}, clock tick {:?}",
            self.redirect_delay, self.tick
        )?;
        let rates: Vec<String> = self
            .rates
            .iter()
            .map(|(code, rate)| format!("{code} {rate}"))
            .collect();
        writeln!(f, "  demo rates (IDR) {}", rates.join(", "))?;
        for project in &self.projects {
            writeln!(
                f,
                "  {:<17}{:?}{}{}, secret ********, threshold {:?}, payout delay {:?}, DOKU MALLID {} (shared key ********)",
                format!("project {}", project.id),
                project.name,
                if project.test { ", test" } else { "" },
                if project.kyc { ", KYC" } else { "" },
                project.threshold,
                project.payout_delay,
                project.doku.mall_id,
            )?;
            let callback = project
                .callback_url
                .as_deref()
                .unwrap_or("(none: only merchant_callback_url)");
            writeln!(f, "    callback url   {callback}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_demo_project() {
        let config = Config::default();
        config.validate().expect("the default is valid");
        let demo = &config.projects[0];
        assert_eq!((demo.id, demo.test, demo.kyc), (1, true, false));
        assert_eq!(demo.name, "Warung Kopi Nusantara (demo)");
        assert_eq!(demo.secret_key, "sandbox-demo-secret");
        assert_eq!(
            demo.callback_url.as_deref(),
            Some("http://127.0.0.1:8080/callbacks/ecommpay")
        );
        assert_eq!(config.base_url(), "http://127.0.0.1:8090");
    }

    #[test]
    fn a_file_sets_projects_rates_and_delivery() {
        let config = Config::from_toml(
            r#"
            public_url = "http://localhost:9000/"
            tick_ms = 20
            [callbacks]
            first_retry_ms = 50
            max_attempts = 3
            [rates]
            USD = 15000
            JPY = 100.25
            [[projects]]
            id = 7
            name = "Toko"
            secret_key = "s3cr3t"
            kyc = true
            threshold_seconds = 0.5
            doku_shared_key = "dk"
            "#,
        )
        .expect("valid");
        assert_eq!(config.base_url(), "http://localhost:9000");
        assert_eq!(config.tick, Duration::from_millis(20));
        assert_eq!(config.delivery.first_retry, Duration::from_millis(50));
        assert_eq!(config.delivery.max_attempts, 3);
        assert_eq!(config.delivery.timeout, DeliveryConfig::default().timeout);
        assert_eq!(config.rates["USD"], Rate::new(15_000.0).expect("rate"));
        assert_eq!(config.rates["JPY"].to_string(), "100.25");
        assert_eq!(config.rates["EUR"].to_string(), "17600", "demo rates stay");
        let project = &config.projects[0];
        assert_eq!((project.id, project.test, project.kyc), (7, false, true));
        assert_eq!(project.threshold, Duration::from_millis(500));
        assert_eq!(project.doku.mall_id, 7);
        assert_eq!(project.callback_url, None);
    }

    #[test]
    fn mistakes_name_their_key() {
        let cases = [
            ("listen = \"0.0.0.0:8090\"", "listen"),
            ("tick_ms = 0", "tick_ms"),
            ("[callbacks]\nmax_attempts = 0", "callbacks.max_attempts"),
            ("[rates]\nGBP = 20000", "rates.GBP"),
            ("[rates]\nUSD = 0", "rates.USD"),
            (
                "[[projects]]\nid = 1\nname = \"a\"\nsecret_key = \"\"",
                "projects[0].secret_key",
            ),
            (
                "[[projects]]\nid = 1\nname = \"a\"\nsecret_key = \"k\"\n[[projects]]\nid = 1\nname = \"b\"\nsecret_key = \"k\"",
                "projects[1].id",
            ),
            (
                "[[projects]]\nid = 1\nname = \"a\"\nsecret_key = \"k\"\ncallback_url = \"ftp://x\"",
                "projects[0].callback_url",
            ),
        ];
        for (text, key) in cases {
            match Config::from_toml(text) {
                Err(ConfigError::Invalid { key: got, .. }) => assert_eq!(got, key, "{text}"),
                other => panic!("{text}: expected an error on {key}, got {other:?}"),
            }
        }
        let error = Config::from_toml("colour = \"blue\"").expect_err("unknown key");
        assert!(error.to_string().contains("colour"), "{error}");
    }

    #[test]
    fn secrets_are_never_printed() {
        let mut config = Config::default();
        config.projects[0].doku.shared_key = "doku-key-value".into();
        let printed = format!("{config}\n{config:?}");
        assert!(!printed.contains("sandbox-demo-secret"), "{printed}");
        assert!(!printed.contains("doku-key-value"), "{printed}");
        assert!(
            printed.contains("Warung Kopi Nusantara (demo)"),
            "{printed}"
        );
    }

    #[test]
    fn retries_back_off_by_two_up_to_the_cap() {
        let delivery = DeliveryConfig {
            first_retry: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
            max_attempts: 10,
            timeout: Duration::from_secs(1),
        };
        let waits: Vec<u128> = (1..=5)
            .map(|n| delivery.retry_delay(n).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(delivery.retry_delay(200), Duration::from_millis(500));
    }
}
