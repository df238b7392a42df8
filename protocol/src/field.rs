//! Which field of a request is at fault, and why.

use std::fmt;

/// A field of the widget <-> proxy (or merchant <-> proxy) contract that a rule applies
/// to, named by its path in the JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `customer.first_name`
    FirstName,
    /// `customer.email`
    Email,
    /// `customer.id`
    CustomerId,
    /// `customer.ip_address` (payouts)
    CustomerIp,
    /// `amount`
    Amount,
    /// `currency`
    Currency,
    /// `description`
    Description,
    /// `order_id`
    OrderId,
    /// `locale`
    Locale,
    /// `account.number` (payouts)
    AccountNumber,
    /// `account.customer_name` (payouts)
    AccountName,
    /// `payout_id` (payouts)
    PayoutId,
    /// `return_url`
    ReturnUrl,
    /// The `Idempotency-Key` header.
    IdempotencyKey,
}

impl Field {
    /// The field's path in the JSON contract, as problem documents name it.
    pub fn path(self) -> &'static str {
        match self {
            Field::FirstName => "customer.first_name",
            Field::Email => "customer.email",
            Field::CustomerId => "customer.id",
            Field::CustomerIp => "customer.ip_address",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::Description => "description",
            Field::OrderId => "order_id",
            Field::Locale => "locale",
            Field::AccountNumber => "account.number",
            Field::AccountName => "account.customer_name",
            Field::PayoutId => "payout_id",
            Field::ReturnUrl => "return_url",
            Field::IdempotencyKey => "Idempotency-Key",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// Why a value was refused. Each variant has a stable machine [`code`](FieldError::code);
/// the `Display` text is English, and the widget translates from the variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Nothing (or only spaces) was given.
    #[error("is required")]
    Required,
    /// Longer than the platform accepts.
    #[error("is longer than {max} characters")]
    TooLong {
        /// The most characters allowed.
        max: usize,
    },
    /// Contains a character that may not appear in this field.
    #[error("contains a character that is not allowed ({})", found.escape_unicode())]
    Character {
        /// The first offending character.
        found: char,
    },
    /// Well-formed characters in a shape the field does not accept.
    #[error("is not a valid {0}")]
    Format(&'static str),
    /// An amount with a fractional part where only whole units are accepted.
    #[error("must be a whole number of rupiah (a multiple of 100 minor units)")]
    Fractional,
    /// An amount below the minimum.
    #[error("is below the minimum of {min} minor units")]
    BelowMinimum {
        /// The smallest amount allowed, in minor units.
        min: u64,
    },
    /// An amount above the maximum.
    #[error("is above the maximum of {max} minor units")]
    AboveMaximum {
        /// The largest amount allowed, in minor units.
        max: u64,
    },
}

impl FieldError {
    /// The stable machine code of this error, e.g. `too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooLong { .. } => "too_long",
            FieldError::Character { .. } => "invalid_character",
            FieldError::Format(_) => "invalid_format",
            FieldError::Fractional => "fractional_amount",
            FieldError::BelowMinimum { .. } => "below_minimum",
            FieldError::AboveMaximum { .. } => "above_maximum",
        }
    }
}

/// A refused value: the field at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {error}")]
pub struct Problem {
    /// The field at fault.
    pub field: Field,
    /// Why it was refused.
    pub error: FieldError,
}

impl Problem {
    /// A problem with `field` for `error`.
    pub fn new(field: Field, error: FieldError) -> Self {
        Problem { field, error }
    }
}

/// The plumbing every validated text type shares: `as_str`, `Display`, and the serde
/// conversions (`TryFrom<String>` through its `parse`, back `Into<String>`).
macro_rules! validated_text {
    ($name:ident) => {
        impl $name {
            /// The text as validated.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::field::FieldError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use validated_text;
