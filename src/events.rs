//! Events for the host page: `CustomEvent`s on the widget's element that bubble and
//! cross shadow roots, with `{payment_id, status, code, message}` where known.

use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

/// Which event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The form is ready for the customer.
    Ready,
    /// The customer submitted valid details.
    Submit,
    /// About to leave for DOKU; cancelable (`preventDefault()` vetoes the navigation).
    Redirect,
    /// Paid.
    Success,
    /// Declined.
    Decline,
    /// Not confirmed yet.
    Pending,
    /// Something failed (configuration, network, proxy, refused redirect).
    Error,
}

impl Kind {
    /// The event's type, e.g. `doku:success`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ready => "doku:ready",
            Kind::Submit => "doku:submit",
            Kind::Redirect => "doku:redirect",
            Kind::Success => "doku:success",
            Kind::Decline => "doku:decline",
            Kind::Pending => "doku:pending",
            Kind::Error => "doku:error",
        }
    }
}

/// What an event carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    /// The payment, once there is one.
    pub payment_id: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// A result or error code.
    pub code: Option<String>,
    /// A message (English, for the merchant's logs).
    pub message: Option<String>,
}

impl Detail {
    fn to_js(&self) -> JsValue {
        let object = js_sys::Object::new();
        for (key, value) in [
            ("payment_id", &self.payment_id),
            ("status", &self.status),
            ("code", &self.code),
            ("message", &self.message),
        ] {
            let value = value
                .as_deref()
                .map(JsValue::from_str)
                .unwrap_or(JsValue::NULL);
            js_sys::Reflect::set(&object, &JsValue::from_str(key), &value).ok();
        }
        object.into()
    }
}

/// Fires `kind` on `target`. Returns `false` if a listener vetoed it (only
/// [`Kind::Redirect`] can be vetoed).
pub fn fire(target: &EventTarget, kind: Kind, detail: &Detail) -> bool {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_cancelable(kind == Kind::Redirect);
    init.set_detail(&detail.to_js());
    match CustomEvent::new_with_event_init_dict(kind.name(), &init) {
        Ok(event) => target.dispatch_event(&event).unwrap_or(true),
        Err(_) => true,
    }
}
