//! Coming back from DOKU: which payment to ask about (never what the URL claims about
//! its status), how often to ask, and tidying the URL afterwards.

use doku_protocol::payment_id::payment_id_param;

/// How long the widget waits, and between what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// First wait between two status questions.
    pub first_poll_ms: u32,
    /// Longest wait between two status questions.
    pub max_poll_ms: u32,
    /// After this long without a final status, show "not confirmed yet".
    pub status_deadline_ms: u32,
    /// Gate: after this long without DOKU's redirect, give up (the customer may retry).
    pub redirect_deadline_ms: u32,
    /// Each request to the proxy.
    pub request_timeout_ms: i32,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            first_poll_ms: 500,
            max_poll_ms: 5_000,
            // DOKU's result typically comes in under a minute.
            status_deadline_ms: 90_000,
            redirect_deadline_ms: 60_000,
            request_timeout_ms: 15_000,
        }
    }
}

impl Timing {
    /// The wait before question number `attempt` (0-based): doubling, capped.
    pub fn poll_delay(&self, attempt: u32) -> u32 {
        self.first_poll_ms
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_poll_ms)
    }
}

/// The `payment_id` query parameter of `search` (`?a=b&payment_id=pay_…`), if it is a
/// well-formed payment id. Nothing else in the URL is read.
pub fn payment_id_in(search: &str) -> Option<String> {
    payment_id_param(search, "payment_id")
}

/// `search` without its `payment_id` parameter (`""` when nothing remains).
pub fn without_payment_id(search: &str) -> String {
    let kept: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("payment_id="))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_backs_off_to_a_cap() {
        let timing = Timing::default();
        let delays: Vec<u32> = (0..6).map(|n| timing.poll_delay(n)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 5000, 5000]);
        assert_eq!(timing.poll_delay(u32::MAX), 5000);
    }

    #[test]
    fn the_payment_id_is_read_from_the_query() {
        assert_eq!(
            payment_id_in("?o=1&payment_id=pay_x&status=success"),
            Some("pay_x".into())
        );
        assert_eq!(payment_id_in("?payment_id=ord_1"), None);
    }

    #[test]
    fn tidying_removes_only_the_payment_id() {
        assert_eq!(without_payment_id("?payment_id=pay_x"), "");
        assert_eq!(
            without_payment_id("?o=1&payment_id=pay_x&step=3"),
            "?o=1&step=3"
        );
        assert_eq!(without_payment_id(""), "");
    }
}
