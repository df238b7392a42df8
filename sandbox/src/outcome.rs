//! How a payment ends: the exact outcome rule and its codes.
//!
//! - Out of limits: decline `20101` at once, without a customer step (the platform's
//!   code, from the method page).
//! - Purchase, customer presses **Decline**: decline `20105`.
//! - Purchase, customer presses **Success**: in a test project the converted amounts
//!   40000 and 40400 (IDR minor units) decline `20000`, any other amount succeeds; in a
//!   non-test project it succeeds.
//! - Payout: in a test project 40000 and 40400 decline `20000`, any other amount
//!   succeeds; in a non-test project it succeeds.
//! - Not completed within the project's threshold time: decline `20504`.
//!
//! Success is code `0`, "Success". `20105`, `20000` and `20504` are the sandbox's own.

use crate::money::Limits;

/// A final result: the platform's code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// `0` for success, otherwise a decline code.
    pub code: &'static str,
    /// The message that goes with the code.
    pub message: &'static str,
}

impl Outcome {
    /// Whether this is a success.
    pub fn is_success(&self) -> bool {
        self.code == SUCCESS.code
    }
}

/// Success.
pub const SUCCESS: Outcome = Outcome {
    code: "0",
    message: "Success",
};
/// Out of limits (the platform's code, from the method page).
pub const LIMIT: Outcome = Outcome {
    code: "20101",
    message: "Decline due to amount or frequency limit",
};
/// The customer pressed Decline (the sandbox's code).
pub const CANCELLED: Outcome = Outcome {
    code: "20105",
    message: "Cancelled by the customer",
};
/// A test amount that always declines (the sandbox's code).
pub const GENERAL_DECLINE: Outcome = Outcome {
    code: "20000",
    message: "General decline",
};
/// Not completed within the threshold time (the sandbox's code).
pub const EXPIRED: Outcome = Outcome {
    code: "20504",
    message: "Threshold time exceeded",
};

/// IDR minor units that decline in test projects (from the method page).
pub const TEST_DECLINE_AMOUNTS: [u64; 2] = [40_000, 40_400];

/// The button the customer pressed on the DOKU page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// **Success**.
    Success,
    /// **Decline**.
    Decline,
}

/// The decline for an amount outside `limits`, if it is.
pub fn limit_check(limits: Limits, idr_minor: u64) -> Option<Outcome> {
    (!limits.allows(idr_minor)).then_some(LIMIT)
}

/// A purchase's result once the customer pressed `choice`.
pub fn purchase(test: bool, idr_minor: u64, choice: Choice) -> Outcome {
    match choice {
        Choice::Decline => CANCELLED,
        Choice::Success => by_amount(test, idr_minor),
    }
}

/// A payout's result once processed.
pub fn payout(test: bool, idr_minor: u64) -> Outcome {
    by_amount(test, idr_minor)
}

fn by_amount(test: bool, idr_minor: u64) -> Outcome {
    if test && TEST_DECLINE_AMOUNTS.contains(&idr_minor) {
        GENERAL_DECLINE
    } else {
        SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{payout_limits, purchase_limits};

    #[test]
    fn test_amounts_decline_only_in_test_projects() {
        for amount in TEST_DECLINE_AMOUNTS {
            assert_eq!(purchase(true, amount, Choice::Success), GENERAL_DECLINE);
            assert_eq!(payout(true, amount), GENERAL_DECLINE);
            assert_eq!(purchase(false, amount, Choice::Success), SUCCESS);
            assert_eq!(payout(false, amount), SUCCESS);
        }
        assert_eq!(purchase(true, 40_100, Choice::Success), SUCCESS);
        assert_eq!(payout(true, 1_000_000), SUCCESS);
    }

    #[test]
    fn the_decline_button_always_declines() {
        assert_eq!(purchase(true, 1_000_000, Choice::Decline), CANCELLED);
        assert_eq!(purchase(false, 40_000, Choice::Decline), CANCELLED);
        assert!(!CANCELLED.is_success() && SUCCESS.is_success());
    }

    #[test]
    fn out_of_limits_is_the_platforms_20101() {
        assert_eq!(limit_check(purchase_limits(false), 99), Some(LIMIT));
        assert_eq!(limit_check(purchase_limits(false), 200_000_000), None);
        assert_eq!(
            limit_check(purchase_limits(false), 200_000_100),
            Some(LIMIT)
        );
        assert_eq!(limit_check(purchase_limits(true), 200_000_100), None);
        assert_eq!(limit_check(payout_limits(), 1_000_000_100), Some(LIMIT));
        assert_eq!(LIMIT.code, "20101");
        assert_eq!(LIMIT.message, "Decline due to amount or frequency limit");
    }
}
