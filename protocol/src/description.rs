//! What an order is for: shown by the widget, sent to the platform.

use crate::customer::is_invisible;
use crate::field::{FieldError, validated_text};
use serde::{Deserialize, Serialize};

/// An order description: 1 to [`Description::MAX_CHARS`] characters, without control or
/// invisible characters and without `;` (which Payment Page values may not contain).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

validated_text!(Description);

impl Description {
    /// The longest description accepted.
    pub const MAX_CHARS: usize = 255;

    /// Validates `input` (surrounding whitespace is trimmed).
    pub fn parse(input: &str) -> Result<Description, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if let Some(found) = trimmed
            .chars()
            .find(|c| c.is_control() || is_invisible(*c) || *c == ';')
        {
            return Err(FieldError::Character { found });
        }
        Ok(Description(trimmed.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert_eq!(
            Description::parse("  Kopi Toraja, 250 g ")
                .unwrap()
                .as_str(),
            "Kopi Toraja, 250 g"
        );
        assert_eq!(
            Description::parse("Order #1001 — 2× teh 🍵")
                .unwrap()
                .as_str(),
            "Order #1001 — 2× teh 🍵"
        );
        assert_eq!(Description::parse(""), Err(FieldError::Required));
        assert_eq!(
            Description::parse("a;b"),
            Err(FieldError::Character { found: ';' })
        );
        assert_eq!(
            Description::parse("a\u{0}b"),
            Err(FieldError::Character { found: '\u{0}' })
        );
        assert_eq!(
            Description::parse("a\u{202E}b"),
            Err(FieldError::Character { found: '\u{202E}' })
        );
        assert_eq!(
            Description::parse(&"x".repeat(256)),
            Err(FieldError::TooLong { max: 255 })
        );
    }
}
