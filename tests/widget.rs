//! The widget in headless Chromium: mounting, the form and its validation in both
//! languages, Safari's warning, one session per attempt, redirect validation and the
//! form it builds, the return flow, results, the back-forward cache and events.
//!
//! The proxy is replaced by `StubBackend`, a stand-in for the widget's own `Backend`
//! type that gives canned answers and logs what it was asked (the real proxy takes part
//! in the end-to-end tests). `RecordingNavigator` keeps the form the widget would
//! submit instead of leaving the test page.
#![cfg(target_arch = "wasm32")]
// A panic in a test helper is a failed test, as in the tests themselves.
#![allow(clippy::unwrap_used)]

use doku_checkout::checkout::Services;
use doku_checkout::client::{Backend, ClientError, HttpBackend, LocalFuture};
use doku_checkout::config::WidgetConfig;
use doku_checkout::redirect::Navigator;
use doku_checkout::return_flow::Timing;
use doku_checkout::storage;
use doku_checkout::{Widget, mount, mount_checkout};
use doku_protocol::api::form_fields;
use doku_protocol::{
    BodyValue, CheckoutStatus, CreateSession, Currency, OrderView, ProblemDocument, SessionView,
    UncheckedRedirect,
};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, HtmlFormElement, HtmlInputElement, ShadowRoot};

wasm_bindgen_test_configure!(run_in_browser);

const CHROME: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const SAFARI_IOS: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

/// Canned proxy answers, and a log of what was asked.
#[derive(Default)]
struct StubBackend {
    order: RefCell<Option<Result<OrderView, ClientError>>>,
    /// Answers to `open_session`, in order; the last one repeats.
    opened: RefCell<Vec<Result<SessionView, ClientError>>>,
    /// Answers to `session`, in order; the last one repeats.
    statuses: RefCell<Vec<Result<SessionView, ClientError>>>,
    /// `("order", id)`, `("open", idempotency key)`, `("session", payment id)`.
    log: RefCell<Vec<(&'static str, String)>>,
    /// The last session request.
    last_request: RefCell<Option<CreateSession>>,
}

fn next<T: Clone>(answers: &RefCell<Vec<T>>) -> T {
    let mut answers = answers.borrow_mut();
    if answers.len() > 1 {
        answers.remove(0)
    } else {
        answers[0].clone()
    }
}

impl Backend for StubBackend {
    fn order(&self, order_id: &str) -> LocalFuture<'static, Result<OrderView, ClientError>> {
        self.log.borrow_mut().push(("order", order_id.to_string()));
        let answer = self.order.borrow().clone().unwrap();
        Box::pin(async move { answer })
    }
    fn open_session(
        &self,
        request: &CreateSession,
        key: &str,
    ) -> LocalFuture<'static, Result<SessionView, ClientError>> {
        self.log.borrow_mut().push(("open", key.to_string()));
        *self.last_request.borrow_mut() = Some(request.clone());
        let answer = next(&self.opened);
        Box::pin(async move { answer })
    }
    fn session(&self, payment_id: &str) -> LocalFuture<'static, Result<SessionView, ClientError>> {
        self.log
            .borrow_mut()
            .push(("session", payment_id.to_string()));
        let answer = next(&self.statuses);
        Box::pin(async move { answer })
    }
}

