//! The checkout for one order: summary, the customer's first name and email, Pay, the
//! trip to DOKU, and the authoritative result when the customer comes back.

use crate::browser::is_webkit_safari;
use crate::client::{Backend, ClientError, LocalFuture};
use crate::config::{ConfigError, WidgetConfig};
use crate::events::{self, Detail, Kind};
use crate::i18n::{self, Locale, Msg};
use crate::redirect::{Navigator, build_form};
use crate::return_flow::{self, Timing};
use crate::screen::{Action, Dom, Screen};
use crate::state::{Asked, Change, Model, Stage, Typed};
use crate::storage;
use doku_protocol::{
    CheckoutStatus, CreateSession, CustomerInput, OrderView, ProblemCode, RedirectData, SessionView,
};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlElement;

/// What the checkout talks to, and what it knows of the browser. The page uses the real
/// proxy and browser; tests substitute their own.
#[derive(Clone)]
pub struct Services {
    /// The merchant's proxy.
    pub backend: Rc<dyn Backend>,
    /// How the customer leaves for DOKU.
    pub navigator: Rc<dyn Navigator>,
    /// Poll intervals and deadlines.
    pub timing: Timing,
    /// `navigator.userAgent`.
    pub user_agent: String,
    /// `navigator.maxTouchPoints`.
    pub touch_points: u32,
    /// `navigator.languages`.
    pub languages: Vec<String>,
}

/// The checkout's state, and the markup that shows it. Every change goes through
/// [`State::apply`], which brings the markup up to date at once (see `screen`).
#[derive(Clone)]
struct State {
    model: Rc<RefCell<Model>>,
    view: Rc<View>,
}

impl State {
    /// Applies `change`, and shows the model as it now is.
    fn apply(&self, change: Change) {
        self.model.borrow_mut().apply(change);
        self.show();
    }

    /// Shows the model. No borrow of it is held while the markup changes, so what the
    /// markup's changes set off (a blur, the page's handler of `doku:ready`) may change
    /// it in turn.
    fn show(&self) {
        let (screen, stage) = {
            let model = self.model.borrow();
            (Screen::of(&model, self.view.locale), model.stage.clone())
        };
        self.view.show(&screen, stage);
    }

    fn stage(&self) -> Stage {
        self.model.borrow().stage.clone()
    }

    /// What is typed into `asked`, and what was wrong with it when last checked.
    fn field(&self, asked: Asked) -> Typed {
        self.model.borrow().field(asked).clone()
    }

    /// Checks what is typed into `asked`; shows what is wrong, or returns the value as
    /// accepted.
    fn check(&self, asked: Asked) -> Option<String> {
        let checked = asked.parse(&self.field(asked).value);
        self.apply(Change::Checked(asked, checked.as_ref().err().cloned()));
        checked.ok()
    }
}

/// The checkout's markup, with what it remembers of what it showed.
struct View {
    dom: Dom,
    locale: Locale,
    /// The element events are fired on.
    host: HtmlElement,
    /// Set when the form is to be announced (`doku:ready`) once it is on screen.
    announce: Cell<bool>,
    /// The field to focus when the form first shows ([`WidgetConfig::focus`]).
    focus: Cell<Option<Asked>>,
    /// The stage shown last.
    shown: RefCell<Option<Stage>>,
}

impl View {
    /// Shows `screen`, the screen of `stage`.
    fn show(&self, screen: &Screen, stage: Stage) {
        let before = self.shown.replace(Some(stage.clone()));
        self.dom.show(screen);
        if stage == Stage::Form {
            self.form_shown();
        }
        if stage.is_result() && before.as_ref() != Some(&stage) {
            // After this frame: the card was hidden until now.
            let heading = self.dom.card_title().clone();
            request_animation_frame(move || {
                heading.focus().ok();
            });
        }
    }

    /// The form is on screen: marks the moment (`doku:interactive`), focuses the field
    /// asked for, and tells the page (`doku:ready`), if [`Flow::show_form`] asked for it.
    fn form_shown(&self) {
        if !self.announce.replace(false) {
            return;
        }
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            performance.mark("doku:interactive").ok();
        }
        if let Some(asked) = self.focus.take() {
            self.dom.input(asked).focus().ok();
        }
        events::fire(&self.host, Kind::Ready, &Detail::default());
    }
}

