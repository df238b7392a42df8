//! The widget's configuration, from the host element's `data-*` attributes or from the
//! object given to `mount` (the same keys in camelCase: `data-proxy-url` is `proxyUrl`).

use crate::i18n::Locale;
use crate::state::Asked;
use doku_protocol::{OrderView, RedirectPolicy};
use std::fmt;
use wasm_bindgen::JsValue;

/// What the merchant configured for one widget.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetConfig {
    /// The merchant's proxy (`data-proxy-url`): `https://…`, `http://…` or a path on
    /// this page's origin such as `/`.
    pub proxy_url: String,
    /// The order to pay (`data-order-id`), created by the merchant's backend.
    pub order_id: String,
    /// The customer's language (`data-locale`: `en` or `id`); else the browser's.
    pub locale: Option<Locale>,
    /// Where DOKU sends the customer back (`data-return-url`), on an origin the proxy
    /// allows; else the proxy's hosted checkout page.
    pub return_url: Option<String>,
    /// Prefilled first name (`data-first-name`).
    pub first_name: Option<String>,
    /// Prefilled email (`data-email`).
    pub email: Option<String>,
    /// Hosts the customer may be sent to (`data-redirect-hosts`, comma-separated);
    /// empty means any host that passes the fixed rules.
    pub redirect_policy: RedirectPolicy,
    /// The widget's stylesheet (`data-stylesheet`), loaded inside its shadow root.
    pub stylesheet: Option<String>,
    /// The order itself (`data-order`: the JSON `GET /api/checkout/orders/{id}` answers),
    /// from a page that already holds it, such as the proxy's hosted checkout: the widget
    /// then shows the form without asking for the order first. Read by
    /// [`WidgetConfig::from_js`] only: it is JSON, which the browser parses.
    pub order: Option<OrderView>,
    /// The field the customer was typing in, in the page's own form (the hosted
    /// checkout's) before the widget loaded: it keeps the focus. Not an attribute.
    pub focus: Option<Asked>,
}

/// Why a widget cannot start. The widget shows it in place of the form (and on the
/// console) and sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A required setting is absent or blank.
    Missing(&'static str),
    /// A setting has a value the widget cannot use.
    Invalid {
        /// The attribute.
        attribute: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// The configuration given to `mount` is not an object.
    NotAnObject,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(attribute) => {
                write!(f, "the {attribute} attribute is missing or empty")
            }
            ConfigError::Invalid {
                attribute,
                expected,
            } => write!(f, "{attribute} must be {expected}"),
            ConfigError::NotAnObject => f.write_str("mount(element, config) needs a config object"),
        }
    }
}

