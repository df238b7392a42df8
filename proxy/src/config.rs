//! The server's configuration: flags and environment, one typed struct, printed at start
//! with secrets masked.

use clap::Args;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Environment variable holding the project's secret key. There is deliberately no flag
/// for the value itself: flags end up in shell history and process listings.
pub const SECRET_KEY_ENV: &str = "ECOMMPAY_SECRET_KEY";

/// Flags and environment of `doku-proxy serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DOKU_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory of the trunk-built widget (`trunk build --release`).
    #[arg(long, env = "DOKU_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,

    /// The ecommpay project identifier.
    #[arg(long, env = "ECOMMPAY_PROJECT_ID")]
    pub project_id: Option<u64>,

    /// File holding the project's secret key (otherwise `ECOMMPAY_SECRET_KEY`).
    #[arg(long, env = "ECOMMPAY_SECRET_KEY_FILE")]
    pub secret_file: Option<PathBuf>,
}

/// The server's resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the trunk-built widget.
    pub dist_dir: PathBuf,
    /// The ecommpay project identifier.
    pub project_id: Option<u64>,
    /// The project's secret key, if one was given.
    pub secret_key: Option<SecretKey>,
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The secret key file could not be read.
    #[error("cannot read the secret key file {path}: {source}")]
    SecretFile {
        /// The file named by `--secret-file`.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A secret key was given but it is empty.
    #[error("the secret key from {0} is empty")]
    EmptySecret(String),
    /// The widget's build directory is missing.
    #[error(
        "the widget directory {0} does not exist: build it with `trunk build --release` (or `make demo`)"
    )]
    MissingDist(PathBuf),
}

impl Config {
    /// Resolves `args` and the environment into a configuration, reading the secret key
    /// from `--secret-file` or [`SECRET_KEY_ENV`].
    pub fn load(args: ServeArgs) -> Result<Self, ConfigError> {
        let secret_key = SecretKey::load(args.secret_file.as_deref())?;
        if !args.dist_dir.is_dir() {
            return Err(ConfigError::MissingDist(args.dist_dir));
        }
        Ok(Config {
            listen: args.listen,
            dist_dir: args.dist_dir,
            project_id: args.project_id,
            secret_key,
        })
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unset = "(not set)".to_string();
        writeln!(f, "doku-proxy {} configuration:", env!("CARGO_PKG_VERSION"))?;
        writeln!(f, "  listen       {}", self.listen)?;
        writeln!(f, "  dist dir     {}", self.dist_dir.display())?;
        let project = self
            .project_id
            .map(|id| id.to_string())
            .unwrap_or(unset.clone());
        writeln!(f, "  project id   {project}")?;
        let secret = self
            .secret_key
            .as_ref()
            .map(|k| k.to_string())
            .unwrap_or(unset);
        write!(f, "  secret key   {secret}")
    }
}

/// A project's secret key. It prints as `********` (with where it came from) in both
/// `Display` and `Debug`, so it cannot leak through logs or the start-up banner.
#[derive(Clone)]
pub struct SecretKey {
    value: String,
    source: String,
}

impl SecretKey {
    /// Reads the key from `file` if given, else from [`SECRET_KEY_ENV`]; `None` if neither.
    /// Surrounding whitespace (a trailing newline in a file) is not part of the key.
    pub fn load(file: Option<&Path>) -> Result<Option<Self>, ConfigError> {
        let (value, source) = match file {
            Some(path) => {
                let value =
                    std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
                        path: path.to_path_buf(),
                        source,
                    })?;
                (value, format!("file {}", path.display()))
            }
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

    /// The key itself, for signing. Never print it.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_from_file_is_trimmed_and_never_printed() {
        let dir = std::env::temp_dir().join(format!("doku-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, "s3cr3t-value\n").unwrap();

        let key = SecretKey::load(Some(&path)).unwrap().unwrap();
        assert_eq!(key.expose(), "s3cr3t-value");
        let config = Config {
            listen: "127.0.0.1:8080".parse().unwrap(),
            dist_dir: "dist".into(),
            project_id: Some(42),
            secret_key: Some(key),
        };
        let printed = format!("{config}\n{config:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(printed.contains("********"), "{printed}");
        assert!(printed.contains("project id   42"), "{printed}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unreadable_or_empty_secret_files_are_errors() {
        let missing = Path::new("/nonexistent/doku-secret");
        assert!(matches!(
            SecretKey::load(Some(missing)),
            Err(ConfigError::SecretFile { .. })
        ));
        let dir = std::env::temp_dir().join(format!("doku-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("key");
        std::fs::write(&path, " \n").unwrap();
        assert!(matches!(
            SecretKey::load(Some(&path)),
            Err(ConfigError::EmptySecret(_))
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
