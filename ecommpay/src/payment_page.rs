//! Payment Page: the platform's hosted payment form, opened with a signed URL (or a
//! signed POST of the same parameters).

use crate::signature::Signer;
use serde::Serialize;
use serde_json::{Map, Value};

/// The platform's Payment Page address.
pub const PAYMENT_PAGE_URL: &str = "https://paymentpage.ecommpay.com/payment";

/// Where the customer lands after the payment: how the redirect URL is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectMode {
    /// Inside the payment form's frame (the platform's default).
    Iframe,
    /// The page that opened the payment form.
    ParentPage,
    /// A new blank page.
    BlankPage,
}

/// A Payment Page request. Build it with [`PaymentPageRequest::new`] and the `with_*`
/// setters, then [`signed_url`](PaymentPageRequest::signed_url) or
/// [`signed_params`](PaymentPageRequest::signed_params).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymentPageRequest {
    /// The project.
    pub project_id: u64,
    /// The payment's id, unique in the project (at most 255 characters).
    pub payment_id: String,
    /// The amount in minor units.
    pub payment_amount: u64,
    /// ISO 4217 alpha-3 currency code.
    pub payment_currency: String,
    /// The customer's id in the merchant's system.
    pub customer_id: String,
    /// The customer's first name (recommended for DOKU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_first_name: Option<String>,
    /// The customer's email (recommended for DOKU).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// Opens this method directly (`doku`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub force_payment_method: Option<String>,
    /// ISO 639-1 language of the form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// What is being paid for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_description: Option<String>,
    /// Where the platform sends this payment's callbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_callback_url: Option<String>,
    /// Where the customer goes after a successful payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_success_url: Option<String>,
    /// How `redirect_success_url` opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_success_mode: Option<RedirectMode>,
    /// Where the customer goes after a failed payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_fail_url: Option<String>,
    /// How `redirect_fail_url` opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_fail_mode: Option<RedirectMode>,
    /// The payment must be completed before this time (`YYYY-MM-DDThh:mm:ss±hh:mm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_before: Option<String>,
    /// Any other Payment Page parameter, by its platform name.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a Payment Page request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentPageError {
    /// Payment Page values may not contain `;`.
    #[error("{0} contains ';', which Payment Page values may not contain")]
    Semicolon(String),
    /// A required value is empty.
    #[error("{0} is required")]
    Required(&'static str),
    /// A value is malformed.
    #[error("{param} is invalid: {reason}")]
    Invalid {
        /// The parameter.
        param: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// An `extra` value is not a string, number or boolean.
    #[error("{0} must be a string, number or boolean")]
    NotScalar(String),
    /// An `extra` parameter that has its own field (or is the signature).
    #[error("{0} is set by its own field, not through extra")]
    Reserved(String),
}

/// The parameters [`PaymentPageRequest`] has a field for, in its order; `extra` may not
/// name them (nor `signature`), so nothing bypasses their checks.
const NAMED: [&str; 16] = [
    "project_id",
    "payment_id",
    "payment_amount",
    "payment_currency",
    "customer_id",
    "customer_first_name",
    "customer_email",
    "force_payment_method",
    "language_code",
    "payment_description",
    "merchant_callback_url",
    "redirect_success_url",
    "redirect_success_mode",
    "redirect_fail_url",
    "redirect_fail_mode",
    "best_before",
];

impl PaymentPageRequest {
    /// A request with the parameters every payment needs.
    pub fn new(
        project_id: u64,
        payment_id: impl Into<String>,
        payment_amount: u64,
        payment_currency: impl Into<String>,
        customer_id: impl Into<String>,
    ) -> Self {
        PaymentPageRequest {
            project_id,
            payment_id: payment_id.into(),
            payment_amount,
            payment_currency: payment_currency.into(),
            customer_id: customer_id.into(),
            customer_first_name: None,
            customer_email: None,
            force_payment_method: None,
            language_code: None,
            payment_description: None,
            merchant_callback_url: None,
            redirect_success_url: None,
            redirect_success_mode: None,
            redirect_fail_url: None,
            redirect_fail_mode: None,
            best_before: None,
            extra: Map::new(),
        }
    }

    /// Checks the request as the platform will: required values present, `;` nowhere,
    /// formats of currency, language and `best_before`.
    pub fn validate(&self) -> Result<(), PaymentPageError> {
        self.checked_params().map(drop)
    }

    /// The parameters as the platform receives them, once every check has passed.
    fn checked_params(&self) -> Result<Vec<(String, String)>, PaymentPageError> {
        if self.payment_id.is_empty() {
            return Err(PaymentPageError::Required("payment_id"));
        }
        if self.payment_id.chars().count() > 255 {
            return Err(PaymentPageError::Invalid {
                param: "payment_id",
                reason: "longer than 255 characters",
            });
        }
        if self.customer_id.is_empty() {
            return Err(PaymentPageError::Required("customer_id"));
        }
        if !is_currency(&self.payment_currency) {
            return Err(PaymentPageError::Invalid {
                param: "payment_currency",
                reason: "not an ISO 4217 alpha-3 code",
            });
        }
        if let Some(language) = &self.language_code
            && (language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()))
        {
            return Err(PaymentPageError::Invalid {
                param: "language_code",
                reason: "not an ISO 639-1 code",
            });
        }
        if let Some(best_before) = &self.best_before
            && !is_best_before(best_before)
        {
            return Err(PaymentPageError::Invalid {
                param: "best_before",
                reason: "not in the form YYYY-MM-DDThh:mm:ss+hh:mm",
            });
        }
        if let Some(name) = self
            .extra
            .keys()
            .find(|name| NAMED.contains(&name.as_str()) || *name == "signature")
        {
            return Err(PaymentPageError::Reserved(name.clone()));
        }
        self.params()
    }

    /// The parameters as the platform receives them: `(name, value)` in a fixed order,
    /// unsigned.
    fn params(&self) -> Result<Vec<(String, String)>, PaymentPageError> {
        let Ok(Value::Object(map)) = serde_json::to_value(self) else {
            return Err(PaymentPageError::Invalid {
                param: "request",
                reason: "does not serialize to named parameters",
            });
        };
        map.into_iter()
            .map(|(name, value)| {
                let text = match value {
                    Value::String(text) => text,
                    Value::Number(number) => number.to_string(),
                    Value::Bool(flag) => if flag { "1" } else { "0" }.to_string(),
                    _ => return Err(PaymentPageError::NotScalar(name)),
                };
                if text.contains(';') {
                    return Err(PaymentPageError::Semicolon(name));
                }
                Ok((name, text))
            })
            .collect()
    }

    /// The signed parameters, `signature` last: the body of a POST to the Payment Page.
    pub fn signed_params(
        &self,
        signer: &Signer,
    ) -> Result<Vec<(String, String)>, PaymentPageError> {
        let mut params = self.checked_params()?;
        params.push(("signature".into(), signer.sign_value(&unsigned(&params))));
        Ok(params)
    }

    /// The signed URL on `base` (e.g. [`PAYMENT_PAGE_URL`]): the parameters
    /// form-encoded, `signature` last.
    pub fn signed_url(&self, base: &str, signer: &Signer) -> Result<String, PaymentPageError> {
        let params = self.signed_params(signer)?;
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &params {
            query.append_pair(name, value);
        }
        let separator = if base.contains('?') { '&' } else { '?' };
        Ok(format!("{base}{separator}{}", query.finish()))
    }
}

