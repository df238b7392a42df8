//! Callbacks: the platform's signed JSON notifications about a payment, and the body of
//! a status answer, which has the same format.
//!
//! [`verify_callback`] checks the signature over the raw body first and only then
//! reads it. The typed view is lenient: every section the platform may add is optional,
//! ids and codes may arrive as numbers or strings, a section whose shape is unexpected
//! reads as absent (the raw JSON is always kept), and unknown fields are kept in `extra`.

use crate::signature::Signer;
use crate::status::PaymentStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// Why a callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The body is not JSON.
    #[error("the callback body is not valid JSON: {0}")]
    NotJson(String),
    /// The body is JSON but not an object.
    #[error("the callback body is not a JSON object")]
    NotAnObject,
    /// Neither `signature` nor `general.signature` is present.
    #[error("the callback has no signature (neither `signature` nor `general.signature`)")]
    MissingSignature,
    /// The signature does not match the body under this project's secret key.
    #[error(
        "the callback's signature does not match: it was not signed with this project's secret key, or the body was altered"
    )]
    InvalidSignature,
}

/// Parses `body` and checks its signature (top-level `signature`, else
/// `general.signature`) with `signer`, in constant time. Only a valid callback is read.
pub fn verify_callback(body: &[u8], signer: &Signer) -> Result<Callback, CallbackError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| CallbackError::NotJson(e.to_string()))?;
    let signature = signature_of(&value)?;
    // `signature` keys are never part of what is signed, at any depth.
    if !signer.verify_value(&value, signature) {
        return Err(CallbackError::InvalidSignature);
    }
    Callback::from_value(value)
}

/// The signature a callback carries: `signature`, or `general.signature` if absent.
pub fn signature_of(value: &Value) -> Result<&str, CallbackError> {
    let object = value.as_object().ok_or(CallbackError::NotAnObject)?;
    object
        .get("signature")
        .or_else(|| object.get("general").and_then(|g| g.get("signature")))
        .and_then(Value::as_str)
        .ok_or(CallbackError::MissingSignature)
}

/// A callback (or status answer), read leniently. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Callback {
    /// The project the payment belongs to.
    #[serde(
        deserialize_with = "lenient",
        serialize_with = "numeric_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_id: Option<Text>,
    /// The payment as a whole.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// The customer's e-wallet account.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// The customer.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    /// The operation this callback reports (sale, payout).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
    /// Errors the platform reports, e.g. for a refused request.
    #[serde(
        deserialize_with = "lenient_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub errors: Vec<PlatformError>,
    /// Where to send the customer next (intermediate callbacks); also spelled
    /// `redirectData` by some platform versions.
    #[serde(
        alias = "redirectData",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub redirect_data: Option<RedirectData>,
    /// Gate's `general` block (project, payment id, signature).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub general: Option<General>,
    /// The callback's signature, when it is at the top level.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Callback {
    /// Reads a callback from JSON without checking its signature: only for bodies
    /// already verified, or built locally.
    pub fn from_value(value: Value) -> Result<Callback, CallbackError> {
        if !value.is_object() {
            return Err(CallbackError::NotAnObject);
        }
        serde_json::from_value(value).map_err(|e| CallbackError::NotJson(e.to_string()))
    }

    /// The payment's id: `payment.id`, else `general.payment_id`.
    pub fn payment_id(&self) -> Option<&str> {
        self.payment
            .as_ref()
            .and_then(|p| p.id.as_ref())
            .or_else(|| self.general.as_ref().and_then(|g| g.payment_id.as_ref()))
            .map(Text::as_str)
    }

    /// The project: `project_id`, else `general.project_id`.
    pub fn project(&self) -> Option<&str> {
        self.project_id
            .as_ref()
            .or_else(|| self.general.as_ref().and_then(|g| g.project_id.as_ref()))
            .map(Text::as_str)
    }

    /// The payment's status, if the callback carries one.
    pub fn status(&self) -> Option<&PaymentStatus> {
        self.payment.as_ref().and_then(|p| p.status.as_ref())
    }
}

/// A value the platform sends as a string or as a number (ids, codes): kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Text(pub String);

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(text.to_string())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Text(text)),
            Value::Number(number) => Ok(Text(number.to_string())),
            Value::Bool(flag) => Ok(Text(flag.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string or a number, found {other}"
            ))),
        }
    }
}

