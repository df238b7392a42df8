//! The widget mounted into a real page in headless Chromium.
#![cfg(target_arch = "wasm32")]
// A panic in a test helper is a failed test, as in the tests themselves.
#![allow(clippy::unwrap_used)]

use doku_checkout::{mount, mount_declared};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh host element in the page, with the given attributes.
fn host(attributes: &[(&str, &str)]) -> HtmlElement {
    let element: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    for (name, value) in attributes {
        element.set_attribute(name, value).unwrap();
    }
    document().body().unwrap().append_child(&element).unwrap();
    element
}

fn input(host: &HtmlElement, kind: &str) -> HtmlInputElement {
    host.query_selector(&format!("input[type={kind}]"))
        .unwrap()
        .expect("input rendered")
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn declared_element_gets_a_labelled_form_and_unmounts() {
    let element = host(&[
        ("data-doku-checkout", ""),
        ("data-proxy-url", "https://pay.example.com"),
        ("data-order-id", "ord_1"),
    ]);
    let mut widgets = mount_declared();
    leptos::task::tick().await;

    let form = element
        .query_selector("form.doku-form")
        .unwrap()
        .expect("form rendered");
    assert_eq!(
        form.get_attribute("data-order-id").as_deref(),
        Some("ord_1")
    );
    for kind in ["text", "email"] {
        let id = input(&element, kind).id();
        let label = element
            .query_selector(&format!("label[for='{id}']"))
            .unwrap();
        assert!(label.is_some(), "the {kind} input has a label");
    }
    assert!(element.class_list().contains("doku-checkout"));

    widgets.iter_mut().for_each(|w| w.unmount());
    assert!(element.query_selector("form").unwrap().is_none());
    element.remove();
}

#[wasm_bindgen_test]
async fn submit_shows_field_errors_linked_to_their_inputs() {
    let element = host(&[]);
    let config = js_sys::Object::new();
    js_sys::Reflect::set(
        &config,
        &"proxyUrl".into(),
        &"https://pay.example.com".into(),
    )
    .unwrap();
    js_sys::Reflect::set(&config, &"orderId".into(), &"ord_2".into()).unwrap();
    let _widget = mount(element.clone(), &config);
    leptos::task::tick().await;

    let email = input(&element, "email");
    email.set_value("not-an-email");
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let form: web_sys::HtmlFormElement = element
        .query_selector("form")
        .unwrap()
        .unwrap()
        .unchecked_into();
    form.request_submit().unwrap();
    leptos::task::tick().await;

    let name = input(&element, "text");
    assert_eq!(name.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    let described = email
        .get_attribute("aria-describedby")
        .expect("linked to its error");
    let message = document()
        .get_element_by_id(&described)
        .unwrap()
        .text_content()
        .unwrap();
    assert_eq!(message, "Email is not a valid email address");

    email.set_value("prasetyo@example.com");
    email
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    email
        .dispatch_event(&web_sys::Event::new("blur").unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert_eq!(
        email.get_attribute("aria-invalid").as_deref(),
        Some("false")
    );
    assert_eq!(email.get_attribute("aria-describedby"), None);
    element.remove();
}

#[wasm_bindgen_test]
async fn missing_configuration_is_reported_and_no_form_is_shown() {
    let element = host(&[("data-doku-checkout", ""), ("data-order-id", "ord_3")]);
    let _widgets = mount_declared();
    leptos::task::tick().await;

    assert!(element.query_selector("form").unwrap().is_none());
    let alert = element
        .query_selector("[role=alert]")
        .unwrap()
        .expect("an alert");
    assert!(alert.text_content().unwrap().contains("data-proxy-url"));
    element.remove();
}
