//! Which field of a request is at fault, and why.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A field of the widget <-> proxy contract that a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// `customer.first_name`
    #[serde(rename = "customer.first_name")]
    FirstName,
    /// `customer.email`
    #[serde(rename = "customer.email")]
    Email,
}

impl Field {
    /// The field's path in the JSON contract, as problem documents name it.
    pub fn path(self) -> &'static str {
        match self {
            Field::FirstName => "customer.first_name",
            Field::Email => "customer.email",
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
}

impl FieldError {
    /// The stable machine code of this error, e.g. `too_long`.
    pub fn code(&self) -> &'static str {
        match self {
            FieldError::Required => "required",
            FieldError::TooLong { .. } => "too_long",
            FieldError::Character { .. } => "invalid_character",
            FieldError::Format(_) => "invalid_format",
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
