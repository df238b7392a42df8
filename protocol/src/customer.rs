//! The customer's first name and email, as DOKU accepts them.
//!
//! Both values end up in the signed Payment Page URL (where `;` is forbidden) and in
//! DOKU's `NAME` and `EMAIL` fields, so the rules are strict but friendly: they accept
//! names in any script and trim surrounding spaces, and refuse invisible or control
//! characters that would make a name look like something it is not.

use crate::field::{Field, FieldError, Problem, validated_text};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A customer's first name: 1 to [`FirstName::MAX_CHARS`] characters of letters (any
/// script, with combining marks), single spaces, apostrophes, hyphens and periods.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FirstName(String);

validated_text!(FirstName);

impl FirstName {
    /// The longest first name accepted, in characters (DOKU's `NAME` field holds 50).
    pub const MAX_CHARS: usize = 50;

    /// Validates `input` (surrounding whitespace is trimmed, inner runs of spaces are
    /// collapsed to one).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(FieldError::Required);
        }
        if collapsed.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if let Some(found) = collapsed.chars().find(|c| !is_name_char(*c)) {
            return Err(FieldError::Character { found });
        }
        if !collapsed.chars().any(char::is_alphabetic) {
            return Err(FieldError::Format("name"));
        }
        Ok(FirstName(collapsed))
    }

    /// Like [`FirstName::parse`], naming the field on error.
    pub fn parse_field(input: &str) -> Result<Self, Problem> {
        Self::parse(input).map_err(|error| Problem::new(Field::FirstName, error))
    }
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic() || is_combining_mark(c) || matches!(c, ' ' | '\'' | '\u{2019}' | '-' | '.')
}

/// Combining marks used by scripts whose letters need them (e.g. Devanagari vowel
/// signs, Latin diacritics written separately). Only the main blocks: enough for names.
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' // combining diacritical marks
        | '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' // Devanagari signs
        | '\u{0E31}' | '\u{0E34}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}' // Thai
        | '\u{A980}'..='\u{A983}' | '\u{A9B3}'..='\u{A9C0}' // Javanese
        | '\u{1B00}'..='\u{1B04}' | '\u{1B34}'..='\u{1B44}' // Balinese
    )
}

/// Characters that render as nothing or reorder text: zero-width and bidi controls.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// An email address in the plain ASCII form mail systems and DOKU agree on:
/// `local@domain.tld`, at most [`Email::MAX_CHARS`] characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

validated_text!(Email);

impl Email {
    /// The longest address accepted (DOKU's `EMAIL` field holds 100).
    pub const MAX_CHARS: usize = 100;

    /// Validates `input` (surrounding whitespace is trimmed; the domain is lowercased).
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::Required);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if let Some(found) = trimmed.chars().find(|c| {
            !c.is_ascii_graphic()
                || matches!(
                    c,
                    ';' | '"' | '(' | ')' | ',' | '<' | '>' | '[' | ']' | '\\' | ':'
                )
        }) {
            return Err(FieldError::Character { found });
        }
        let invalid = FieldError::Format("email address");
        let (local, domain) = trimmed.split_once('@').ok_or(invalid.clone())?;
        if local.is_empty()
            || local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !is_domain(domain)
        {
            return Err(invalid);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// Like [`Email::parse`], naming the field on error.
    pub fn parse_field(input: &str) -> Result<Self, Problem> {
        Self::parse(input).map_err(|error| Problem::new(Field::Email, error))
    }

    /// The address with most of the local part hidden (`pr***@example.com`), for logs
    /// and for anything that is shown back without needing the whole address.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let shown: String = local.chars().take(2).collect();
        format!("{shown}***@{domain}")
    }
}

/// `label(.label)+` with LDH labels and an alphabetic top-level label of 2+ letters.
fn is_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let top = labels.last().copied().unwrap_or_default();
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && top.len() >= 2
        && top.chars().all(|c| c.is_ascii_alphabetic())
}