/// `params` as the JSON object the signature covers.
fn unsigned(params: &[(String, String)]) -> Value {
    Value::Object(
        params
            .iter()
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect(),
    )
}

/// Three upper-case ASCII letters.
pub fn is_currency(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// `YYYY-MM-DDThh:mm:ss±hh:mm` with plausible field values.
pub fn is_best_before(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 25 {
        return false;
    }
    let shape = "dddd-dd-ddTdd:dd:dd+dd:dd";
    let shaped = shape.bytes().zip(bytes).all(|(want, got)| match want {
        b'd' => got.is_ascii_digit(),
        b'+' => *got == b'+' || *got == b'-',
        other => *got == other,
    });
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(99);
    shaped
        && (1..=12).contains(&number(5..7))
        && (1..=31).contains(&number(8..10))
        && number(11..13) < 24
        && number(14..16) < 60
        && number(17..19) < 60
        && number(20..22) < 15
        && number(23..25) < 60
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doku_request() -> PaymentPageRequest {
        let mut request = PaymentPageRequest::new(120, "580", 100000, "IDR", "customer1");
        request.customer_first_name = Some("Hasan".into());
        request.customer_email = Some("prasetyo@example.com".into());
        request.force_payment_method = Some("doku".into());
        request
    }

    #[test]
    fn signed_url_is_form_encoded_with_the_signature_last() {
        let signer = Signer::new("secret");
        let mut request = doku_request();
        request.payment_description = Some("Kopi & teh, 2 kg".into());
        request.redirect_success_url = Some("https://shop.example/return?p=580".into());
        request.redirect_success_mode = Some(RedirectMode::ParentPage);
        let url = request.signed_url(PAYMENT_PAGE_URL, &signer).unwrap();

        assert!(url.starts_with("https://paymentpage.ecommpay.com/payment?project_id=120&"));
        assert!(url.contains("&payment_description=Kopi+%26+teh%2C+2+kg&"));
        assert!(url.contains("redirect_success_url=https%3A%2F%2Fshop.example%2Freturn%3Fp%3D580"));
        assert!(url.contains("&redirect_success_mode=parent_page&"));
        let (_, signature) = url.rsplit_once("&signature=").unwrap();
        let params = request.signed_params(&signer).unwrap();
        let (name, expected) = params.last().unwrap();
        assert_eq!(name, "signature");
        let encoded: String = form_urlencoded::byte_serialize(expected.as_bytes()).collect();
        assert_eq!(signature, encoded);
    }

    #[test]
    fn signature_is_over_the_raw_values() {
        let signer = Signer::new("secret");
        let params = doku_request().signed_params(&signer).unwrap();
        let unsigned = unsigned(&params[..params.len() - 1]);
        assert!(signer.verify_value(&unsigned, &params.last().unwrap().1));
        assert_eq!(
            crate::string_to_sign(&unsigned),
            "customer_email:prasetyo@example.com;customer_first_name:Hasan;customer_id:customer1;\
             force_payment_method:doku;payment_amount:100000;payment_currency:IDR;payment_id:580;project_id:120"
        );
    }

    #[test]
    fn refuses_semicolons_and_malformed_values() {
        let signer = Signer::new("secret");
        let mut request = doku_request();
        request.payment_description = Some("a;b".into());
        assert_eq!(
            request.signed_url(PAYMENT_PAGE_URL, &signer),
            Err(PaymentPageError::Semicolon("payment_description".into()))
        );
        let mut request = doku_request();
        request.extra.insert(
            "interface_type".into(),
            Value::String("{\"id\":23;}".into()),
        );
        assert_eq!(
            request.validate(),
            Err(PaymentPageError::Semicolon("interface_type".into()))
        );
        let mut request = doku_request();
        request.payment_currency = "idr".into();
        assert!(matches!(
            request.validate(),
            Err(PaymentPageError::Invalid {
                param: "payment_currency",
                ..
            })
        ));
        let mut request = doku_request();
        request.payment_id = "x".repeat(256);
        assert!(matches!(
            request.validate(),
            Err(PaymentPageError::Invalid {
                param: "payment_id",
                ..
            })
        ));
        let mut request = doku_request();
        request.customer_id.clear();
        assert_eq!(
            request.validate(),
            Err(PaymentPageError::Required("customer_id"))
        );
        let mut request = doku_request();
        request.language_code = Some("eng".into());
        assert!(matches!(
            request.validate(),
            Err(PaymentPageError::Invalid {
                param: "language_code",
                ..
            })
        ));
    }

    #[test]
    fn extra_cannot_override_a_field_or_the_signature() {
        for name in ["payment_id", "language_code", "signature"] {
            let mut request = doku_request();
            request
                .extra
                .insert(name.into(), Value::String("x".repeat(300)));
            assert_eq!(
                request.validate(),
                Err(PaymentPageError::Reserved(name.into()))
            );
        }
        let mut request = doku_request();
        request
            .extra
            .insert("nested".into(), serde_json::json!({"a": 1}));
        assert_eq!(
            request.validate(),
            Err(PaymentPageError::NotScalar("nested".into()))
        );
        let mut request = doku_request();
        request.payment_id.clear();
        assert_eq!(
            request.validate(),
            Err(PaymentPageError::Required("payment_id"))
        );
    }

    #[test]
    fn every_field_is_a_named_parameter() {
        // Every field set, written out without `..`: a new field stops this compiling
        // until it is set here, and then fails the check until it is in NAMED.
        let request = PaymentPageRequest {
            project_id: 120,
            payment_id: "580".into(),
            payment_amount: 100_000,
            payment_currency: "IDR".into(),
            customer_id: "customer1".into(),
            customer_first_name: Some("Hasan".into()),
            customer_email: Some("prasetyo@example.com".into()),
            force_payment_method: Some("doku".into()),
            language_code: Some("id".into()),
            payment_description: Some("Kopi".into()),
            merchant_callback_url: Some("https://shop.example/cb".into()),
            redirect_success_url: Some("https://shop.example/ok".into()),
            redirect_success_mode: Some(RedirectMode::ParentPage),
            redirect_fail_url: Some("https://shop.example/no".into()),
            redirect_fail_mode: Some(RedirectMode::BlankPage),
            best_before: Some("2055-05-05T00:00:00+07:00".into()),
            extra: Map::new(),
        };
        let names: Vec<String> = request
            .params()
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, NAMED);
    }

    #[test]
    fn best_before_format() {
        assert!(is_best_before("2055-05-05T00:00:00+00:00"));
        assert!(is_best_before("2200-12-12T12:12:12-03:00"));
        assert!(!is_best_before("2055-05-05T00:00:00"));
        assert!(!is_best_before("2055-13-05T00:00:00+00:00"));
        assert!(!is_best_before("2055-05-05 00:00:00+00:00"));
    }
}