impl StubBackend {
    fn calls(&self, kind: &str) -> Vec<String> {
        self.log
            .borrow()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[derive(Default)]
struct RecordingNavigator {
    forms: RefCell<Vec<HtmlFormElement>>,
}

impl Navigator for RecordingNavigator {
    fn navigate(&self, form: HtmlFormElement) {
        self.forms.borrow_mut().push(form);
    }
}

fn order(amount: u64, currency: &str) -> OrderView {
    OrderView {
        order_id: "ord_test".into(),
        amount,
        currency: Currency::parse(currency).unwrap(),
        description: "Kopi Toraja, 250 g".into(),
        paid: false,
    }
}

fn session(status: CheckoutStatus, redirect: Option<UncheckedRedirect>) -> SessionView {
    SessionView {
        payment_id: "pay_abc234".into(),
        status,
        is_final: status.is_final(),
        amount: 15_000_000,
        currency: Currency::IDR,
        code: None,
        message: None,
        redirect_data: redirect,
    }
}

fn declined(code: &str) -> SessionView {
    SessionView {
        code: Some(code.into()),
        message: Some("Decline due to amount or frequency limit".into()),
        ..session(CheckoutStatus::Decline, None)
    }
}

fn get_redirect(url: &str) -> UncheckedRedirect {
    UncheckedRedirect {
        method: "GET".into(),
        url: url.into(),
        body: Vec::new(),
    }
}

fn problem(status: u16, code: &str) -> ClientError {
    ClientError::Problem(ProblemDocument {
        kind: "about:blank".into(),
        title: "x".into(),
        status,
        code: code.into(),
        detail: format!("{code} detail"),
        field: None,
    })
}

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// An event the host page saw: its type and detail fields.
type SeenEvent = (String, HashMap<String, String>);

/// One mounted widget under test.
struct Fixture {
    host: HtmlElement,
    backend: Rc<StubBackend>,
    navigator: Rc<RecordingNavigator>,
    events: Rc<RefCell<Vec<SeenEvent>>>,
    _listeners: Vec<Closure<dyn Fn(web_sys::CustomEvent)>>,
    widget: Option<Widget>,
}

const EVENTS: [&str; 7] = [
    "doku:ready",
    "doku:submit",
    "doku:redirect",
    "doku:success",
    "doku:decline",
    "doku:pending",
    "doku:error",
];

impl Fixture {
    /// A widget with `settings` (camelCase keys) over `backend`, seen by `user_agent`, in
    /// a clean tab (see [`reset_page`]).
    fn mount(settings: &[(&str, &str)], backend: StubBackend, user_agent: &str) -> Fixture {
        reset_page();
        Fixture::mount_here(settings, backend, user_agent)
    }

    /// Like [`Fixture::mount`], in the tab as the test left it (stored payment, URL).
    fn mount_here(settings: &[(&str, &str)], backend: StubBackend, user_agent: &str) -> Fixture {
        let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&host).unwrap();
        let events = Rc::new(RefCell::new(Vec::new()));
        // Listen on the document: the events must bubble out of the widget.
        let listeners = EVENTS
            .iter()
            .map(|name| {
                let events = events.clone();
                let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(
                    move |event: web_sys::CustomEvent| {
                        let detail = event.detail();
                        let fields = ["payment_id", "status", "code", "message"]
                            .iter()
                            .filter_map(|key| {
                                js_sys::Reflect::get(&detail, &(*key).into())
                                    .ok()?
                                    .as_string()
                                    .map(|v| (key.to_string(), v))
                            })
                            .collect();
                        events.borrow_mut().push((event.type_(), fields));
                    },
                );
                document()
                    .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                    .unwrap();
                listener
            })
            .collect();
        let mut map: HashMap<String, String> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("proxyUrl".into())
            .or_insert("https://pay.example.com".into());
        map.entry("orderId".into()).or_insert("ord_test".into());
        let settings = js_sys::Object::new();
        for (key, value) in &map {
            js_sys::Reflect::set(&settings, &key.into(), &value.into()).unwrap();
        }
        let config = WidgetConfig::from_js(&settings).unwrap();
        let backend = Rc::new(backend);
        let navigator = Rc::new(RecordingNavigator::default());
        let services = Services {
            backend: backend.clone(),
            navigator: navigator.clone(),
            timing: Timing {
                first_poll_ms: 5,
                max_poll_ms: 20,
                status_deadline_ms: 300,
                redirect_deadline_ms: 300,
                request_timeout_ms: 1000,
            },
            user_agent: user_agent.into(),
            touch_points: 0,
            languages: vec!["en-US".into()],
        };
        let widget = mount_checkout(host.clone(), config, services);
        Fixture {
            host,
            backend,
            navigator,
            events,
            _listeners: listeners,
            widget: Some(widget),
        }
    }

    fn root(&self) -> ShadowRoot {
        self.host
            .shadow_root()
            .expect("the widget renders in a shadow root")
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root().query_selector(selector).unwrap()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .unwrap_or_else(|| panic!("{selector} rendered"))
            .text_content()
            .unwrap_or_default()
    }

    fn input(&self, kind: &str) -> HtmlInputElement {
        self.find(&format!("input[type={kind}]"))
            .expect("input rendered")
            .unchecked_into()
    }

    fn type_in(&self, kind: &str, value: &str) {
        let input = self.input(kind);
        input.set_value(value);
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }

    fn blur(&self, kind: &str) {
        self.input(kind)
            .dispatch_event(&web_sys::Event::new("blur").unwrap())
            .unwrap();
    }

    fn submit(&self) {
        let form: HtmlFormElement = self.find("form").expect("form rendered").unchecked_into();
        form.request_submit().unwrap();
    }

    fn click(&self, selector: &str) {
        let button: HtmlElement = self
            .find(selector)
            .expect("button rendered")
            .unchecked_into();
        button.click();
    }

    fn event_names(&self) -> Vec<String> {
        self.events
            .borrow()
            .iter()
            .map(|(name, _)| name.clone())
            .collect()
    }

    fn event(&self, name: &str) -> HashMap<String, String> {
        self.events
            .borrow()
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.event_names()))
    }

    /// Waits (up to 2 s) until `condition` holds.
    async fn until(&self, what: &str, condition: impl Fn(&Fixture) -> bool) {
        for _ in 0..200 {
            if condition(self) {
                return;
            }
            sleep(10).await;
        }
        panic!(
            "gave up waiting for {what}; widget shows: {}",
            self.root().text_content().unwrap_or_default()
        );
    }

    /// A widget with Budi's details prefilled (in `locale`, if given), ready to pay.
    async fn paying(locale: Option<&str>, backend: StubBackend, user_agent: &str) -> Fixture {
        let mut settings = vec![("firstName", "Budi"), ("email", "budi@example.com")];
        if let Some(locale) = locale {
            settings.push(("locale", locale));
        }
        let fixture = Fixture::mount(&settings, backend, user_agent);
        fixture.ready().await;
        fixture
    }

    /// Waits for the one navigation the widget makes.
    async fn until_redirect(&self) {
        self.until("the redirect", |f| f.navigator.forms.borrow().len() == 1)
            .await;
    }

    /// Waits until the form is back with an error line (Pay enabled again); its text.
    async fn until_form_error(&self, what: &str) -> String {
        self.until(what, |f| {
            !f.find(".doku-pay").unwrap().has_attribute("disabled")
                && !f.text(".doku-form-error").is_empty()
        })
        .await;
        self.text(".doku-form-error")
    }

    /// Unmounts the widget, before the fixture goes.
    fn unmount(&mut self) {
        if let Some(mut widget) = self.widget.take() {
            widget.unmount();
        }
    }

    async fn ready(&self) {
        self.until("the form", |f| {
            f.find("form.doku-form:not([hidden])").is_some()
        })
        .await;
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.unmount();
        for (name, listener) in EVENTS.iter().zip(&self._listeners) {
            document()
                .remove_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
                .ok();
        }
        self.host.remove();
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// A clean tab: no stored attempt or pending payment (neither in storage nor in the
/// widget's in-memory copy, which outlives a test when storage refused a write), no
/// query string.
fn reset_page() {
    storage::end_attempt("ord_test");
    storage::clear_pending_payment("ord_test");
    session_storage().clear().unwrap();
    set_search("");
}

fn session_storage() -> web_sys::Storage {
    web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
}

/// What the widget stored for the test order under `what` (`key` or `pending`).
fn stored(what: &str) -> Option<String> {
    session_storage()
        .get_item(&format!("doku-checkout:ord_test:{what}"))
        .unwrap()
}

/// Stores `value` for the test order under `what`, as an earlier visit would have.
fn store(what: &str, value: &str) {
    session_storage()
        .set_item(&format!("doku-checkout:ord_test:{what}"), value)
        .unwrap();
}

fn set_search(search: &str) {
    let window = web_sys::window().unwrap();
    let path = window.location().pathname().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        )
        .unwrap();
}

/// A proxy stub for an IDR order whose session redirects with GET to `url`.
fn redirecting(url: &str) -> StubBackend {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![Ok(session(
        CheckoutStatus::Pending,
        Some(get_redirect(url)),
    ))];
    backend
}

fn stub(order_answer: OrderView) -> StubBackend {
    let backend = StubBackend::default();
    *backend.order.borrow_mut() = Some(Ok(order_answer));
    backend
}

