//! The widget's configuration, from the host element's `data-*` attributes or from the
//! object given to `mount`.

use std::fmt;
use wasm_bindgen::JsValue;

/// What the merchant configured for one widget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetConfig {
    /// Base URL of the merchant's proxy (`data-proxy-url`).
    pub proxy_url: String,
    /// The order to pay (`data-order-id`), created by the merchant's backend.
    pub order_id: String,
}

/// Why a widget cannot start. The widget shows it in place of the form (and in the
/// console) and sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A required setting is absent or blank.
    Missing(&'static str),
    /// The configuration given to `mount` is not an object.
    NotAnObject,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(attribute) => {
                write!(f, "the {attribute} attribute is missing or empty")
            }
            ConfigError::NotAnObject => f.write_str("mount(element, config) needs a config object"),
        }
    }
}

impl WidgetConfig {
    /// Reads the configuration through `get`, which answers a camelCase key
    /// (`proxyUrl`) with its value, if any.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |key: &str, attribute: &'static str| {
            get(key)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .ok_or(ConfigError::Missing(attribute))
        };
        Ok(WidgetConfig {
            proxy_url: required("proxyUrl", "data-proxy-url")?,
            order_id: required("orderId", "data-order-id")?,
        })
    }

    /// Reads the configuration from a JS object: an element's `dataset` or the object
    /// given to `mount`.
    pub fn from_js(source: &JsValue) -> Result<Self, ConfigError> {
        if !source.is_object() {
            return Err(ConfigError::NotAnObject);
        }
        Self::parse(|key| {
            js_sys::Reflect::get(source, &JsValue::from_str(key))
                .ok()
                .and_then(|value| value.as_string())
        })
    }
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
    fn reads_required_settings() {
        let config = parse(&[
            ("proxyUrl", " https://pay.example.com "),
            ("orderId", "ord_1"),
        ]);
        assert_eq!(
            config,
            Ok(WidgetConfig {
                proxy_url: "https://pay.example.com".into(),
                order_id: "ord_1".into()
            })
        );
    }

    #[test]
    fn names_the_missing_attribute() {
        assert_eq!(
            parse(&[("orderId", "o")]),
            Err(ConfigError::Missing("data-proxy-url"))
        );
        assert_eq!(
            parse(&[("proxyUrl", "/"), ("orderId", "  ")]),
            Err(ConfigError::Missing("data-order-id"))
        );
    }
}
