//! An async Gate client (reqwest with rustls) with a timeout on every call.

use crate::callback::{Callback, CallbackError, verify_callback};
use crate::gate::{
    DOKU_PAYOUT_PATH, DOKU_SALE_PATH, DokuPayout, DokuSale, GateResponse, General, STATUS_PATH,
    StatusRequest,
};
use crate::signature::Signer;
use serde::Serialize;
use std::time::Duration;

/// Why a Gate call failed.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// No answer within the client's timeout.
    #[error("the platform did not answer within {0:?}")]
    Timeout(Duration),
    /// The platform could not be reached.
    #[error("cannot reach the platform at {url}: {message}")]
    Unreachable {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// The platform refused the request, with its code and message.
    #[error("the platform refused the request: {code} {message}")]
    Refused {
        /// The platform's error code.
        code: String,
        /// The platform's message.
        message: String,
    },
    /// An HTTP error without a Gate error body.
    #[error("the platform answered HTTP {status}: {body}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// The answer is not in Gate's format.
    #[error("the platform's answer is not in Gate's format: {0}")]
    Decode(String),
    /// A status answer whose signature does not verify.
    #[error("the platform's status answer failed verification: {0}")]
    Signature(CallbackError),
    /// The request could not be encoded.
    #[error("cannot encode the request: {0}")]
    Encode(String),
}

/// Calls Gate for one project.
#[derive(Debug, Clone)]
pub struct GateClient {
    http: reqwest::Client,
    base_url: String,
    signer: Signer,
    timeout: Duration,
}

impl GateClient {
    /// A client for Gate at `base_url` (e.g. [`GATE_URL`](crate::gate::GATE_URL)) that
    /// signs with `signer` and gives up on any call after `timeout`.
    pub fn new(base_url: &str, signer: Signer, timeout: Duration) -> Result<Self, GateError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!(
                "doku-checkout-ecommpay/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| GateError::Unreachable {
                url: base_url.into(),
                message: e.to_string(),
            })?;
        Ok(GateClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            signer,
            timeout,
        })
    }

    /// Registers a DOKU Wallet purchase. The customer's redirect arrives by callback.
    pub async fn doku_sale(&self, sale: &DokuSale) -> Result<GateResponse, GateError> {
        self.register(DOKU_SALE_PATH, sale).await
    }

    /// Registers a DOKU Wallet payout. The result arrives by callback.
    pub async fn doku_payout(&self, payout: &DokuPayout) -> Result<GateResponse, GateError> {
        self.register(DOKU_PAYOUT_PATH, payout).await
    }

    /// Asks for a payment's status; the answer (in the callback format) is verified.
    pub async fn status(&self, project_id: u64, payment_id: &str) -> Result<Callback, GateError> {
        let request = StatusRequest {
            general: General {
                project_id,
                payment_id: payment_id.into(),
                merchant_callback_url: None,
                signature: None,
            },
        };
        let (_, body) = self.post(STATUS_PATH, &request).await?;
        verify_callback(&body, &self.signer).map_err(GateError::Signature)
    }

    async fn register<T: Serialize>(
        &self,
        path: &str,
        request: &T,
    ) -> Result<GateResponse, GateError> {
        let (status, body) = self.post(path, request).await?;
        let response: GateResponse =
            serde_json::from_slice(&body).map_err(|e| GateError::Decode(e.to_string()))?;
        if response.is_accepted() {
            Ok(response)
        } else {
            Err(refused(status, Some(response), &body))
        }
    }

    /// Signs and POSTs `request`; the status and body of a 2xx answer, else the refusal.
    async fn post<T: Serialize>(
        &self,
        path: &str,
        request: &T,
    ) -> Result<(u16, Vec<u8>), GateError> {
        let body = self
            .signer
            .sign_gate(request)
            .map_err(|e| GateError::Encode(e.to_string()))?;
        let url = format!("{}{path}", self.base_url);
        let classify = |e: reqwest::Error| {
            if e.is_timeout() {
                GateError::Timeout(self.timeout)
            } else {
                GateError::Unreachable {
                    url: url.clone(),
                    message: e.to_string(),
                }
            }
        };
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(classify)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(classify)?.to_vec();
        if (200..300).contains(&status) {
            Ok((status, body))
        } else {
            Err(refused(status, serde_json::from_slice(&body).ok(), &body))
        }
    }
}

/// A refused request: the platform's code and message if its answer (`response`, read
/// from `body`) has them, else the HTTP status and the start of the body.
fn refused(status: u16, response: Option<GateResponse>, body: &[u8]) -> GateError {
    match response {
        Some(GateResponse {
            code: Some(code),
            message,
            ..
        }) => GateError::Refused {
            code: code
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| code.to_string()),
            message: message.unwrap_or_default(),
        },
        _ => GateError::Http {
            status,
            body: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: Option<serde_json::Value>) -> GateResponse {
        GateResponse {
            status: "error".into(),
            request_id: None,
            project_id: None,
            payment_id: None,
            code,
            message: Some("no".into()),
        }
    }

    #[test]
    fn a_refusal_keeps_the_answer_status_or_the_platform_code() {
        let body = br#"{"status":"error"}"#;
        match refused(202, Some(answer(None)), body) {
            GateError::Http { status, body } => {
                assert_eq!((status, body.as_str()), (202, r#"{"status":"error"}"#))
            }
            other => panic!("{other:?}"),
        }
        match refused(200, Some(answer(Some(serde_json::json!(3061)))), body) {
            GateError::Refused { code, message } => {
                assert_eq!((code.as_str(), message.as_str()), ("3061", "no"))
            }
            other => panic!("{other:?}"),
        }
        let long = vec![b'x'; 500];
        match refused(500, None, &long) {
            GateError::Http { status, body } => assert_eq!((status, body.len()), (500, 200)),
            other => panic!("{other:?}"),
        }
    }
}
