//! The hosted checkout's markup: the widget's, rendered on the server, in the
//! customer's language, every dynamic value escaped.

use crate::app::SharedApp;
use crate::ids::new_id;
use crate::pages::{escape, page, widget_files};
use crate::problem::ApiError;
use crate::store::Payment;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use doku_protocol::api::form_fields;
use doku_protocol::browser::is_webkit_safari;
use doku_protocol::i18n::{self, Msg, format_amount, text};
use doku_protocol::{CheckoutStatus, Currency, Locale, OrderView, RedirectData, RedirectMethod};
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::sync::LazyLock;

/// The page's style: the pages' own, then the widget's, whose `:host` rules style the
/// host element here (the widget's shadow root links the same file).
static STYLE: LazyLock<String> = LazyLock::new(|| {
    let widget =
        include_str!("../../../style/doku-checkout.css").replace(":host", ".doku-checkout");
    format!("{}{widget}", include_str!("../../../style/hosted.css"))
});

/// Marks the moment the form can be used, as the widget does when it shows its own
/// (`doku:interactive`); only the page with the form has it.
const MARK_SCRIPT: &str = "performance.mark(\"doku:interactive\")";

/// Sends the customer on to DOKU through the form above it.
const CONTINUE_SCRIPT: &str = "document.getElementById(\"doku-continue\").submit()";

/// The Content-Security-Policy sources (`'sha256-…'`) of what the page inlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSources {
    /// The style's.
    pub style: String,
    /// The scripts', space-separated.
    pub scripts: String,
}

