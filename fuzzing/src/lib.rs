//! What the fuzz targets run, one function per target. Each must hold for every input:
//! no panic, and the invariants it asserts. `cargo fuzz` (in `fuzz/`) runs them on
//! generated inputs; `tests/corpora.rs` replays the committed corpora in `make test`.

use doku_protocol::{
    Currency, Description, Email, FirstName, Kyc, OrderAmount, RedirectData, RedirectPolicy,
    UncheckedRedirect,
};
use ecommpay::callback::Callback;
use ecommpay::{Signer, string_to_sign, verify_callback};
use serde_json::Value;
use std::sync::OnceLock;

/// A fuzz target: runs one input, panicking if an invariant breaks.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus directory.
pub const TARGETS: [(&str, Target); 5] = [
    ("callback", callback),
    ("signature", signature),
    ("redirect", redirect),
    ("customer_fields", customer_fields),
    ("payment_page_params", payment_page_params),
];

/// A raw callback body: checked against its signature without panicking. Whatever the
/// signature, any JSON object reads as a callback (every field leniently: a fuzzer can
/// rarely sign, so the reader is exercised here directly), and what it reads writes out
/// and reads back the same.
pub fn callback(data: &[u8]) {
    let _ = verify_callback(data, &Signer::new("fuzz-secret"));
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if !value.is_object() {
        return;
    }
    let callback = Callback::from_value(value).expect("any JSON object reads as a callback");
    let _ = (callback.payment_id(), callback.project(), callback.status());
    let written = serde_json::to_value(&callback).expect("a callback writes out as JSON");
    let read_back = Callback::from_value(written).expect("a written callback reads back");
    assert_eq!(read_back, callback);
}

/// Any JSON value: flattened and signed without panicking; the signature verifies, and
/// the keys never signed (`signature`, `frame_mode`) change nothing when set on an object.
pub fn signature(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let signer = Signer::new(data.get(..8).unwrap_or(b"key"));
    let signature = signer.sign_value(&value);
    assert!(signer.verify_value(&value, &signature));
    if let Value::Object(object) = &value {
        let mut marked = object.clone();
        marked.insert("signature".into(), Value::String("anything".into()));
        marked.insert("frame_mode".into(), Value::from(data.len()));
        let marked = Value::Object(marked);
        assert_eq!(string_to_sign(&marked), string_to_sign(&value));
        assert_eq!(signer.sign_value(&marked), signature);
    }
}

/// A `redirect_data` as the widget receives it: validated without panicking; an
/// accepted one is GET or POST to https (or http to loopback), never to another scheme.
pub fn redirect(data: &[u8]) {
    let Ok(unchecked) = serde_json::from_slice::<UncheckedRedirect>(data) else {
        return;
    };
    let policies = [
        RedirectPolicy::default(),
        RedirectPolicy {
            allowed_hosts: vec!["pay.doku.com".into(), "127.0.0.1".into()],
        },
    ];
    for policy in policies {
        if let Ok(redirect) = RedirectData::validate(&unchecked, &policy) {
            let url = redirect.url().to_ascii_lowercase();
            assert!(
                url.starts_with("https://") || url.starts_with("http://"),
                "{url}"
            );
            if url.starts_with("http://") {
                let host = redirect.host();
                assert!(
                    host == "localhost" || host.starts_with("127.") || host == "[::1]",
                    "{host}"
                );
            }
            if !policy.allowed_hosts.is_empty() {
                assert!(policy.allowed_hosts.iter().any(|h| h == redirect.host()));
            }
            assert!(redirect.body().iter().all(|(name, _)| !name.is_empty()));
        }
    }
}

/// Text as a customer or merchant might type it: parsed without panicking; what is
/// accepted is stable (parsing it again gives it back) and carries no `;` or control
/// character, which the platform's signed values may not.
pub fn customer_fields(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let clean = |s: &str| !s.contains(';') && !s.chars().any(char::is_control);
    if let Ok(name) = FirstName::parse(&text) {
        assert!(clean(name.as_str()));
        assert_eq!(FirstName::parse(name.as_str()).as_ref(), Ok(&name));
    }
    if let Ok(email) = Email::parse(&text) {
        assert!(clean(email.as_str()));
        assert_eq!(Email::parse(email.as_str()).as_ref(), Ok(&email));
    }
    if let Ok(description) = Description::parse(&text) {
        assert!(clean(description.as_str()));
        assert_eq!(
            Description::parse(description.as_str()).as_ref(),
            Ok(&description)
        );
    }
    let _ = Currency::parse(&text);
    if let Ok(minor) = text.trim().parse::<i128>() {
        for currency in ["IDR", "USD"] {
            for kyc in [Kyc::Before, Kyc::After] {
                if let Ok(amount) = OrderAmount::parse(minor, currency, kyc) {
                    assert_eq!(i128::from(amount.minor), minor);
                    if currency == "IDR" {
                        assert_eq!(amount.minor % 100, 0, "whole rupiah");
                    }
                }
            }
        }
    }
}

/// Raw Payment Page parameters (a query string or form body), checked as the sandbox
/// checks them, without panicking.
pub fn payment_page_params(data: &[u8]) {
    static SANDBOX: OnceLock<ecommpay_sandbox::Sandbox> = OnceLock::new();
    let sandbox = SANDBOX.get_or_init(|| {
        ecommpay_sandbox::Sandbox::new(ecommpay_sandbox::Config::default())
            .expect("the demo configuration")
    });
    let _ = ecommpay_sandbox::check_payment_page_request(sandbox, data);
}
