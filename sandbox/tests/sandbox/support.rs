//! What every test needs: a sandbox with quick timings, a fake merchant that records
//! callbacks (and can fail the first N), a client that does not follow redirects, and
//! small readers for the sandbox's pages.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use ecommpay::gate::{
    Customer, DOKU_PAYOUT_PATH, DOKU_SALE_PATH, DokuPayout, DokuSale, General, Money, Payment,
    PayoutAccount, ReturnUrl,
};
use ecommpay::{Callback, PaymentPageRequest, Signer, verify_callback};
use ecommpay_sandbox::doku::DokuMerchant;
use ecommpay_sandbox::{Config, DeliveryConfig, PaymentView, ProjectConfig, RunningSandbox};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Every project's secret key.
pub const SECRET: &str = "test-secret";
/// Every project's DOKU shared key.
pub const SHARED_KEY: &str = "doku-shared";
/// A test project (IDR only, amount-driven results).
pub const TEST: u64 = 1;
/// A non-test project (conversion at demo rates).
pub const LIVE: u64 = 2;
/// A test project that passed KYC.
pub const KYC: u64 = 3;
/// A test project whose threshold time is short.
pub const SHORT: u64 = 4;
/// The threshold time of [`SHORT`].
pub const SHORT_THRESHOLD: Duration = Duration::from_millis(400);
/// The most attempts a callback gets in tests.
pub const MAX_ATTEMPTS: u32 = 4;

fn project(id: u64, name: &str, test: bool, kyc: bool, callback_url: &str) -> ProjectConfig {
    ProjectConfig {
        id,
        name: name.into(),
        secret_key: SECRET.into(),
        callback_url: Some(callback_url.into()),
        test,
        kyc,
        threshold: Duration::from_secs(30),
        payout_delay: Duration::from_millis(20),
        doku: DokuMerchant {
            mall_id: 4000 + id,
            shared_key: SHARED_KEY.into(),
        },
    }
}

/// Four projects whose callbacks go to `callback_url`, with quick timings.
pub fn config(callback_url: &str) -> Config {
    let mut short = project(SHORT, "Toko Singkat", true, false, callback_url);
    short.threshold = SHORT_THRESHOLD;
    Config {
        listen: "127.0.0.1:0".parse().expect("an address"),
        public_url: None,
        projects: vec![
            project(TEST, "Warung <Test> & Co", true, false, callback_url),
            project(LIVE, "Toko Live", false, false, callback_url),
            project(KYC, "Toko KYC", true, true, callback_url),
            short,
        ],
        rates: ecommpay_sandbox::money::demo_rates(),
        delivery: DeliveryConfig {
            first_retry: Duration::from_millis(20),
            max_delay: Duration::from_millis(80),
            max_attempts: MAX_ATTEMPTS,
            timeout: Duration::from_secs(2),
        },
        redirect_delay: Duration::from_millis(10),
        tick: Duration::from_millis(10),
    }
}

/// A sandbox whose callbacks go to `merchant`.
pub async fn start(merchant: &Merchant) -> RunningSandbox {
    ecommpay_sandbox::spawn(config(&merchant.url))
        .await
        .expect("the sandbox starts")
}

/// One request the merchant received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The JSON body.
    pub body: Value,
    /// The HTTP status the merchant answered.
    pub answered: u16,
    /// When it arrived.
    pub at: Instant,
}

struct MerchantState {
    fail_first: usize,
    received: Mutex<Vec<Received>>,
}

/// A merchant's callback endpoint on 127.0.0.1:0 that records every request and answers
/// HTTP 500 to the first `fail_first`, then 200.
pub struct Merchant {
    /// The callback URL.
    pub url: String,
    state: Arc<MerchantState>,
    _stop: oneshot::Sender<()>,
}

async fn receive(State(state): State<Arc<MerchantState>>, body: Bytes) -> StatusCode {
    let mut received = state.received.lock().expect("merchant lock");
    let answered = if received.len() < state.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    received.push(Received {
        body: serde_json::from_slice(&body).expect("callbacks are JSON"),
        answered: answered.as_u16(),
        at: Instant::now(),
    });
    answered
}