/// The hashes of the page's inline style and scripts.
pub fn inline_sources() -> InlineSources {
    let source = |text: &str| {
        let digest = Sha256::digest(text.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    InlineSources {
        style: source(&STYLE),
        scripts: format!("{} {}", source(MARK_SCRIPT), source(CONTINUE_SCRIPT)),
    }
}

/// The customer's language: the first of the request's `Accept-Language` tags the
/// checkout speaks (browsers list them by preference), else English.
fn request_locale(headers: &HeaderMap) -> Locale {
    let tags = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    i18n::choose_locale(
        None,
        tags.split(',')
            .map(|tag| tag.split(';').next().unwrap_or_default().trim()),
    )
}

/// What the page shows inside the widget's element.
pub(super) enum Content {
    /// The form, as typed so far.
    Form(Filled),
    /// A notice instead of the form (the order is paid, say).
    Notice(Msg),
    /// The payment the customer came back from.
    Status(Box<Payment>),
    /// On to DOKU.
    Continue(RedirectData),
    /// Waiting for DOKU's redirect to reach the platform (Gate): the payment's id.
    Waiting(String),
}

/// The form's values and what was wrong with them.
#[derive(Debug, Default)]
pub(super) struct Filled {
    pub(super) first_name: String,
    pub(super) email: String,
    /// Under the first name, and under the email.
    pub(super) errors: [Option<String>; 2],
    /// Above the pay button.
    pub(super) form_error: Option<Msg>,
}

impl Filled {
    /// The form, empty, with `msg` above its button.
    pub(super) fn failed(msg: Msg) -> Filled {
        Filled {
            form_error: Some(msg),
            ..Filled::default()
        }
    }
}

/// The request's facts the page depends on.
pub(super) struct Visitor {
    pub(super) locale: Locale,
    safari: bool,
}

impl Visitor {
    pub(super) fn of(headers: &HeaderMap) -> Visitor {
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Visitor {
            locale: request_locale(headers),
            // A request does not say how many touch points its device has.
            safari: is_webkit_safari(user_agent, 0),
        }
    }
}

/// The hosted checkout page: `content` inside the widget's element.
pub(super) fn checkout_page(
    app: &SharedApp,
    order: &OrderView,
    visitor: &Visitor,
    content: Content,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let locale = visitor.locale;
    let json = serde_json::to_string(order)
        .map_err(|e| ApiError::internal(format!("order {} as JSON: {e}", order.order_id)))?;
    let mut head = format!("<style>{}</style>\n", *STYLE);
    // The form posts its origin to this server only (the default policy sends none).
    head.push_str("<meta name=\"referrer\" content=\"same-origin\">\n");
    match &content {
        // Waiting for DOKU, the page asks again by itself; it has no use for the widget.
        Content::Waiting(_) => head.push_str("<meta http-equiv=\"refresh\" content=\"1\">\n"),
        // Leaving for DOKU.
        Content::Continue(_) => {}
        // Back from DOKU without the widget, the page asks again until the result is final.
        Content::Status(payment) if !payment.status.is_final() => {
            head.push_str("<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>\n");
            head.push_str(&widget_files());
        }
        _ => head.push_str(&widget_files()),
    }
    // Right after the form: the moment it can be used.
    let mark = match content {
        Content::Form(_) => format!("\n<script>{MARK_SCRIPT}</script>"),
        _ => String::new(),
    };
    let inner = match content {
        Content::Form(filled) => form(order, visitor, &filled),
        Content::Notice(msg) => format!(
            "{}<div class=\"doku-notice\"><p>{}</p></div>",
            summary(order, locale),
            text(locale, msg)
        ),
        Content::Status(payment) => status_card(order, &payment, locale),
        Content::Waiting(_) => format!(
            "{}<p class=\"doku-progress\" role=\"status\">{}</p>",
            summary(order, locale),
            text(locale, Msg::WaitingForDoku)
        ),
        Content::Continue(redirect) => continue_to(&redirect, locale),
    };
    let body = format!(
        r#"<h1>{shop}</h1>
<p class="page-lead">{description}</p>
<div id="doku-checkout" class="doku-checkout" data-proxy-url="{proxy}" data-order-id="{id}" data-locale="{lang}" data-order="{json}"><section class="doku" aria-label="{label}" lang="{lang}">
{inner}
</section></div>{mark}"#,
        shop = escape(&app.config.shop_name),
        description = escape(&order.description),
        proxy = escape(&app.config.public_url),
        id = escape(&order.order_id),
        lang = locale.code(),
        json = escape(&json),
        label = text(locale, Msg::WidgetLabel),
    );
    let title = format!("Pay {} · {}", order.description, app.config.shop_name);
    let html = page(locale.code(), &title, &head, &body);
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((status, no_store, Html(html)).into_response())
}

/// The order's total, as the widget shows it.
fn summary(order: &OrderView, locale: Locale) -> String {
    let converted = if order.currency == Currency::IDR {
        String::new()
    } else {
        format!(
            "<p class=\"doku-muted\">{}</p>",
            text(locale, Msg::ConvertedNote)
        )
    };
    format!(
        r#"<div class="doku-summary" part="summary"><p class="doku-label">{total}</p><p class="doku-amount">{amount}</p><p class="doku-description">{description}</p>{converted}</div>"#,
        total = text(locale, Msg::Total),
        amount = format_amount(order.amount, order.currency, locale),
        description = escape(&order.description),
    )
}

/// The form, in the widget's markup: it posts to this page, under a new attempt key.
fn form(order: &OrderView, visitor: &Visitor, filled: &Filled) -> String {
    let locale = visitor.locale;
    let mut html = summary(order, locale);
    let _ = write!(
        html,
        r#"<form class="doku-form" part="form" method="post" action="/pay/{id}"><input type="hidden" name="attempt" value="{key}">"#,
        id = escape(&order.order_id),
        key = new_id("att"),
    );
    if visitor.safari {
        let _ = write!(
            html,
            r#"<div class="doku-notice doku-warning" role="note"><p class="doku-notice-title">{}</p><p>{}</p></div>"#,
            text(locale, Msg::SafariTitle),
            text(locale, Msg::SafariBody),
        );
    }
    let fields = [
        (
            "doku-name",
            form_fields::FIRST_NAME,
            "text",
            "given-name",
            Msg::FirstName,
            &filled.first_name,
        ),
        (
            "doku-email",
            form_fields::EMAIL,
            "email",
            "email",
            Msg::Email,
            &filled.email,
        ),
    ];
    for ((id, name, kind, autocomplete, label, value), error) in
        fields.into_iter().zip(&filled.errors)
    {
        let invalid = error.is_some();
        let _ = write!(
            html,
            r#"<div class="doku-field"><label for="{id}">{label}</label><input id="{id}" type="{kind}" name="{name}" autocomplete="{autocomplete}" required part="input" value="{value}" aria-invalid="{invalid}" aria-describedby="{id}-error"><p class="doku-field-error" id="{id}-error">{error}</p></div>"#,
            label = text(locale, label),
            value = escape(value),
            error = escape(error.as_deref().unwrap_or_default()),
        );
    }
    let _ = write!(
        html,
        r#"<p class="doku-form-error" role="alert">{error}</p><button type="submit" class="doku-pay" part="pay-button">{pay}</button></form>"#,
        error = filled
            .form_error
            .map(|msg| text(locale, msg))
            .unwrap_or_default(),
        pay = escape(&i18n::pay_button(
            locale,
            &format_amount(order.amount, order.currency, locale)
        )),
    );
    html
}

/// The payment's result (or that it is still being checked), as the widget's card
/// shows it, with the way on: try again after a decline, check again while pending.
fn status_card(order: &OrderView, payment: &Payment, locale: Locale) -> String {
    let amount = format_amount(payment.amount, payment.currency, locale);
    let again = |label, payment_id: Option<&str>| {
        let hidden = payment_id
            .map(|id| {
                let id = escape(id);
                format!(r#"<input type="hidden" name="payment_id" value="{id}">"#)
            })
            .unwrap_or_default();
        format!(
            r#"<form method="get" action="/pay/{order}">{hidden}<button type="submit" class="doku-pay" part="button">{label}</button></form>"#,
            order = escape(&order.order_id),
            label = text(locale, label),
        )
    };
    let (class, title, body, button) = match payment.status {
        CheckoutStatus::Success => (
            "doku-success",
            Msg::SuccessTitle,
            i18n::paid(locale, &amount),
            String::new(),
        ),
        CheckoutStatus::Refunded => ("", Msg::RefundedTitle, String::new(), String::new()),
        CheckoutStatus::Decline => (
            "doku-decline",
            Msg::DeclineTitle,
            i18n::decline_reason(locale, payment.code.as_deref()).to_string(),
            again(Msg::TryAgain, None),
        ),
        CheckoutStatus::Created | CheckoutStatus::AwaitingRedirect | CheckoutStatus::Pending => (
            "doku-pending",
            Msg::Checking,
            text(locale, Msg::PendingBody).to_string(),
            again(Msg::CheckAgain, Some(&payment.id)),
        ),
    };
    let code = match (payment.status, payment.code.as_deref()) {
        (CheckoutStatus::Decline, Some(code)) => i18n::code_label(locale, code) + " · ",
        _ => String::new(),
    };
    format!(
        r#"<div class="doku-result {class}" part="result"><h2>{title}</h2><p>{body}</p><p class="doku-muted">{code}{payment_label} <code>{id}</code></p>{button}</div>"#,
        title = text(locale, title),
        body = escape(&body),
        code = escape(&code),
        payment_label = text(locale, Msg::PaymentId),
        id = escape(&payment.id),
    )
}

/// The form that takes the customer to DOKU, submitted at once by its script (or by
/// the customer, without scripts). As the widget's: for GET, the URL's query becomes
/// the form's fields (submitting a GET form replaces the action's query).
fn continue_to(redirect: &RedirectData, locale: Locale) -> String {
    let mut fields: Vec<(String, String)> = Vec::new();
    let action = match redirect.method() {
        RedirectMethod::Post => redirect.url().to_string(),
        RedirectMethod::Get => {
            let url = redirect.url().split('#').next().unwrap_or_default();
            let (path, query) = url.split_once('?').unwrap_or((url, ""));
            fields.extend(form_urlencoded::parse(query.as_bytes()).into_owned());
            path.to_string()
        }
    };
    fields.extend(redirect.body().iter().cloned());
    let inputs: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                r#"<input type="hidden" name="{}" value="{}">"#,
                escape(name),
                escape(value)
            )
        })
        .collect();
    format!(
        r#"<p class="doku-progress" role="status">{redirecting}</p><form id="doku-continue" method="{method}" action="{action}" accept-charset="UTF-8">{inputs}<button type="submit" class="doku-pay" part="pay-button">{label}</button></form>
<script>{CONTINUE_SCRIPT}</script>"#,
        redirecting = text(locale, Msg::Redirecting),
        method = redirect.method().as_str().to_ascii_lowercase(),
        action = escape(&action),
        label = i18n::continue_button(locale),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn the_locale_is_the_first_accepted_language_spoken() {
        let locale = |value| request_locale(&headers(&[(header::ACCEPT_LANGUAGE, value)]));
        assert_eq!(locale("id-ID,id;q=0.9,en-US;q=0.8"), Locale::Id);
        assert_eq!(locale("fr-FR, en;q=0.8, id;q=0.5"), Locale::En);
        assert_eq!(locale("de"), Locale::En);
        assert_eq!(request_locale(&HeaderMap::new()), Locale::En);
    }

    #[test]
    fn inline_sources_are_the_hashes_of_what_the_page_inlines() {
        let InlineSources { style, scripts } = inline_sources();
        assert!(style.starts_with("'sha256-") && style.ends_with("='"));
        assert_eq!(scripts.split(' ').count(), 2);
        // The widget's host rules apply to its element here.
        assert!(!STYLE.contains(":host"));
        assert!(STYLE.contains(".doku-checkout {\n  display: block;"));
    }
}
