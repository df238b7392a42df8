//! Gate: the platform's server-to-server JSON API, as DOKU Wallet uses it.
//!
//! Requests are signed in `general.signature` (see [`Signer::sign_gate`]). The
//! synchronous answer only registers the request; the result arrives by callback.

use crate::signature::Signer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The platform's Gate address.
pub const GATE_URL: &str = "https://api.ecommpay.com";
/// Path of a DOKU Wallet purchase.
pub const DOKU_SALE_PATH: &str = "/v2/payment/wallet/doku/sale";
/// Path of a DOKU Wallet payout.
pub const DOKU_PAYOUT_PATH: &str = "/v2/payment/wallet/doku/payout";
/// Path of a payment status request.
pub const STATUS_PATH: &str = "/v2/payment/status";

/// The `general` block of every Gate request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct General {
    /// The project.
    pub project_id: u64,
    /// The payment's id, unique in the project.
    pub payment_id: String,
    /// Where the platform sends this payment's callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_callback_url: Option<String>,
    /// Set by [`Signer::sign_gate`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// An amount in minor units and its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// Minor units.
    pub amount: u64,
    /// ISO 4217 alpha-3.
    pub currency: String,
}

/// The customer of a Gate request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's id in the merchant's system.
    pub id: String,
    /// The customer's IP address.
    pub ip_address: String,
    /// The customer's first name (recommended for DOKU purchases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The customer's email (recommended for DOKU purchases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Where the customer comes back to after the DOKU page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnUrl {
    /// After a successful payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<String>,
    /// After a declined payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline: Option<String>,
    /// When the customer leaves without finishing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#return: Option<String>,
}

/// Optional payment details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// The amount.
    #[serde(flatten)]
    pub money: Money,
    /// What is being paid for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A DOKU Wallet purchase (`POST /v2/payment/wallet/doku/sale`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DokuSale {
    /// Project, payment id, callback URL, signature.
    pub general: General,
    /// The amount.
    pub payment: Payment,
    /// The customer (id and IP required).
    pub customer: Customer,
    /// Where the customer returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<ReturnUrl>,
}

/// The customer's e-wallet for a payout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayoutAccount {
    /// The e-wallet number.
    pub number: String,
    /// The customer's full name.
    pub customer_name: String,
}

/// A DOKU Wallet payout (`POST /v2/payment/wallet/doku/payout`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DokuPayout {
    /// Project, payment id, callback URL, signature.
    pub general: General,
    /// The amount.
    pub payment: Payment,
    /// The customer (id and IP).
    pub customer: Customer,
    /// The e-wallet paid out to.
    pub account: PayoutAccount,
}

/// A status request (`POST /v2/payment/status`); answered in the callback format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusRequest {
    /// Project, payment id, signature.
    pub general: General,
}

/// The synchronous answer to a Gate request: the request was registered (or refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateResponse {
    /// `success` when registered; otherwise an error status.
    pub status: String,
    /// The platform's id of this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<Value>,
    /// The payment's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Error code, when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Value>,
    /// Error message, when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl GateResponse {
    /// Whether the platform registered the request.
    pub fn is_accepted(&self) -> bool {
        self.status == "success"
    }
}

impl Signer {
    /// The JSON body of a Gate request with its signature in `general.signature`.
    pub fn sign_gate<T: Serialize>(&self, request: &T) -> Result<Value, serde_json::Error> {
        let mut body = serde_json::to_value(request)?;
        let signature = self.sign_value(&body);
        if let Some(general) = body.get_mut("general").and_then(Value::as_object_mut) {
            general.insert("signature".into(), Value::String(signature));
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::{signature_of, verify_callback};

    fn sale() -> DokuSale {
        DokuSale {
            general: General {
                project_id: 125,
                payment_id: "ID_184".into(),
                merchant_callback_url: None,
                signature: None,
            },
            payment: Payment {
                money: Money {
                    amount: 100,
                    currency: "IDR".into(),
                },
                description: None,
            },
            customer: Customer {
                id: "123".into(),
                ip_address: "192.0.2.0".into(),
                first_name: Some("Riza".into()),
                email: Some("riza@example.com".into()),
            },
            return_url: None,
        }
    }

    #[test]
    fn gate_bodies_carry_their_signature_in_general() {
        let signer = Signer::new("secret");
        let body = signer.sign_gate(&sale()).unwrap();
        assert_eq!(
            crate::string_to_sign(&body),
            "customer:email:riza@example.com;customer:first_name:Riza;customer:id:123;\
             customer:ip_address:192.0.2.0;general:payment_id:ID_184;general:project_id:125;\
             payment:amount:100;payment:currency:IDR"
        );
        let signature = signature_of(&body).unwrap().to_string();
        assert!(signer.verify_value(&body, &signature));
        // The same check a callback gets.
        assert!(verify_callback(&serde_json::to_vec(&body).unwrap(), &signer).is_ok());
    }

    #[test]
    fn payout_serializes_in_the_platform_shape() {
        let payout = DokuPayout {
            general: sale().general,
            payment: sale().payment,
            customer: Customer {
                first_name: None,
                email: None,
                ..sale().customer
            },
            account: PayoutAccount {
                number: "654654654".into(),
                customer_name: "John Doe".into(),
            },
        };
        let body = serde_json::to_value(&payout).unwrap();
        assert_eq!(body["account"]["customer_name"], "John Doe");
        assert_eq!(body["payment"]["amount"], 100);
        assert!(body["customer"].get("email").is_none());
    }
}
