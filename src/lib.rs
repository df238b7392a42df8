//! The DOKU Wallet checkout widget.
//!
//! A merchant page marks an element (`<div id="doku-checkout" data-proxy-url=...
//! data-order-id=...>`) and loads `doku-embed.js`, which initialises this module and
//! calls [`mount_declared`]. Pages that prefer JavaScript call [`mount`] themselves.
//! The widget renders inside a shadow root on that element, so the page's styles cannot
//! break it; it is themed through `--doku-*` custom properties and `::part()`.

pub mod checkout;
pub mod client;
pub mod config;
pub mod events;
pub mod redirect;
pub mod return_flow;
pub mod screen;
pub mod state;
pub mod storage;
pub mod wire;

pub use doku_protocol::{browser, i18n};

use checkout::{ConfigProblem, ConfigProblemProps, Services};
use client::HttpBackend;
use config::{ConfigError, WidgetConfig};
use leptos::prelude::*;
use return_flow::Timing;
use state::Asked;
use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_bindgen::prelude::*;
use web_sys::{HtmlElement, HtmlInputElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

/// The CSS selector of the elements [`mount_declared`] mounts into.
pub const DECLARED_SELECTOR: &str = "#doku-checkout, [data-doku-checkout]";

/// The attribute marking an element that already holds a widget.
const MOUNTED_MARK: &str = "data-doku-mounted";

thread_local! {
    /// Every mounted widget's view, by id. Widgets live with the page: dropping a
    /// [`Widget`] handle (or the page's JavaScript losing it) leaves the widget mounted.
    static MOUNTED: RefCell<Vec<(u32, Box<dyn Any>)>> = const { RefCell::new(Vec::new()) };
}

/// A handle on a mounted widget; [`Widget::unmount`] removes it.
#[wasm_bindgen]
pub struct Widget {
    element: HtmlElement,
    id: u32,
}

#[wasm_bindgen]
impl Widget {
    /// Removes the widget from its element.
    pub fn unmount(&mut self) {
        unmount_element(&self.element, self.id);
    }
}

/// Removes widget `id` (if it is still there) from `element`.
fn unmount_element(element: &HtmlElement, id: u32) {
    let view = MOUNTED.with(|mounted| {
        let mut mounted = mounted.borrow_mut();
        let index = mounted.iter().position(|(mounted_id, _)| *mounted_id == id);
        index.map(|index| mounted.swap_remove(index))
    });
    // Dropping the view's handle unmounts it; the shadow root is then emptied.
    drop(view);
    if let Some(root) = element.shadow_root() {
        clear(&root);
    }
    if element.get_attribute(MOUNTED_MARK) == Some(id.to_string()) {
        element.remove_attribute(MOUNTED_MARK).ok();
    }
}

/// Mounts the widget into `element`, configured by `config`: an object with the same
/// keys as the declarative `data-*` attributes, in camelCase (`proxyUrl`, `orderId`,
/// `locale`, `returnUrl`, `firstName`, `email`, `redirectHosts`, `stylesheet`). A widget
/// already in `element` is replaced.
#[wasm_bindgen]
pub fn mount(element: HtmlElement, config: &JsValue) -> Widget {
    mount_configured(element, config, None)
}

/// [`mount`], with `default_stylesheet` where `config` names none.
fn mount_configured(
    element: HtmlElement,
    config: &JsValue,
    default_stylesheet: Option<&str>,
) -> Widget {
    let config = WidgetConfig::from_js(config).and_then(|mut config| {
        if config.stylesheet.is_none() {
            config.stylesheet = default_stylesheet.map(str::to_string);
        }
        take_over_page_form(&element, &mut config);
        let services = browser_services(&config)?;
        Ok((config, services))
    });
    match config {
        Ok((config, services)) => mount_checkout(element, config, services),
        Err(error) => mount_problem(element, error),
    }
}

/// Mounts a widget into every element matching [`DECLARED_SELECTOR`] that does not hold
/// one yet, each configured by its own `data-*` attributes; `stylesheet` is used where
/// an element names none. Returns how many it mounted (`doku-embed.js` calls it; the
/// handles stay in Rust: [`mount_all_declared`]).
#[wasm_bindgen]
pub fn mount_declared(stylesheet: Option<String>) -> u32 {
    u32::try_from(mount_all_declared(stylesheet.as_deref()).len()).unwrap_or(u32::MAX)
}

/// [`mount_declared`], returning handles on the new widgets.
pub fn mount_all_declared(stylesheet: Option<&str>) -> Vec<Widget> {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let Ok(found) = document.query_selector_all(DECLARED_SELECTOR) else {
        return Vec::new();
    };
    (0..found.length())
        .filter_map(|i| found.item(i))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .filter(|element| !element.has_attribute(MOUNTED_MARK))
        .map(|element| {
            let dataset = element.dataset();
            mount_configured(element, &dataset, stylesheet)
        })
        .collect()
}

/// Takes over what the customer typed into the form already in `element` (the hosted
/// checkout renders one, usable before the widget loads): its values replace the
/// configured ones, and the field they were typing in keeps the focus.
fn take_over_page_form(element: &HtmlElement, config: &mut WidgetConfig) {
    let active = element.owner_document().and_then(|d| d.active_element());
    let fields = [
        (
            Asked::FirstName,
            PAGE_FORM_INPUTS[0],
            &mut config.first_name,
        ),
        (Asked::Email, PAGE_FORM_INPUTS[1], &mut config.email),
    ];
    for (asked, selector, configured) in fields {
        let Some(input) = element
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|input| input.dyn_into::<HtmlInputElement>().ok())
        else {
            continue;
        };
        let value = input.value();
        if !value.is_empty() {
            *configured = Some(value);
        }
        if active.as_ref() == Some(input.as_ref()) {
            config.focus = Some(asked);
        }
    }
}

