//! The stable `code` of every problem document the proxy answers with, except a refused
//! field's (that is its [`FieldError::code`](crate::FieldError::code)). One list for the
//! proxy, which sends them, and the widget, which tells some of them apart, so the two
//! cannot spell a code differently.

/// Declares [`ProblemCode`] from one table: each variant with its doc and its code.
macro_rules! problem_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// What went wrong, as the problem document's `code` says it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProblemCode {
            $($(#[$doc])* $variant,)*
        }

        impl ProblemCode {
            /// Every code, in the table's order.
            pub const ALL: &[ProblemCode] = &[$(ProblemCode::$variant,)*];

            /// The code as problem documents carry it, e.g. `order_not_found`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ProblemCode::$variant => $code,)*
                }
            }
        }
    };
}

problem_codes! {
    /// The body is not JSON (or not the JSON the endpoint takes).
    MalformedJson => "malformed_json",
    /// The body is not sent as `application/json`.
    UnsupportedMediaType => "unsupported_media_type",
    /// The body is larger than the endpoint takes.
    BodyTooLarge => "body_too_large",
    /// A field the endpoint does not know.
    UnknownField => "unknown_field",
    /// A field of the wrong JSON type.
    InvalidType => "invalid_type",
    /// A path segment that is not what the route takes.
    InvalidPath => "invalid_path",
    /// A query parameter that is not what the endpoint takes.
    InvalidQuery => "invalid_query",
    /// The order does not exist.
    OrderNotFound => "order_not_found",
    /// The order is already paid.
    OrderPaid => "order_paid",
    /// Another payment of the order is under way.
    PaymentInProgress => "payment_in_progress",
    /// The payment does not exist.
    PaymentNotFound => "payment_not_found",
    /// The platform's Payment Page request could not be made from this order.
    PaymentPageRefused => "payment_page_refused",
    /// The platform did not accept the request; it may be retried as it was.
    PlatformUnavailable => "platform_unavailable",
    /// The page's origin may not use the checkout API.
    OriginNotAllowed => "origin_not_allowed",
    /// The merchant API needs a valid bearer key.
    Unauthorized => "unauthorized",
    /// The server failed; nothing was applied.
    InternalError => "internal_error",
    /// Concurrent requests changed the payment; the same request may be retried.
    Busy => "busy",
    /// The demo shop has no such product.
    UnknownProduct => "unknown_product",
    /// A callback for another project.
    WrongProject => "wrong_project",
    /// A callback whose signature does not match.
    InvalidSignature => "invalid_signature",
    /// A callback without a signature.
    MissingSignature => "missing_signature",
    /// A callback that is not a JSON object.
    MalformedCallback => "malformed_callback",
    /// A Content-Security-Policy report that is not one.
    MalformedReport => "malformed_report",
}

#[cfg(test)]
mod tests {
    use super::ProblemCode;
    use crate::FieldError;

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
        let all = ProblemCode::ALL;
        for (i, code) in all.iter().enumerate() {
            let text = code.as_str();
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            assert!(!field_codes.contains(&text), "{text}");
            assert!(
                all[i + 1..].iter().all(|other| other.as_str() != text),
                "{text}"
            );
        }
    }
}
