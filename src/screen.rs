//! What the checkout shows, and how its markup is brought up to date.
//!
//! The markup (`checkout::markup`) is static; [`Screen::of`] works out everything in
//! it that depends on the checkout's state, and [`Dom::show`] writes that into the
//! elements, as text (never as markup). Every change of the state does both at once,
//! and one listener turns what the customer does into an [`Action`]. That is a handful
//! of DOM writes per change, and far less code than a reactive binding per attribute
//! and text and a handler per element, each compiled separately. Measured on the
//! release wasm: 272 KB -> 207 KB for one model signal and one effect in place of those
//! bindings, and 139 KB -> 113 KB for the change writing the markup itself in place of
//! the signal and its effect (of Leptos's reactive graph, only the owner that
//! `mount_to` makes is left).

use crate::i18n::{self, Locale, Msg, format_amount, text};
use crate::state::{Asked, Model, Stage};
use doku_protocol::Currency;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

/// What a form field shows.
#[derive(Debug, Clone, PartialEq)]
struct FieldScreen {
    value: String,
    /// The message under the field, if its value is refused.
    error: Option<String>,
}

/// A notice in place of the form: its text and whether it offers to try again.
#[derive(Debug, Clone, PartialEq)]
struct Notice {
    text: &'static str,
    retry: bool,
}

/// What the result card shows for a final (or unconfirmed) payment.
#[derive(Debug, Clone, PartialEq)]
struct Card {
    class: &'static str,
    title: &'static str,
    body: String,
    code: Option<String>,
    payment_id: String,
    /// Label and class of the card's button, if it has one.
    button: Option<(&'static str, &'static str)>,
    announcement: String,
}

impl Card {
    fn of(stage: &Stage, locale: Locale, amount: &str) -> Option<Card> {
        let card = |class, title, body: String, payment_id: &str| Card {
            class,
            title: text(locale, title),
            announcement: format!("{}. {body}", text(locale, title)),
            body,
            code: None,
            payment_id: payment_id.to_string(),
            button: None,
        };
        Some(match stage {
            Stage::Success { payment_id } => card(
                "doku-result doku-success",
                Msg::SuccessTitle,
                i18n::paid(locale, amount),
                payment_id,
            ),
            Stage::Refunded { payment_id } => {
                card("doku-result", Msg::RefundedTitle, String::new(), payment_id)
            }
            Stage::Declined { payment_id, code } => Card {
                code: code.as_deref().map(|c| i18n::code_label(locale, c) + " · "),
                button: Some((text(locale, Msg::TryAgain), "doku-pay")),
                ..card(
                    "doku-result doku-decline",
                    Msg::DeclineTitle,
                    i18n::decline_reason(locale, code.as_deref()).to_string(),
                    payment_id,
                )
            },
            Stage::NotConfirmed { payment_id } => Card {
                button: Some((text(locale, Msg::CheckAgain), "doku-secondary")),
                ..card(
                    "doku-result doku-pending",
                    Msg::PendingTitle,
                    text(locale, Msg::PendingBody).to_string(),
                    payment_id,
                )
            },
            _ => return None,
        })
    }
}

/// Everything in the checkout's markup that depends on its state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Screen {
    /// Said by the polite live region.
    announcement: String,
    loading: bool,
    /// The order's summary, when it is loaded and no result shows.
    summary: Option<Summary>,
    notice: Option<Notice>,
    /// Whether the form shows (filling it in, or busy with it).
    form: bool,
    busy: bool,
    form_error: String,
    pay_label: String,
    fields: [FieldScreen; 2],
    card: Option<Card>,
}

/// The order as the summary shows it.
#[derive(Debug, Clone, PartialEq)]
struct Summary {
    amount: String,
    description: String,
    /// The order is not in rupiah: DOKU converts it.
    converted: bool,
}

