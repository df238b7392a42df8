//! A checkout payment's status as the widget sees it, and the one way it may move.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a payment stands, from the customer's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckoutStatus {
    /// Opened; the platform has not been asked yet.
    Created,
    /// Gate mode: the platform registered the sale; the redirect to DOKU is on its way.
    AwaitingRedirect,
    /// The customer can be (or was) sent to DOKU; the result is not known yet.
    Pending,
    /// Paid. Final.
    Success,
    /// Not paid: declined by DOKU or the platform, or expired. Final.
    Decline,
    /// Paid, then refunded or reversed. Final.
    Refunded,
}

/// What [`CheckoutStatus::advance`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The status moved forward.
    Moved,
    /// The new status is the current one.
    Unchanged,
    /// The new status would move backwards (or out of a final state): ignored.
    Refused,
}

impl CheckoutStatus {
    /// Every status, in the order a payment moves through them.
    pub const ALL: [CheckoutStatus; 6] = [
        CheckoutStatus::Created,
        CheckoutStatus::AwaitingRedirect,
        CheckoutStatus::Pending,
        CheckoutStatus::Success,
        CheckoutStatus::Decline,
        CheckoutStatus::Refunded,
    ];

    /// Whether the customer paid (a refund undoes the money, not that the order was paid).
    pub fn is_paid(self) -> bool {
        matches!(self, CheckoutStatus::Success | CheckoutStatus::Refunded)
    }

    /// Whether the status can never change again (except a success being refunded).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CheckoutStatus::Success | CheckoutStatus::Decline | CheckoutStatus::Refunded
        )
    }

    /// The machine name, e.g. `awaiting_redirect`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckoutStatus::Created => "created",
            CheckoutStatus::AwaitingRedirect => "awaiting_redirect",
            CheckoutStatus::Pending => "pending",
            CheckoutStatus::Success => "success",
            CheckoutStatus::Decline => "decline",
            CheckoutStatus::Refunded => "refunded",
        }
    }

    /// The status named `name` (as [`CheckoutStatus::as_str`] spells it).
    pub fn parse(name: &str) -> Option<CheckoutStatus> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// Moves to `to` if that is forward: a non-final status may move to any later one; a
    /// final status never changes, except `success` becoming `refunded`.
    pub fn advance(&mut self, to: CheckoutStatus) -> Transition {
        use CheckoutStatus::*;
        let allowed = match (*self, to) {
            (from, to) if from == to => return Transition::Unchanged,
            (Success, Refunded) => true,
            (from, _) if from.is_final() => false,
            (_, to) if to.is_final() => true,
            // Both open: Created, then AwaitingRedirect, then Pending.
            (from, to) => (from as u8) < (to as u8),
        };
        if allowed {
            *self = to;
            Transition::Moved
        } else {
            Transition::Refused
        }
    }
}

impl fmt::Display for CheckoutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::CheckoutStatus::*;
    use super::*;

    fn advance(from: CheckoutStatus, to: CheckoutStatus) -> (Transition, CheckoutStatus) {
        let mut status = from;
        let transition = status.advance(to);
        (transition, status)
    }

    #[test]
    fn all_lists_every_status_in_declaration_order() {
        // Each status and the one declared after it. A new status stops this compiling
        // until it is given its place in the chain, and then ALL must hold it too.
        let next = |status| match status {
            Created => Some(AwaitingRedirect),
            AwaitingRedirect => Some(Pending),
            Pending => Some(Success),
            Success => Some(Decline),
            Decline => Some(Refunded),
            Refunded => None,
        };
        let chain: Vec<CheckoutStatus> =
            std::iter::successors(Some(Created), |s| next(*s)).collect();
        assert_eq!(chain, CheckoutStatus::ALL);
        for (i, status) in CheckoutStatus::ALL.into_iter().enumerate() {
            assert_eq!(status as usize, i, "{status:?}");
        }
    }

    #[test]
    fn moves_only_forward() {
        assert_eq!(
            advance(Created, AwaitingRedirect),
            (Transition::Moved, AwaitingRedirect)
        );
        assert_eq!(
            advance(AwaitingRedirect, Pending),
            (Transition::Moved, Pending)
        );
        assert_eq!(advance(Created, Success), (Transition::Moved, Success));
        assert_eq!(advance(Pending, Decline), (Transition::Moved, Decline));
        assert_eq!(
            advance(Pending, AwaitingRedirect),
            (Transition::Refused, Pending)
        );
        assert_eq!(advance(Pending, Pending), (Transition::Unchanged, Pending));
        for open in [Created, AwaitingRedirect, Pending] {
            for final_status in [Success, Decline, Refunded] {
                assert_eq!(
                    advance(open, final_status),
                    (Transition::Moved, final_status),
                    "{open} -> {final_status}"
                );
            }
        }
    }

    #[test]
    fn final_statuses_stay_except_a_refund_after_success() {
        for final_status in [Success, Decline, Refunded] {
            for later in [Created, AwaitingRedirect, Pending] {
                assert_eq!(
                    advance(final_status, later),
                    (Transition::Refused, final_status)
                );
            }
        }
        assert_eq!(advance(Success, Decline), (Transition::Refused, Success));
        assert_eq!(advance(Decline, Success), (Transition::Refused, Decline));
        assert_eq!(advance(Decline, Refunded), (Transition::Refused, Decline));
        assert_eq!(advance(Success, Refunded), (Transition::Moved, Refunded));
        assert_eq!(advance(Refunded, Success), (Transition::Refused, Refunded));
    }

    #[test]
    fn paid_statuses_are_final_and_only_a_decline_is_final_unpaid() {
        let paid: Vec<_> = CheckoutStatus::ALL
            .into_iter()
            .filter(|s| s.is_paid())
            .collect();
        assert_eq!(paid, [Success, Refunded]);
        let final_unpaid: Vec<_> = CheckoutStatus::ALL
            .into_iter()
            .filter(|s| s.is_final() && !s.is_paid())
            .collect();
        assert_eq!(final_unpaid, [Decline]);
    }

    #[test]
    fn names_round_trip() {
        for status in CheckoutStatus::ALL {
            assert_eq!(CheckoutStatus::parse(status.as_str()), Some(status));
            let json = format!("\"{}\"", status.as_str());
            assert_eq!(
                serde_json::from_str::<CheckoutStatus>(&json).unwrap(),
                status
            );
        }
        assert_eq!(CheckoutStatus::parse("paid"), None);
    }
}
