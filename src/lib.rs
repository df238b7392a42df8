//! The DOKU Wallet checkout widget.
//!
//! A merchant page marks an element (`<div id="doku-checkout" data-proxy-url=...
//! data-order-id=...>`) and loads `doku-embed.js`, which initialises this module and
//! calls [`mount_declared`]. Pages that prefer JavaScript call [`mount`] themselves.

pub mod checkout;
pub mod config;

use config::WidgetConfig;
use leptos::prelude::*;
use std::any::Any;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

/// The CSS selector of the elements [`mount_declared`] mounts into.
pub const DECLARED_SELECTOR: &str = "#doku-checkout, [data-doku-checkout]";

/// The attribute marking an element that already holds a widget.
const MOUNTED_MARK: &str = "data-doku-mounted";

/// A mounted widget. Dropping it, or calling [`Widget::unmount`], removes it from the page.
#[wasm_bindgen]
pub struct Widget {
    element: HtmlElement,
    mounted: Option<Box<dyn Any>>,
}

#[wasm_bindgen]
impl Widget {
    /// Removes the widget from its element.
    pub fn unmount(&mut self) {
        self.mounted = None;
        self.element.remove_attribute(MOUNTED_MARK).ok();
    }
}

/// Mounts the widget into `element`, configured by `config`, an object with the same
/// keys as the declarative `data-*` attributes in camelCase (`proxyUrl`, `orderId`).
#[wasm_bindgen]
pub fn mount(element: HtmlElement, config: &JsValue) -> Widget {
    let config = WidgetConfig::from_js(config);
    mount_into(element, config)
}

/// Mounts a widget into every element matching [`DECLARED_SELECTOR`] that does not hold
/// one yet, each configured by its own `data-*` attributes. Returns the new widgets; the
/// page keeps them alive.
#[wasm_bindgen]
pub fn mount_declared() -> Vec<Widget> {
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
            let config = WidgetConfig::from_js(&element.dataset());
            mount_into(element, config)
        })
        .collect()
}

fn mount_into(element: HtmlElement, config: Result<WidgetConfig, config::ConfigError>) -> Widget {
    element.class_list().add_1("doku-checkout").ok();
    element.set_attribute(MOUNTED_MARK, "").ok();
    let handle = leptos::mount::mount_to(element.clone(), move || match config {
        Ok(config) => checkout::Checkout(checkout::CheckoutProps { config }).into_any(),
        Err(error) => checkout::ConfigProblem(checkout::ConfigProblemProps { error }).into_any(),
    });
    Widget {
        element,
        mounted: Some(Box::new(handle)),
    }
}
