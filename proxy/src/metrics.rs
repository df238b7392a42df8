//! `/metrics` in Prometheus' text format: requests, callbacks by outcome, platform
//! calls, payments settled by this instance, and the payments still open (counted in the
//! database when scraped).

use crate::store::{CallbackOutcome, Payment, StatusCount};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Counters since the process started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    callbacks: Mutex<BTreeMap<&'static str, u64>>,
    platform_calls: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    settled: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    csp_violations: std::sync::atomic::AtomicU64,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    // A poisoned lock only means another thread panicked mid-increment: keep counting.
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *map.entry(key).or_insert(0) += 1;
}

impl Metrics {
    /// Counts a request to `route` answered with `status`.
    pub fn request(&self, route: &str, status: u16) {
        bump(&self.requests, (route.to_string(), status));
    }

    /// Counts a callback by what it did (`applied`, `duplicate`, `stale`,
    /// `unknown_payment`, `rejected`).
    pub fn callback(&self, outcome: &'static str) {
        bump(&self.callbacks, outcome);
    }

    /// Counts a call to the platform (`sale`, `payout`, `status`) by result (`ok`, `error`).
    pub fn platform_call(&self, call: &'static str, result: &'static str) {
        bump(&self.platform_calls, (call, result));
    }

    /// Counts `payment`, which this instance has just moved to its final status.
    pub fn settled(&self, payment: &Payment) {
        bump(
            &self.settled,
            (payment.kind.as_str(), payment.status.as_str()),
        );
    }

    /// Counts the payment a stored platform report (callback or status answer) settled,
    /// if it did: only an applied report can, and a final payment never moves again.
    pub fn report_stored(&self, outcome: CallbackOutcome, payment: Option<&Payment>) {
        if let (CallbackOutcome::Applied, Some(payment)) = (outcome, payment)
            && payment.status.is_final()
        {
            self.settled(payment);
        }
    }

    /// Counts a Content-Security-Policy violation a browser reported.
    pub fn csp_violation(&self) {
        self.csp_violations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The text exposition, with the `open` payments from the database.
    pub fn render(&self, open: &[StatusCount]) -> String {
        let mut out = String::new();
        out.push_str("# HELP doku_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE doku_http_requests_total counter\n");
        for ((route, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "doku_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP doku_callbacks_total Platform callbacks by outcome.\n");
        out.push_str("# TYPE doku_callbacks_total counter\n");
        for (outcome, n) in self
            .callbacks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(out, "doku_callbacks_total{{outcome=\"{outcome}\"}} {n}");
        }
        out.push_str(
            "# HELP doku_platform_calls_total Calls to the platform by kind and result.\n",
        );
        out.push_str("# TYPE doku_platform_calls_total counter\n");
        for ((call, result), n) in self
            .platform_calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "doku_platform_calls_total{{call=\"{call}\",result=\"{result}\"}} {n}"
            );
        }
        out.push_str("# HELP doku_csp_violations_total Content-Security-Policy violations browsers reported.\n");
        out.push_str("# TYPE doku_csp_violations_total counter\n");
        let csp = self
            .csp_violations
            .load(std::sync::atomic::Ordering::Relaxed);
        let _ = writeln!(out, "doku_csp_violations_total {csp}");
        out.push_str("# HELP doku_payments_settled_total Payments this instance moved to a final status, by kind and status.\n");
        out.push_str("# TYPE doku_payments_settled_total counter\n");
        for ((kind, status), n) in self
            .settled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            let _ = writeln!(
                out,
                "doku_payments_settled_total{{kind=\"{kind}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP doku_open_payments Payments not final yet, by kind and status.\n");
        out.push_str("# TYPE doku_open_payments gauge\n");
        for count in open {
            let _ = writeln!(
                out,
                "doku_open_payments{{kind=\"{}\",status=\"{}\"}} {}",
                escape(&count.kind),
                escape(&count.status),
                count.count
            );
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_gauges() {
        let metrics = Metrics::default();
        metrics.request("/api/orders", 201);
        metrics.request("/api/orders", 201);
        metrics.callback("applied");
        metrics.platform_call("sale", "error");
        let text = metrics.render(&[StatusCount {
            kind: "purchase".into(),
            status: "pending".into(),
            count: 3,
        }]);
        assert!(
            text.contains("doku_http_requests_total{route=\"/api/orders\",status=\"201\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("doku_callbacks_total{outcome=\"applied\"} 1\n"));
        assert!(text.contains("doku_platform_calls_total{call=\"sale\",result=\"error\"} 1\n"));
        assert!(text.contains("doku_open_payments{kind=\"purchase\",status=\"pending\"} 3\n"));
        assert!(text.contains("# TYPE doku_payments_settled_total counter\n"));
    }
}
