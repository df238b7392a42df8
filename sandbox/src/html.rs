//! HTML for the sandbox's pages: escaping of every dynamic value and one plain layout.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// `text` with `& < > " '` escaped, safe in element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// Which look a page has: the platform's Payment Page and sandbox pages, or DOKU's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Brand {
    /// ecommpay's Payment Page and the sandbox's own pages.
    Platform,
    /// The emulated DOKU Wallet page.
    Doku,
}

/// A whole page: `title` is escaped here; `body` must already be safe HTML.
pub fn page(brand: Brand, title: &str, body: &str) -> String {
    let (banner, accent) = match brand {
        Brand::Platform => ("ecommpay Payment Page · sandbox", "#1d4ed8"),
        Brand::Doku => ("DOKU Wallet · sandbox", "#c8102e"),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1f2328; }}
header {{ background: {accent}; color: #fff; padding: .75rem 1.25rem; font-weight: 600; }}
main {{ max-width: 34rem; margin: 2rem auto; background: #fff; padding: 1.5rem; border-radius: .5rem; }}
h1 {{ font-size: 1.35rem; margin-top: 0; }}
label {{ display: block; margin: .75rem 0 .25rem; }}
input[type=text], input[type=email] {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin: 1rem .5rem 0 0; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }}
button:disabled {{ cursor: not-allowed; }}
.error {{ color: #b42318; }}
.muted {{ color: #59636e; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }}
dt {{ color: #59636e; }}
dd {{ margin: 0; }}
</style>
</head>
<body>
<header>{banner}</header>
<main>
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
    )
}

/// A page as a response with `status`.
pub fn respond(status: StatusCode, brand: Brand, title: &str, body: &str) -> Response {
    (status, Html(page(brand, title, body))).into_response()
}

/// A paragraph of escaped `text`, with an optional `id`.
pub fn paragraph(id: Option<&str>, class: Option<&str>, text: &str) -> String {
    let id = id
        .map(|id| format!(r#" id="{}""#, escape(id)))
        .unwrap_or_default();
    let class = class
        .map(|class| format!(r#" class="{}""#, escape(class)))
        .unwrap_or_default();
    format!("<p{id}{class}>{}</p>", escape(text))
}

/// A definition list of escaped `(term, value, id)` rows.
pub fn details(rows: &[(&str, &str, &str)]) -> String {
    let rows: String = rows
        .iter()
        .map(|(term, value, id)| {
            format!(
                r#"<dt>{}</dt><dd id="{}">{}</dd>"#,
                escape(term),
                escape(id),
                escape(value)
            )
        })
        .collect();
    format!("<dl>{rows}</dl>")
}

/// Hidden inputs for `fields`, one per line.
pub fn hidden_inputs(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(name),
                escape(value)
            )
        })
        .collect()
}

/// A labelled text input named `name`, with its current `value` and an error if any.
pub fn text_input(kind: &str, name: &str, label: &str, value: &str, error: Option<&str>) -> String {
    let error = error
        .map(|error| {
            format!(
                r#"<span class="error" id="{}-error">{}</span>"#,
                escape(name),
                escape(error)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<label for="{name}">{label}</label><input type="{kind}" id="{name}" name="{name}" value="{value}" required>{error}"#,
        kind = escape(kind),
        name = escape(name),
        label = escape(label),
        value = escape(value),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("Warung Kopi Nusantara"), "Warung Kopi Nusantara");
    }

    #[test]
    fn helpers_escape_what_they_are_given() {
        let page = page(Brand::Doku, "<script>", "<p>safe</p>");
        assert!(page.contains("<title>&lt;script&gt;</title>"));
        assert!(page.contains("<p>safe</p>"));
        assert_eq!(
            hidden_inputs(&[("NAME".into(), "\"><b>".into())]),
            "<input type=\"hidden\" name=\"NAME\" value=\"&quot;&gt;&lt;b&gt;\">\n"
        );
        assert!(paragraph(Some("x"), None, "<b>").contains("&lt;b&gt;"));
        assert!(details(&[("a", "<i>", "v")]).contains(r#"<dd id="v">&lt;i&gt;</dd>"#));
        let input = text_input("email", "email", "Email", "a\"b", Some("<bad>"));
        assert!(input.contains(r#"value="a&quot;b""#));
        assert!(input.contains("&lt;bad&gt;"));
    }
}