/// The checkout's behaviour: loading, paying, leaving, checking.
#[derive(Clone)]
struct Flow {
    state: State,
    services: Rc<Services>,
    config: Rc<WidgetConfig>,
    /// Cleared when the checkout stops ([`Running`]): running loops end.
    alive: Rc<Cell<bool>>,
}

/// Waits `ms` milliseconds.
async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let ms = i32::try_from(ms).unwrap_or(i32::MAX);
            window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .ok();
        }
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.ok();
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn detail(
    payment_id: Option<&str>,
    status: Option<&str>,
    code: Option<&str>,
    message: Option<&str>,
) -> Detail {
    Detail {
        payment_id: payment_id.map(str::to_string),
        status: status.map(str::to_string),
        code: code.map(str::to_string),
        message: message.map(str::to_string),
    }
}

impl Flow {
    fn fire(&self, kind: Kind, detail: &Detail) -> bool {
        events::fire(&self.state.view.host, kind, detail)
    }

    fn fail(&self, error: &ClientError, payment_id: Option<&str>) -> Msg {
        let msg = match error {
            ClientError::Network => Msg::NetworkError,
            ClientError::Problem(problem) => i18n::problem_msg(&problem.code),
            ClientError::Unexpected(_) => Msg::GenericError,
        };
        self.report(error.code(), &error.message(), payment_id, None);
        msg
    }

    /// Tells the merchant's developer (console) and the host page (`doku:error`).
    fn report(&self, code: &str, message: &str, payment_id: Option<&str>, status: Option<&str>) {
        web_sys::console::warn_1(&format!("DOKU checkout: {message}").into());
        self.fire(
            Kind::Error,
            &detail(payment_id, status, Some(code), Some(message)),
        );
    }