#[wasm_bindgen_test]
async fn the_summary_and_form_render_in_a_shadow_root_in_indonesian() {
    let fixture = Fixture::mount(&[("locale", "id")], stub(order(15_000_000, "IDR")), CHROME);
    fixture.ready().await;
    assert_eq!(fixture.text(".doku-amount"), "Rp 150.000");
    assert_eq!(fixture.text(".doku-description"), "Kopi Toraja, 250 g");
    assert_eq!(
        fixture.text(".doku-pay"),
        "Bayar Rp 150.000 dengan DOKU Wallet"
    );
    // Each input has a label, and the name of the hosted page's field for it (which
    // browsers' autofill may go by).
    for (kind, name) in [
        ("text", form_fields::FIRST_NAME),
        ("email", form_fields::EMAIL),
    ] {
        let input = fixture.input(kind);
        assert!(
            fixture
                .find(&format!("label[for='{}']", input.id()))
                .is_some(),
            "the {kind} input has a label"
        );
        assert_eq!(input.name(), name, "the {kind} input's name");
    }
    assert_eq!(fixture.text("label[for$='-name']"), "Nama depan");
    // Every fixed text is in the customer's language, in its place (also the hidden ones).
    for (selector, expected) in [
        ("section > p:nth-child(2)", "Memuat pesanan Anda…"),
        ("[part=summary] > p:first-child", "Total"),
        (
            "[part=summary] > p:last-child",
            "DOKU menagih dalam rupiah: jumlah ini dikonversi ke IDR dan dibulatkan ke 1.000,00 IDR.",
        ),
        ("section > div:not([part]) > button", "Coba lagi"),
        (
            "form > [role=note] > p:first-child",
            "Membayar dari Safari?",
        ),
        ("label[for$='-email']", "Email"),
        ("[part=result] > p:nth-of-type(2)", "ID pembayaran "),
    ] {
        assert_eq!(fixture.text(selector), expected, "{selector}");
    }
    assert!(
        fixture
            .text("form > [role=note] > p:last-child")
            .starts_with("Safari mungkin tidak membuka"),
        "the Safari warning's body"
    );
    assert_eq!(
        fixture
            .find("section.doku")
            .unwrap()
            .get_attribute("aria-label")
            .as_deref(),
        Some("Bayar dengan DOKU Wallet")
    );
    assert_eq!(
        fixture
            .find("section.doku")
            .unwrap()
            .get_attribute("lang")
            .as_deref(),
        Some("id")
    );
    assert!(
        fixture.find(".doku-warning:not([hidden])").is_none(),
        "no Safari warning in Chrome"
    );
    assert_eq!(fixture.event_names(), ["doku:ready"]);
    let marks = web_sys::window()
        .unwrap()
        .performance()
        .unwrap()
        .get_entries_by_name("doku:interactive");
    assert!(marks.length() > 0, "the form marks when it is interactive");
    assert_eq!(fixture.backend.calls("order"), ["ord_test"]);
}

#[wasm_bindgen_test]
async fn the_order_is_asked_for_while_the_widget_mounts() {
    // Mounting is synchronous: the order's request must already be out when it returns,
    // so it travels while the first view renders rather than after.
    let fixture = Fixture::mount(&[("locale", "en")], stub(order(15_000_000, "IDR")), CHROME);
    assert_eq!(fixture.backend.calls("order"), ["ord_test"]);
    fixture.ready().await;
    assert_eq!(fixture.backend.calls("order"), ["ord_test"]);
}

#[wasm_bindgen_test]
async fn the_form_is_on_screen_when_it_is_marked_and_announced() {
    let performance = web_sys::window().unwrap().performance().unwrap();
    performance.clear_marks_with_mark_name("doku:interactive");
    let fixture = Fixture::mount(&[("locale", "en")], stub(order(15_000_000, "IDR")), CHROME);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (record, root) = (seen.clone(), fixture.root());
    let listener = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |_| {
        let shown = root
            .query_selector("form.doku-form:not([hidden]) button.doku-pay")
            .unwrap()
            .is_some_and(|pay| !pay.text_content().unwrap_or_default().is_empty());
        let marks = performance.get_entries_by_name("doku:interactive").length();
        record.borrow_mut().push((shown, marks));
    });
    fixture
        .host
        .add_event_listener_with_callback("doku:ready", listener.as_ref().unchecked_ref())
        .unwrap();
    fixture.ready().await;
    sleep(20).await;
    assert_eq!(
        *seen.borrow(),
        [(true, 1)],
        "once, with the form and its Pay button shown"
    );
}

#[wasm_bindgen_test]
async fn a_page_that_holds_the_order_hands_it_over_and_nothing_is_asked() {
    let handed = r#"{"order_id":"ord_test","amount":15000000,"currency":"IDR",
        "description":"Kopi <b>Toraja</b>","paid":false}"#;
    let fixture = Fixture::mount(
        &[("locale", "en"), ("order", handed)],
        stub(order(1, "USD")),
        CHROME,
    );
    fixture.ready().await;
    assert_eq!(fixture.text(".doku-amount"), "IDR 150,000");
    assert_eq!(fixture.text(".doku-description"), "Kopi <b>Toraja</b>");
    assert!(
        fixture.find(".doku-description b").is_none(),
        "shown as text"
    );
    assert!(fixture.backend.calls("order").is_empty());
    assert_eq!(fixture.event_names(), ["doku:ready"]);

    drop(fixture);

    let paid = handed.replace(r#""paid":false"#, r#""paid":true"#);
    let settings = [("locale", "en"), ("order", paid.as_str())];
    let fixture = Fixture::mount(&settings, stub(order(1, "USD")), CHROME);
    fixture
        .until("the notice", |f| {
            f.find(".doku-notice:not([hidden])").is_some()
        })
        .await;
    assert_eq!(
        fixture.text(".doku-notice p"),
        "This order is already paid."
    );
    assert!(fixture.find("form:not([hidden])").is_none());
    assert!(fixture.backend.calls("order").is_empty());
}

#[wasm_bindgen_test]
fn mount_takes_the_order_as_json_or_as_its_object() {
    let good = r#"{"order_id":"ord_1","amount":15000000,"currency":"IDR","description":"Kopi","paid":false}"#;
    let config = |order: JsValue| {
        let settings = js_sys::Object::new();
        for (key, value) in [("proxyUrl", "/"), ("orderId", "ord_1")] {
            js_sys::Reflect::set(&settings, &key.into(), &value.into()).unwrap();
        }
        js_sys::Reflect::set(&settings, &"order".into(), &order).unwrap();
        WidgetConfig::from_js(&settings)
    };
    let object = js_sys::JSON::parse(good).unwrap();
    for given in [JsValue::from_str(good), object.clone()] {
        let order = config(given).unwrap().order.expect("the order");
        assert_eq!(
            (order.order_id.as_str(), order.amount),
            ("ord_1", 15_000_000)
        );
        assert_eq!(order.description, "Kopi");
    }
    for absent in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_str(" ")] {
        assert_eq!(config(absent).unwrap().order, None);
    }
    let other = js_sys::Object::new();
    js_sys::Reflect::set(&other, &"order_id".into(), &"ord_2".into()).unwrap();
    for wrong in [JsValue::from_f64(5.0), JsValue::TRUE, other.into()] {
        let error = config(wrong).unwrap_err();
        assert!(error.to_string().contains("data-order"), "{error}");
    }
    js_sys::Reflect::set(&object, &"paid".into(), &"no".into()).unwrap();
    assert!(config(object).is_err(), "checked like a string's");
}

