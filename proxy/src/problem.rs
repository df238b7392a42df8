//! Errors as the API answers them: `application/problem+json` with a stable `code`, a
//! message and the field at fault. Internal details are logged, never sent.

use crate::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use doku_protocol::{Problem, ProblemCode, ProblemDocument};

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine code: a [`ProblemCode`], or a refused field's
    /// [`FieldError::code`](doku_protocol::FieldError::code). Set only by the
    /// constructors, so it is never any other string.
    code: &'static str,
    /// What is wrong, in English.
    pub detail: String,
    /// The field at fault (a JSON path or a header name).
    pub field: Option<String>,
}

impl ApiError {
    /// An error with every part given.
    pub fn new(
        status: StatusCode,
        code: ProblemCode,
        detail: impl Into<String>,
        field: Option<&str>,
    ) -> ApiError {
        ApiError {
            status,
            code: code.as_str(),
            detail: detail.into(),
            field: field.map(str::to_string),
        }
    }

    /// A refused value (422), from the shared rules.
    pub fn invalid(problem: Problem) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: problem.error.code(),
            detail: problem.to_string(),
            field: Some(problem.field.path().to_string()),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(
        code: ProblemCode,
        detail: impl Into<String>,
        field: Option<&str>,
    ) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail, field)
    }

    /// 404 Not Found.
    pub fn not_found(
        code: ProblemCode,
        detail: impl Into<String>,
        field: Option<&str>,
    ) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail, field)
    }

    /// 401 Unauthorized: the merchant API needs a valid bearer key.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ProblemCode::Unauthorized,
            "this endpoint needs `Authorization: Bearer <merchant API key>` with a configured key",
            Some("Authorization"),
        )
    }

    /// 502 Bad Gateway: the platform failed; the request may be retried. What it said
    /// (its URL, its answer) goes to the log only.
    pub fn platform(error: impl std::fmt::Display) -> ApiError {
        tracing::warn!(%error, "platform call failed");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ProblemCode::PlatformUnavailable,
            "the payment platform did not accept the request; retry it as it was (the same \
             Idempotency-Key or payout_id finds the same payment)",
            None,
        )
    }

    /// 500: something failed on our side. The details go to the log only.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ProblemCode::InternalError,
            "the server failed to process the request; it was not applied",
            None,
        )
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The problem document of this error.
    pub fn document(&self) -> ProblemDocument {
        ProblemDocument {
            kind: "about:blank".into(),
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            code: self.code.to_string(),
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            // Nothing is wrong, only busy: the same request (same key) will go through.
            StoreError::Contention(what) => {
                tracing::warn!(%what, "store contention");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ProblemCode::Busy,
                    "the payment changed under concurrent requests; retry the same request",
                    None,
                )
            }
            error => ApiError::internal(error),
        }
    }
}

/// Seconds a client is asked to wait before retrying a 503 (`busy`): contention passes
/// within milliseconds, so the shortest whole wait.
const RETRY_AFTER_SECONDS: &str = "1";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.document()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_say_retry_when_only_busy_and_nothing_when_broken() {
        let busy = ApiError::from(StoreError::Contention("payment pay_1".into()));
        assert_eq!(
            (busy.status, busy.code),
            (StatusCode::SERVICE_UNAVAILABLE, "busy")
        );
        let broken = ApiError::from(StoreError::Corrupt("payment status \"x\"".into()));
        assert_eq!(broken.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!broken.detail.contains("status"), "{}", broken.detail);

        // Only the answer that asks for a retry says when.
        let retry_after = |error: ApiError| {
            let response = error.into_response();
            let value = response.headers().get(header::RETRY_AFTER);
            value.and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        assert_eq!(retry_after(busy).as_deref(), Some("1"));
        assert_eq!(retry_after(broken), None);
        assert_eq!(retry_after(ApiError::platform("down")), None);
    }
}
