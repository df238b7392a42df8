//! The stable `code` of every problem document the proxy answers with, except a refused
//! field's (that is its [`FieldError::code`](crate::FieldError::code)). One list for the
//! proxy, which sends them, and the widget, which tells some of them apart, so the two
//! cannot spell a code differently.

/// What went wrong, as the problem document's `code` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemCode {
    /// The body is not JSON (or not the JSON the endpoint takes).
    MalformedJson,
    /// The body is not sent as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the endpoint takes.
    BodyTooLarge,
    /// A field the endpoint does not know.
    UnknownField,
    /// A field of the wrong JSON type.
    InvalidType,
    /// A path segment that is not what the route takes.
    InvalidPath,
    /// A query parameter that is not what the endpoint takes.
    InvalidQuery,
    /// The order does not exist.
    OrderNotFound,
    /// The order is already paid.
    OrderPaid,
    /// Another payment of the order is under way.
    PaymentInProgress,
    /// The payment does not exist.
    PaymentNotFound,
    /// The platform's Payment Page request could not be made from this order.
    PaymentPageRefused,
    /// The platform did not accept the request; it may be retried as it was.
    PlatformUnavailable,
    /// The page's origin may not use the checkout API.
    OriginNotAllowed,
    /// The merchant API needs a valid bearer key.
    Unauthorized,
    /// The server failed; nothing was applied.
    InternalError,
    /// Concurrent requests changed the payment; the same request may be retried.
    Busy,
    /// The demo shop has no such product.
    UnknownProduct,
    /// A callback for another project.
    WrongProject,
    /// A callback whose signature does not match.
    InvalidSignature,
    /// A callback without a signature.
    MissingSignature,
    /// A callback that is not a JSON object.
    MalformedCallback,
    /// A Content-Security-Policy report that is not one.
    MalformedReport,
}

impl ProblemCode {
    /// The code as problem documents carry it, e.g. `order_not_found`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProblemCode::MalformedJson => "malformed_json",
            ProblemCode::UnsupportedMediaType => "unsupported_media_type",
            ProblemCode::BodyTooLarge => "body_too_large",
            ProblemCode::UnknownField => "unknown_field",
            ProblemCode::InvalidType => "invalid_type",
            ProblemCode::InvalidPath => "invalid_path",
            ProblemCode::InvalidQuery => "invalid_query",
            ProblemCode::OrderNotFound => "order_not_found",
            ProblemCode::OrderPaid => "order_paid",
            ProblemCode::PaymentInProgress => "payment_in_progress",
            ProblemCode::PaymentNotFound => "payment_not_found",
            ProblemCode::PaymentPageRefused => "payment_page_refused",
            ProblemCode::PlatformUnavailable => "platform_unavailable",
            ProblemCode::OriginNotAllowed => "origin_not_allowed",
            ProblemCode::Unauthorized => "unauthorized",
            ProblemCode::InternalError => "internal_error",
            ProblemCode::Busy => "busy",
            ProblemCode::UnknownProduct => "unknown_product",
            ProblemCode::WrongProject => "wrong_project",
            ProblemCode::InvalidSignature => "invalid_signature",
            ProblemCode::MissingSignature => "missing_signature",
            ProblemCode::MalformedCallback => "malformed_callback",
            ProblemCode::MalformedReport => "malformed_report",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProblemCode::{self, *};
    use crate::FieldError;

    const ALL: [ProblemCode; 23] = [
        MalformedJson,
        UnsupportedMediaType,
        BodyTooLarge,
        UnknownField,
        InvalidType,
        InvalidPath,
        InvalidQuery,
        OrderNotFound,
        OrderPaid,
        PaymentInProgress,
        PaymentNotFound,
        PaymentPageRefused,
        PlatformUnavailable,
        OriginNotAllowed,
        Unauthorized,
        InternalError,
        Busy,
        UnknownProduct,
        WrongProject,
        InvalidSignature,
        MissingSignature,
        MalformedCallback,
        MalformedReport,
    ];

    #[test]
    fn codes_are_distinct_snake_case_and_never_a_field_errors() {
        let field_codes = [
            FieldError::Required,
            FieldError::TooLong { max: 1 },
            FieldError::Character { found: 'x' },
            FieldError::Format("x"),
            FieldError::Fractional,
            FieldError::BelowMinimum { min: 1 },
            FieldError::AboveMaximum { max: 1 },
        ]
        .map(|error| error.code());
        for (i, code) in ALL.iter().enumerate() {
            let text = code.as_str();
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert!(!field_codes.contains(&text), "{text}");
            assert!(
                ALL[i + 1..].iter().all(|other| other.as_str() != text),
                "{text}"
            );
        }
    }
}