#[wasm_bindgen_test]
async fn an_order_handed_over_must_be_the_configured_one_as_the_proxy_answers_it() {
    let good = r#"{"order_id":"ord_1","amount":15000000,"currency":"IDR","description":"Kopi","paid":false}"#;
    let bad = [
        "not json".to_string(),
        good.replace("ord_1", "ord_2"),
        good.replace(r#""amount":15000000"#, r#""amount":"15000000""#),
        good.replace(r#","paid":false"#, ""),
        good.replace("IDR", "rupiah"),
    ];
    for json in bad {
        let settings = js_sys::Object::new();
        for (key, value) in [("proxyUrl", "/"), ("orderId", "ord_1"), ("order", &json)] {
            js_sys::Reflect::set(&settings, &key.into(), &value.into()).unwrap();
        }
        let error = WidgetConfig::from_js(&settings).unwrap_err();
        assert!(error.to_string().contains("data-order"), "{json}: {error}");

        reset_page();
        let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
        document().body().unwrap().append_child(&host).unwrap();
        let mut widget = mount(host.clone(), &settings);
        leptos::task::tick().await;
        let root = host.shadow_root().unwrap();
        let alert = root
            .query_selector("[role=alert]")
            .unwrap()
            .expect("an alert");
        assert!(
            alert.text_content().unwrap().contains("data-order"),
            "{json}"
        );
        assert!(root.query_selector("form").unwrap().is_none(), "{json}");
        widget.unmount();
        host.remove();
    }
}

#[wasm_bindgen_test]
async fn the_http_client_sends_before_its_answer_is_awaited() {
    let window = web_sys::window().unwrap();
    let origin = window.location().origin().unwrap();
    let backend = HttpBackend::new(&origin, 5_000);
    let path = "/api/checkout/orders/sent-at-once";
    // The future is dropped unpolled: only a request sent by the call itself is seen.
    drop(backend.order("sent-at-once"));
    let performance = window.performance().unwrap();
    for _ in 0..200 {
        let seen = performance
            .get_entries_by_type("resource")
            .iter()
            .filter_map(|entry| entry.dyn_into::<web_sys::PerformanceEntry>().ok())
            .any(|entry| entry.name().ends_with(path));
        if seen {
            return;
        }
        sleep(10).await;
    }
    panic!("the order's request was never sent");
}

#[wasm_bindgen_test]
async fn english_formats_rupiah_and_other_currencies_get_the_conversion_note() {
    let fixture = Fixture::mount(&[("locale", "en")], stub(order(15_000_000, "IDR")), CHROME);
    fixture.ready().await;
    assert_eq!(fixture.text(".doku-amount"), "IDR 150,000");
    assert_eq!(
        fixture.text(".doku-pay"),
        "Pay IDR 150,000 with DOKU Wallet"
    );
    let note = ".doku-summary .doku-muted:not([hidden])";
    assert!(
        fixture.find(note).is_none(),
        "no conversion note for rupiah"
    );
    drop(fixture);

    let fixture = Fixture::mount(&[("locale", "en")], stub(order(999, "USD")), CHROME);
    fixture.ready().await;
    assert_eq!(fixture.text(".doku-amount"), "USD 9.99");
    let note = fixture.text(".doku-summary .doku-muted:not([hidden])");
    assert!(
        note.contains("converted to IDR and rounded to 1,000.00 IDR"),
        "{note}"
    );
}

#[wasm_bindgen_test]
async fn submit_shows_translated_errors_next_to_the_fields_and_focuses_the_first() {
    for (locale, name_message, email_message) in [
        (
            "en",
            "Enter your first name",
            "Enter an email address like name@example.com",
        ),
        (
            "id",
            "Masukkan nama depan Anda",
            "Masukkan alamat email seperti nama@contoh.com",
        ),
    ] {
        let fixture = Fixture::mount(
            &[("locale", locale)],
            stub(order(15_000_000, "IDR")),
            CHROME,
        );
        fixture.ready().await;
        fixture.type_in("email", "not-an-email");
        fixture.submit();
        leptos::task::tick().await;

        for (kind, message) in [("text", name_message), ("email", email_message)] {
            let input = fixture.input(kind);
            assert_eq!(
                input.get_attribute("aria-invalid").as_deref(),
                Some("true"),
                "{locale} {kind}"
            );
            let described = input
                .get_attribute("aria-describedby")
                .expect("linked to its error");
            let error = fixture
                .root()
                .get_element_by_id(&described)
                .expect("the error element");
            assert_eq!(error.text_content().unwrap(), message);
        }
        let focused = fixture.root().active_element().expect("focus moved");
        assert_eq!(
            focused.id(),
            fixture.input("text").id(),
            "focus on the first invalid field"
        );
        assert!(fixture.backend.calls("open").is_empty(), "nothing sent");
        assert!(!fixture.event_names().contains(&"doku:submit".to_string()));
    }
}

#[wasm_bindgen_test]
async fn fields_are_checked_on_blur_and_errors_clear_when_fixed() {
    let fixture = Fixture::mount(&[("locale", "en")], stub(order(15_000_000, "IDR")), CHROME);
    fixture.ready().await;
    fixture.blur("text");
    leptos::task::tick().await;
    assert_eq!(
        fixture
            .input("text")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false"),
        "an untouched empty field is not an error yet"
    );

    fixture.type_in("text", "Ann<b>");
    fixture.blur("text");
    leptos::task::tick().await;
    assert_eq!(
        fixture
            .input("text")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(fixture.text(".doku-field-error").contains("letters"));
    fixture.type_in("text", "Ann");
    leptos::task::tick().await;
    assert_eq!(
        fixture
            .input("text")
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("false")
    );
    assert_eq!(
        fixture.input("text").get_attribute("aria-describedby"),
        None
    );
}

#[wasm_bindgen_test]
async fn the_host_can_prefill_the_customer() {
    let fixture = Fixture::mount(
        &[("firstName", "Budi"), ("email", "budi@example.com")],
        stub(order(15_000_000, "IDR")),
        CHROME,
    );
    fixture.ready().await;
    assert_eq!(fixture.input("text").value(), "Budi");
    assert_eq!(fixture.input("email").value(), "budi@example.com");
}

#[wasm_bindgen_test]
async fn safari_users_are_warned_but_may_continue() {
    let backend = redirecting("https://paymentpage.ecommpay.com/payment?a=1");
    let fixture = Fixture::paying(Some("en"), backend, SAFARI_IOS).await;
    let warning = fixture.text(".doku-warning:not([hidden])");
    assert!(
        warning.contains("Safari may not open the DOKU Wallet page"),
        "{warning}"
    );
    assert!(warning.contains("You can still continue here"));
    fixture.submit();
    fixture.until_redirect().await;
}

#[wasm_bindgen_test]
async fn one_attempt_opens_one_session_whatever_the_clicks() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![
        Err(ClientError::Network),
        Ok(session(
            CheckoutStatus::Pending,
            Some(get_redirect("https://paymentpage.ecommpay.com/payment?p=1")),
        )),
    ];
    let fixture = Fixture::paying(Some("id"), backend, CHROME).await;

    // Double click and Enter: one request.
    fixture.submit();
    fixture.submit();
    fixture.submit();
    let error = fixture.until_form_error("the network error").await;
    assert!(error.contains("Tidak dapat menghubungi"), "{error}");
    assert_eq!(fixture.backend.calls("open").len(), 1);
    assert!(
        !fixture.find(".doku-pay").unwrap().has_attribute("disabled"),
        "the customer may retry"
    );
    assert_eq!(
        fixture.text("p[role=status]"),
        "",
        "the error line (role=alert) speaks; the live region does not repeat it"
    );
    assert_eq!(
        fixture.event("doku:error").get("code").map(String::as_str),
        Some("network")
    );

    // The retry reuses the attempt's key, as a reload would (it lives in sessionStorage).
    fixture.submit();
    fixture.until_redirect().await;
    let keys = fixture.backend.calls("open");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    assert_eq!(stored("key").as_deref(), Some(keys[0].as_str()));
    let request = fixture.backend.last_request.borrow().clone().unwrap();
    assert_eq!(
        (
            request.customer.first_name.as_str(),
            request.locale.as_deref()
        ),
        ("Budi", Some("id"))
    );
}

/// Makes `sessionStorage` refuse writes (as some private modes do) until dropped.
struct FullStorage {
    set_item: wasm_bindgen::JsValue,
}

fn storage_prototype() -> wasm_bindgen::JsValue {
    js_sys::Reflect::get(&web_sys::window().unwrap(), &"Storage".into())
        .and_then(|storage| js_sys::Reflect::get(&storage, &"prototype".into()))
        .unwrap()
}

impl FullStorage {
    fn new() -> FullStorage {
        let prototype = storage_prototype();
        let set_item = js_sys::Reflect::get(&prototype, &"setItem".into()).unwrap();
        let refuse = js_sys::Function::new_no_args(
            "throw new DOMException('storage is full', 'QuotaExceededError');",
        );
        js_sys::Reflect::set(&prototype, &"setItem".into(), &refuse).unwrap();
        FullStorage { set_item }
    }
}

impl Drop for FullStorage {
    fn drop(&mut self) {
        js_sys::Reflect::set(&storage_prototype(), &"setItem".into(), &self.set_item).unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_storage_that_refuses_writes_still_keeps_one_key_per_attempt() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![
        Err(ClientError::Network),
        Ok(session(
            CheckoutStatus::Pending,
            Some(get_redirect("https://paymentpage.ecommpay.com/payment?p=1")),
        )),
    ];
    reset_page();
    let full = FullStorage::new();
    let fixture = Fixture::mount_here(
        &[("firstName", "Budi"), ("email", "budi@example.com")],
        backend,
        CHROME,
    );
    fixture.ready().await;
    fixture.submit();
    fixture.until_form_error("the network error").await;
    fixture.submit();
    fixture.until_redirect().await;
    drop(full);
    let keys = fixture.backend.calls("open");
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "the retry reuses the key kept in memory");
    assert_eq!(stored("key"), None, "storage refused it");
    drop(fixture);
    reset_page();
    assert_ne!(
        storage::attempt_key("ord_test"),
        keys[0],
        "a clean tab for the next test forgets the key kept in memory"
    );
    reset_page();
}

#[wasm_bindgen_test]
async fn a_get_redirect_keeps_its_query_and_records_the_pending_payment() {
    let url = "https://paymentpage.ecommpay.com/payment?project_id=1&payment_id=pay_abc234&signature=a%2Bb%3D%3D";
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![Ok(session(
        CheckoutStatus::Pending,
        Some(get_redirect(url)),
    ))];
    let fixture = Fixture::paying(None, backend, CHROME).await;
    fixture.submit();
    fixture.until_redirect().await;

    let form = fixture.navigator.forms.borrow()[0].clone();
    assert_eq!(form.method(), "get");
    assert_eq!(form.action(), "https://paymentpage.ecommpay.com/payment");
    assert!(form.hidden());
    let inputs = form.query_selector_all("input").unwrap();
    let fields: Vec<(String, String, String)> = (0..inputs.length())
        .map(|i| {
            let input: HtmlInputElement = inputs.item(i).unwrap().unchecked_into();
            (input.type_(), input.name(), input.value())
        })
        .collect();
    let hidden =
        |name: &str, value: &str| ("hidden".to_string(), name.to_string(), value.to_string());
    assert_eq!(
        fields,
        [
            hidden("project_id", "1"),
            hidden("payment_id", "pay_abc234"),
            hidden("signature", "a+b==")
        ]
    );

    let redirect = fixture.event("doku:redirect");
    assert_eq!(
        redirect.get("payment_id").map(String::as_str),
        Some("pay_abc234")
    );
    assert_eq!(stored("pending").as_deref(), Some("pay_abc234"));
    assert_eq!(
        fixture.event_names(),
        ["doku:ready", "doku:submit", "doku:redirect"]
    );
}

#[wasm_bindgen_test]
async fn gate_waits_for_the_post_redirect_and_submits_doku_fields() {
    let body = vec![
        ("MALLID".to_string(), BodyValue::Number("4038".into())),
        ("WORDS".to_string(), BodyValue::Text("2e2d93c4".into())),
    ];
    let redirect = UncheckedRedirect {
        method: "POST".into(),
        url: "https://pay.doku.com/Suite/Receive".into(),
        body,
    };
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![Ok(session(CheckoutStatus::AwaitingRedirect, None))];
    *backend.statuses.borrow_mut() = vec![
        Ok(session(CheckoutStatus::AwaitingRedirect, None)),
        Ok(session(CheckoutStatus::Pending, Some(redirect))),
    ];
    let fixture = Fixture::paying(Some("en"), backend, CHROME).await;
    fixture.submit();
    fixture.until_redirect().await;
    let form = fixture.navigator.forms.borrow()[0].clone();
    assert_eq!(
        (form.method().as_str(), form.action().as_str()),
        ("post", "https://pay.doku.com/Suite/Receive")
    );
    let mall: HtmlInputElement = form
        .query_selector("input[name=MALLID]")
        .unwrap()
        .unwrap()
        .unchecked_into();
    assert_eq!(mall.value(), "4038");
    assert!(
        fixture.backend.calls("session").len() >= 2,
        "polled until the redirect came"
    );
    assert_eq!(fixture.text(".doku-pay"), "Taking you to DOKU Wallet…");
}

#[wasm_bindgen_test]
async fn gate_gives_up_when_dokus_redirect_never_comes() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![Ok(session(CheckoutStatus::AwaitingRedirect, None))];
    *backend.statuses.borrow_mut() = vec![Ok(session(CheckoutStatus::AwaitingRedirect, None))];
    let fixture = Fixture::paying(Some("en"), backend, CHROME).await;
    fixture.submit();
    let error = fixture.until_form_error("the deadline (300 ms here)").await;
    assert!(error.contains("not available right now"), "{error}");
    let error = fixture.event("doku:error");
    assert_eq!(
        (
            error.get("code").map(String::as_str),
            error.get("payment_id").map(String::as_str),
            error.get("status").map(String::as_str)
        ),
        (
            Some("platform_unavailable"),
            Some("pay_abc234"),
            Some("awaiting_redirect")
        )
    );
    assert!(fixture.backend.calls("session").len() > 1, "it polled");
    assert!(fixture.navigator.forms.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn unsafe_redirects_never_navigate() {
    let nested = {
        let body = vec![("X".to_string(), BodyValue::Unsupported("object"))];
        UncheckedRedirect {
            method: "POST".into(),
            url: "https://pay.doku.com/Suite/Receive".into(),
            body,
        }
    };
    let cases = [
        (get_redirect("javascript:alert(document.cookie)"), ""),
        (get_redirect("data:text/html,<script>alert(1)</script>"), ""),
        (get_redirect("http://pay.doku.com/Suite/Receive"), ""),
        (
            UncheckedRedirect {
                method: "PUT".into(),
                ..get_redirect("https://pay.doku.com/")
            },
            "",
        ),
        (nested, ""),
        (get_redirect("https://evil.example/phish"), "pay.doku.com"),
    ];
    for (redirect, hosts) in cases {
        let description = format!("{redirect:?}");
        let backend = stub(order(15_000_000, "IDR"));
        *backend.opened.borrow_mut() = vec![Ok(session(CheckoutStatus::Pending, Some(redirect)))];
        let mut settings = vec![
            ("locale", "en"),
            ("firstName", "Budi"),
            ("email", "budi@example.com"),
        ];
        if !hosts.is_empty() {
            settings.push(("redirectHosts", hosts));
        }
        let fixture = Fixture::mount(&settings, backend, CHROME);
        fixture.ready().await;
        fixture.submit();
        let error = fixture.until_form_error("the refusal").await;
        assert!(error.contains("safety checks"), "{error}");
        assert!(
            fixture.navigator.forms.borrow().is_empty(),
            "{description} must not navigate"
        );
        assert_eq!(
            fixture.event("doku:error").get("code").map(String::as_str),
            Some("redirect_refused"),
            "{description}"
        );
        assert!(!fixture.event_names().contains(&"doku:redirect".to_string()));
        assert!(
            document()
                .query_selector("form.doku-redirect")
                .unwrap()
                .is_none()
        );
    }
    // Plain http to loopback is allowed (the sandbox).
    let backend = redirecting("http://127.0.0.1:8090/payment?a=1");
    let fixture = Fixture::paying(None, backend, CHROME).await;
    fixture.submit();
    fixture.until_redirect().await;
}

#[wasm_bindgen_test]
async fn the_host_page_may_veto_the_redirect() {
    let backend = redirecting("https://paymentpage.ecommpay.com/payment?a=1");
    let fixture = Fixture::mount(
        &[("firstName", "Budi"), ("email", "budi@example.com")],
        backend,
        CHROME,
    );
    let veto =
        Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| event.prevent_default());
    fixture
        .host
        .add_event_listener_with_callback("doku:redirect", veto.as_ref().unchecked_ref())
        .unwrap();
    fixture.ready().await;
    fixture.submit();
    fixture
        .until("the veto", |f| {
            f.event_names().contains(&"doku:redirect".to_string())
        })
        .await;
    leptos::task::tick().await;
    assert!(fixture.navigator.forms.borrow().is_empty());
    assert!(
        !fixture.find(".doku-pay").unwrap().has_attribute("disabled"),
        "back to the form"
    );
    assert_eq!(stored("pending"), None);
}

#[wasm_bindgen_test]
async fn the_result_comes_from_the_proxy_never_from_the_url() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.statuses.borrow_mut() = vec![
        Ok(session(CheckoutStatus::Pending, None)),
        Ok(declined("20101")),
    ];
    *backend.opened.borrow_mut() = vec![Ok(session(
        CheckoutStatus::Pending,
        Some(get_redirect("https://paymentpage.ecommpay.com/payment?p=2")),
    ))];
    reset_page();
    store("key", "key-of-the-declined-attempt");
    // The customer comes back with a tampered status in the URL.
    set_search("?status=success&payment_id=pay_abc234&step=3");
    let fixture = Fixture::mount_here(&[("locale", "en")], backend, CHROME);
    fixture
        .until("the result", |f| {
            f.find(".doku-result:not([hidden])").is_some()
        })
        .await;
    assert_eq!(fixture.text(".doku-result h2"), "Payment declined");
    assert!(
        fixture
            .text(".doku-result")
            .contains("over your DOKU Wallet limit")
    );
    assert!(fixture.text(".doku-result").contains("Code 20101"));
    assert_eq!(fixture.backend.calls("session")[0], "pay_abc234");
    assert!(
        fixture
            .text("p[role=status]")
            .starts_with("Payment declined."),
        "announced: {}",
        fixture.text("p[role=status]")
    );
    assert_eq!(
        (stored("key"), stored("pending")),
        (None, None),
        "the declined attempt is over"
    );
    let decline = fixture.event("doku:decline");
    assert_eq!(
        (
            decline.get("status").map(String::as_str),
            decline.get("code").map(String::as_str)
        ),
        (Some("decline"), Some("20101"))
    );
    // The URL is tidied; the merchant's own parameters stay.
    assert_eq!(
        web_sys::window().unwrap().location().search().unwrap(),
        "?status=success&step=3"
    );
    fixture
        .until("focus on the result's heading", |f| {
            f.root()
                .active_element()
                .is_some_and(|e| e.tag_name() == "H2")
        })
        .await;

    // Try again starts a new attempt (a new idempotency key).
    fixture.click(".doku-result .doku-pay");
    fixture.ready().await;
    fixture.type_in("text", "Budi");
    fixture.type_in("email", "budi@example.com");
    fixture.submit();
    fixture.until_redirect().await;
    let keys = fixture.backend.calls("open");
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0], "key-of-the-declined-attempt");
}

