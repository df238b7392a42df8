//! The sandbox's shared state and the moves every interface shares: admitting a
//! payment, sending the customer to DOKU, ending a payment, notifying the merchant.

use crate::callback_body;
use crate::config::{Config, ConfigError, ProjectConfig};
use crate::delivery::{Delivery, DeliveryCopy};
use crate::doku::DokuSession;
use crate::faults::Faults;
use crate::ids::Ids;
use crate::money::{payout_limits, purchase_limits};
use crate::outcome::{self, Outcome};
use crate::payment::{Due, Kind, Money, Origin, Payment, PaymentKey, PaymentView, doku_date};
use crate::request_error::RequestError;
use ecommpay::{PaymentStatus, Signer};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::watch;

/// A sandbox: a cheap-to-clone handle on one emulated platform's state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Shared>,
}

struct Shared {
    config: Config,
    base_url: String,
    store: Mutex<Store>,
    ids: Ids,
    http: reqwest::Client,
    stopped: watch::Sender<bool>,
}

/// Everything that changes, behind one lock (never held across an `await`).
#[derive(Default)]
pub(crate) struct Store {
    /// Payments by project and payment id.
    pub payments: HashMap<PaymentKey, Payment>,
    /// Payment Page tokens.
    pub pages: HashMap<String, PaymentKey>,
    /// DOKU `SESSIONID`s.
    pub sessions: HashMap<String, PaymentKey>,
    /// Faults per project.
    pub project_faults: HashMap<u64, Faults>,
    /// Faults per payment (replacing the project's).
    pub payment_faults: HashMap<PaymentKey, Faults>,
}

impl Store {
    /// The faults in force for payment `key`: its own, else its project's, else none.
    pub fn faults(&self, key: &PaymentKey) -> Faults {
        self.payment_faults
            .get(key)
            .or_else(|| self.project_faults.get(&key.0))
            .cloned()
            .unwrap_or_default()
    }

