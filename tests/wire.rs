//! The contract read from the proxy's JSON as the browser parses it.
#![cfg(target_arch = "wasm32")]
// A panic in a test helper is a failed test, as in the tests themselves.
#![allow(clippy::unwrap_used)]

use doku_checkout::wire;
use doku_protocol::{BodyValue, CheckoutStatus, CreateSession, Currency, CustomerInput};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json(text: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(text).unwrap()
}

#[wasm_bindgen_test]
fn sessions_with_a_doku_redirect() {
    let view = wire::session_view(&json(
        r#"{"payment_id":"pay_x","status":"pending","final":false,"amount":15000000,"currency":"IDR",
            "redirect_data":{"method":"POST","url":"https://pay.doku.com/Suite/Receive",
              "body":{"MALLID":4038,"AMOUNT":"10000.00","NESTED":{"a":1},"LIST":[1],"FLAG":true,"NONE":null}}}"#,
    ))
    .unwrap();
    assert_eq!(
        (view.status, view.is_final, view.amount),
        (CheckoutStatus::Pending, false, 15_000_000)
    );
    assert_eq!(view.currency, Currency::IDR);
    let body = view.redirect_data.unwrap().body;
    let field = |name: &str| {
        body.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(field("MALLID"), BodyValue::Number("4038".into()));
    assert_eq!(field("AMOUNT"), BodyValue::Text("10000.00".into()));
    assert_eq!(field("NESTED"), BodyValue::Unsupported("object"));
    assert_eq!(field("LIST"), BodyValue::Unsupported("list"));
    assert_eq!(field("FLAG"), BodyValue::Unsupported("boolean"));
    assert_eq!(field("NONE"), BodyValue::Unsupported("null"));
}

#[wasm_bindgen_test]
fn final_sessions_orders_and_problems() {
    let view = wire::session_view(&json(
        r#"{"payment_id":"pay_x","status":"decline","final":true,"amount":40000,"currency":"IDR","code":"20101","message":"m"}"#,
    ))
    .unwrap();
    assert_eq!(
        (view.code.as_deref(), view.redirect_data),
        (Some("20101"), None)
    );
    let order = wire::order_view(&json(
        r#"{"order_id":"ord_1","amount":999,"currency":"USD","description":"Gift","paid":false}"#,
    ))
    .unwrap();
    assert_eq!(
        (order.amount, order.currency.as_str(), order.paid),
        (999, "USD", false)
    );
    let problem = wire::problem(&json(r#"{"title":"Not Found","status":404,"code":"order_not_found","detail":"d","field":"order_id"}"#)).unwrap();
    assert_eq!(
        (
            problem.status,
            problem.code.as_str(),
            problem.field.as_deref()
        ),
        (404, "order_not_found", Some("order_id"))
    );
}

#[wasm_bindgen_test]
fn what_breaks_the_contract_is_refused_by_field() {
    for (text, field) in [
        (
            r#"{"payment_id":"p","status":"paid","final":true,"amount":1,"currency":"IDR"}"#,
            "status",
        ),
        (
            r#"{"payment_id":"p","status":"success","final":"yes","amount":1,"currency":"IDR"}"#,
            "final",
        ),
        (
            r#"{"payment_id":"p","status":"success","final":true,"amount":1.5,"currency":"IDR"}"#,
            "amount",
        ),
        (
            r#"{"payment_id":"p","status":"success","final":true,"amount":-1,"currency":"IDR"}"#,
            "amount",
        ),
        (
            r#"{"payment_id":"p","status":"success","final":true,"amount":1,"currency":"rupiah"}"#,
            "currency",
        ),
        (
            r#"{"status":"success","final":true,"amount":1,"currency":"IDR"}"#,
            "payment_id",
        ),
        (r#"[]"#, "status"),
    ] {
        assert_eq!(
            wire::session_view(&json(text)),
            Err(wire::Malformed(field)),
            "{text}"
        );
    }
}

#[wasm_bindgen_test]
fn session_requests_are_plain_json() {
    let request = CreateSession {
        order_id: "ord_1".into(),
        customer: CustomerInput {
            first_name: "Zoë \"Z\"".into(),
            email: "z@example.com".into(),
        },
        locale: Some("id".into()),
        return_url: None,
    };
    assert_eq!(
        wire::create_session(&request),
        r#"{"order_id":"ord_1","customer":{"first_name":"Zoë \"Z\"","email":"z@example.com"},"locale":"id"}"#
    );
}
