//! The checkout form: the customer's first name and email, then Pay.

use crate::config::{ConfigError, WidgetConfig};
use doku_protocol::{Email, FieldError, FirstName};
use leptos::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};

/// A prefix unique to each mounted widget, so ids (and `for`/`aria-describedby`
/// references) never collide when a page holds two widgets.
fn next_id_prefix() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!("doku{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The checkout for one order.
#[component]
pub fn Checkout(
    /// What the merchant configured.
    config: WidgetConfig,
) -> impl IntoView {
    let ids = next_id_prefix();
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<FieldError>);
    let email_error = RwSignal::new(None::<FieldError>);

    let check_name = move || name_error.set(FirstName::parse(&name.get_untracked()).err());
    let check_email = move || email_error.set(Email::parse(&email.get_untracked()).err());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        check_name();
        check_email();
    };

    view! {
        <form class="doku-form" novalidate data-order-id=config.order_id on:submit=submit>
            <TextField
                id=format!("{ids}-name")
                label="First name"
                kind="text"
                autocomplete="given-name"
                value=name
                error=name_error
                on_blur=check_name
            />
            <TextField
                id=format!("{ids}-email")
                label="Email"
                kind="email"
                autocomplete="email"
                value=email
                error=email_error
                on_blur=check_email
            />
            <button type="submit" class="doku-pay">"Pay with DOKU Wallet"</button>
        </form>
    }
}

/// A labelled input with its error message underneath, linked for assistive technology.
#[component]
fn TextField(
    id: String,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    error: RwSignal<Option<FieldError>>,
    on_blur: impl Fn() + 'static,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = error_id.clone();
    view! {
        <div class="doku-field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))
                on:blur=move |_| on_blur()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=move || error.get().map(|_| described_by.clone())
            />
            <p class="doku-field-error" id=error_id>
                {move || error.get().map(|e| format!("{label} {e}"))}
            </p>
        </div>
    }
}

/// Shown instead of the form when the merchant's configuration is unusable; also
/// reported on the console, where the merchant's developer will look.
#[component]
pub fn ConfigProblem(
    /// What is wrong with the configuration.
    error: ConfigError,
) -> impl IntoView {
    let message = format!("DOKU checkout is not configured correctly: {error}.");
    web_sys::console::error_1(&message.clone().into());
    view! { <p class="doku-config-error" role="alert">{message}</p> }
}