    /// The faults in force for payment `key`, to change them (one Gate error used up).
    pub fn faults_mut(&mut self, key: &PaymentKey) -> Option<&mut Faults> {
        if self.payment_faults.contains_key(key) {
            self.payment_faults.get_mut(key)
        } else {
            self.project_faults.get_mut(&key.0)
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTP client for callbacks could not be built.
    #[error("cannot build the HTTP client for callbacks: {0}")]
    HttpClient(String),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The project named in a request or a control call does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("project {0} does not exist")]
pub struct UnknownProject(pub u64);

/// A payment about to be admitted.
pub(crate) struct NewPayment {
    pub project_id: u64,
    pub payment_id: String,
    pub kind: Kind,
    pub origin: Origin,
    pub customer_id: String,
    pub first_name: Option<String>,
    pub email: Option<String>,
    pub account_number: Option<String>,
    pub description: String,
    pub initial: Money,
    pub converted: u64,
    pub callback_url: Option<String>,
}

impl Sandbox {
    /// A sandbox for `config` (validated). Nothing runs until it is served: see
    /// [`crate::spawn`] and [`crate::serve`].
    pub fn new(config: Config) -> Result<Sandbox, StartError> {
        config.validate()?;
        let http = reqwest::Client::builder()
            .timeout(config.delivery.timeout)
            .connect_timeout(config.delivery.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ecommpay-sandbox/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| StartError::HttpClient(e.to_string()))?;
        let (stopped, _) = watch::channel(false);
        Ok(Sandbox {
            inner: Arc::new(Shared {
                base_url: config.base_url(),
                config,
                store: Mutex::new(Store::default()),
                ids: Ids::new(),
                http,
                stopped,
            }),
        })
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The base URL of its pages, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The project `id`, if configured.
    pub fn project(&self, id: u64) -> Option<&ProjectConfig> {
        self.inner.config.projects.iter().find(|p| p.id == id)
    }

    /// The name of project `id`, as its pages show it (empty if there is none).
    pub fn project_name(&self, id: u64) -> String {
        self.project(id).map(|p| p.name.clone()).unwrap_or_default()
    }

    /// Stops background work: the clock and callback deliveries end at their next wait.
    pub fn stop(&self) {
        self.inner.stopped.send_replace(true);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        // Nothing panics while holding the lock; if something did, keep serving rather
        // than fail every later request.
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn ids(&self) -> &Ids {
        &self.inner.ids
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Sleeps for `duration`; false if the sandbox stopped meanwhile.
    pub(crate) async fn pause(&self, duration: Duration) -> bool {
        let mut stopped = self.inner.stopped.subscribe();
        if *stopped.borrow() {
            return false;
        }
        tokio::select! {
            () = tokio::time::sleep(duration) => true,
            _ = stopped.wait_for(|stopped| *stopped) => false,
        }
    }

    /// Runs `f` on delivery `index` of payment `key`, if it exists.
    pub(crate) fn with_delivery<R>(
        &self,
        key: &PaymentKey,
        index: usize,
        f: impl FnOnce(&mut Delivery) -> R,
    ) -> Option<R> {
        let mut store = self.lock();
        store
            .payments
            .get_mut(key)?
            .deliveries
            .get_mut(index)
            .map(f)
    }

    /// Admits a payment: refuses a duplicate payment id (a Payment Page reload with the
    /// same parameters resumes the unfinished payment instead), declines at once when out
    /// of limits, and schedules a Gate sale's redirect or a payout's processing.
    pub(crate) fn admit(&self, new: NewPayment) -> Result<PaymentKey, RequestError> {
        let project = self
            .project(new.project_id)
            .ok_or(RequestError::UnknownProject(new.project_id))?;
        let key = (new.project_id, new.payment_id.clone());
        let mut guard = self.lock();
        let store = &mut *guard;
        if let Some(existing) = store.payments.get(&key) {
            let resumable = match (&new.origin, existing.page()) {
                (Origin::PaymentPage(new_page), Some(old_page)) => {
                    new_page.params == old_page.params && !existing.status.is_final()
                }
                _ => false,
            };
            return if resumable {
                Ok(key)
            } else {
                Err(RequestError::Duplicate {
                    project_id: new.project_id,
                    payment_id: new.payment_id,
                })
            };
        }
        let now = OffsetDateTime::now_utc();
        let instant = Instant::now();
        let (status, due) = match (&new.origin, new.kind) {
            (Origin::PaymentPage(_), _) => (PaymentStatus::AwaitingCustomer, None),
            (Origin::Gate { .. }, Kind::Purchase) => (
                PaymentStatus::Processing,
                Some((instant + self.config().redirect_delay, Due::Redirect)),
            ),
            (Origin::Gate { .. }, Kind::Payout) => (
                PaymentStatus::Processing,
                Some((instant + project.payout_delay, Due::Payout)),
            ),
        };
        let limits = match new.kind {
            Kind::Purchase => purchase_limits(project.kyc),
            Kind::Payout => payout_limits(),
        };
        if let Origin::PaymentPage(page) = &new.origin {
            store.pages.insert(page.token.clone(), key.clone());
        }
        let payment = Payment {
            project_id: new.project_id,
            payment_id: new.payment_id,
            kind: new.kind,
            origin: new.origin,
            customer_id: new.customer_id,
            first_name: new.first_name,
            email: new.email,
            account_number: new.account_number,
            description: new.description,
            initial: new.initial,
            converted: new.converted,
            status,
            outcome: None,
            operation_id: self.ids().operation_id(),
            request_id: self.ids().hex(40),
            created: now,
            updated: now,
            deadline: instant + project.threshold,
            due,
            doku: None,
            provider_payment_id: String::new(),
            provider_date: None,
            callback_url: new.callback_url,
            last_pending_callback: None,
            deliveries: Vec::new(),
        };
        tracing::info!(project = key.0, payment = %key.1, kind = ?payment.kind, amount_idr = payment.converted, "payment admitted");
        let declined = outcome::limit_check(limits, payment.converted);
        store.payments.insert(key.clone(), payment);
        if let Some(decline) = declined {
            self.finish(store, &key, decline);
        }
        Ok(key)
    }

    /// Opens the DOKU session of payment `key` (once) and marks it as awaiting the
    /// redirect result.
    pub(crate) fn open_doku(&self, store: &mut Store, key: &PaymentKey) {
        let Some(project) = self.project(key.0) else {
            return;
        };
        let Some(payment) = store.payments.get_mut(key) else {
            return;
        };
        if payment.doku.is_some() || payment.status.is_final() {
            return;
        }
        let now = OffsetDateTime::now_utc();
        let session = DokuSession::new(
            self.ids().hex(16),
            &project.doku,
            payment.operation_id,
            payment.converted,
            doku_date(now),
            payment.first_name.as_deref(),
            payment.email.as_deref(),
        );
        store
            .sessions
            .insert(session.session_id.clone(), key.clone());
        payment.doku = Some(session);
        payment.advance(PaymentStatus::AwaitingRedirectResult, now);
    }

    /// Ends payment `key` with `outcome` and sends the final callback; false if it was
    /// already final (nothing changes).
    pub(crate) fn finish(&self, store: &mut Store, key: &PaymentKey, outcome: Outcome) -> bool {
        let Some(payment) = store.payments.get_mut(key) else {
            return false;
        };
        let serial = self.ids().operation_id();
        let provider_payment_id = match payment.kind {
            Kind::Purchase => (100_000 + serial % 900_000).to_string(),
            Kind::Payout => format!("DK{:08}", serial % 100_000_000),
        };
        if !payment.finish(outcome, OffsetDateTime::now_utc(), provider_payment_id) {
            return false;
        }
        if outcome.is_success() && payment.account_number.is_none() {
            // The customer's DOKU wallet, as DOKU reports it for a paid purchase.
            payment.account_number = Some(format!("{:010}", serial % 10_000_000_000));
        }
        tracing::info!(project = key.0, payment = %key.1, code = outcome.code, "payment final");
        self.notify(store, key);
        true
    }

    /// Records the callback for payment `key`'s current state, with the copies its faults
    /// ask for, and starts delivering them.
    pub(crate) fn notify(&self, store: &mut Store, key: &PaymentKey) {
        let faults = store.faults(key);
        let Some(project) = self.project(key.0) else {
            return;
        };
        let Some(payment) = store.payments.get_mut(key) else {
            return;
        };
        let signer = Signer::new(&project.secret_key);
        let body = callback_body::current(payment, self.base_url(), &signer);
        let url = payment
            .callback_url
            .clone()
            .or_else(|| project.callback_url.clone());
        let push = |payment: &mut Payment, copy: DeliveryCopy, body| {
            let index = payment.deliveries.len();
            payment
                .deliveries
                .push(Delivery::new(index + 1, copy, body, url.clone()));
            index
        };
        let mut indices = vec![push(payment, DeliveryCopy::Original, body.clone())];
        if faults.duplicate_callbacks {
            indices.push(push(payment, DeliveryCopy::Duplicate, body.clone()));
        }
        if !payment.status.is_final() {
            payment.last_pending_callback = Some(body);
        } else if faults.out_of_order {
            let stale = payment
                .last_pending_callback
                .clone()
                .unwrap_or_else(|| callback_body::stale_processing(payment, &signer));
            indices.push(push(payment, DeliveryCopy::Stale, stale));
        }
        let sandbox = self.clone();
        let key = key.clone();
        tokio::spawn(async move { sandbox.deliver(key, indices, faults).await });
    }

    /// Sets the faults of project `project_id` (replacing any).
    pub fn set_project_faults(
        &self,
        project_id: u64,
        faults: Faults,
    ) -> Result<(), UnknownProject> {
        self.project(project_id).ok_or(UnknownProject(project_id))?;
        self.lock().project_faults.insert(project_id, faults);
        Ok(())
    }

    /// The faults set on project `project_id`, if any.
    pub fn project_faults(&self, project_id: u64) -> Option<Faults> {
        self.lock().project_faults.get(&project_id).cloned()
    }

    /// Removes the faults of project `project_id`.
    pub fn clear_project_faults(&self, project_id: u64) {
        self.lock().project_faults.remove(&project_id);
    }

    /// Sets the faults of payment `payment_id` in project `project_id` (replacing the
    /// project's for it). The payment need not exist yet.
    pub fn set_payment_faults(
        &self,
        project_id: u64,
        payment_id: &str,
        faults: Faults,
    ) -> Result<(), UnknownProject> {
        self.project(project_id).ok_or(UnknownProject(project_id))?;
        self.lock()
            .payment_faults
            .insert((project_id, payment_id.to_string()), faults);
        Ok(())
    }

    /// The faults set on one payment, if any.
    pub fn payment_faults(&self, project_id: u64, payment_id: &str) -> Option<Faults> {
        self.lock()
            .payment_faults
            .get(&(project_id, payment_id.to_string()))
            .cloned()
    }

    /// Removes the faults of one payment (its project's apply again).
    pub fn clear_payment_faults(&self, project_id: u64, payment_id: &str) {
        self.lock()
            .payment_faults
            .remove(&(project_id, payment_id.to_string()));
    }

    /// Payment `payment_id` of project `project_id`: its state and delivery log.
    pub fn payment(&self, project_id: u64, payment_id: &str) -> Option<PaymentView> {
        let store = self.lock();
        let payment = store.payments.get(&(project_id, payment_id.to_string()))?;
        Some(payment.view(callback_body::redirect_data(payment, self.base_url())))
    }
}
