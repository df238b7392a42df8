//! The platform's signature: one algorithm for Payment Page requests, Gate requests and
//! callbacks.
//!
//! 1. Flatten the parameters into leaves `path:value`; nested keys join with `:`, list
//!    items use their 0-based index, and a `:` inside a key is written `::`.
//! 2. Empty objects and lists contribute nothing; `frame_mode` and `signature` are
//!    skipped at every level.
//! 3. Values render as PHP prints them: `true` -> `1`, `false` -> `0`, `null` -> empty,
//!    numbers `1234` / `1.5` (never `100.0`), strings as they are.
//! 4. Sort the leaves by path in PHP natural order, join with `;`.
//! 5. HMAC-SHA512 over those bytes with the project's secret key, standard base64.

use crate::natural::sort_naturally;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Number, Value};
use sha2::Sha512;
use std::fmt;

type HmacSha512 = Hmac<Sha512>;

/// Keys that never take part in a signature, at any depth.
const UNSIGNED_KEYS: [&str; 2] = ["frame_mode", "signature"];

/// Signs and verifies with one project's secret key. `Debug` never shows the key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer for the project whose secret key is `secret`.
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Signer {
            key: secret.as_ref().to_vec(),
        }
    }

    /// The base64 signature of `params`, a JSON object.
    pub fn sign_value(&self, params: &Value) -> String {
        BASE64.encode(self.mac(params).finalize().into_bytes())
    }

    /// The signature of a typed request (anything that serializes to a JSON object).
    pub fn sign<T: Serialize>(&self, params: &T) -> Result<String, serde_json::Error> {
        Ok(self.sign_value(&serde_json::to_value(params)?))
    }

    /// Whether `signature` is the signature of `params`, compared in constant time.
    /// A signature that is not valid base64 is simply not valid.
    pub fn verify_value(&self, params: &Value, signature: &str) -> bool {
        match BASE64.decode(signature.trim()) {
            Ok(bytes) => self.mac(params).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, params: &Value) -> HmacSha512 {
        // HMAC accepts keys of any length, so this never fails.
        let mut mac = match HmacSha512::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(string_to_sign(params).as_bytes());
        mac
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer(********)")
    }
}

/// The exact string the platform signs for `params`: what to compare when a signature
/// does not match.
pub fn string_to_sign(params: &Value) -> String {
    let mut leaves = Vec::new();
    flatten(params, None, &mut leaves);
    sort_naturally(&mut leaves, |(path, _)| path);
    let mut out = String::new();
    for (i, (path, value)) in leaves.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(path);
        out.push(':');
        out.push_str(value);
    }
    out
}

/// Collects `(path, rendered value)` for every leaf under `value`.
fn flatten(value: &Value, path: Option<&str>, leaves: &mut Vec<(String, String)>) {
    let child = |key: &str| {
        let key = key.replace(':', "::");
        match path {
            Some(parent) => format!("{parent}:{key}"),
            None => key,
        }
    };
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                if !UNSIGNED_KEYS.contains(&key.as_str()) {
                    flatten(item, Some(&child(key)), leaves);
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(item, Some(&child(&index.to_string())), leaves);
            }
        }
        scalar => {
            // A bare scalar at the top has no path; sign it under the empty path.
            leaves.push((path.unwrap_or_default().to_string(), render(scalar)));
        }
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "1".into(),
        Value::Bool(false) => "0".into(),
        Value::Number(number) => render_number(number),
        Value::String(text) => text.clone(),
        Value::Array(_) | Value::Object(_) => String::new(),
    }
}

/// A number as PHP's string conversion prints it: integers as they are, floats with 14
/// significant digits, trailing zeros dropped, exponent form (`1.0E+25`) outside the
/// range PHP prints plainly.
fn render_number(number: &Number) -> String {
    if let Some(int) = number.as_i64() {
        return int.to_string();
    }
    if let Some(int) = number.as_u64() {
        return int.to_string();
    }
    let float = number.as_f64().unwrap_or_default();
    php_float(float)
}

fn php_float(value: f64) -> String {
    const PRECISION: i32 = 14;
    if value == 0.0 {
        return if value.is_sign_negative() { "-0" } else { "0" }.into();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "NAN"
        } else if value > 0.0 {
            "INF"
        } else {
            "-INF"
        }
        .into();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    // 14 significant digits in scientific notation: "d.ddddddddddddde<exp>".
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // PHP's decpt: the value is 0.d1d2... x 10^decpt.
    let decpt = exponent + 1;
    if !(-3..=PRECISION).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}E{exp_sign}{}", exponent.abs());
    }
    if decpt <= 0 {
        let zeros = "0".repeat(decpt.unsigned_abs() as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let decpt = decpt as usize;
    if digits.len() <= decpt {
        format!("{sign}{digits}{}", "0".repeat(decpt - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..decpt], &digits[decpt..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_render_as_php_prints_them() {
        for (value, php) in [
            (1.5, "1.5"),
            (100.0, "100"),
            (-2.25, "-2.25"),
            (0.1 + 0.2, "0.3"),
            (0.0001, "0.0001"),
            (0.00001, "1.0E-5"),
            (1.0e14, "1.0E+14"),
            (99999999999999.0, "99999999999999"),
            (1.0e25, "1.0E+25"),
            (1.5e-7, "1.5E-7"),
            (123456.789, "123456.789"),
        ] {
            assert_eq!(php_float(value), php, "{value}");
        }
    }

    #[test]
    fn flattening_covers_nesting_lists_escapes_and_skips() {
        let params = json!({
            "b": {"x:y": true, "frame_mode": "popup", "signature": "nested"},
            "a": [null, {"c": false}],
            "empty": {}, "none": [],
            "frame_mode": "iframe", "signature": "top",
        });
        assert_eq!(string_to_sign(&params), "a:0:;a:1:c:0;b:x::y:1");
    }

    #[test]
    fn verification_is_exact() {
        let signer = Signer::new("secret");
        let params = json!({"payment": {"id": "1", "status": "success"}});
        let signature = signer.sign_value(&params);
        assert!(signer.verify_value(&params, &signature));
        assert!(!signer.verify_value(
            &json!({"payment": {"id": "1", "status": "decline"}}),
            &signature
        ));
        assert!(!Signer::new("other").verify_value(&params, &signature));
        assert!(!signer.verify_value(&params, "not base64!"));
        assert!(!signer.verify_value(&params, ""));
        assert_eq!(format!("{signer:?}"), "Signer(********)");
    }
}
