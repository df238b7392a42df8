//! The customer's first name and email, as the payment form and DOKU's page ask for
//! them: non-empty, and an email that is plausibly one.

/// The longest first name accepted.
const NAME_MAX: usize = 100;
/// The longest email accepted (RFC 5321's path limit).
const EMAIL_MAX: usize = 254;

/// The trimmed first name, or why it is refused.
pub fn first_name(input: &str) -> Result<String, &'static str> {
    let name = input.trim();
    if name.is_empty() {
        return Err("Enter your first name.");
    }
    if name.chars().count() > NAME_MAX {
        return Err("The first name is longer than 100 characters.");
    }
    if name.chars().any(char::is_control) {
        return Err("The first name contains control characters.");
    }
    Ok(name.to_string())
}

/// The trimmed email, or why it is refused: one `@`, a non-empty local part, a domain
/// with a dot between non-empty labels, no spaces.
pub fn email(input: &str) -> Result<String, &'static str> {
    let email = input.trim();
    if email.is_empty() {
        return Err("Enter your email address.");
    }
    let plausible = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
            }
            None => false,
        };
    if plausible {
        Ok(email.to_string())
    } else {
        Err("Enter an email address like name@example.com.")
    }
}

/// A name-and-email form (the Payment Page's and DOKU's): its field names and labels,
/// what the customer typed, and what is wrong with it.
pub struct ContactForm {
    /// The name field and its label.
    pub name_field: (&'static str, &'static str),
    /// The email field.
    pub email_field: &'static str,
    /// What was typed.
    pub typed: (String, String),
    /// Why the name or the email was refused.
    pub errors: (Option<&'static str>, Option<&'static str>),
}

impl ContactForm {
    /// An empty form with these fields.
    pub fn new(name_field: (&'static str, &'static str), email_field: &'static str) -> Self {
        ContactForm {
            name_field,
            email_field,
            typed: Default::default(),
            errors: (None, None),
        }
    }

    /// Reads the posted `form`: the checked first name and email, or `None`, with what
    /// was typed and what is wrong kept here to show the form again.
    pub fn read(&mut self, form: &[(String, String)]) -> Option<(String, String)> {
        let value = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        self.typed = (value(self.name_field.0), value(self.email_field));
        match (first_name(&self.typed.0), email(&self.typed.1)) {
            (Ok(name), Ok(email)) => Some((name, email)),
            (name, email) => {
                self.errors = (name.err(), email.err());
                None
            }
        }
    }

    /// The two inputs, showing what was typed, else what the payment already has.
    pub fn inputs(&self, known_name: Option<&str>, known_email: Option<&str>) -> String {
        let shown = |typed: &str, known: Option<&str>| {
            if typed.is_empty() {
                known.unwrap_or_default().to_string()
            } else {
                typed.to_string()
            }
        };
        let (name_field, name_label) = self.name_field;
        format!(
            "{}\n{}",
            crate::html::text_input(
                "text",
                name_field,
                name_label,
                &shown(&self.typed.0, known_name),
                self.errors.0
            ),
            crate::html::text_input(
                "email",
                self.email_field,
                "Email",
                &shown(&self.typed.1, known_email),
                self.errors.1
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_must_be_given() {
        assert_eq!(first_name("  Riza "), Ok("Riza".into()));
        assert_eq!(first_name("Hasan Prasetyo"), Ok("Hasan Prasetyo".into()));
        assert!(first_name("   ").is_err());
        assert!(first_name(&"a".repeat(101)).is_err());
        assert!(first_name("a\u{0}b").is_err());
    }

    #[test]
    fn emails_must_be_plausible() {
        assert_eq!(email(" riza@example.com "), Ok("riza@example.com".into()));
        assert_eq!(
            email("a.b+c@mail.example.co.id"),
            Ok("a.b+c@mail.example.co.id".into())
        );
        for bad in [
            "",
            "riza",
            "riza@",
            "@example.com",
            "riza@example",
            "a@b@c.d",
            "a b@c.d",
            "a@b..c",
            "a@.c",
        ] {
            assert!(email(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
