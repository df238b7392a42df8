//! Merchant authentication: `Authorization: Bearer <api key>`, compared in constant time
//! against every configured key. [`merchant_only`] guards the merchant's routes before
//! anything else reads the request.

use crate::app::SharedApp;
use crate::config::SecretKey;
use crate::problem::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

/// Route layer for the merchant's endpoints: refuses a request without a configured key
/// (401) before its body or query is parsed, so nothing about the endpoint leaks.
pub async fn merchant_only(
    State(app): State<SharedApp>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    require_merchant(request.headers(), &app.config.api_keys)?;
    Ok(next.run(request).await)
}

/// Accepts the request if it carries one of `keys` as a bearer token.
fn require_merchant(headers: &HeaderMap, keys: &[SecretKey]) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(ApiError::unauthorized)?;
    // Compare digests (same length whatever the token), against every key, so the time
    // taken tells neither a key's length nor which one nearly matched.
    let token = Sha256::digest(token.as_bytes());
    let matched = keys.iter().fold(false, |found, key| {
        found | same_digest(&token, &Sha256::digest(key.expose().as_bytes()))
    });
    if matched {
        Ok(())
    } else {
        Err(ApiError::unauthorized())
    }
}

/// Whether two digests are equal, looking at every byte.
fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
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
        assert!(require_merchant(&headers("bearer key-one"), &keys).is_ok());
        assert!(require_merchant(&headers("Bearer key-three"), &keys).is_err());
        assert!(require_merchant(&headers("Bearer key-on"), &keys).is_err());
        assert!(require_merchant(&headers("Basic key-one"), &keys).is_err());
        assert!(require_merchant(&headers("Bearer "), &keys).is_err());
        assert!(require_merchant(&headers("Bearer"), &keys).is_err());
        assert!(require_merchant(&HeaderMap::new(), &keys).is_err());
        assert!(require_merchant(&headers("Bearer key-one"), &[]).is_err());
    }
}