/// Debug output never shows the whole address, so a stray `{:?}` cannot leak it.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_many_scripts_are_accepted_and_tidied() {
        for (input, expected) in [
            ("Hasan", "Hasan"),
            ("  Siti   Nur  ", "Siti Nur"),
            ("\tBudi\n", "Budi"),
            ("Siti\tNur", "Siti Nur"),
            ("O'Brien", "O'Brien"),
            ("Jean-Luc", "Jean-Luc"),
            ("Zoë", "Zoë"),
            ("Nguyễn", "Nguyễn"),
            ("ꦱꦸꦏꦂꦤ", "ꦱꦸꦏꦂꦤ"),
            ("明", "明"),
            ("J.", "J."),
        ] {
            assert_eq!(
                FirstName::parse(input).unwrap().as_str(),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn names_are_refused_with_the_reason() {
        assert_eq!(FirstName::parse("   "), Err(FieldError::Required));
        assert_eq!(
            FirstName::parse(&"a".repeat(51)),
            Err(FieldError::TooLong { max: 50 })
        );
        assert!(FirstName::parse(&"a".repeat(50)).is_ok());
        assert_eq!(
            FirstName::parse("Ann;x"),
            Err(FieldError::Character { found: ';' })
        );
        assert_eq!(
            FirstName::parse("<b>Ann</b>"),
            Err(FieldError::Character { found: '<' })
        );
        assert_eq!(
            FirstName::parse("Ann\u{0}"),
            Err(FieldError::Character { found: '\u{0}' })
        );
        assert_eq!(
            FirstName::parse("An\u{200B}n"),
            Err(FieldError::Character { found: '\u{200B}' })
        );
        assert_eq!(
            FirstName::parse("\u{202E}nnA"),
            Err(FieldError::Character { found: '\u{202E}' })
        );
        assert_eq!(
            FirstName::parse("Ann 😀"),
            Err(FieldError::Character { found: '😀' })
        );
        assert_eq!(
            FirstName::parse("Ann2"),
            Err(FieldError::Character { found: '2' })
        );
        assert_eq!(FirstName::parse("-."), Err(FieldError::Format("name")));
    }

    #[test]
    fn emails_are_accepted_and_the_domain_lowercased() {
        for (input, expected) in [
            ("prasetyo@example.com", "prasetyo@example.com"),
            (" Riza@TestPay.CO.ID ", "Riza@testpay.co.id"),
            (
                "a.b+tag@sub-domain.example.org",
                "a.b+tag@sub-domain.example.org",
            ),
        ] {
            assert_eq!(Email::parse(input).unwrap().as_str(), expected);
        }
    }

    #[test]
    fn emails_are_refused_with_the_reason() {
        let format = Err(FieldError::Format("email address"));
        assert_eq!(Email::parse(""), Err(FieldError::Required));
        assert_eq!(Email::parse("plain"), format);
        assert_eq!(Email::parse("@example.com"), format);
        assert_eq!(Email::parse("a@localhost"), format);
        assert_eq!(Email::parse("a@example.c"), format);
        assert_eq!(Email::parse("a..b@example.com"), format);
        assert_eq!(Email::parse("a@-example.com"), format);
        assert_eq!(Email::parse("a@b@example.com"), format);
        assert_eq!(
            Email::parse("a;b@example.com"),
            Err(FieldError::Character { found: ';' })
        );
        assert_eq!(
            Email::parse("a b@example.com"),
            Err(FieldError::Character { found: ' ' })
        );
        assert_eq!(
            Email::parse("ä@example.com"),
            Err(FieldError::Character { found: 'ä' })
        );
        assert_eq!(
            Email::parse("a@example.com\r\nBcc: x@y.z"),
            Err(FieldError::Character { found: '\r' })
        );
        let long = format!("{}@example.com", "a".repeat(90));
        assert_eq!(Email::parse(&long), Err(FieldError::TooLong { max: 100 }));
    }

    #[test]
    fn emails_never_show_whole_in_debug_output() {
        let email = Email::parse("prasetyo@example.com").unwrap();
        assert_eq!(email.masked(), "pr***@example.com");
        assert_eq!(format!("{email:?}"), "Email(pr***@example.com)");
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let name: Result<FirstName, _> = serde_json::from_str("\"Ann;\"");
        assert!(name.is_err());
        let email: Email = serde_json::from_str("\"x@example.com\"").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"x@example.com\"");
    }
}