/// `http://`, `https://` or an absolute path (not `//host`), without spaces.
fn is_url_or_path(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let shaped = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (value.starts_with('/') && !value.starts_with("//"));
    shaped && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl WidgetConfig {
    /// Reads the configuration through `get`, which answers a camelCase key
    /// (`proxyUrl`) with its value, if any.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let optional = |key: &str| {
            get(key)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let required = |key: &str, attribute: &'static str| {
            optional(key).ok_or(ConfigError::Missing(attribute))
        };
        let invalid = |attribute, expected| ConfigError::Invalid {
            attribute,
            expected,
        };

        let proxy_url = required("proxyUrl", "data-proxy-url")?;
        if !is_url_or_path(&proxy_url) {
            return Err(invalid(
                "data-proxy-url",
                "an http(s) URL or a path starting with /",
            ));
        }
        let order_id = required("orderId", "data-order-id")?;
        let order_id_ok = order_id.len() <= 64
            && order_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !order_id_ok {
            return Err(invalid(
                "data-order-id",
                "an order id from your backend (letters, digits, _ and -)",
            ));
        }
        let locale = optional("locale")
            .map(|tag| Locale::from_tag(&tag).ok_or(invalid("data-locale", "en or id")))
            .transpose()?;
        let return_url = optional("returnUrl");
        if return_url
            .as_deref()
            .is_some_and(|url| !is_url_or_path(url) || url.starts_with('/'))
        {
            return Err(invalid("data-return-url", "an http(s) URL"));
        }
        let stylesheet = optional("stylesheet");
        if stylesheet
            .as_deref()
            .is_some_and(|url| !is_url_or_path(url))
        {
            return Err(invalid(
                "data-stylesheet",
                "an http(s) URL or a path starting with /",
            ));
        }
        let allowed_hosts = optional("redirectHosts")
            .map(|hosts| {
                hosts
                    .split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(WidgetConfig {
            proxy_url,
            order_id,
            locale,
            return_url,
            first_name: optional("firstName"),
            email: optional("email"),
            redirect_policy: RedirectPolicy { allowed_hosts },
            stylesheet,
            order: None,
            focus: None,
        })
    }

    /// Reads the configuration from a JS object: an element's `dataset` or the object
    /// given to `mount`.
    pub fn from_js(source: &JsValue) -> Result<Self, ConfigError> {
        if !source.is_object() {
            return Err(ConfigError::NotAnObject);
        }
        let get = |key: &str| {
            js_sys::Reflect::get(source, &JsValue::from_str(key))
                .ok()
                .and_then(|value| value.as_string())
        };
        let mut config = Self::parse(get)?;
        let order = js_sys::Reflect::get(source, &JsValue::from_str("order"));
        config.order = given_order(&order.unwrap_or_default(), &config.order_id)?;
        Ok(config)
    }
}

/// The order a page hands over, if any: in `data-order` the proxy's JSON for the
/// configured order, or from JavaScript that JSON or the object it parses to. Checked as
/// an answer from the proxy is.
fn given_order(given: &JsValue, order_id: &str) -> Result<Option<OrderView>, ConfigError> {
    let value = match given.as_string() {
        Some(json) if json.trim().is_empty() => return Ok(None),
        Some(json) => js_sys::JSON::parse(&json).ok(),
        None if given.is_undefined() || given.is_null() => return Ok(None),
        None => Some(given.clone()),
    };
    value
        .and_then(|value| crate::wire::order_view(&value).ok())
        .filter(|order| order.order_id == order_id)
        .map(Some)
        .ok_or(ConfigError::Invalid {
            attribute: "data-order",
            expected: "the JSON (from JavaScript, also the object) that \
                       GET /api/checkout/orders/{data-order-id} answers",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<WidgetConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WidgetConfig::parse(|key| map.get(key).cloned())
    }

    #[test]
    fn reads_every_setting() {
        let config = parse(&[
            ("proxyUrl", " https://pay.example.com "),
            ("orderId", "ord_1"),
            ("locale", "id-ID"),
            ("returnUrl", "https://shop.example/thanks"),
            ("firstName", "Budi"),
            ("redirectHosts", "pay.doku.com, PaymentPage.ecommpay.com"),
        ])
        .unwrap();
        assert_eq!(config.proxy_url, "https://pay.example.com");
        assert_eq!(config.locale, Some(Locale::Id));
        assert_eq!(config.first_name.as_deref(), Some("Budi"));
        assert_eq!(
            config.redirect_policy.allowed_hosts,
            ["pay.doku.com", "paymentpage.ecommpay.com"]
        );
        assert_eq!(
            parse(&[("proxyUrl", "/"), ("orderId", "o")])
                .unwrap()
                .locale,
            None
        );
    }

    #[test]
    fn names_the_attribute_at_fault() {
        assert_eq!(
            parse(&[("orderId", "o")]),
            Err(ConfigError::Missing("data-proxy-url"))
        );
        assert_eq!(
            parse(&[("proxyUrl", "/"), ("orderId", "  ")]),
            Err(ConfigError::Missing("data-order-id"))
        );
        let attribute = |pairs: &[(&str, &str)]| match parse(pairs) {
            Err(ConfigError::Invalid { attribute, .. }) => attribute,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            attribute(&[("proxyUrl", "javascript:alert(1)"), ("orderId", "o")]),
            "data-proxy-url"
        );
        assert_eq!(
            attribute(&[("proxyUrl", "//evil.example"), ("orderId", "o")]),
            "data-proxy-url"
        );
        assert_eq!(
            attribute(&[("proxyUrl", "/"), ("orderId", "o\"><b>")]),
            "data-order-id"
        );
        assert_eq!(
            attribute(&[("proxyUrl", "/"), ("orderId", "o"), ("locale", "fr")]),
            "data-locale"
        );
        assert_eq!(
            attribute(&[
                ("proxyUrl", "/"),
                ("orderId", "o"),
                ("returnUrl", "/relative")
            ]),
            "data-return-url"
        );
    }
}