    /// Asks for the order at once (the request is sent before this returns, so it
    /// travels while the first view renders), unless the page handed it over (`given`);
    /// the future then shows the form, or checks the payment the customer comes back
    /// from.
    fn load(self, given: Option<OrderView>) -> impl Future<Output = ()> + 'static {
        self.state.apply(Change::Stage(Stage::Loading));
        let order: LocalFuture<'static, _> = match given {
            Some(order) => Box::pin(std::future::ready(Ok(order))),
            None => self.services.backend.order(&self.config.order_id),
        };
        self.show_order(order)
    }

    /// Shows the form for the order `order` answers, or checks the payment the customer
    /// comes back from.
    async fn show_order(self, order: LocalFuture<'static, Result<OrderView, ClientError>>) {
        let order = match order.await {
            Ok(order) => order,
            Err(error) => {
                let msg = self.fail(&error, None);
                self.state.apply(Change::Stage(Stage::LoadFailed(msg)));
                return;
            }
        };
        let paid = order.paid;
        self.state.apply(Change::Order(order));
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let returning = return_flow::payment_id_in(&search)
            .or_else(|| storage::pending_payment(&self.config.order_id));
        match returning {
            Some(payment_id) => self.check(payment_id).await,
            None if paid => self.state.apply(Change::Stage(Stage::AlreadyPaid)),
            None => self.show_form(),
        }
    }

    /// Shows the form, and announces it once it is on screen ([`View::form_shown`]).
    fn show_form(&self) {
        self.state.view.announce.set(true);
        self.state.apply(Change::Stage(Stage::Form));
    }

    /// Does what the customer asked for.
    fn act(&self, action: Action) {
        let state = &self.state;
        match action {
            Action::Submit => self.submit(),
            Action::Reload => leptos::task::spawn_local(self.clone().load(None)),
            Action::CardButton => match state.stage() {
                Stage::NotConfirmed { payment_id } => {
                    let flow = self.clone();
                    leptos::task::spawn_local(async move { flow.check(payment_id).await });
                }
                _ => self.back_to_form(None),
            },
            Action::Typed(asked, value) => {
                state.apply(Change::Typed(asked, value));
                if state.field(asked).error.is_some() {
                    state.check(asked);
                }
            }
            Action::Left(asked) => {
                let typed = state.field(asked);
                if !typed.value.trim().is_empty() || typed.error.is_some() {
                    state.check(asked);
                }
            }
        }
    }

    /// Validates the form; if valid, opens the session (once: later clicks, Enter
    /// presses and reloads reuse the attempt's idempotency key).
    fn submit(&self) {
        if self.state.stage() != Stage::Form {
            return;
        }
        let (Some(name), Some(email)) = (
            self.state.check(Asked::FirstName),
            self.state.check(Asked::Email),
        ) else {
            let first_invalid = Asked::ALL
                .into_iter()
                .find(|asked| self.state.field(*asked).error.is_some());
            if let Some(asked) = first_invalid {
                self.state.view.dom.input(asked).focus().ok();
            }
            return;
        };
        self.state.apply(Change::FormError(None));
        self.fire(Kind::Submit, &Detail::default());
        self.state.apply(Change::Stage(Stage::Busy(Msg::Opening)));
        let request = CreateSession {
            order_id: self.config.order_id.clone(),
            customer: CustomerInput {
                first_name: name,
                email,
            },
            locale: Some(self.state.view.locale.code().to_string()),
            return_url: self.config.return_url.clone(),
        };
        let key = storage::attempt_key(&self.config.order_id);
        let flow = self.clone();
        leptos::task::spawn_local(async move { flow.open(request, key).await });
    }

    async fn open(self, request: CreateSession, key: String) {
        match self.services.backend.open_session(&request, &key).await {
            Ok(session) => self.proceed(session).await,
            Err(error) => {
                let msg = self.fail(&error, None);
                if msg == Msg::AlreadyPaid {
                    self.state.apply(Change::Stage(Stage::AlreadyPaid));
                } else {
                    self.back_to_form(Some(msg));
                }
            }
        }
    }

    fn back_to_form(&self, error: Option<Msg>) {
        self.state.apply(Change::FormError(error));
        self.state.apply(Change::Stage(Stage::Form));
    }

    /// Next step for a session: its result, its redirect, or (Gate) waiting for DOKU's
    /// redirect to arrive.
    async fn proceed(self, mut session: SessionView) {
        let deadline = now_ms() + f64::from(self.services.timing.redirect_deadline_ms);
        let mut attempt = 0;
        loop {
            if session.is_final {
                self.show_result(&session);
                return;
            }
            if session.redirect_data.is_some() {
                self.leave(&session);
                return;
            }
            if !self.alive.get() {
                return;
            }
            if now_ms() > deadline {
                self.report(
                    ProblemCode::PlatformUnavailable.as_str(),
                    "DOKU's redirect did not arrive in time",
                    Some(&session.payment_id),
                    Some(session.status.as_str()),
                );
                self.back_to_form(Some(Msg::PlatformUnavailable));
                return;
            }
            self.state
                .apply(Change::Stage(Stage::Busy(Msg::WaitingForDoku)));
            sleep(self.services.timing.poll_delay(attempt)).await;
            attempt += 1;
            if let Ok(next) = self.services.backend.session(&session.payment_id).await {
                session = next;
            }
        }
    }

    /// Validates the redirect, records the pending payment, lets the host veto, then
    /// navigates exactly once.
    fn leave(&self, session: &SessionView) {
        let Some(unchecked) = &session.redirect_data else {
            return;
        };
        let payment_id = session.payment_id.as_str();
        let redirect = match RedirectData::validate(unchecked, &self.config.redirect_policy) {
            Ok(redirect) => redirect,
            Err(error) => {
                self.report(
                    "redirect_refused",
                    &format!("refused redirect: {error}"),
                    Some(payment_id),
                    Some(session.status.as_str()),
                );
                self.back_to_form(Some(Msg::RedirectRefused));
                return;
            }
        };
        storage::set_pending_payment(&self.config.order_id, payment_id);
        let proceed = self.fire(
            Kind::Redirect,
            &detail(Some(payment_id), Some(session.status.as_str()), None, None),
        );
        if !proceed {
            storage::clear_pending_payment(&self.config.order_id);
            self.back_to_form(None);
            return;
        }
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        match build_form(&document, &redirect) {
            Ok(form) => {
                self.state
                    .apply(Change::Stage(Stage::Busy(Msg::Redirecting)));
                self.services.navigator.navigate(form);
            }
            Err(_) => self.back_to_form(Some(Msg::GenericError)),
        }
    }

    /// Asks the proxy for the payment's status until it is final or the deadline
    /// passes. Never trusts what the URL says.
    async fn check(self, payment_id: String) {
        self.state.apply(Change::Stage(Stage::Busy(Msg::Checking)));
        let deadline = now_ms() + f64::from(self.services.timing.status_deadline_ms);
        let mut attempt = 0;
        loop {
            if !self.alive.get() {
                return;
            }
            match self.services.backend.session(&payment_id).await {
                Ok(session) if session.is_final => {
                    self.show_result(&session);
                    return;
                }
                Err(ClientError::Problem(problem)) if problem.status == 404 => {
                    // Not a payment of this proxy (a stale record or an edited URL).
                    storage::clear_pending_payment(&self.config.order_id);
                    self.tidy_url();
                    self.show_form();
                    return;
                }
                _ => {}
            }
            if now_ms() > deadline {
                self.state.apply(Change::Stage(Stage::NotConfirmed {
                    payment_id: payment_id.clone(),
                }));
                self.fire(
                    Kind::Pending,
                    &detail(Some(&payment_id), Some("pending"), None, None),
                );
                return;
            }
            sleep(self.services.timing.poll_delay(attempt)).await;
            attempt += 1;
        }
    }

    fn show_result(&self, session: &SessionView) {
        let payment_id = session.payment_id.clone();
        let (stage, kind) = match session.status {
            CheckoutStatus::Success => (
                Stage::Success {
                    payment_id: payment_id.clone(),
                },
                Kind::Success,
            ),
            CheckoutStatus::Refunded => (
                Stage::Refunded {
                    payment_id: payment_id.clone(),
                },
                Kind::Success,
            ),
            _ => {
                // A declined attempt is over: the next one gets a new key.
                storage::end_attempt(&self.config.order_id);
                let code = session.code.clone();
                (
                    Stage::Declined {
                        payment_id: payment_id.clone(),
                        code,
                    },
                    Kind::Decline,
                )
            }
        };
        storage::clear_pending_payment(&self.config.order_id);
        self.tidy_url();
        self.state.apply(Change::Stage(stage));
        self.fire(
            kind,
            &detail(
                Some(&payment_id),
                Some(session.status.as_str()),
                session.code.as_deref(),
                session.message.as_deref(),
            ),
        );
    }

    /// Removes `payment_id` from the address bar, so a reload does not re-check.
    fn tidy_url(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let location = window.location();
        let search = location.search().unwrap_or_default();
        if return_flow::payment_id_in(&search).is_none() {
            return;
        }
        let url = format!(
            "{}{}{}",
            location.pathname().unwrap_or_default(),
            return_flow::without_payment_id(&search),
            location.hash().unwrap_or_default()
        );
        if let Ok(history) = window.history() {
            history
                .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                .ok();
        }
    }

    /// Back from the back-forward cache: a "leaving for DOKU" screen would be frozen,
    /// so check the pending payment instead.
    fn restored_from_cache(&self) {
        if self.state.stage() != Stage::Busy(Msg::Redirecting) {
            return;
        }
        match storage::pending_payment(&self.config.order_id) {
            Some(payment_id) => {
                let flow = self.clone();
                leptos::task::spawn_local(async move { flow.check(payment_id).await });
            }
            None => self.show_form(),
        }
    }
}