impl Screen {
    /// What the checkout shows for `model`, in `locale`.
    pub(crate) fn of(model: &Model, locale: Locale) -> Screen {
        let (stage, order) = (&model.stage, model.order.as_ref());
        let amount = order
            .map(|o| format_amount(o.amount, o.currency, locale))
            .unwrap_or_default();
        let notice = match stage {
            Stage::LoadFailed(msg) => Some(Notice {
                text: text(locale, *msg),
                retry: true,
            }),
            Stage::AlreadyPaid => Some(Notice {
                text: text(locale, Msg::AlreadyPaid),
                retry: false,
            }),
            _ => None,
        };
        let card = Card::of(stage, locale, &amount);
        let busy = match stage {
            Stage::Busy(msg) => Some(text(locale, *msg)),
            _ => None,
        };
        let announcement = match stage {
            Stage::Loading => text(locale, Msg::Loading).to_string(),
            Stage::Busy(msg) => text(locale, *msg).to_string(),
            // The form's own error line (role="alert") speaks for itself.
            Stage::Form => String::new(),
            _ => notice
                .as_ref()
                .map(|n| n.text.to_string())
                .or_else(|| card.as_ref().map(|c| c.announcement.clone()))
                .unwrap_or_default(),
        };
        let summary = order.filter(|_| !stage.is_result()).map(|o| Summary {
            amount: amount.clone(),
            description: o.description.clone(),
            converted: o.currency != Currency::IDR,
        });
        Screen {
            announcement,
            loading: *stage == Stage::Loading,
            summary,
            notice,
            form: matches!(stage, Stage::Form | Stage::Busy(_)),
            busy: busy.is_some(),
            form_error: model
                .form_error
                .map(|m| text(locale, m).to_string())
                .unwrap_or_default(),
            pay_label: busy.map_or_else(|| i18n::pay_button(locale, &amount), str::to_string),
            fields: Asked::ALL.map(|asked| {
                let typed = model.field(asked);
                FieldScreen {
                    value: typed.value.clone(),
                    error: typed
                        .error
                        .as_ref()
                        .map(|e| i18n::field_error(locale, asked.field(), e)),
                }
            }),
            card,
        }
    }
}

/// What the customer asked for, by acting on the checkout's markup.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Pay (the form was submitted).
    Submit,
    /// Load the order again (the notice's button).
    Reload,
    /// The result card's button: check again, or try again.
    CardButton,
    /// Typed into a field: its value now.
    Typed(Asked, String),
    /// Left a field.
    Left(Asked),
}

/// A form field's elements.
struct FieldDom {
    input: HtmlInputElement,
    error: Element,
}

/// The elements of the checkout's markup that change with its state.
pub(crate) struct Dom {
    announcement: Element,
    progress: Element,
    summary: Element,
    amount: Element,
    description: Element,
    converted: Element,
    notice: Element,
    notice_text: Element,
    notice_button: Element,
    form: Element,
    fields: [FieldDom; 2],
    form_error: Element,
    pay: Element,
    card: Element,
    card_title: HtmlElement,
    card_body: Element,
    card_code: Element,
    card_payment_id: Element,
    card_button: Element,
}

fn hide(element: &Element, hidden: bool) {
    element.toggle_attribute_with_force("hidden", hidden).ok();
}

fn say(element: &Element, text: &str) {
    if element.text_content().as_deref() != Some(text) {
        element.set_text_content(Some(text));
    }
}

fn set(element: &Element, attribute: &str, value: &str) {
    element.set_attribute(attribute, value).ok();
}

/// The checkout's fixed texts: which element of its markup says what.
const TEXTS: [(&str, Msg); 9] = [
    (".doku-progress", Msg::Loading),
    (".doku-label", Msg::Total),
    (".doku-summary .doku-muted", Msg::ConvertedNote),
    (".doku > .doku-notice > button", Msg::TryAgain),
    (".doku-notice-title", Msg::SafariTitle),
    (".doku-warning > p + p", Msg::SafariBody),
    ("label[for=doku-name]", Msg::FirstName),
    ("label[for=doku-email]", Msg::Email),
    (".doku-payment-label", Msg::PaymentId),
];

impl Dom {
    /// Writes the fixed texts in `locale` into the checkout's markup under `root`, the
    /// widget's name and language onto `root`, and shows the Safari warning if `safari`.
    pub(crate) fn localize(root: &Element, locale: Locale, safari: bool) {
        set(root, "lang", locale.code());
        set(root, "aria-label", text(locale, Msg::WidgetLabel));
        for (selector, msg) in TEXTS {
            if let Ok(Some(element)) = root.query_selector(selector) {
                element.set_text_content(Some(text(locale, msg)));
            }
        }
        if let Ok(Some(warning)) = root.query_selector(".doku-warning") {
            hide(&warning, !safari);
        }
    }