#[wasm_bindgen_test]
async fn a_pending_payment_in_storage_is_checked_on_load() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.statuses.borrow_mut() = vec![Ok(session(CheckoutStatus::Success, None))];
    reset_page();
    store("pending", "pay_abc234");
    let fixture = Fixture::mount_here(&[("locale", "id")], backend, CHROME);
    fixture
        .until("the result", |f| f.find(".doku-success").is_some())
        .await;
    assert_eq!(fixture.text(".doku-result h2"), "Pembayaran berhasil");
    assert!(
        fixture
            .text(".doku-result")
            .contains("Rp 150.000 dibayar dengan DOKU Wallet.")
    );
    assert!(fixture.text(".doku-result code").contains("pay_abc234"));
    assert_eq!(
        fixture
            .event("doku:success")
            .get("payment_id")
            .map(String::as_str),
        Some("pay_abc234")
    );
    assert_eq!(stored("pending"), None, "cleared once final");
}

#[wasm_bindgen_test]
async fn an_unconfirmed_payment_can_be_checked_again() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.statuses.borrow_mut() = vec![Ok(session(CheckoutStatus::Pending, None))];
    reset_page();
    store("pending", "pay_abc234");
    let fixture = Fixture::mount_here(&[("locale", "en")], backend, CHROME);
    fixture
        .until("not confirmed", |f| f.find(".doku-pending").is_some())
        .await;
    assert_eq!(fixture.text(".doku-result h2"), "Payment not confirmed yet");
    assert!(fixture.text(".doku-result").contains("Do not pay again"));
    assert_eq!(
        fixture
            .event("doku:pending")
            .get("payment_id")
            .map(String::as_str),
        Some("pay_abc234")
    );

    *fixture.backend.statuses.borrow_mut() = vec![Ok(session(CheckoutStatus::Success, None))];
    fixture.click(".doku-pending .doku-secondary");
    fixture
        .until("the success", |f| f.find(".doku-success").is_some())
        .await;
}

