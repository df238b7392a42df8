//! Fault injection: knobs set per project or per payment (a payment's own faults
//! replace its project's entirely) to make callbacks and Gate misbehave on purpose.

use serde::{Deserialize, Serialize};

/// Faults for a project's or a payment's traffic. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Wait this many milliseconds before the first delivery attempt of each callback.
    pub callback_delay_ms: u64,
    /// Deliver each callback twice: the identical body again once the first delivery
    /// has finished (delivered or given up).
    pub duplicate_callbacks: bool,
    /// After the final callback, deliver a stale non-final one: a copy of the payment's
    /// last non-final callback (a Gate sale's `awaiting redirect result` one), or a
    /// `processing` callback dated at the payment's creation when it had none.
    pub out_of_order: bool,
    /// Drop the first N delivery attempts of each callback: they are logged as attempts
    /// that never reached the merchant and retried like failures. With N at or above
    /// the configured maximum of attempts, the callback is lost.
    pub drop_first_attempts: u32,
    /// Answer the next N Gate requests (sale, payout, status) with HTTP 500 and change
    /// nothing; each such answer counts one down.
    pub gate_errors: u32,
    /// Answer Gate requests only after this many milliseconds. The request is processed
    /// at once: a client that gives up sooner misses an answer to a request that went
    /// through.
    pub gate_delay_ms: u64,
}

impl Faults {
    /// Uses up one of `gate_errors`; whether this request must fail.
    pub fn take_gate_error(&mut self) -> bool {
        if self.gate_errors == 0 {
            return false;
        }
        self.gate_errors -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_errors_count_down() {
        let mut faults = Faults {
            gate_errors: 2,
            ..Faults::default()
        };
        assert!(faults.take_gate_error());
        assert!(faults.take_gate_error());
        assert!(!faults.take_gate_error());
        assert_eq!(faults.gate_errors, 0);
    }

    #[test]
    fn unknown_knobs_are_refused_and_missing_ones_are_off() {
        let faults: Faults =
            serde_json::from_str(r#"{"duplicate_callbacks": true}"#).expect("valid faults");
        assert_eq!(
            faults,
            Faults {
                duplicate_callbacks: true,
                ..Faults::default()
            }
        );
        let error = serde_json::from_str::<Faults>(r#"{"duplicate": true}"#)
            .expect_err("a misspelt knob is an error");
        assert!(
            error.to_string().contains("unknown field `duplicate`"),
            "{error}"
        );
    }
}
