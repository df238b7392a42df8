//! Request extractors that turn every malformed request into a specific problem: JSON
//! bodies (with the path of the field at fault) and query strings.

use crate::problem::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use doku_protocol::ProblemCode;
use serde::de::DeserializeOwned;

/// A JSON body deserialized into `T`. Refuses a wrong content type (415), a body over
/// the route's limit (413), malformed JSON (400) and a field of the wrong type or
/// missing (422, naming the field).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ProblemCode::UnsupportedMediaType,
                "the body must be JSON, sent with `Content-Type: application/json`",
                Some("Content-Type"),
            ));
        }
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses `bytes` as `T`, naming the field at fault on error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let malformed = |inner: serde_json::Error| {
        ApiError::bad_request(
            ProblemCode::MalformedJson,
            format!("the body is not the expected JSON: {inner}"),
            Some("body"),
        )
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let mut path = error.path().to_string();
        let inner = error.into_inner();
        // serde reports a missing field at its parent: name the field itself.
        if let Some(missing) = missing_field(&inner.to_string()) {
            path = if path == "." {
                missing
            } else {
                format!("{path}.{missing}")
            };
        }
        if inner.is_data() && path != "." {
            let unknown = inner.to_string().starts_with("unknown field");
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                if unknown {
                    ProblemCode::UnknownField
                } else {
                    ProblemCode::InvalidType
                },
                format!("{path}: {inner}"),
                Some(&path),
            )
        } else {
            malformed(inner)
        }
    })?;
    deserializer.end().map_err(malformed)?;
    Ok(value)
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next().map(str::to_string)
}

/// An integer from a JSON number, refusing fractions and numbers beyond 64 bits, with
/// `field` named.
pub fn integer(number: &serde_json::Number, field: &str) -> Result<i128, ApiError> {
    number
        .as_i64()
        .map(i128::from)
        .or_else(|| number.as_u64().map(i128::from))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ProblemCode::InvalidType,
                format!("{field} must be a whole number of minor units, not {number}"),
                Some(field),
            )
        })
}

/// The request body as bytes, within the route's limit (413 otherwise, as a problem).
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(request, state)
            .await
            .map(RawBody)
            .map_err(|rejection| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    ProblemCode::BodyTooLarge,
                    format!("the body could not be read: {rejection}"),
                    Some("body"),
                )
            })
    }
}

/// One path parameter, named `name` in problems; anything undecodable is refused (400).
#[derive(Debug)]
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let name = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .and_then(|path| path.as_str().rsplit('{').next())
            .map(|name| name.trim_end_matches('}').to_string())
            .unwrap_or_else(|| "path".into());
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|rejection| {
                ApiError::bad_request(ProblemCode::InvalidPath, rejection.body_text(), Some(&name))
            })
    }
}

/// A query string deserialized into `T`, naming the parameter at fault on error.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(ApiQuery)
            .map_err(|error| {
                let path = error.path().to_string();
                ApiError::bad_request(
                    ProblemCode::InvalidQuery,
                    format!("query parameter {path}: {}", error.into_inner()),
                    Some(&path),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        amount: i64,
        customer: Customer,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Customer {
        email: String,
    }

    #[test]
    fn wrong_types_name_the_field() {
        let error = parse_json::<Body>(br#"{"amount":"12","customer":{"email":"x"}}"#).unwrap_err();
        assert_eq!(
            (error.status.as_u16(), error.field.as_deref()),
            (422, Some("amount"))
        );
        let error = parse_json::<Body>(br#"{"amount":12,"customer":{"email":5}}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("customer.email"));
        let error = parse_json::<Body>(br#"{"amount":12}"#).unwrap_err();
        assert_eq!(
            (error.status.as_u16(), error.field.as_deref()),
            (422, Some("customer"))
        );
        let error = parse_json::<Body>(br#"{"amount":12,"customer":{}}"#).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("customer.email"));
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [&b"{"[..], b"", b"{\"amount\":1} trailing", b"[1,2]"] {
            let error = parse_json::<Body>(body).unwrap_err();
            assert!(
                matches!(error.status.as_u16(), 400 | 422),
                "{body:?}: {error:?}"
            );
        }
        let deep = format!(
            "{{\"amount\":{}{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let error = parse_json::<Body>(deep.as_bytes()).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("amount"), "{error:?}");
        let deep = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        let error = parse_json::<serde_json::Value>(deep.as_bytes()).unwrap_err();
        assert_eq!(error.status.as_u16(), 400, "{error:?}");
    }
}