#[wasm_bindgen_test]
async fn returning_from_the_back_forward_cache_rechecks_instead_of_spinning() {
    let backend = redirecting("https://paymentpage.ecommpay.com/payment?a=1");
    *backend.statuses.borrow_mut() = vec![Ok(declined("20105"))];
    let fixture = Fixture::paying(Some("en"), backend, CHROME).await;
    fixture.submit();
    fixture.until_redirect().await;
    assert_eq!(fixture.text(".doku-pay"), "Taking you to DOKU Wallet…");

    back_from_the_cache();
    fixture
        .until("the re-check", |f| f.find(".doku-decline").is_some())
        .await;
    assert!(
        fixture
            .text(".doku-result")
            .contains("cancelled on the DOKU Wallet page")
    );
}

/// A `pageshow` event as the browser fires it when the page comes back from the
/// back-forward cache.
fn back_from_the_cache() {
    let init = web_sys::PageTransitionEventInit::new();
    init.set_persisted(true);
    let event = web_sys::PageTransitionEvent::new_with_event_init_dict("pageshow", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn an_unmounted_widget_stops_checking() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.statuses.borrow_mut() = vec![Ok(session(CheckoutStatus::Pending, None))];
    reset_page();
    store("pending", "pay_abc234");
    let mut fixture = Fixture::mount_here(&[("locale", "en")], backend, CHROME);
    fixture
        .until("checking", |f| !f.backend.calls("session").is_empty())
        .await;
    fixture.unmount();
    let asked = fixture.backend.calls("session").len();
    // Well past several of its polls (5-20 ms apart), and short of its 300 ms deadline.
    sleep(100).await;
    assert_eq!(fixture.backend.calls("session").len(), asked);
}

#[wasm_bindgen_test]
async fn an_unmounted_widget_ignores_the_back_forward_cache_and_leaves_no_listener() {
    let backend = redirecting("https://paymentpage.ecommpay.com/payment?a=1");
    *backend.statuses.borrow_mut() = vec![Ok(declined("20105"))];
    let mut fixture = Fixture::paying(Some("en"), backend, CHROME).await;
    fixture.submit();
    fixture.until_redirect().await;
    fixture.unmount();
    // A `pageshow` listener left behind would call its dropped closure, which throws;
    // the browser reports that as an `error` event on the window.
    let errors = Rc::new(Cell::new(0));
    let counted = errors.clone();
    let on_error = Closure::<dyn Fn()>::new(move || counted.set(counted.get() + 1));
    let window = web_sys::window().unwrap();
    window
        .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    back_from_the_cache();
    window
        .remove_event_listener_with_callback("error", on_error.as_ref().unchecked_ref())
        .unwrap();
    sleep(50).await;
    assert_eq!(fixture.backend.calls("session"), Vec::<String>::new());
    assert_eq!(errors.get(), 0, "errors from a listener left behind");
}

#[wasm_bindgen_test]
async fn markup_from_outside_renders_as_text() {
    let mut evil = order(15_000_000, "IDR");
    evil.description = "<img src=x onerror=\"window.pwned=1\"><b>Kopi</b>".into();
    let backend = stub(evil);
    *backend.statuses.borrow_mut() = vec![Ok(SessionView {
        payment_id: "pay_abc234".into(),
        message: Some("<script>window.pwned=2</script>Limit".into()),
        ..declined("<i>20101</i>")
    })];
    reset_page();
    store("pending", "pay_abc234");
    let fixture = Fixture::mount_here(
        &[
            ("locale", "en"),
            ("firstName", "<svg onload=alert(1)>"),
            ("email", "<b>budi</b>@example.com"),
        ],
        backend,
        CHROME,
    );
    fixture
        .until("the result", |f| {
            f.find(".doku-result:not([hidden])").is_some()
        })
        .await;
    assert!(
        fixture.text(".doku-result").contains("Code <i>20101</i>"),
        "shown as text"
    );
    assert!(
        fixture.find("img, b, i, svg, script").is_none(),
        "no element made from outside text"
    );
    assert_eq!(
        fixture
            .event("doku:decline")
            .get("message")
            .map(String::as_str),
        Some("<script>window.pwned=2</script>Limit"),
        "the platform's message reaches the host as data"
    );
    fixture.click(".doku-result .doku-pay");
    fixture.ready().await;
    assert_eq!(
        fixture.text(".doku-description"),
        "<img src=x onerror=\"window.pwned=1\"><b>Kopi</b>"
    );
    assert_eq!(fixture.input("text").value(), "<svg onload=alert(1)>");
    assert_eq!(fixture.input("email").value(), "<b>budi</b>@example.com");
    fixture.submit();
    fixture
        .until("the email's error", |f| {
            f.find("input[type=email][aria-invalid=true]").is_some()
                && !f.text(".doku-field-error").is_empty()
        })
        .await;
    assert!(fixture.find("img, b, svg, script").is_none());
    assert!(
        js_sys::Reflect::get(&web_sys::window().unwrap(), &"pwned".into())
            .unwrap()
            .is_undefined()
    );
}

#[wasm_bindgen_test]
async fn orders_that_cannot_be_paid_say_why() {
    let backend = StubBackend::default();
    *backend.order.borrow_mut() = Some(Err(problem(404, "order_not_found")));
    let fixture = Fixture::mount(&[("locale", "en")], backend, CHROME);
    fixture
        .until("the error", |f| f.find(".doku-error").is_some())
        .await;
    assert!(fixture.text(".doku-error").contains("could not be found"));
    assert_eq!(
        fixture.event("doku:error").get("code").map(String::as_str),
        Some("order_not_found")
    );
    *fixture.backend.order.borrow_mut() = Some(Ok(order(15_000_000, "IDR")));
    fixture.click(".doku-error .doku-secondary");
    fixture.ready().await;
    drop(fixture);

    let mut paid = order(15_000_000, "IDR");
    paid.paid = true;
    let fixture = Fixture::mount(&[("locale", "id")], stub(paid), CHROME);
    fixture
        .until("the notice", |f| {
            f.find(".doku-notice:not([hidden])").is_some()
        })
        .await;
    assert_eq!(fixture.text(".doku-notice p"), "Pesanan ini sudah dibayar.");
    assert!(fixture.find("form:not([hidden])").is_none());
}

#[wasm_bindgen_test]
async fn another_customers_payment_in_progress_is_explained() {
    let backend = stub(order(15_000_000, "IDR"));
    *backend.opened.borrow_mut() = vec![Err(problem(409, "payment_in_progress"))];
    let fixture = Fixture::mount(
        &[
            ("locale", "en"),
            ("firstName", "Sari"),
            ("email", "sari@example.com"),
        ],
        backend,
        CHROME,
    );
    fixture.ready().await;
    fixture.submit();
    let error = fixture.until_form_error("the explanation").await;
    assert!(
        error.contains("Someone else is paying this order"),
        "{error}"
    );
    assert_eq!(
        fixture.event("doku:error").get("code").map(String::as_str),
        Some("payment_in_progress")
    );
    assert!(!fixture.find(".doku-pay").unwrap().has_attribute("disabled"));
    assert!(fixture.navigator.forms.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn configuration_errors_are_shown_and_nothing_is_sent() {
    reset_page();
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&host).unwrap();
    let errors = Rc::new(RefCell::new(Vec::new()));
    let seen = errors.clone();
    let listener =
        Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
            let message = js_sys::Reflect::get(&event.detail(), &"message".into())
                .unwrap()
                .as_string()
                .unwrap();
            seen.borrow_mut().push(message);
        });
    host.add_event_listener_with_callback("doku:error", listener.as_ref().unchecked_ref())
        .unwrap();
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"orderId".into(), &"ord_1".into()).unwrap();
    let mut widget = mount(host.clone(), &config);
    leptos::task::tick().await;
    let alert = host
        .shadow_root()
        .unwrap()
        .query_selector("[role=alert]")
        .unwrap()
        .expect("an alert");
    assert!(alert.text_content().unwrap().contains("data-proxy-url"));
    assert!(
        host.shadow_root()
            .unwrap()
            .query_selector("form")
            .unwrap()
            .is_none()
    );
    assert_eq!(errors.borrow().len(), 1);
    assert!(errors.borrow()[0].contains("data-proxy-url"));
    widget.unmount();
    assert!(
        host.shadow_root().unwrap().first_child().is_none(),
        "unmount empties the widget"
    );
    host.remove();
}