/// The page form's inputs (`doku_protocol::api::form_fields`): the first name's, the email's.
const PAGE_FORM_INPUTS: [&str; 2] = ["input[name=first_name]", "input[name=email]"];

/// The real proxy and the browser's facts for `config`.
fn browser_services(config: &WidgetConfig) -> Result<Services, ConfigError> {
    let invalid = ConfigError::Invalid {
        attribute: "data-proxy-url",
        expected: "an http(s) URL or a path starting with /",
    };
    let window = web_sys::window().ok_or(invalid.clone())?;
    let base = window
        .document()
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let proxy =
        web_sys::Url::new_with_base(&config.proxy_url, &base).map_err(|_| invalid.clone())?;
    if proxy.protocol() != "https:" && proxy.protocol() != "http:" {
        return Err(invalid);
    }
    let proxy_base = format!("{}{}", proxy.origin(), proxy.pathname());
    let navigator = window.navigator();
    let timing = Timing::default();
    Ok(Services {
        backend: Rc::new(HttpBackend::new(&proxy_base, timing.request_timeout_ms)),
        navigator: Rc::new(redirect::SubmitForm),
        timing,
        user_agent: navigator.user_agent().unwrap_or_default(),
        touch_points: u32::try_from(navigator.max_touch_points()).unwrap_or(0),
        languages: navigator
            .languages()
            .iter()
            .filter_map(|language| language.as_string())
            .collect(),
    })
}

/// Mounts the checkout for `config`, using `services` (tests pass their own).
pub fn mount_checkout(element: HtmlElement, config: WidgetConfig, services: Services) -> Widget {
    let stylesheet = config.stylesheet.clone();
    let host = element.clone();
    mount_view(
        element,
        stylesheet.as_deref(),
        checkout::markup,
        move |root| checkout::start(config, services, host, root),
    )
}

fn mount_problem(element: HtmlElement, error: ConfigError) -> Widget {
    events::fire(
        &element,
        events::Kind::Error,
        &events::Detail {
            code: Some("configuration".into()),
            message: Some(error.to_string()),
            ..Default::default()
        },
    );
    mount_view(
        element,
        None,
        move || ConfigProblem(ConfigProblemProps { error }),
        |_| (),
    )
}

/// Mounts `view` inside `element`'s shadow root, with the widget's stylesheet,
/// replacing a widget the element already holds; then calls `start` with the element
/// `view` is mounted in. What `start` returns lives as long as the widget.
fn mount_view<V: IntoView + 'static, S: 'static>(
    element: HtmlElement,
    stylesheet: Option<&str>,
    view: impl FnOnce() -> V + 'static,
    start: impl FnOnce(&HtmlElement) -> S,
) -> Widget {
    static NEXT_ID: AtomicU32 = AtomicU32::new(1);
    if let Some(previous) = element
        .get_attribute(MOUNTED_MARK)
        .and_then(|id| id.parse().ok())
    {
        unmount_element(&element, previous);
    }
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    element.class_list().add_1("doku-checkout").ok();
    element.set_attribute(MOUNTED_MARK, &id.to_string()).ok();
    if let Ok(container) = shadow_container(&element, stylesheet) {
        let view = leptos::mount::mount_to(container.clone(), view);
        // Unmounted first, then stopped.
        let handle: Box<dyn Any> = Box::new((view, start(&container)));
        MOUNTED.with(|mounted| mounted.borrow_mut().push((id, handle)));
    }
    Widget { element, id }
}

/// A fresh container in `element`'s (open) shadow root, after the stylesheet link.
fn shadow_container(
    element: &HtmlElement,
    stylesheet: Option<&str>,
) -> Result<HtmlElement, JsValue> {
    let root = match element.shadow_root() {
        Some(root) => root,
        None => element.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))?,
    };
    clear(&root);
    let document = element
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    if let Some(href) = stylesheet {
        let link = document.create_element("link")?;
        link.set_attribute("rel", "stylesheet")?;
        link.set_attribute("href", href)?;
        root.append_child(&link)?;
    }
    let container: HtmlElement = document.create_element("div")?.unchecked_into();
    container.set_class_name("doku-root");
    root.append_child(&container)?;
    Ok(container)
}

fn clear(root: &ShadowRoot) {
    while let Some(child) = root.first_child() {
        if root.remove_child(&child).is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doku_protocol::api::form_fields;

    #[test]
    fn the_page_form_inputs_are_the_fields_the_proxy_reads() {
        let selector = |name| format!("input[name={name}]");
        assert_eq!(
            PAGE_FORM_INPUTS,
            [
                selector(form_fields::FIRST_NAME),
                selector(form_fields::EMAIL)
            ]
        );
    }
}