impl Merchant {
    /// A merchant failing its first `fail_first` requests.
    pub async fn start(fail_first: usize) -> Merchant {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let state = Arc::new(MerchantState {
            fail_first,
            received: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/callbacks", post(receive))
            .with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
                .expect("the merchant serves");
        });
        Merchant {
            url: format!("http://{address}/callbacks"),
            state,
            _stop: stop,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("merchant lock").clone()
    }

    /// Waits (up to 5 s) until at least `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} callbacks, got {}: {received:#?}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The bodies received, each verified with the projects' secret key.
    pub async fn callbacks(&self, count: usize) -> Vec<Callback> {
        self.wait_for(count)
            .await
            .iter()
            .map(|r| verify(&r.body))
            .collect()
    }
}

/// Checks a callback's signature with `ecommpay::verify_callback` and reads it.
pub fn verify(body: &Value) -> Callback {
    let bytes = serde_json::to_vec(body).expect("JSON");
    verify_callback(&bytes, &Signer::new(SECRET)).expect("the callback's signature verifies")
}

/// A client that never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// A Payment Page request with first name, email and `force_payment_method=doku`.
pub fn page_request(
    project_id: u64,
    payment_id: &str,
    amount: u64,
    currency: &str,
) -> PaymentPageRequest {
    let mut request =
        PaymentPageRequest::new(project_id, payment_id, amount, currency, "customer-1");
    request.customer_first_name = Some("Hasan".into());
    request.customer_email = Some("prasetyo@example.com".into());
    request.force_payment_method = Some("doku".into());
    request
}

/// The signed Payment Page URL of `request` on `sandbox`.
pub fn page_url(sandbox: &RunningSandbox, request: &PaymentPageRequest) -> String {
    request
        .signed_url(&sandbox.url("/payment"), &Signer::new(SECRET))
        .expect("the request signs")
}

/// The Payment Page URL of raw `params`, signed with `secret`.
pub fn raw_page_url(sandbox: &RunningSandbox, params: &[(String, String)], secret: &str) -> String {
    let object: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in params {
        query.append_pair(name, value);
    }
    query.append_pair(
        "signature",
        &Signer::new(secret).sign_value(&Value::Object(object)),
    );
    format!("{}?{}", sandbox.url("/payment"), query.finish())
}

/// The `Location` of a 303 answer.
pub fn location(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303, "expected a 303 redirect");
    response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .expect("a Location header")
        .to_string()
}

/// GET `url`: status and body.
pub async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.text().await.expect("a body"))
}

/// POST a form to `url`.
pub async fn post_form(
    client: &reqwest::Client,
    url: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    client.post(url).form(fields).send().await.expect("POST")
}

/// Named form fields from string pairs.
pub fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The text of the element with `id`.
pub fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no element #{id} in {html}"));
    let rest = &html[start..];
    let open = rest.find('>').expect("a tag end") + 1;
    let close = rest[open..].find('<').expect("a closing tag") + open;
    unescape(&rest[open..close])
}

/// The `action` of the page's first form.
pub fn form_action(html: &str) -> String {
    let form = html
        .find("<form")
        .unwrap_or_else(|| panic!("no form in {html}"));
    let rest = &html[form..];
    let start = rest.find("action=\"").expect("an action") + "action=\"".len();
    let end = rest[start..].find('"').expect("an action end") + start;
    unescape(&rest[start..end])
}

/// The page's hidden inputs.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let marker = "<input type=\"hidden\" name=\"";
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(marker) {
        rest = &rest[start + marker.len()..];
        let name_end = rest.find('"').expect("a name end");
        let name = unescape(&rest[..name_end]);
        let value_start = rest.find("value=\"").expect("a value") + "value=\"".len();
        let value_end = rest[value_start..].find('"').expect("a value end") + value_start;
        fields.push((name, unescape(&rest[value_start..value_end])));
        rest = &rest[value_end..];
    }
    fields
}

/// Follows a signed Payment Page URL (with `force_payment_method=doku` and the
/// customer's details) to the DOKU page; returns the DOKU page's URL.
pub async fn open_to_doku(client: &reqwest::Client, url: &str) -> String {
    let response = client.get(url).send().await.expect("GET /payment");
    let page = location(&response);
    let (status, html) = get(client, &page).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("id=\"doku-redirect\""),
        "expected the DOKU step: {html}"
    );
    let response = post_form(client, &form_action(&html), &hidden_fields(&html)).await;
    location(&response)
}

/// Presses `action` (`success` or `decline`) on the DOKU page at `doku_page`.
pub async fn press(client: &reqwest::Client, doku_page: &str, action: &str) -> reqwest::Response {
    post_form(client, doku_page, &fields(&[("action", action)])).await
}

