//! `doku-proxy sign` and `doku-proxy verify-callback`: the platform's signature from the
//! command line, for merchants debugging a mismatch.

use crate::config::SecretKey;
use clap::Args;
use ecommpay::{CallbackError, Signer, string_to_sign, verify_callback};
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;

/// Flags of `doku-proxy sign`.
#[derive(Debug, Clone, Args)]
pub struct SignArgs {
    /// Also print the exact string that is signed.
    #[arg(long)]
    pub explain: bool,
    /// File holding the project's secret key (otherwise `ECOMMPAY_SECRET_KEY`).
    #[arg(long, env = "ECOMMPAY_SECRET_KEY_FILE")]
    pub secret_file: Option<PathBuf>,
}

/// Flags of `doku-proxy verify-callback`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// File holding the project's secret key (otherwise `ECOMMPAY_SECRET_KEY`).
    #[arg(long, env = "ECOMMPAY_SECRET_KEY_FILE")]
    pub secret_file: Option<PathBuf>,
}

/// Reads JSON parameters from `input` and returns what `sign` prints: the signature,
/// preceded by the string to sign with `--explain`.
pub fn sign(input: &str, secret: &SecretKey, explain: bool) -> Result<String, String> {
    let params: Value =
        serde_json::from_str(input).map_err(|e| format!("stdin is not JSON: {e}"))?;
    if !params.is_object() {
        return Err("stdin must be a JSON object of parameters".into());
    }
    let signature = Signer::new(secret.expose()).sign_value(&params);
    Ok(if explain {
        format!(
            "string to sign: {}\nsignature: {signature}",
            string_to_sign(&params)
        )
    } else {
        signature
    })
}

/// Whether the callback in `input` is signed with `secret`; the error says why not.
pub fn verify(input: &[u8], secret: &SecretKey) -> Result<(), CallbackError> {
    verify_callback(input, &Signer::new(secret.expose())).map(|_| ())
}

/// Reads all of standard input.
pub fn read_stdin() -> Result<Vec<u8>, String> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(input)
}

/// The secret key, or the error to print when there is none.
pub fn require_secret(file: Option<&std::path::Path>) -> Result<SecretKey, String> {
    SecretKey::load(file).map_err(|e| e.to_string())?.ok_or_else(|| {
        "no secret key: set ECOMMPAY_SECRET_KEY or pass --secret-file (never the key itself as a flag)"
            .to_string()
    })
}
