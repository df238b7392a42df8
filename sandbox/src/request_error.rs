//! Why a Payment Page or Gate request is refused: one message naming the parameter and
//! the reason, and for Gate a code (the sandbox's own numbering).

use crate::money::CurrencyError;

/// A refused request. Nothing was created or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// A Gate body that is not a JSON object.
    #[error("the request body is not a JSON object: {0}")]
    NotJson(String),
    /// A required parameter is absent or empty.
    #[error("{0} is required")]
    Missing(String),
    /// A parameter is given more than once.
    #[error("{0} is given more than once")]
    Repeated(String),
    /// A parameter is malformed.
    #[error("{param} is invalid: {reason}")]
    Invalid {
        /// The parameter (Gate: its path, e.g. `payment.amount`).
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// No such project.
    #[error("project {0} does not exist")]
    UnknownProject(u64),
    /// The signature does not match.
    #[error(
        "the signature does not match the parameters: a parameter was changed after signing, or it was signed with another key than the project's"
    )]
    Signature,
    /// The currency cannot be charged in this project.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    /// The payment id is taken.
    #[error("payment_id {payment_id:?} is already used in project {project_id}")]
    Duplicate {
        /// The project.
        project_id: u64,
        /// The payment id.
        payment_id: String,
    },
    /// No such payment (status requests).
    #[error("payment {payment_id:?} not found in project {project_id}")]
    NotFound {
        /// The project.
        project_id: u64,
        /// The payment id.
        payment_id: String,
    },
}

impl RequestError {
    /// A malformed `param`.
    pub fn invalid(param: impl Into<String>, reason: impl Into<String>) -> RequestError {
        RequestError::Invalid {
            param: param.into(),
            reason: reason.into(),
        }
    }

    /// The Gate error code (the sandbox's own numbering).
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::NotJson(_) => "1000",
            RequestError::Missing(_) | RequestError::Repeated(_) => "1001",
            RequestError::Invalid { .. } => "1002",
            RequestError::UnknownProject(_) => "1003",
            RequestError::Signature => "1004",
            RequestError::Duplicate { .. } => "1005",
            RequestError::Currency(_) => "1006",
            RequestError::NotFound { .. } => "1007",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_parameter_and_the_reason() {
        assert_eq!(
            RequestError::Missing("customer.ip_address".into()).to_string(),
            "customer.ip_address is required"
        );
        assert_eq!(
            RequestError::invalid("payment_amount", "must be a positive integer").to_string(),
            "payment_amount is invalid: must be a positive integer"
        );
        let duplicate = RequestError::Duplicate {
            project_id: 1,
            payment_id: "A-1".into(),
        };
        assert_eq!(
            duplicate.to_string(),
            "payment_id \"A-1\" is already used in project 1"
        );
        assert_eq!(duplicate.code(), "1005");
        assert!(
            RequestError::Currency(CurrencyError::TestProjectIdrOnly("USD".into()))
                .to_string()
                .contains("test projects accept IDR only")
        );
    }
}
