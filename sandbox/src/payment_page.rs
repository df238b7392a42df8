//! Payment Page: `GET /payment` (query) and `POST /payment` (form), then the payment's
//! own page `/payment/{token}` showing its current step: method list, customer details,
//! the hand-over to DOKU, the result.

use crate::config::is_http_url;
use crate::contact::{self, ContactForm};
use crate::html::{self, Brand, escape};
use crate::money::{self, to_idr};
use crate::payment::{Kind, Money, Origin, PageState, Payment};
use crate::request_error::RequestError;
use crate::sandbox::{NewPayment, Sandbox};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ecommpay::payment_page::{is_best_before, is_currency};
use ecommpay::{PaymentStatus, Signer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;

/// Parameters every Payment Page request needs, in the order they are checked.
pub const REQUIRED: [&str; 6] = [
    "project_id",
    "payment_id",
    "payment_amount",
    "payment_currency",
    "customer_id",
    "signature",
];

/// Methods the method list shows as unavailable in the sandbox.
const OTHER_METHODS: [&str; 3] = ["Bank card", "Bank transfer (virtual account)", "OVO"];

/// Form or query pairs, decoded.
pub fn pairs(encoded: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(encoded).into_owned().collect()
}

/// `GET /payment?...`
pub async fn open_by_query(State(sandbox): State<Sandbox>, RawQuery(query): RawQuery) -> Response {
    open(&sandbox, &pairs(query.unwrap_or_default().as_bytes()))
}

/// `POST /payment` with the parameters in a form body.
pub async fn open_by_form(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    open(&sandbox, &pairs(&body))
}

fn open(sandbox: &Sandbox, params: &[(String, String)]) -> Response {
    let key = match request(sandbox, params).and_then(|new| sandbox.admit(new)) {
        Ok(key) => key,
        Err(error) => return refusal(&error),
    };
    let store = sandbox.lock();
    match store.payments.get(&key) {
        Some(payment) => Redirect::to(&payment.return_url(sandbox.base_url())).into_response(),
        None => not_found(),
    }
}

/// The 400 page for a refused request.
fn refusal(error: &RequestError) -> Response {
    let body = format!(
        "{}{}",
        html::paragraph(Some("error"), Some("error"), &error.to_string()),
        html::paragraph(
            None,
            Some("muted"),
            "Nothing was created. Fix the request and send it again."
        ),
    );
    html::respond(
        StatusCode::BAD_REQUEST,
        Brand::Platform,
        "Payment request refused",
        &body,
    )
}

fn not_found() -> Response {
    html::respond(
        StatusCode::NOT_FOUND,
        Brand::Platform,
        "Payment not found",
        &html::paragraph(Some("error"), Some("error"), "No payment has this page."),
    )
}

/// Checks raw Payment Page parameters (a query string or form body) exactly as
/// `/payment` does, without creating a payment: the refusal, as the page would state it.
/// For fuzzing and for merchants debugging a request.
pub fn check_payment_page_request(sandbox: &Sandbox, encoded: &[u8]) -> Result<(), String> {
    request(sandbox, &pairs(encoded))
        .map(drop)
        .map_err(|error| error.to_string())
}

/// Checks a request as the platform does and turns it into a payment to admit.
fn request(sandbox: &Sandbox, params: &[(String, String)]) -> Result<NewPayment, RequestError> {
    let mut map = BTreeMap::new();
    for (name, value) in params {
        if map.insert(name.clone(), value.clone()).is_some() {
            return Err(RequestError::Repeated(name.clone()));
        }
    }
    let get = |name: &str| map.get(name).map(String::as_str).filter(|v| !v.is_empty());
    for name in REQUIRED {
        if get(name).is_none() {
            return Err(RequestError::Missing(name.into()));
        }
    }
    if let Some((name, _)) = map
        .iter()
        .find(|(name, value)| *name != "signature" && value.contains(';'))
    {
        return Err(RequestError::invalid(
            name,
            "Payment Page values may not contain ';'",
        ));
    }
    let required = |name: &str| get(name).unwrap_or_default();
    let project_id = positive_integer(required("project_id"))
        .ok_or_else(|| RequestError::invalid("project_id", "must be a positive integer"))?;
    let payment_id = required("payment_id");
    if payment_id.chars().count() > 255 {
        return Err(RequestError::invalid(
            "payment_id",
            "must be at most 255 characters",
        ));
    }
    let amount = positive_integer(required("payment_amount")).ok_or_else(|| {
        RequestError::invalid(
            "payment_amount",
            "must be a positive integer of minor units",
        )
    })?;
    let currency = required("payment_currency");
    if !is_currency(currency) {
        return Err(RequestError::invalid(
            "payment_currency",
            "must be an ISO 4217 alpha-3 code such as IDR",
        ));
    }
    check_optional(&map)?;
    let project = sandbox
        .project(project_id)
        .ok_or(RequestError::UnknownProject(project_id))?;
    // Signed: every parameter but `signature` and `frame_mode`, as strings.
    let signed: BTreeMap<String, String> = map
        .iter()
        .filter(|(name, _)| *name != "signature" && *name != "frame_mode")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let object: Map<String, Value> = signed
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    if !Signer::new(&project.secret_key).verify_value(&Value::Object(object), required("signature"))
    {
        return Err(RequestError::Signature);
    }
    let converted = to_idr(amount, currency, project.test, &sandbox.config().rates)?;
    let optional = |name: &str| get(name).map(str::to_string);
    Ok(NewPayment {
        project_id,
        payment_id: payment_id.to_string(),
        kind: Kind::Purchase,
        origin: Origin::PaymentPage(PageState {
            token: sandbox.ids().hex(24),
            method_chosen: get("force_payment_method") == Some("doku"),
            success_url: optional("redirect_success_url"),
            fail_url: optional("redirect_fail_url"),
            params: signed,
        }),
        customer_id: required("customer_id").to_string(),
        first_name: get("customer_first_name").and_then(|v| contact::first_name(v).ok()),
        email: get("customer_email").and_then(|v| contact::email(v).ok()),
        account_number: None,
        description: optional("payment_description").unwrap_or_default(),
        initial: Money {
            amount,
            currency: currency.to_string(),
        },
        converted,
        callback_url: optional("merchant_callback_url"),
    })
}

/// Optional parameters the sandbox understands, when given, must be well-formed.
fn check_optional(map: &BTreeMap<String, String>) -> Result<(), RequestError> {
    let given = |name: &str| map.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if let Some(method) = given("force_payment_method")
        && method != "doku"
    {
        return Err(RequestError::invalid(
            "force_payment_method",
            format!("{method:?} is not available in the sandbox; only \"doku\" is"),
        ));
    }
    for name in [
        "merchant_callback_url",
        "redirect_success_url",
        "redirect_fail_url",
    ] {
        if let Some(url) = given(name)
            && !is_http_url(url)
        {
            return Err(RequestError::invalid(
                name,
                "must be an absolute http:// or https:// URL",
            ));
        }
    }
    for name in ["redirect_success_mode", "redirect_fail_mode"] {
        if let Some(mode) = given(name)
            && !["iframe", "parent_page", "blank_page"].contains(&mode)
        {
            return Err(RequestError::invalid(
                name,
                "must be iframe, parent_page or blank_page",
            ));
        }
    }
    if let Some(language) = given("language_code")
        && (language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()))
    {
        return Err(RequestError::invalid(
            "language_code",
            "must be an ISO 639-1 code such as id or en",
        ));
    }
    if let Some(best_before) = given("best_before") {
        let time = OffsetDateTime::parse(best_before, &Iso8601::DEFAULT)
            .ok()
            .filter(|_| is_best_before(best_before))
            .ok_or_else(|| {
                RequestError::invalid(
                    "best_before",
                    "must be in the form YYYY-MM-DDThh:mm:ss+hh:mm",
                )
            })?;
        if time <= OffsetDateTime::now_utc() {
            return Err(RequestError::invalid(
                "best_before",
                "has passed: the payment link expired",
            ));
        }
    }
    Ok(())
}