/// An amount in minor units and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sum {
    /// Minor units (for IDR: 100 per rupiah).
    pub amount: i64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// The `payment` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Payment {
    /// The merchant's payment id.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// `purchase` or `payout`.
    #[serde(
        rename = "type",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// The payment's status.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub status: Option<PaymentStatus>,
    /// When the status was set.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The payment method (`Doku`).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The amount.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub sum: Option<Sum>,
    /// The merchant's description.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `account` section: the customer's e-wallet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Account {
    /// The e-wallet number.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub number: Option<Text>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `customer` section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    /// The merchant's customer id.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// The customer's phone, when DOKU knows it.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub phone: Option<Text>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `operation` section: the sale or payout this callback reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Operation {
    /// The platform's operation id.
    #[serde(
        deserialize_with = "lenient",
        serialize_with = "numeric_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<Text>,
    /// `sale` or `payout`.
    #[serde(
        rename = "type",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// The operation's status.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the status was set.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When the operation was created.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// The id of the request that started it.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Text>,
    /// The amount as requested.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub sum_initial: Option<Sum>,
    /// The amount as charged (IDR for DOKU).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub sum_converted: Option<Sum>,
    /// The provider's (DOKU's) side of the operation.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    /// The platform's result code (`0` for success, e.g. `20101` for a decline).
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub code: Option<Text>,
    /// The platform's result message.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The provider's side of an operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provider {
    /// The provider's id on the platform.
    #[serde(
        deserialize_with = "lenient",
        serialize_with = "numeric_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<Text>,
    /// The provider's payment id.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<Text>,
    /// When the provider processed it.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The provider's authorisation code.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub auth_code: Option<Text>,
    /// The provider's endpoint.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub endpoint_id: Option<Text>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlatformError {
    /// The error code.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub code: Option<Text>,
    /// The error message.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The request field at fault, when there is one.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Gate's `general` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct General {
    /// The project.
    #[serde(
        deserialize_with = "lenient",
        serialize_with = "numeric_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub project_id: Option<Text>,
    /// The merchant's payment id.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<Text>,
    /// The signature, when it is here rather than at the top level.
    #[serde(deserialize_with = "lenient", skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Where to send the customer: an HTTP method, a URL and the fields to send. The
/// platform's `encrypted` service field is ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedirectData {
    /// `GET` or `POST`, as the platform sent it (checked by whoever navigates).
    pub method: String,
    /// Where to go.
    pub url: String,
    /// The fields to send; the platform writes an empty one as `[]`.
    #[serde(default, deserialize_with = "body_map")]
    pub body: Map<String, Value>,
}

/// An empty list (`[]`, as PHP encodes an empty map) or an object.
fn body_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Map<String, Value>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Object(map) => Ok(map),
        Value::Array(items) if items.is_empty() => Ok(Map::new()),
        Value::Null => Ok(Map::new()),
        other => Err(serde::de::Error::custom(format!(
            "redirect body must be an object, found {other}"
        ))),
    }
}

/// Writes an id the platform sends as a JSON number (project, operation and provider
/// ids) as a number when its text is a canonical non-negative integer, else as a
/// string. Signatures render both the same way, so this changes no signature.
fn numeric_id<S: Serializer>(id: &Option<Text>, serializer: S) -> Result<S::Ok, S::Error> {
    let Some(text) = id else {
        return serializer.serialize_none();
    };
    match text.as_str().parse::<u64>() {
        Ok(number) if number.to_string() == text.as_str() => serializer.serialize_u64(number),
        _ => serializer.serialize_str(text.as_str()),
    }
}

