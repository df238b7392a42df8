//! `/metrics` in Prometheus' text format: requests, callbacks by outcome, platform
//! calls, payments settled by this instance, and the payments still open (counted in the
//! database when scraped).

use crate::store::{CallbackOutcome, Payment, StatusCount};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the process started.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    callbacks: Mutex<BTreeMap<&'static str, u64>>,
    platform_calls: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    settled: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    csp_violations: AtomicU64,
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
        self.csp_violations.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition, with the `open` payments from the database.
    pub fn render(&self, open: &[StatusCount]) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "doku_http_requests_total",
            "counter",
            "HTTP requests by route and status.",
            snapshot(&self.requests)
                .into_iter()
                .map(|((route, status), n)| {
                    (
                        labels(&[("route", &route), ("status", &status.to_string())]),
                        n,
                    )
                }),
        );
        family(
            &mut out,
            "doku_callbacks_total",
            "counter",
            "Platform callbacks by outcome.",
            snapshot(&self.callbacks)
                .into_iter()
                .map(|(outcome, n)| (labels(&[("outcome", outcome)]), n)),
        );
        family(
            &mut out,
            "doku_platform_calls_total",
            "counter",
            "Calls to the platform by kind and result.",
            snapshot(&self.platform_calls)
                .into_iter()
                .map(|((call, result), n)| (labels(&[("call", call), ("result", result)]), n)),
        );
        family(
            &mut out,
            "doku_csp_violations_total",
            "counter",
            "Content-Security-Policy violations browsers reported.",
            [(String::new(), self.csp_violations.load(Ordering::Relaxed))],
        );
        family(
            &mut out,
            "doku_payments_settled_total",
            "counter",
            "Payments this instance moved to a final status, by kind and status.",
            snapshot(&self.settled)
                .into_iter()
                .map(|((kind, status), n)| (labels(&[("kind", kind), ("status", status)]), n)),
        );
        family(
            &mut out,
            "doku_open_payments",
            "gauge",
            "Payments not final yet, by kind and status.",
            open.iter().map(|count| {
                (
                    labels(&[("kind", &count.kind), ("status", &count.status)]),
                    count.count,
                )
            }),
        );
        out
    }
}

/// A copy of a counter map, taken under its lock.
fn snapshot<K: Clone>(map: &Mutex<BTreeMap<K, u64>>) -> Vec<(K, u64)> {
    let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    map.iter().map(|(key, n)| (key.clone(), *n)).collect()
}

/// Writes one metric family: its help and type (`counter` or `gauge`), then a sample
/// per label set.
fn family<V: std::fmt::Display>(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: impl IntoIterator<Item = (String, V)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// `{a="x",b="y"}`, every value escaped.
fn labels(pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{name}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", pairs.join(","))
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
        metrics.csp_violation();
        metrics.request("/odd\"route\n", 404);
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
        assert!(text.contains("doku_csp_violations_total 1\n"));
        assert!(
            text.contains(
                "doku_http_requests_total{route=\"/odd\\\"route\\n\",status=\"404\"} 1\n"
            ),
            "labels escaped: {text}"
        );
    }
}
