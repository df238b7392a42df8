//! Leaving for DOKU: a hidden form built with DOM calls (never HTML strings) from a
//! validated [`RedirectData`], one hidden input per field, submitted once.

use doku_protocol::{RedirectData, RedirectMethod};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, HtmlFormElement, HtmlInputElement};

/// The form that performs `redirect`. For GET, the URL's own query parameters become
/// inputs too (a GET form submission replaces the action's query string).
pub fn build_form(
    document: &Document,
    redirect: &RedirectData,
) -> Result<HtmlFormElement, JsValue> {
    let form: HtmlFormElement = document.create_element("form")?.unchecked_into();
    form.set_method(redirect.method().as_str());
    form.set_accept_charset("UTF-8");
    form.set_hidden(true);
    form.set_class_name("doku-redirect");
    let mut fields: Vec<(String, String)> = Vec::new();
    match redirect.method() {
        RedirectMethod::Post => form.set_action(redirect.url()),
        RedirectMethod::Get => {
            let url = web_sys::Url::new(redirect.url())?;
            let entries = js_sys::try_iter(&url.search_params())?
                .into_iter()
                .flatten();
            for entry in entries.flatten() {
                let pair: js_sys::Array = entry.unchecked_into();
                fields.push((
                    pair.get(0).as_string().unwrap_or_default(),
                    pair.get(1).as_string().unwrap_or_default(),
                ));
            }
            url.set_search("");
            url.set_hash("");
            form.set_action(&url.href());
        }
    }
    fields.extend(redirect.body().iter().cloned());
    for (name, value) in fields {
        let input: HtmlInputElement = document.create_element("input")?.unchecked_into();
        input.set_type("hidden");
        input.set_name(&name);
        input.set_value(&value);
        form.append_child(&input)?;
    }
    Ok(form)
}

/// How the widget leaves the page: the real one submits the form; tests record it.
pub trait Navigator {
    /// Sends the browser away with `form`. Called at most once per payment attempt.
    fn navigate(&self, form: HtmlFormElement);
}

/// Appends the form to the page and submits it: one navigation.
#[derive(Debug, Clone, Copy, Default)]
pub struct SubmitForm;

impl Navigator for SubmitForm {
    fn navigate(&self, form: HtmlFormElement) {
        let body = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body());
        if let Some(body) = body
            && body.append_child(&form).is_ok()
        {
            form.submit().ok();
        }
    }
}