#[wasm_bindgen_test]
async fn a_widget_stays_when_its_handle_is_dropped() {
    let mut fixture = Fixture::mount(&[("locale", "en")], stub(order(15_000_000, "IDR")), CHROME);
    fixture.ready().await;
    // The page's JavaScript may drop the handle (and the garbage collector free it).
    drop(fixture.widget.take());
    sleep(20).await;
    assert!(fixture.find("form.doku-form").is_some(), "still mounted");
    // Mounting again into the same element replaces the widget.
    let config = js_sys::Object::new();
    js_sys::Reflect::set(&config, &"orderId".into(), &"ord_other".into()).unwrap();
    let mut replaced = mount(fixture.host.clone(), &config);
    leptos::task::tick().await;
    assert!(fixture.find("form.doku-form").is_none());
    assert!(
        fixture.find("[role=alert]").is_some(),
        "the new (misconfigured) widget shows instead"
    );
    replaced.unmount();
}

#[wasm_bindgen_test]
async fn declared_elements_mount_once_and_are_left_as_the_merchant_wrote_them() {
    let element: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    element.set_attribute("data-doku-checkout", "").unwrap();
    element
        .set_attribute("data-proxy-url", "/no-proxy-here")
        .unwrap();
    element
        .set_attribute("data-order-id", "ord_declared")
        .unwrap();
    document().body().unwrap().append_child(&element).unwrap();

    let mut widgets = doku_checkout::mount_all_declared(Some("/default-widget.css"));
    assert_eq!(widgets.len(), 1);
    assert!(
        !element.has_attribute("data-stylesheet"),
        "the merchant's element keeps its own attributes"
    );
    let link = element
        .shadow_root()
        .unwrap()
        .query_selector("link[rel=stylesheet]")
        .unwrap()
        .unwrap();
    assert_eq!(
        link.get_attribute("href").as_deref(),
        Some("/default-widget.css")
    );
    assert_eq!(
        doku_checkout::mount_declared(None),
        0,
        "an element holding a widget is not mounted again"
    );
    for widget in &mut widgets {
        widget.unmount();
    }
    element.remove();
}