    /// The elements in the checkout's markup under `root`; `None` if the markup lacks
    /// one (a mistake the browser tests catch).
    pub(crate) fn find(root: &Element) -> Option<Dom> {
        let find = |selector: &str| root.query_selector(selector).ok().flatten();
        let field = |n: usize| {
            let field = root
                .query_selector_all(".doku-field")
                .ok()?
                .item(n as u32)?;
            let field: Element = field.dyn_into().ok()?;
            Some(FieldDom {
                input: field.query_selector("input").ok()??.dyn_into().ok()?,
                error: field.query_selector(".doku-field-error").ok()??,
            })
        };
        Some(Dom {
            announcement: find(".doku-sr-only")?,
            progress: find(".doku-progress")?,
            summary: find(".doku-summary")?,
            amount: find(".doku-amount")?,
            description: find(".doku-description")?,
            converted: find(".doku-summary .doku-muted")?,
            notice: find(".doku > .doku-notice")?,
            notice_text: find(".doku > .doku-notice > p")?,
            notice_button: find(".doku > .doku-notice > button")?,
            form: find(".doku-form")?,
            fields: [field(0)?, field(1)?],
            form_error: find(".doku-form-error")?,
            pay: find(".doku-pay")?,
            card: find("[part=result]")?,
            card_title: find("[part=result] > h2")?.dyn_into().ok()?,
            card_body: find("[part=result] > p")?,
            card_code: find("[part=result] .doku-code")?,
            card_payment_id: find("[part=result] code")?,
            card_button: find("[part=result] > button")?,
        })
    }

    /// Brings the elements up to date with `screen`.
    pub(crate) fn show(&self, screen: &Screen) {
        say(&self.announcement, &screen.announcement);
        hide(&self.progress, !screen.loading);

        hide(&self.summary, screen.summary.is_none());
        if let Some(summary) = &screen.summary {
            say(&self.amount, &summary.amount);
            say(&self.description, &summary.description);
            hide(&self.converted, !summary.converted);
        }

        hide(&self.notice, screen.notice.is_none());
        if let Some(notice) = &screen.notice {
            say(&self.notice_text, notice.text);
            self.notice
                .class_list()
                .toggle_with_force("doku-error", notice.retry)
                .ok();
            hide(&self.notice_button, !notice.retry);
        }

        hide(&self.form, !screen.form);
        for (field, shown) in self.fields.iter().zip(&screen.fields) {
            // Only a changed value is written: writing moves the caret.
            if field.input.value() != shown.value {
                field.input.set_value(&shown.value);
            }
            field
                .input
                .toggle_attribute_with_force("readonly", screen.busy)
                .ok();
            say(&field.error, shown.error.as_deref().unwrap_or_default());
            set(
                &field.input,
                "aria-invalid",
                if shown.error.is_some() {
                    "true"
                } else {
                    "false"
                },
            );
            match shown.error {
                Some(_) => set(&field.input, "aria-describedby", &field.error.id()),
                None => {
                    field.input.remove_attribute("aria-describedby").ok();
                }
            }
        }
        say(&self.form_error, &screen.form_error);
        self.pay
            .toggle_attribute_with_force("disabled", screen.busy)
            .ok();
        set(
            &self.pay,
            "aria-busy",
            if screen.busy { "true" } else { "false" },
        );
        say(&self.pay, &screen.pay_label);

        hide(&self.card, screen.card.is_none());
        if let Some(card) = &screen.card {
            self.card.set_class_name(card.class);
            say(&self.card_title, card.title);
            say(&self.card_body, &card.body);
            say(&self.card_code, card.code.as_deref().unwrap_or_default());
            say(&self.card_payment_id, &card.payment_id);
            hide(&self.card_button, card.button.is_none());
            if let Some((label, class)) = card.button {
                self.card_button.set_class_name(class);
                say(&self.card_button, label);
            }
        }
    }

