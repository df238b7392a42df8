//! The JSON contract (`doku-protocol`'s types) read from and written to JavaScript values
//! by hand: the browser parses the JSON, and these few fields are picked out of it,
//! which keeps a general-purpose deserializer out of the widget's download.

use doku_protocol::{
    BodyValue, CheckoutStatus, CreateSession, Currency, OrderView, ProblemDocument, SessionView,
    UncheckedRedirect,
};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A field that is missing or of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn text(object: &JsValue, name: &'static str) -> Result<String, Malformed> {
    field(object, name).as_string().ok_or(Malformed(name))
}

fn optional_text(object: &JsValue, name: &str) -> Option<String> {
    field(object, name).as_string()
}

fn whole_number(object: &JsValue, name: &'static str) -> Result<u64, Malformed> {
    field(object, name)
        .as_f64()
        .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= 9.0e15)
        .map(|n| n as u64)
        .ok_or(Malformed(name))
}

fn currency(object: &JsValue) -> Result<Currency, Malformed> {
    Currency::parse(&text(object, "currency")?).map_err(|_| Malformed("currency"))
}

/// An order as `GET /api/checkout/orders/{id}` answers it.
pub fn order_view(value: &JsValue) -> Result<OrderView, Malformed> {
    Ok(OrderView {
        order_id: text(value, "order_id")?,
        amount: whole_number(value, "amount")?,
        currency: currency(value)?,
        description: text(value, "description")?,
        paid: field(value, "paid").as_bool().ok_or(Malformed("paid"))?,
    })
}

/// A payment as the session endpoints answer it.
pub fn session_view(value: &JsValue) -> Result<SessionView, Malformed> {
    let status = CheckoutStatus::parse(&text(value, "status")?).ok_or(Malformed("status"))?;
    let redirect = field(value, "redirect_data");
    Ok(SessionView {
        payment_id: text(value, "payment_id")?,
        status,
        is_final: field(value, "final").as_bool().ok_or(Malformed("final"))?,
        amount: whole_number(value, "amount")?,
        currency: currency(value)?,
        code: optional_text(value, "code"),
        message: optional_text(value, "message"),
        redirect_data: if redirect.is_object() {
            Some(unchecked_redirect(&redirect)?)
        } else {
            None
        },
    })
}

/// A redirect as it travels: its body's values keep their kind, for validation.
fn unchecked_redirect(value: &JsValue) -> Result<UncheckedRedirect, Malformed> {
    let mut body = Vec::new();
    let fields = field(value, "body");
    if fields.is_object() {
        for entry in Object::entries(&Object::from(fields)).iter() {
            let pair = js_sys::Array::from(&entry);
            let name = pair.get(0).as_string().unwrap_or_default();
            let item = pair.get(1);
            let value = if let Some(text) = item.as_string() {
                BodyValue::Text(text)
            } else if let Some(number) = item.as_f64().filter(|n| n.is_finite()) {
                // The browser writes the number as text, as a form would send it.
                BodyValue::Number(String::from(
                    js_sys::Number::from(number)
                        .to_string_with_radix(10)
                        .unwrap_or_default(),
                ))
            } else if item.is_null() || item.is_undefined() {
                BodyValue::Unsupported("null")
            } else if item.as_bool().is_some() {
                BodyValue::Unsupported("boolean")
            } else if js_sys::Array::is_array(&item) {
                BodyValue::Unsupported("list")
            } else {
                BodyValue::Unsupported("object")
            };
            body.push((name, value));
        }
    }
    Ok(UncheckedRedirect {
        method: text(value, "method")?,
        url: text(value, "url")?,
        body,
    })
}

/// A problem document (`application/problem+json`).
pub fn problem(value: &JsValue) -> Result<ProblemDocument, Malformed> {
    Ok(ProblemDocument {
        kind: optional_text(value, "type").unwrap_or_else(|| "about:blank".into()),
        title: optional_text(value, "title").unwrap_or_default(),
        status: whole_number(value, "status")?
            .try_into()
            .map_err(|_| Malformed("status"))?,
        code: text(value, "code")?,
        detail: optional_text(value, "detail").unwrap_or_default(),
        field: optional_text(value, "field"),
    })
}

/// The JSON text of a session request.
pub fn create_session(request: &CreateSession) -> String {
    let object = Object::new();
    let set = |target: &Object, name: &str, value: &JsValue| {
        Reflect::set(target, &JsValue::from_str(name), value).ok();
    };
    let customer = Object::new();
    set(
        &customer,
        "first_name",
        &JsValue::from_str(&request.customer.first_name),
    );
    set(
        &customer,
        "email",
        &JsValue::from_str(&request.customer.email),
    );
    set(&object, "order_id", &JsValue::from_str(&request.order_id));
    set(&object, "customer", &customer);
    for (name, value) in [
        ("locale", &request.locale),
        ("return_url", &request.return_url),
    ] {
        if let Some(value) = value {
            set(&object, name, &JsValue::from_str(value));
        }
    }
    js_sys::JSON::stringify(&object)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}
