//! Where to send the customer to pay, and the checks it must pass before the widget
//! navigates: GET or POST only, `https` (plain `http` only to loopback, for the
//! sandbox), an optional host allow-list, and a flat body of strings and numbers.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The longest redirect URL accepted.
pub const MAX_URL_LEN: usize = 4096;

/// A redirect as it travels (proxy -> widget): not yet checked. Turn it into a
/// [`RedirectData`] with [`RedirectData::validate`] before using it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncheckedRedirect {
    /// `GET` or `POST`.
    pub method: String,
    /// Where to go.
    pub url: String,
    /// The form fields to send, in order (a JSON object on the wire).
    #[serde(default, with = "fields_as_object")]
    pub body: Vec<(String, BodyValue)>,
}

/// A value of a redirect's body as sent. Only [`BodyValue::Text`] and
/// [`BodyValue::Number`] pass validation; anything else is kept as
/// [`BodyValue::Unsupported`] so the refusal can name the field.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyValue {
    /// A string.
    Text(String),
    /// A number (the platform sends some DOKU fields, e.g. `MALLID`, as numbers), as
    /// its decimal text (`4038`, `10000.5`), which is what a form field sends.
    Number(String),
    /// Something a form field cannot carry: its JSON kind (`object`, `list`, ...).
    Unsupported(&'static str),
}

impl Serialize for BodyValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            BodyValue::Text(text) => serializer.serialize_str(text),
            // A number travels as a JSON number again (`4038`, not `"4038"`).
            BodyValue::Number(text) => match (text.parse::<i64>(), text.parse::<f64>()) {
                (Ok(integer), _) => serializer.serialize_i64(integer),
                (_, Ok(float)) => serializer.serialize_f64(float),
                _ => serializer.serialize_str(text),
            },
            BodyValue::Unsupported(_) => serializer.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for BodyValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BodyValueVisitor)
    }
}

struct BodyValueVisitor;