    /// The events [`Dom::action`] reads, listened for on the checkout's root in their
    /// capture phase (which reaches the root also for events that do not bubble, such
    /// as `blur`).
    pub(crate) const EVENTS: [&'static str; 4] = ["submit", "click", "input", "blur"];

    /// What `event` (one of [`Dom::EVENTS`], from within the markup) asks for, if
    /// anything.
    pub(crate) fn action(&self, event: &web_sys::Event) -> Option<Action> {
        let target = event.target()?;
        let target = target.dyn_ref::<web_sys::Node>();
        let is = |element: &Element| element.is_same_node(target);
        let field = || Asked::ALL.into_iter().find(|asked| is(self.input(*asked)));
        match event.type_().as_str() {
            "submit" => Some(Action::Submit),
            "click" if is(&self.notice_button) => Some(Action::Reload),
            "click" if is(&self.card_button) => Some(Action::CardButton),
            "input" => field().map(|asked| Action::Typed(asked, self.input(asked).value())),
            "blur" => field().map(Action::Left),
            _ => None,
        }
    }

    /// The input of `asked`.
    pub(crate) fn input(&self, asked: Asked) -> &HtmlInputElement {
        &self.fields[asked.index()].input
    }

    /// The result card's heading, which takes the focus when a result shows.
    pub(crate) fn card_title(&self) -> &HtmlElement {
        &self.card_title
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Change;
    use doku_protocol::{Field, FieldError, OrderView};

    fn order(currency: Currency) -> OrderView {
        OrderView {
            order_id: "ord_1".into(),
            amount: 15_000_000,
            currency,
            description: "Sepatu <b>lari</b>".into(),
            paid: false,
        }
    }

    fn screen(stage: Stage, order: Option<&OrderView>, error: Option<&FieldError>) -> Screen {
        let mut model = Model::new(Some(&"Budi".to_string()), None);
        model.apply(Change::Stage(stage));
        if let Some(order) = order {
            model.apply(Change::Order(order.clone()));
        }
        model.apply(Change::Checked(Asked::FirstName, error.cloned()));
        Screen::of(&model, Locale::En)
    }

    #[test]
    fn loading_shows_only_the_progress() {
        let shown = screen(Stage::Loading, None, None);
        assert!(shown.loading && !shown.form && !shown.busy);
        assert_eq!(
            (shown.summary, shown.notice, shown.card),
            (None, None, None)
        );
        assert_eq!(shown.announcement, "Loading your order…");
    }

    #[test]
    fn the_form_shows_the_order_and_what_is_typed() {
        let order = order(Currency::IDR);
        let shown = screen(Stage::Form, Some(&order), None);
        assert!(shown.form && !shown.loading && !shown.busy);
        let summary = shown.summary.expect("a summary");
        assert_eq!(summary.amount, "IDR 150,000");
        assert_eq!(summary.description, "Sepatu <b>lari</b>");
        assert!(!summary.converted);
        assert_eq!(shown.pay_label, "Pay IDR 150,000 with DOKU Wallet");
        assert_eq!(shown.fields[0].value, "Budi");
        assert_eq!(shown.announcement, "");
    }

    #[test]
    fn busy_keeps_the_form_and_says_why() {
        let order = order(Currency::IDR);
        let shown = screen(Stage::Busy(Msg::Opening), Some(&order), None);
        assert!(shown.form && shown.busy);
        assert_eq!(shown.pay_label, shown.announcement);
        assert_eq!(shown.pay_label, text(Locale::En, Msg::Opening));
    }

    #[test]
    fn a_refused_field_says_why() {
        let error = FieldError::Required;
        let shown = screen(Stage::Form, None, Some(&error));
        assert_eq!(
            shown.fields[0].error.as_deref(),
            Some(i18n::field_error(Locale::En, Field::FirstName, &error).as_str())
        );
        assert_eq!(shown.fields[1].error, None);
    }

    #[test]
    fn results_replace_the_summary_with_a_card() {
        let order = order(Currency::IDR);
        let declined = Stage::Declined {
            payment_id: "pay_1".into(),
            code: Some("20105".into()),
        };
        let shown = screen(declined, Some(&order), None);
        assert!(shown.summary.is_none() && !shown.form);
        let card = shown.card.expect("a card");
        assert_eq!(card.class, "doku-result doku-decline");
        assert_eq!(card.payment_id, "pay_1");
        assert_eq!(
            card.button,
            Some((text(Locale::En, Msg::TryAgain), "doku-pay"))
        );
        assert!(card.code.is_some_and(|c| c.ends_with(" · ")));
        assert_eq!(shown.announcement, card.announcement);
    }

    #[test]
    fn notices_replace_the_form() {
        let failed = screen(Stage::LoadFailed(Msg::NetworkError), None, None);
        assert_eq!(
            failed.notice,
            Some(Notice {
                text: text(Locale::En, Msg::NetworkError),
                retry: true
            })
        );
        let paid = screen(Stage::AlreadyPaid, None, None);
        assert_eq!(paid.notice.map(|n| n.retry), Some(false));
        assert!(!paid.form);
    }

    #[test]
    fn other_currencies_carry_the_conversion_note() {
        let order = order(Currency::parse("USD").expect("USD"));
        let shown = screen(Stage::Form, Some(&order), None);
        assert!(shown.summary.is_some_and(|s| s.converted));
    }
}
