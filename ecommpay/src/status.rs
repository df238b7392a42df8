//! Payment statuses as the platform reports them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A payment's status on the platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// `success`: paid. Final.
    Success,
    /// `decline`: refused (also after the threshold time). Final.
    Decline,
    /// `processing`
    Processing,
    /// `awaiting redirect result`: the customer is on the DOKU page.
    AwaitingRedirectResult,
    /// `awaiting customer`
    AwaitingCustomer,
    /// `awaiting clarification`: more customer data is needed.
    AwaitingClarification,
    /// `external processing`
    ExternalProcessing,
    /// `external error`
    ExternalError,
    /// `internal error`
    InternalError,
    /// `error`
    Error,
    /// `expired`
    Expired,
    /// `refunded`. Final.
    Refunded,
    /// `partially refunded`. Final.
    PartiallyRefunded,
    /// `reversed`. Final.
    Reversed,
    /// `cancelled`
    Cancelled,
    /// A status this library does not know, kept as the platform spelled it.
    Other(String),
}

const NAMES: [(PaymentStatus, &str); 15] = [
    (PaymentStatus::Success, "success"),
    (PaymentStatus::Decline, "decline"),
    (PaymentStatus::Processing, "processing"),
    (
        PaymentStatus::AwaitingRedirectResult,
        "awaiting redirect result",
    ),
    (PaymentStatus::AwaitingCustomer, "awaiting customer"),
    (
        PaymentStatus::AwaitingClarification,
        "awaiting clarification",
    ),
    (PaymentStatus::ExternalProcessing, "external processing"),
    (PaymentStatus::ExternalError, "external error"),
    (PaymentStatus::InternalError, "internal error"),
    (PaymentStatus::Error, "error"),
    (PaymentStatus::Expired, "expired"),
    (PaymentStatus::Refunded, "refunded"),
    (PaymentStatus::PartiallyRefunded, "partially refunded"),
    (PaymentStatus::Reversed, "reversed"),
    (PaymentStatus::Cancelled, "cancelled"),
];

impl PaymentStatus {
    /// The status the platform spells `name`.
    pub fn parse(name: &str) -> PaymentStatus {
        NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(status, _)| status.clone())
            .unwrap_or_else(|| PaymentStatus::Other(name.to_string()))
    }

    /// The platform's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::Other(name) => name,
            known => NAMES
                .iter()
                .find(|(status, _)| status == known)
                .map(|(_, name)| *name)
                .unwrap_or_default(),
        }
    }

    /// Whether the status can never change back to a non-final one: `success`,
    /// `decline` and the refund/reversal family.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PaymentStatus::Success
                | PaymentStatus::Decline
                | PaymentStatus::Refunded
                | PaymentStatus::PartiallyRefunded
                | PaymentStatus::Reversed
        )
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PaymentStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(PaymentStatus::parse(&String::deserialize(deserializer)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for (status, name) in NAMES {
            assert_eq!(PaymentStatus::parse(name), status);
            assert_eq!(status.as_str(), name);
        }
        assert_eq!(PaymentStatus::parse("new thing").as_str(), "new thing");
    }

    #[test]
    fn final_statuses() {
        assert!(PaymentStatus::Success.is_final());
        assert!(PaymentStatus::Decline.is_final());
        assert!(PaymentStatus::Refunded.is_final());
        assert!(!PaymentStatus::Processing.is_final());
        assert!(!PaymentStatus::AwaitingRedirectResult.is_final());
        assert!(!PaymentStatus::Other("x".into()).is_final());
    }
}