/// A running checkout. Dropping it stops the checkout: its loops end and its listeners
/// go.
pub(crate) struct Running {
    alive: Rc<Cell<bool>>,
    pageshow: Closure<dyn Fn(web_sys::PageTransitionEvent)>,
    /// Listens on the markup's root, and goes with it.
    _actions: Closure<dyn Fn(web_sys::Event)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.alive.set(false);
        if let Some(window) = web_sys::window() {
            window
                .remove_event_listener_with_callback(
                    "pageshow",
                    self.pageshow.as_ref().unchecked_ref(),
                )
                .ok();
        }
    }
}

/// Starts the checkout for `config` in the [`markup`] mounted in `root`, using
/// `services`; events are fired on `host`. `None` if the markup lacks one of its
/// elements (a mistake the browser tests catch).
pub(crate) fn start(
    mut config: WidgetConfig,
    services: Services,
    host: HtmlElement,
    root: &HtmlElement,
) -> Option<Running> {
    let section = root.first_element_child()?;
    let dom = Dom::find(&section)?;
    let locale = i18n::choose_locale(config.locale, services.languages.iter().map(String::as_str));
    Dom::localize(
        &section,
        locale,
        is_webkit_safari(&services.user_agent, services.touch_points),
    );
    let state = State {
        model: Rc::new(RefCell::new(Model::new(
            config.first_name.as_ref(),
            config.email.as_ref(),
        ))),
        view: Rc::new(View {
            dom,
            locale,
            host,
            announce: Cell::new(false),
            focus: Cell::new(config.focus),
            shown: RefCell::new(None),
        }),
    };
    let given_order = config.order.take();
    let alive = Rc::new(Cell::new(true));
    let flow = Flow {
        state,
        services: Rc::new(services),
        config: Rc::new(config),
        alive: alive.clone(),
    };

    let restore = flow.clone();
    let pageshow = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
        move |event: web_sys::PageTransitionEvent| {
            if event.persisted() {
                restore.restored_from_cache();
            }
        },
    );
    if let Some(window) = web_sys::window() {
        window
            .add_event_listener_with_callback("pageshow", pageshow.as_ref().unchecked_ref())
            .ok();
    }
    // One listener on the markup's root hears every action (see `Dom::action`).
    let acting = flow.clone();
    let actions = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(action) = acting.state.view.dom.action(&event) else {
            return;
        };
        if action == Action::Submit {
            // The form is the widget's: it never leaves the page.
            event.prevent_default();
        }
        acting.act(action);
    });
    for kind in Dom::EVENTS {
        section
            .add_event_listener_with_callback_and_bool(kind, actions.as_ref().unchecked_ref(), true)
            .ok();
    }
    // `load` shows the model first (loading), before it asks for the order.
    leptos::task::spawn_local(flow.load(given_order));
    Some(Running {
        alive,
        pageshow,
        _actions: actions,
    })
}

