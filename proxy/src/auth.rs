//! Merchant authentication: `Authorization: Bearer <api key>`, compared in constant time
//! against every configured key.

use crate::config::SecretKey;
use crate::problem::ApiError;
use axum::http::{HeaderMap, header};

/// Accepts the request if it carries one of `keys` as a bearer token.
pub fn require_merchant(headers: &HeaderMap, keys: &[SecretKey]) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(ApiError::unauthorized)?;
    // Check every key, so the time taken does not tell which one nearly matched.
    let matched = keys.iter().fold(false, |found, key| {
        found | constant_time_eq(token.as_bytes(), key.expose().as_bytes())
    });
    if matched && !token.is_empty() {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// Whether `a == b`, taking the same time for every `a` of a given length.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn only_a_configured_bearer_key_passes() {
        let keys = [
            SecretKey::new("key-one", "test"),
            SecretKey::new("key-two", "test"),
        ];
        assert!(require_merchant(&headers("Bearer key-two"), &keys).is_ok());
        assert!(require_merchant(&headers("Bearer key-three"), &keys).is_err());
        assert!(require_merchant(&headers("Basic key-one"), &keys).is_err());
        assert!(require_merchant(&headers("Bearer "), &keys).is_err());
        assert!(require_merchant(&HeaderMap::new(), &keys).is_err());
        assert!(require_merchant(&headers("Bearer key-one"), &[]).is_err());
    }

    #[test]
    fn equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
