//! The platform's published signature vectors (from its official SDKs' test suites,
//! plus DOKU-shaped cases): every one must pass.

use ecommpay::{Signer, callback::signature_of, string_to_sign, verify_callback};
use serde_json::Value;

fn cases(kind: &str) -> Vec<Value> {
    let text = include_str!("data/signature-vectors.json");
    let all: Value = serde_json::from_str(text).expect("the vectors file is JSON");
    let cases: Vec<Value> = all["cases"]
        .as_array()
        .expect("a list of cases")
        .iter()
        .filter(|case| case["kind"] == kind)
        .cloned()
        .collect();
    assert!(!cases.is_empty(), "no {kind} cases");
    cases
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field]
        .as_str()
        .unwrap_or_else(|| panic!("case {} lacks {field}", case["name"]))
}

#[test]
fn sign_cases_give_the_published_string_and_signature() {
    let cases = cases("sign");
    for case in &cases {
        let name = text(case, "name");
        let signer = Signer::new(text(case, "secret"));
        assert_eq!(
            string_to_sign(&case["params"]),
            text(case, "string_to_sign"),
            "{name}"
        );
        assert_eq!(
            signer.sign_value(&case["params"]),
            text(case, "signature"),
            "{name}"
        );
    }
    println!("{} sign vectors passed", cases.len());
}

#[test]
fn callback_cases_verify_exactly_when_published_valid() {
    let cases = cases("callback");
    for case in &cases {
        let name = text(case, "name");
        let signer = Signer::new(text(case, "secret"));
        let body = text(case, "body");
        let value: Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            string_to_sign(&value),
            text(case, "string_to_sign"),
            "{name}"
        );
        let valid = case["valid"].as_bool().expect("valid is a boolean");
        assert_eq!(
            verify_callback(body.as_bytes(), &signer).is_ok(),
            valid,
            "{name}"
        );
        // And the signature it carries is exactly the one we would compute (or not).
        let carried = signature_of(&value).unwrap();
        assert_eq!(signer.sign_value(&value) == carried, valid, "{name}");
    }
    println!("{} callback vectors passed", cases.len());
}