/// Posts a `redirect_data` form (from an intermediate callback) like a browser: every
/// value as text. Returns DOKU's answer.
pub async fn follow_redirect_data(
    client: &reqwest::Client,
    callback: &Callback,
) -> reqwest::Response {
    let redirect = callback.redirect_data.as_ref().expect("redirect_data");
    assert_eq!(redirect.method, "POST");
    let form: Vec<(String, String)> = redirect
        .body
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect();
    post_form(client, &redirect.url, &form).await
}

/// A Gate sale of `amount` IDR minor units with the customer's details.
pub fn sale(project_id: u64, payment_id: &str, amount: u64) -> DokuSale {
    DokuSale {
        general: General {
            project_id,
            payment_id: payment_id.into(),
            merchant_callback_url: None,
            signature: None,
        },
        payment: Payment {
            money: Money {
                amount,
                currency: "IDR".into(),
            },
            description: Some("Kopi susu".into()),
        },
        customer: Customer {
            id: "customer-7".into(),
            ip_address: "192.0.2.10".into(),
            first_name: Some("Riza".into()),
            email: Some("riza@example.com".into()),
        },
        return_url: Some(ReturnUrl {
            success: Some("https://shop.example/ok".into()),
            decline: Some("https://shop.example/declined".into()),
            r#return: None,
        }),
    }
}

/// A Gate payout of `amount` IDR minor units.
pub fn payout(project_id: u64, payment_id: &str, amount: u64) -> DokuPayout {
    DokuPayout {
        general: General {
            project_id,
            payment_id: payment_id.into(),
            merchant_callback_url: None,
            signature: None,
        },
        payment: Payment {
            money: Money {
                amount,
                currency: "IDR".into(),
            },
            description: Some("Cashback".into()),
        },
        customer: Customer {
            id: "payoutTest".into(),
            ip_address: "192.0.2.0".into(),
            first_name: None,
            email: None,
        },
        account: PayoutAccount {
            number: "654654654".into(),
            customer_name: "John Doe".into(),
        },
    }
}

/// Signs `request` for Gate.
pub fn signed<T: serde::Serialize>(request: &T) -> Value {
    Signer::new(SECRET)
        .sign_gate(request)
        .expect("the request signs")
}

/// POSTs a JSON `body` to Gate `path`: status and JSON answer.
pub async fn gate(
    client: &reqwest::Client,
    sandbox: &RunningSandbox,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let response = client
        .post(sandbox.url(path))
        .json(body)
        .send()
        .await
        .expect("Gate POST");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

/// Sends a signed DOKU sale, checks that Gate accepted it (200); its answer.
pub async fn send_sale(
    sandbox: &RunningSandbox,
    project_id: u64,
    payment_id: &str,
    amount: u64,
) -> Value {
    let request = signed(&sale(project_id, payment_id, amount));
    let (status, answer) = gate(&client(), sandbox, DOKU_SALE_PATH, &request).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// Sends a signed DOKU payout, checks that Gate accepted it (200); its answer.
pub async fn send_payout(
    sandbox: &RunningSandbox,
    project_id: u64,
    payment_id: &str,
    amount: u64,
) -> Value {
    let request = signed(&payout(project_id, payment_id, amount));
    let (status, answer) = gate(&client(), sandbox, DOKU_PAYOUT_PATH, &request).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The sandbox's view of a payment.
pub fn view(sandbox: &RunningSandbox, project_id: u64, payment_id: &str) -> PaymentView {
    sandbox
        .sandbox
        .payment(project_id, payment_id)
        .unwrap_or_else(|| panic!("payment {payment_id} exists"))
}

/// Waits (up to 5 s) until `check` holds for the payment's view.
pub async fn wait_until(
    sandbox: &RunningSandbox,
    project_id: u64,
    payment_id: &str,
    check: impl Fn(&PaymentView) -> bool,
) -> PaymentView {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(view) = sandbox.sandbox.payment(project_id, payment_id)
            && check(&view)
        {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "payment {payment_id} never reached the expected state"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A callback's payment status.
pub fn status_of(callback: &Callback) -> &str {
    callback.status().map(|s| s.as_str()).unwrap_or_default()
}

/// A callback's operation code.
pub fn code_of(callback: &Callback) -> String {
    callback
        .operation
        .as_ref()
        .and_then(|o| o.code.as_ref())
        .map(|c| c.to_string())
        .unwrap_or_default()
}