/// A positive integer written in plain digits.
pub fn positive_integer(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

/// `GET /payment/{token}`: the payment's current step.
pub async fn show(State(sandbox): State<Sandbox>, Path(token): Path<String>) -> Response {
    let mut guard = sandbox.lock();
    let store = &mut *guard;
    let Some(key) = store.pages.get(&token).cloned() else {
        return not_found();
    };
    let Some(payment) = store.payments.get(&key) else {
        return not_found();
    };
    let ready = payment.page().is_some_and(|page| page.method_chosen)
        && payment.first_name.is_some()
        && payment.email.is_some();
    if ready && !payment.status.is_final() {
        sandbox.open_doku(store, &key);
    }
    let Some(payment) = store.payments.get(&key) else {
        return not_found();
    };
    let project = sandbox.project_name(key.0);
    let base = sandbox.base_url();
    if payment.status.is_final() {
        return result_page(payment, &project);
    }
    match (payment.page(), &payment.doku) {
        (Some(page), _) if !page.method_chosen => method_page(payment, &project, base, &page.token),
        (Some(page), None) => customer_page(
            StatusCode::OK,
            payment,
            &project,
            base,
            &page.token,
            &customer_form(),
        ),
        (_, Some(doku)) => {
            let form = format!(
                r#"{summary}<p>You are being sent to DOKU Wallet to pay.</p>
<form id="doku-redirect" method="post" action="{action}">
{inputs}<button type="submit" id="continue">Continue to DOKU Wallet</button>
</form>
<script>document.getElementById("doku-redirect").submit();</script>"#,
                summary = summary(payment, &project),
                action = escape(&format!("{base}{}", crate::doku::RECEIVE_PATH)),
                inputs = html::hidden_inputs(&doku.form_fields()),
            );
            html::respond(
                StatusCode::OK,
                Brand::Platform,
                "Pay with DOKU Wallet",
                &form,
            )
        }
        (None, None) => not_found(),
    }
}

/// `POST /payment/{token}/method`: the customer chose a method.
pub async fn choose_method(
    State(sandbox): State<Sandbox>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let form = pairs(&body);
    let method = form
        .iter()
        .find(|(name, _)| name == "method")
        .map(|(_, value)| value.as_str());
    let mut store = sandbox.lock();
    let Some(key) = store.pages.get(&token).cloned() else {
        return not_found();
    };
    let here = format!("{}/payment/{token}", sandbox.base_url());
    let Some(payment) = store.payments.get_mut(&key) else {
        return not_found();
    };
    match method {
        Some("doku") => {
            if let Origin::PaymentPage(page) = &mut payment.origin {
                page.method_chosen = true;
            }
            Redirect::to(&here).into_response()
        }
        Some(other) => html::respond(
            StatusCode::BAD_REQUEST,
            Brand::Platform,
            "Payment method unavailable",
            &format!(
                "{}<p><a href=\"{}\">Choose another method</a></p>",
                html::paragraph(
                    Some("error"),
                    Some("error"),
                    &format!(
                        "The payment method {other:?} is not available in the sandbox: only DOKU Wallet is."
                    ),
                ),
                escape(&here)
            ),
        ),
        None => html::respond(
            StatusCode::BAD_REQUEST,
            Brand::Platform,
            "Payment method missing",
            &html::paragraph(
                Some("error"),
                Some("error"),
                "Choose a payment method (the form field method is missing).",
            ),
        ),
    }
}

/// The Payment Page's details form.
fn customer_form() -> ContactForm {
    ContactForm::new(("customer_first_name", "First name"), "customer_email")
}

/// `POST /payment/{token}/customer`: the customer's first name and email.
pub async fn submit_customer(
    State(sandbox): State<Sandbox>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let mut store = sandbox.lock();
    let Some(key) = store.pages.get(&token).cloned() else {
        return not_found();
    };
    let here = format!("{}/payment/{token}", sandbox.base_url());
    let project = sandbox.project_name(key.0);
    let Some(payment) = store.payments.get_mut(&key) else {
        return not_found();
    };
    if payment.status.is_final() || payment.doku.is_some() {
        return Redirect::to(&here).into_response();
    }
    let mut form = customer_form();
    match form.read(&pairs(&body)) {
        Some((first_name, email)) => {
            payment.first_name = Some(first_name);
            payment.email = Some(email);
            Redirect::to(&here).into_response()
        }
        None => customer_page(
            StatusCode::BAD_REQUEST,
            payment,
            &project,
            sandbox.base_url(),
            &token,
            &form,
        ),
    }
}

/// Merchant, payment and amount, at the top of every step.
fn summary(payment: &Payment, project: &str) -> String {
    let requested = money::display(payment.initial.amount, &payment.initial.currency);
    let charged = money::rupiah(payment.converted);
    html::details(&[
        ("Merchant", project, "merchant"),
        ("Payment", &payment.payment_id, "payment-id"),
        ("Amount", &requested, "amount"),
        ("Charged in IDR", &charged, "amount-idr"),
    ])
}

fn method_page(payment: &Payment, project: &str, base: &str, token: &str) -> Response {
    let others: String = OTHER_METHODS
        .iter()
        .map(|method| {
            format!(
                "<button type=\"button\" disabled>{} (unavailable in the sandbox)</button>",
                escape(method)
            )
        })
        .collect();
    let body = format!(
        r#"{summary}<form method="post" action="{action}">
<button type="submit" name="method" value="doku" id="method-doku">DOKU Wallet</button>
{others}
</form>"#,
        summary = summary(payment, project),
        action = escape(&format!("{base}/payment/{token}/method")),
    );
    html::respond(
        StatusCode::OK,
        Brand::Platform,
        "Choose a payment method",
        &body,
    )
}

fn customer_page(
    status: StatusCode,
    payment: &Payment,
    project: &str,
    base: &str,
    token: &str,
    form: &ContactForm,
) -> Response {
    let body = format!(
        r#"{summary}<p>DOKU Wallet needs your first name and email.</p>
<form method="post" action="{action}">
{inputs}
<button type="submit" id="customer-submit">Continue</button>
</form>"#,
        summary = summary(payment, project),
        action = escape(&format!("{base}/payment/{token}/customer")),
        inputs = form.inputs(payment.first_name.as_deref(), payment.email.as_deref()),
    );
    html::respond(status, Brand::Platform, "Your details", &body)
}

fn result_page(payment: &Payment, project: &str) -> Response {
    let title = if payment.status == PaymentStatus::Success {
        "Payment successful"
    } else {
        "Payment declined"
    };
    let code = payment.outcome.map(|o| o.code).unwrap_or_default();
    let message = payment.outcome.map(|o| o.message).unwrap_or_default();
    let body = format!(
        "{}{}",
        summary(payment, project),
        html::details(&[
            ("Status", payment.status.as_str(), "result-status"),
            ("Code", code, "result-code"),
            ("Message", message, "result-message"),
        ])
    );
    html::respond(StatusCode::OK, Brand::Platform, title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_integers_are_plain_digits() {
        assert_eq!(positive_integer("100000"), Some(100_000));
        for bad in [
            "",
            "0",
            "-1",
            "+1",
            "1.5",
            "1e3",
            " 1",
            "18446744073709551616",
        ] {
            assert_eq!(positive_integer(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pairs_keep_order_and_repeats() {
        assert_eq!(
            pairs(b"a=1&b=x+y&a=%3B"),
            [
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("a".into(), ";".into())
            ]
        );
    }
}