/// Reads `T` if the value has its shape, else `None`: one odd section never hides
/// the rest of a verified callback.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// Like [`lenient`] for a list: the entries that have the shape.
fn lenient_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn signed(signer: &Signer, mut body: Value) -> Vec<u8> {
        let signature = signer.sign_value(&body);
        body["signature"] = json!(signature);
        serde_json::to_vec(&body).unwrap()
    }

    #[test]
    fn reads_the_seed_decline_callback() {
        let signer = Signer::new("secret");
        let body = signed(
            &signer,
            json!({
                "project_id": 238,
                "payment": {"id": "ECT_TEST_1544793284604", "type": "purchase", "status": "decline",
                    "date": "2018-12-14T13:23:50+0000", "method": "Doku",
                    "sum": {"amount": 2000000000, "currency": "IDR"}, "description": ""},
                "customer": {"id": "1"},
                "operation": {"id": 19078000002242u64, "type": "sale", "status": "decline",
                    "request_id": "b12c7232b016305896e291c0a8ac67b74dd2bc05ac9",
                    "sum_initial": {"amount": 2000000000, "currency": "IDR"},
                    "sum_converted": {"amount": 2000000000, "currency": "IDR"},
                    "provider": {"id": 1162, "payment_id": "", "auth_code": ""},
                    "code": "20101", "message": "Decline due to amount or frequency limit"},
                "brand_new_field": {"kept": true}
            }),
        );
        let callback = verify_callback(&body, &signer).unwrap();
        assert_eq!(callback.project_id, Some(Text("238".into())));
        assert_eq!(callback.payment_id(), Some("ECT_TEST_1544793284604"));
        assert_eq!(callback.status(), Some(&PaymentStatus::Decline));
        let operation = callback.operation.as_ref().unwrap();
        assert_eq!(operation.id, Some(Text("19078000002242".into())));
        assert_eq!(operation.code, Some(Text("20101".into())));
        assert_eq!(operation.sum_converted.as_ref().unwrap().amount, 2000000000);
        assert_eq!(callback.extra["brand_new_field"], json!({"kept": true}));
    }

    #[test]
    fn ids_the_platform_sends_as_numbers_serialize_as_numbers() {
        let seed = json!({
            "project_id": 580,
            "payment": {"id": "580", "type": "payout", "status": "success"},
            "customer": {"id": "1"},
            "operation": {"id": 31771000001833u64, "type": "payout",
                "provider": {"id": 1162, "payment_id": "342205", "endpoint_id": "04"},
                "code": "0"},
            "general": {"project_id": 580, "payment_id": "7"}
        });
        let callback = Callback::from_value(seed.clone()).unwrap();
        assert_eq!(callback.project(), Some("580"));
        let gate_only = Callback::from_value(json!({"general": {"project_id": 77}})).unwrap();
        assert_eq!(gate_only.project(), Some("77"));
        // Read as text, written back exactly as the platform sent it.
        assert_eq!(serde_json::to_value(&callback).unwrap(), seed);
        // Text that is not a canonical integer stays a string.
        let odd = Callback {
            project_id: Some(Text("0042".into())),
            operation: Some(Operation {
                id: Some(Text("op-1".into())),
                ..Operation::default()
            }),
            ..Callback::default()
        };
        let value = serde_json::to_value(&odd).unwrap();
        assert_eq!(value["project_id"], json!("0042"));
        assert_eq!(value["operation"]["id"], json!("op-1"));
    }

    #[test]
    fn reads_redirect_data_in_either_spelling() {
        let signer = Signer::new("k");
        for key in ["redirect_data", "redirectData"] {
            let body = signed(
                &signer,
                json!({"payment": {"id": "p1", "status": "awaiting redirect result"},
                       key: {"method": "POST", "url": "https://pay.doku.com/Suite/Receive",
                             "body": {"MALLID": 4038, "AMOUNT": "10000.00"}, "encrypted": []}}),
            );
            let redirect = verify_callback(&body, &signer)
                .unwrap()
                .redirect_data
                .unwrap();
            assert_eq!(redirect.method, "POST");
            assert_eq!(redirect.body["MALLID"], json!(4038));
        }
    }

    #[test]
    fn refuses_what_is_not_a_signed_object() {
        let signer = Signer::new("k");
        assert!(matches!(
            verify_callback(b"{", &signer),
            Err(CallbackError::NotJson(_))
        ));
        assert_eq!(
            verify_callback(b"[1]", &signer),
            Err(CallbackError::NotAnObject)
        );
        assert_eq!(
            verify_callback(br#"{"payment":{"id":"1"}}"#, &signer),
            Err(CallbackError::MissingSignature)
        );
        let forged = br#"{"payment":{"id":"1"},"signature":"AAAA"}"#;
        let error = verify_callback(forged, &signer).unwrap_err();
        assert_eq!(error, CallbackError::InvalidSignature);
        assert!(error.to_string().contains("signature does not match"));
    }

    #[test]
    fn odd_sections_read_as_absent_and_the_rest_still_reads() {
        let callback = Callback::from_value(json!({
            "payment": {"id": "p", "sum": "1500.00", "status": "success"},
            "operation": "not an object",
        }))
        .unwrap();
        let payment = callback.payment.unwrap();
        assert_eq!(payment.sum, None);
        assert_eq!(payment.status, Some(PaymentStatus::Success));
        assert_eq!(callback.operation, None);

        // An odd text field is absent on its own; it does not take its section along.
        let callback = Callback::from_value(json!({
            "payment": {"id": "p", "status": "decline", "description": 5, "type": ["x"]},
            "operation": {"code": 20101, "message": {"text": "limit"}},
            "errors": [{"code": 1, "field": 7}, "not an object"],
        }))
        .unwrap();
        assert_eq!(callback.payment_id(), Some("p"));
        assert_eq!(callback.status(), Some(&PaymentStatus::Decline));
        let payment = callback.payment.as_ref().unwrap();
        assert_eq!((&payment.description, &payment.kind), (&None, &None));
        let operation = callback.operation.unwrap();
        assert_eq!(
            (operation.code.as_ref().map(Text::as_str), operation.message),
            (Some("20101"), None)
        );
        assert_eq!(callback.errors.len(), 1, "the malformed entry is dropped");
        assert_eq!(callback.errors[0].field, None);
    }
}