#[wasm_bindgen_test]
async fn what_was_typed_into_the_page_form_is_kept_where_the_customer_was_typing() {
    reset_page();
    // The hosted checkout's form, as the proxy renders it, being filled in.
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    host.set_inner_html(
        r#"<form method="post"><input name="attempt" type="hidden" value="att_1"><input name="first_name" type="text"><input name="email" type="email"><button>Pay</button></form>"#,
    );
    document().body().unwrap().append_child(&host).unwrap();
    let typed = |name: &str, value: &str| {
        let input: web_sys::HtmlInputElement = host
            .query_selector(&format!("input[name={name}]"))
            .unwrap()
            .unwrap()
            .unchecked_into();
        input.set_value(value);
        input
    };
    typed("first_name", "Budi");
    typed("email", "budi@exa").focus().unwrap();

    let settings = js_sys::Object::new();
    let order = r#"{"order_id":"ord_1","amount":15000000,"currency":"IDR","description":"Kopi","paid":false}"#;
    for (key, value) in [("proxyUrl", "/"), ("orderId", "ord_1"), ("order", order)] {
        js_sys::Reflect::set(&settings, &key.into(), &value.into()).unwrap();
    }
    let mut widget = mount(host.clone(), &settings);
    let root = host.shadow_root().unwrap();
    let form_shown = || {
        root.query_selector("form")
            .unwrap()
            .is_some_and(|form| !form.has_attribute("hidden"))
    };
    for _ in 0..50 {
        if form_shown() {
            break;
        }
        sleep(10).await;
    }
    assert!(form_shown(), "the widget's form shows");
    let value = |selector: &str| {
        root.query_selector(selector)
            .unwrap()
            .unwrap()
            .unchecked_into::<web_sys::HtmlInputElement>()
            .value()
    };
    assert_eq!(value("input[type=text]"), "Budi");
    assert_eq!(value("input[type=email]"), "budi@exa");
    let focused = root
        .active_element()
        .expect("a focused element in the widget");
    assert_eq!(focused.get_attribute("type").as_deref(), Some("email"));
    assert_eq!(
        document().active_element().as_ref(),
        Some(host.unchecked_ref::<web_sys::Element>()),
        "the page's focus is in the widget"
    );
    widget.unmount();
    host.remove();
}
