//! The JSON bodies exchanged between the widget and the proxy (and the merchant's
//! backend and the proxy), and the problem document every error uses.

use crate::money::Currency;
use crate::redirect::UncheckedRedirect;
use crate::status::CheckoutStatus;
use serde::{Deserialize, Serialize};

/// `GET /api/checkout/orders/{order_id}`: what the widget shows before payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    /// The order.
    pub order_id: String,
    /// Minor units of `currency`.
    pub amount: u64,
    /// The order's currency; DOKU charges IDR, converting other currencies.
    pub currency: Currency,
    /// What is being paid for.
    pub description: String,
    /// Whether the order is already paid.
    pub paid: bool,
}

/// `POST /api/checkout/sessions`: open (or find) the payment for an order. Unknown
/// fields are refused: nothing else (an amount, say) can ride along.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// The order to pay.
    pub order_id: String,
    /// Who pays.
    pub customer: CustomerInput,
    /// The customer's language (`en`, `id`), for the platform's pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The page the customer returns to after DOKU (one of the proxy's allowed
    /// origins); the proxy adds `payment_id`. Default: the proxy's hosted checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

/// The customer's details as typed; the proxy checks them with
/// [`FirstName`](crate::FirstName) and [`Email`](crate::Email).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// First name.
    pub first_name: String,
    /// Email address.
    pub email: String,
}

/// A payment as the widget may see it: nothing secret, no customer data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    /// The payment's id (unguessable).
    pub payment_id: String,
    /// Where it stands.
    pub status: CheckoutStatus,
    /// Whether `status` is final.
    #[serde(rename = "final")]
    pub is_final: bool,
    /// Minor units of `currency`.
    pub amount: u64,
    /// The order's currency.
    pub currency: Currency,
    /// The platform's result code, when it gave one (e.g. `20101`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The platform's result message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where to send the customer, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_data: Option<UncheckedRedirect>,
}

/// An error, as `application/problem+json` (RFC 9457) with a stable `code` and the
/// field at fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDocument {
    /// A URI naming the kind of problem (`about:blank` when the code says it all).
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    /// A short summary.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable machine code: a [`ProblemCode`](crate::ProblemCode)'s, or a refused
    /// field's [`FieldError::code`](crate::FieldError::code), e.g. `invalid_format`.
    pub code: String,
    /// What exactly is wrong, in English.
    pub detail: String,
    /// The field at fault, as a JSON path (`customer.email`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn about_blank() -> String {
    "about:blank".into()
}

/// The languages the checkout speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English.
    En,
    /// Indonesian.
    Id,
}

impl Locale {
    /// The locale for a BCP 47 tag such as `id`, `id-ID`, `en-GB` (case-insensitive),
    /// or `None` for a language the checkout does not speak.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match language.as_str() {
            "en" => Some(Locale::En),
            "id" | "in" => Some(Locale::Id),
            _ => None,
        }
    }

    /// The ISO 639-1 code, as the platform's `language_code` takes it.
    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Id => "id",
        }
    }
}

/// The names of the hosted checkout's form fields: the proxy reads them, and the widget
/// takes over what was typed into them before it loaded.
pub mod form_fields {
    /// The customer's first name.
    pub const FIRST_NAME: &str = "first_name";
    /// Their email.
    pub const EMAIL: &str = "email";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_view_uses_the_wire_names() {
        let view = SessionView {
            payment_id: "p1".into(),
            status: CheckoutStatus::Decline,
            is_final: true,
            amount: 4_000_000,
            currency: Currency::IDR,
            code: Some("20101".into()),
            message: Some("Decline due to amount or frequency limit".into()),
            redirect_data: None,
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["final"], true);
        assert_eq!(json["status"], "decline");
        assert_eq!(json["currency"], "IDR");
        assert!(json.get("redirect_data").is_none());
        assert_eq!(serde_json::from_value::<SessionView>(json).unwrap(), view);
    }

    #[test]
    fn locales_from_tags() {
        assert_eq!(Locale::from_tag("id-ID"), Some(Locale::Id));
        assert_eq!(Locale::from_tag("in"), Some(Locale::Id));
        assert_eq!(Locale::from_tag("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::from_tag("fr"), None);
        assert_eq!(Locale::from_tag(""), None);
    }

    #[test]
    fn problem_documents_default_their_type() {
        let problem: ProblemDocument = serde_json::from_str(
            r#"{"title":"Invalid","status":422,"code":"invalid_format","detail":"x","field":"customer.email"}"#,
        )
        .unwrap();
        assert_eq!(problem.kind, "about:blank");
        assert_eq!(problem.field.as_deref(), Some("customer.email"));
    }
}