/// The checkout's markup. It is static, so Leptos renders it from HTML; [`start`]
/// writes the customer's language into it (`Dom::localize`) and then shows the state in
/// it (see `screen`).
pub(crate) fn markup() -> impl IntoView {
    view! {
        <section class="doku">
            <p class="doku-sr-only" role="status" aria-live="polite"></p>
            <p class="doku-progress"></p>
            <div class="doku-summary" part="summary" hidden>
                <p class="doku-label"></p>
                <p class="doku-amount"></p>
                <p class="doku-description"></p>
                <p class="doku-muted" hidden></p>
            </div>
            <div class="doku-notice" hidden>
                <p></p>
                <button type="button" class="doku-secondary" part="button" hidden></button>
            </div>
            <form class="doku-form" novalidate part="form" hidden>
                <div class="doku-notice doku-warning" role="note" hidden>
                    <p class="doku-notice-title"></p>
                    <p></p>
                </div>
                <div class="doku-field">
                    <label for="doku-name"></label>
                    <input id="doku-name" type="text" name="first_name" autocomplete="given-name"
                        required part="input" aria-invalid="false"/>
                    <p class="doku-field-error" id="doku-name-error"></p>
                </div>
                <div class="doku-field">
                    <label for="doku-email"></label>
                    <input id="doku-email" type="email" name="email" autocomplete="email"
                        required part="input" aria-invalid="false"/>
                    <p class="doku-field-error" id="doku-email-error"></p>
                </div>
                <p class="doku-form-error" role="alert"></p>
                <button type="submit" class="doku-pay" part="pay-button"></button>
            </form>
            <div class="doku-result" part="result" hidden>
                <h2 tabindex="-1"></h2>
                <p></p>
                <p class="doku-muted">
                    <span class="doku-code"></span>
                    <span class="doku-payment-label"></span>" "
                    <code></code>
                </p>
                <button type="button" part="button" class="doku-pay" hidden></button>
            </div>
        </section>
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