impl<'de> Visitor<'de> for BodyValueVisitor {
    type Value = BodyValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<BodyValue, E> {
        Ok(BodyValue::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<BodyValue, E> {
        Ok(BodyValue::Text(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<BodyValue, E> {
        Ok(BodyValue::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<BodyValue, E> {
        Ok(BodyValue::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<BodyValue, E> {
        Ok(if v.is_finite() {
            BodyValue::Number(v.to_string())
        } else {
            BodyValue::Unsupported("number")
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<BodyValue, E> {
        Ok(BodyValue::Unsupported("boolean"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<BodyValue, E> {
        Ok(BodyValue::Unsupported("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<BodyValue, E> {
        Ok(BodyValue::Unsupported("null"))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<BodyValue, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(BodyValue::Unsupported("list"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<BodyValue, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(BodyValue::Unsupported("object"))
    }
}

/// `body` as a JSON object: `{"MALLID": 4038, ...}`.
mod fields_as_object {
    use super::BodyValue;
    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde::ser::{SerializeMap, Serializer};
    use std::fmt;

    pub(super) fn serialize<S: Serializer>(
        fields: &[(String, BodyValue)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (name, value) in fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, BodyValue)>, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Vec<(String, BodyValue)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of form fields")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    fields.push(entry);
                }
                Ok(fields)
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// How the customer is sent: a GET navigation or a POSTed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedirectMethod {
    /// `GET`
    #[serde(rename = "GET")]
    Get,
    /// `POST`
    #[serde(rename = "POST")]
    Post,
}

impl RedirectMethod {
    /// `GET` or `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectMethod::Get => "GET",
            RedirectMethod::Post => "POST",
        }
    }
}

/// What a redirect may point at, beyond the fixed rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedirectPolicy {
    /// Hosts allowed as targets (lower case, without port); empty means any host.
    pub allowed_hosts: Vec<String>,
}

/// Why a redirect was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// The method is neither GET nor POST.
    #[error("method \"{0}\" is not GET or POST")]
    Method(String),
    /// The URL's scheme is not https (or http to a loopback host).
    #[error("the URL's scheme is not https")]
    Scheme,
    /// Plain http to a host that is not loopback.
    #[error("plain http is allowed only to loopback hosts, not {0}")]
    InsecureHost(String),
    /// The URL is malformed or carries something a payment redirect never needs.
    #[error("the URL is not acceptable: {0}")]
    Url(&'static str),
    /// The host is not on the configured allow-list.
    #[error("host {0} is not on the allow-list")]
    HostNotAllowed(String),
    /// A body field that a form cannot carry.
    #[error("body field \"{field}\" is {kind}, not a string or a number")]
    BodyValue {
        /// The field.
        field: String,
        /// What it is instead.
        kind: &'static str,
    },
    /// A body field name that is empty or has control characters.
    #[error("a body field name is empty or contains control characters")]
    BodyKey,
}

/// A redirect that passed every check: the only kind the widget navigates to.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectData {
    method: RedirectMethod,
    url: String,
    host: String,
    body: Vec<(String, String)>,
}

impl RedirectData {
    /// Checks `unchecked` against the fixed rules and `policy`.
    pub fn validate(
        unchecked: &UncheckedRedirect,
        policy: &RedirectPolicy,
    ) -> Result<RedirectData, RedirectError> {
        let method = match unchecked.method.to_ascii_uppercase().as_str() {
            "GET" => RedirectMethod::Get,
            "POST" => RedirectMethod::Post,
            _ => return Err(RedirectError::Method(unchecked.method.clone())),
        };
        let host = check_url(&unchecked.url)?;
        if !policy.allowed_hosts.is_empty()
            && !policy
                .allowed_hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(&host))
        {
            return Err(RedirectError::HostNotAllowed(host));
        }
        let body = unchecked
            .body
            .iter()
            .map(|(field, value)| {
                if field.is_empty() || field.chars().any(char::is_control) {
                    return Err(RedirectError::BodyKey);
                }
                match value {
                    BodyValue::Text(text) | BodyValue::Number(text) => {
                        Ok((field.clone(), text.clone()))
                    }
                    BodyValue::Unsupported(kind) => Err(RedirectError::BodyValue {
                        field: field.clone(),
                        kind,
                    }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(RedirectData {
            method,
            url: unchecked.url.clone(),
            host,
            body,
        })
    }

    /// GET or POST.
    pub fn method(&self) -> RedirectMethod {
        self.method
    }

    /// The target URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The target's host (lower case).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The form fields, as text.
    pub fn body(&self) -> &[(String, String)] {
        &self.body
    }
}

/// Checks the URL's shape and returns its host in lower case.
fn check_url(url: &str) -> Result<String, RedirectError> {
    if url.len() > MAX_URL_LEN {
        return Err(RedirectError::Url("longer than 4096 bytes"));
    }
    if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(RedirectError::Url(
            "contains spaces, control characters or backslashes",
        ));
    }
    let (scheme, rest) = url.split_once(':').ok_or(RedirectError::Scheme)?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return Err(RedirectError::Scheme),
    };
    let rest = rest
        .strip_prefix("//")
        .ok_or(RedirectError::Url("no host after the scheme"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(RedirectError::Url("carries a user name or password"));
    }
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port
        && (port.is_empty()
            || port.len() > 5
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u32>().map_or(true, |p| p > 65535))
    {
        return Err(RedirectError::Url("has an invalid port"));
    }
    let host = host.to_ascii_lowercase();
    let valid_name = !host.is_empty()
        && (host.starts_with('[')
            || host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    if !valid_name {
        return Err(RedirectError::Url("has an invalid host"));
    }
    if !secure && !is_loopback(&host) {
        return Err(RedirectError::InsecureHost(host));
    }
    Ok(host)
}

/// `host[:port]` or `[v6][:port]`.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), RedirectError> {
    if let Some(inner) = authority.strip_prefix('[') {
        let end = inner
            .find(']')
            .ok_or(RedirectError::Url("has an unclosed IPv6 address"))?;
        let host = &authority[..end + 2];
        if !is_ipv6(&inner[..end]) {
            return Err(RedirectError::Url("has an invalid IPv6 address"));
        }
        return match &authority[end + 2..] {
            "" => Ok((host, None)),
            rest => rest
                .strip_prefix(':')
                .map(|port| (host, Some(port)))
                .ok_or(RedirectError::Url("has an invalid port")),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "[::1]" || (host.starts_with("127.") && is_ipv4(host))
}

/// Four decimal octets: digits only (no sign), without leading zeros (which browsers
/// read as octal, or refuse).
fn is_ipv4(text: &str) -> bool {
    let octets: Vec<&str> = text.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|o| {
            !o.is_empty()
                && o.bytes().all(|b| b.is_ascii_digit())
                && (o == &"0" || !o.starts_with('0'))
                && o.parse::<u8>().is_ok()
        })
}

/// An IPv6 address in text form: eight groups of up to four hex digits, a run of zero
/// groups shortened to `::` at most once, the last two groups optionally as IPv4.
/// (Written out: `Ipv6Addr`'s parser costs the widget 1.5 KB gzip.)
fn is_ipv6(text: &str) -> bool {
    let (head, tail) = match text.split_once("::") {
        Some((_, tail)) if tail.contains("::") => return false,
        Some((head, tail)) => (head, Some(tail)),
        None => (text, None),
    };
    // Groups in `part`, `None` if one is malformed; IPv4 only at the very end.
    let groups = |part: &str, at_end: bool| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        let parts: Vec<&str> = part.split(':').collect();
        let mut count = 0;
        for (i, group) in parts.iter().enumerate() {
            if at_end && i == parts.len() - 1 && group.contains('.') {
                count += if is_ipv4(group) { 2 } else { return None };
            } else if (1..=4).contains(&group.len()) && group.bytes().all(|b| b.is_ascii_hexdigit())
            {
                count += 1;
            } else {
                return None;
            }
        }
        Some(count)
    };
    match tail {
        None => groups(head, true) == Some(8),
        Some(tail) => match (groups(head, false), groups(tail, true)) {
            (Some(h), Some(t)) => h + t <= 7,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unchecked(method: &str, url: &str) -> UncheckedRedirect {
        UncheckedRedirect {
            method: method.into(),
            url: url.into(),
            body: Vec::new(),
        }
    }

    fn check(method: &str, url: &str) -> Result<RedirectData, RedirectError> {
        RedirectData::validate(&unchecked(method, url), &RedirectPolicy::default())
    }

    #[test]
    fn accepts_https_and_loopback_http() {
        for url in [
            "https://paymentpage.ecommpay.com/payment?project_id=1&signature=a%2Bb",
            "https://pay.doku.com/Suite/Receive",
            "HTTPS://PAY.DOKU.COM:443/x",
            "http://127.0.0.1:8090/doku/Suite/Receive",
            "http://localhost:8090/",
            "http://[::1]:8090/x",
        ] {
            assert!(check("POST", url).is_ok(), "{url}");
        }
        assert_eq!(
            check("post", "https://a.example/").unwrap().method(),
            RedirectMethod::Post
        );
        assert_eq!(
            check("GET", "https://A.Example/x").unwrap().host(),
            "a.example"
        );
    }

    #[test]
    fn refuses_dangerous_or_odd_targets() {
        assert_eq!(
            check("GET", "javascript:alert(1)"),
            Err(RedirectError::Scheme)
        );
        assert_eq!(
            check("GET", "JavaScript://%0aalert(1)"),
            Err(RedirectError::Scheme)
        );
        assert_eq!(
            check("GET", "data:text/html,<script>x</script>"),
            Err(RedirectError::Scheme)
        );
        assert_eq!(
            check("GET", "ftp://files.example/x"),
            Err(RedirectError::Scheme)
        );
        assert_eq!(check("GET", "/relative/path"), Err(RedirectError::Scheme));
        assert_eq!(
            check("GET", "http://pay.doku.com/x"),
            Err(RedirectError::InsecureHost("pay.doku.com".into()))
        );
        assert!(matches!(
            check("GET", "http://127.0.0.1.evil.com/"),
            Err(RedirectError::InsecureHost(_))
        ));
        assert_eq!(
            check("GET", "https://user:pw@pay.doku.com/"),
            Err(RedirectError::Url("carries a user name or password"))
        );
        assert_eq!(
            check("GET", "https:pay.doku.com"),
            Err(RedirectError::Url("no host after the scheme"))
        );
        assert_eq!(
            check("GET", "https://pay.doku.com:99999/"),
            Err(RedirectError::Url("has an invalid port"))
        );
        assert_eq!(
            check("GET", "https://pay doku.com/"),
            Err(RedirectError::Url(
                "contains spaces, control characters or backslashes"
            ))
        );
        assert_eq!(
            check("GET", "https://pay.doku.com\\@evil.com/"),
            Err(RedirectError::Url(
                "contains spaces, control characters or backslashes"
            ))
        );
        assert_eq!(
            check("GET", "https:///x"),
            Err(RedirectError::Url("has an invalid host"))
        );
        for (url, reason) in [
            ("https://[]/", "has an invalid IPv6 address"),
            ("https://[::1::2]/", "has an invalid IPv6 address"),
            ("https://[1:2:3:4:5:6:7]/", "has an invalid IPv6 address"),
            ("https://[12345::1]/", "has an invalid IPv6 address"),
            ("https://[::1.2.3]/", "has an invalid IPv6 address"),
            ("https://[::1/", "has an unclosed IPv6 address"),
            ("https://[::1]x/", "has an invalid port"),
            ("https://pay.doku.com:/", "has an invalid port"),
            ("https://pay..doku.com/", "has an invalid host"),
        ] {
            assert_eq!(check("GET", url), Err(RedirectError::Url(reason)), "{url}");
        }
        assert_eq!(
            check(
                "GET",
                &format!("https://a.example/{}", "x".repeat(MAX_URL_LEN))
            ),
            Err(RedirectError::Url("longer than 4096 bytes"))
        );
        for host in [
            "[2001:db8::1]",
            "[::]",
            "[1:2:3:4:5:6:7:8]",
            "[::ffff:192.0.2.1]",
            "[64:ff9b::192.0.2.33]",
        ] {
            assert!(
                check("GET", &format!("https://{host}:8443/pay")).is_ok(),
                "{host}"
            );
        }
        assert_eq!(
            check("DELETE", "https://a.example/"),
            Err(RedirectError::Method("DELETE".into()))
        );
        assert_eq!(
            check("", "https://a.example/"),
            Err(RedirectError::Method(String::new()))
        );
    }

    #[test]
    fn the_allow_list_limits_hosts() {
        let policy = RedirectPolicy {
            allowed_hosts: vec!["pay.doku.com".into(), "paymentpage.ecommpay.com".into()],
        };
        let ok = RedirectData::validate(
            &unchecked("POST", "https://pay.doku.com/Suite/Receive"),
            &policy,
        );
        assert!(ok.is_ok());
        let refused = RedirectData::validate(&unchecked("POST", "https://evil.example/"), &policy);
        assert_eq!(
            refused,
            Err(RedirectError::HostNotAllowed("evil.example".into()))
        );
    }

    #[test]
    fn body_must_be_flat_strings_and_numbers() {
        let json = r#"{"method":"POST","url":"https://pay.doku.com/Suite/Receive",
            "body":{"MALLID":4038,"AMOUNT":"10000.00","TRANSIDMERCHANT":1447000002341}}"#;
        let redirect: UncheckedRedirect = serde_json::from_str(json).unwrap();
        let data = RedirectData::validate(&redirect, &RedirectPolicy::default()).unwrap();
        assert_eq!(
            data.body(),
            [
                ("MALLID".to_string(), "4038".to_string()),
                ("AMOUNT".to_string(), "10000.00".to_string()),
                ("TRANSIDMERCHANT".to_string(), "1447000002341".to_string()),
            ]
        );
        let round_trip = serde_json::to_string(&redirect).unwrap();
        assert!(round_trip.contains(r#""MALLID":4038,"#), "{round_trip}");
        for (body, kind) in [
            (r#"{"X":{"nested":1}}"#, "object"),
            (r#"{"X":[1]}"#, "list"),
            (r#"{"X":true}"#, "boolean"),
            (r#"{"X":null}"#, "null"),
        ] {
            let json = format!(r#"{{"method":"POST","url":"https://a.example/","body":{body}}}"#);
            let redirect: UncheckedRedirect = serde_json::from_str(&json).unwrap();
            assert_eq!(
                RedirectData::validate(&redirect, &RedirectPolicy::default()),
                Err(RedirectError::BodyValue {
                    field: "X".into(),
                    kind
                }),
            );
        }
    }

    #[test]
    fn the_ipv6_check_agrees_with_the_standard_parser() {
        // Every string of up to five of these pieces (161,051 of them): groups, IPv4
        // tails, separators and malformed parts.
        const PIECES: [&str; 12] = [
            "",
            "0",
            "1",
            "ffff",
            "12345",
            "::",
            ":",
            "1.2.3.4",
            "01.2.3.4",
            "1.2.3.+4",
            "256.1.1.1",
            "g",
        ];
        let mut checked = 0;
        for n in 0..PIECES.len().pow(5) {
            let mut text = String::new();
            let mut rest = n;
            for _ in 0..5 {
                text.push_str(PIECES[rest % PIECES.len()]);
                rest /= PIECES.len();
            }
            assert_eq!(
                is_ipv6(&text),
                text.parse::<std::net::Ipv6Addr>().is_ok(),
                "[{text}]"
            );
            checked += 1;
        }
        assert_eq!(checked, 248_832);
    }
}
