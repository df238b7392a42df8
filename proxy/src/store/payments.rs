//! Payments: purchases (per order at most one that is live or paid) and payouts, and the one
//! way their status changes: forward, by compare-and-set on `version`.

use super::group_insert::PaymentRow;
use super::group_read::ById;
use super::orders::from_i64;
use super::{Store, StoreError, now_millis};
use doku_protocol::{CheckoutStatus, Currency, Transition, UncheckedRedirect};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Executor, Row};

/// A purchase or a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentKind {
    /// The customer pays the merchant.
    Purchase,
    /// The merchant pays the customer's e-wallet.
    Payout,
}

impl PaymentKind {
    /// `purchase` or `payout`.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Purchase => "purchase",
            PaymentKind::Payout => "payout",
        }
    }

    /// The kind named `text` (as [`PaymentKind::as_str`] spells it).
    pub fn parse(text: &str) -> Option<PaymentKind> {
        match text {
            "purchase" => Some(PaymentKind::Purchase),
            "payout" => Some(PaymentKind::Payout),
            _ => None,
        }
    }
}

/// Which platform interface opens a payment (`--mode payment-page|gate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// A signed Payment Page URL with `force_payment_method=doku` (the widget
    /// navigates there with GET).
    PaymentPage,
    /// A signed Gate sale; the DOKU redirect (a POST form) arrives by callback.
    Gate,
}

impl Mode {
    /// `payment_page` or `gate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::PaymentPage => "payment_page",
            Mode::Gate => "gate",
        }
    }

    fn parse(text: &str) -> Option<Mode> {
        match text {
            "payment_page" => Some(Mode::PaymentPage),
            "gate" => Some(Mode::Gate),
            _ => None,
        }
    }
}

/// Who pays (or is paid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// The merchant's customer id (sent to the platform).
    pub id: String,
    /// First name, as validated.
    pub first_name: Option<String>,
    /// Email, as validated.
    pub email: Option<String>,
    /// The customer's IP address (Gate).
    pub ip: Option<String>,
}

/// The e-wallet a payout goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutAccount {
    /// The e-wallet number.
    pub number: String,
    /// The holder's full name.
    pub name: String,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq)]
pub struct Payment {
    /// `pay_…` or `po_…`: the platform's payment_id, unguessable.
    pub id: String,
    /// Purchase or payout.
    pub kind: PaymentKind,
    /// Payment Page or Gate.
    pub mode: Mode,
    /// The order (purchases).
    pub order_id: Option<String>,
    /// The widget's idempotency key (purchases).
    pub idempotency_key: Option<String>,
    /// The merchant's payout reference (payouts).
    pub payout_ref: Option<String>,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Who pays or is paid.
    pub customer: Customer,
    /// The e-wallet (payouts).
    pub account: Option<PayoutAccount>,
    /// Where it stands.
    pub status: CheckoutStatus,
    /// The platform's last status, as it spelled it.
    pub platform_status: Option<String>,
    /// The platform's result code.
    pub code: Option<String>,
    /// The platform's result message.
    pub message: Option<String>,
    /// Where to send the customer, once known.
    pub redirect: Option<UncheckedRedirect>,
    /// Created (Unix ms).
    pub created_at: i64,
    /// Last changed (Unix ms).
    pub updated_at: i64,
    /// When the platform's threshold time runs out (Unix ms).
    pub expires_at: i64,
    /// When the reconciler asks the platform next (None once final).
    pub schedule: Option<Schedule>,
    /// How many times the reconciler has asked.
    pub check_attempts: i64,
    /// Bumped by every write: the compare-and-set token.
    pub version: i64,
}

/// When the reconciler asks the platform about a payment that is not final yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// When to ask next (Unix ms).
    pub next_check_at: i64,
    /// Until when a reconciler holds the payment (Unix ms), if one does.
    pub lease_until: Option<i64>,
}

impl Schedule {
    /// A check at `next_check_at`, held by no reconciler.
    pub fn at(next_check_at: i64) -> Schedule {
        Schedule {
            next_check_at,
            lease_until: None,
        }
    }
}

/// A payment to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayment {
    /// The id (chosen before storing, because a Payment Page URL signs it).
    pub id: String,
    /// Purchase or payout.
    pub kind: PaymentKind,
    /// Payment Page or Gate.
    pub mode: Mode,
    /// The order (purchases).
    pub order_id: Option<String>,
    /// The widget's idempotency key (purchases).
    pub idempotency_key: Option<String>,
    /// The merchant's payout reference (payouts).
    pub payout_ref: Option<String>,
    /// Minor units.
    pub amount: u64,
    /// Currency.
    pub currency: Currency,
    /// Who pays or is paid.
    pub customer: Customer,
    /// The e-wallet (payouts).
    pub account: Option<PayoutAccount>,
    /// Initial status.
    pub status: CheckoutStatus,
    /// Where to send the customer, if already known (Payment Page).
    pub redirect: Option<UncheckedRedirect>,
    /// When the threshold time runs out (Unix ms).
    pub expires_at: i64,
    /// When the reconciler should first ask the platform (Unix ms).
    pub next_check_at: i64,
}

/// What the platform says about a payment: applied with [`Payment::apply`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusUpdate {
    /// The new status, if the platform gave one we understand.
    pub status: Option<CheckoutStatus>,
    /// The platform's own status name.
    pub platform_status: Option<String>,
    /// Result code.
    pub code: Option<String>,
    /// Result message.
    pub message: Option<String>,
    /// Where to send the customer.
    pub redirect: Option<UncheckedRedirect>,
}

impl Payment {
    /// `new` as stored at `now`: version 0, never checked.
    fn created(new: NewPayment, now: i64) -> Payment {
        Payment {
            id: new.id,
            kind: new.kind,
            mode: new.mode,
            order_id: new.order_id,
            idempotency_key: new.idempotency_key,
            payout_ref: new.payout_ref,
            amount: new.amount,
            currency: new.currency,
            customer: new.customer,
            account: new.account,
            status: new.status,
            platform_status: None,
            code: None,
            message: None,
            redirect: new.redirect,
            created_at: now,
            updated_at: now,
            expires_at: new.expires_at,
            schedule: Some(Schedule::at(new.next_check_at)),
            check_attempts: 0,
            version: 0,
        }
    }

    /// Applies `update` if it moves the payment forward; a redirect is recorded the first
    /// time it arrives. Returns what happened to the status.
    pub fn apply(&mut self, update: &StatusUpdate) -> Transition {
        let transition = match update.status {
            Some(status) => self.status.advance(status),
            None => Transition::Unchanged,
        };
        let new_redirect = self.redirect.is_none() && update.redirect.is_some();
        if transition == Transition::Refused {
            return transition;
        }
        if transition == Transition::Moved {
            self.platform_status = update
                .platform_status
                .clone()
                .or(self.platform_status.take());
            self.code = update.code.clone().or(self.code.take());
            self.message = update.message.clone().or(self.message.take());
            if self.status.is_final() {
                self.schedule = None;
            }
        }
        if new_redirect && !self.status.is_final() {
            self.redirect = update.redirect.clone();
            return Transition::Moved;
        }
        transition
    }

    /// The `next_check_at` column: when the reconciler asks next.
    pub(super) fn next_check_at(&self) -> Option<i64> {
        self.schedule.map(|schedule| schedule.next_check_at)
    }

    /// The `lease_until` column: until when a reconciler holds the payment.
    pub(super) fn lease_until(&self) -> Option<i64> {
        self.schedule.and_then(|schedule| schedule.lease_until)
    }

    /// The column that keeps one purchase per order going: the order while the purchase
    /// is live, and for good once it paid (a paid order takes no new payment); only a
    /// declined purchase lets go of it.
    pub(super) fn open_order_id(&self) -> Option<&str> {
        let holds = !self.status.is_final() || self.status.is_paid();
        match self.kind {
            PaymentKind::Purchase if holds => self.order_id.as_deref(),
            _ => None,
        }
    }
}

/// The outcome of [`Store::insert_payment`].
#[derive(Debug, Clone, PartialEq)]
pub enum Inserted {
    /// Stored as new.
    New(Payment),
    /// An equivalent payment already existed (same idempotency key, a live or paid payment for
    /// the order, or the same payout reference): this one was not stored.
    Existing(Payment),
}

impl ById for Payment {
    const TABLE: &'static str = "payments";
    const COLUMNS: &'static str = COLUMNS;

    fn id(&self) -> &str {
        &self.id
    }

    fn read(row: &AnyRow) -> Result<Payment, StoreError> {
        read_payment(row)
    }
}

/// Every column of a payment, in the order [`read_payment`] expects.
pub(super) const COLUMNS: &str = "id, kind, mode, order_id, idempotency_key, payout_ref, amount, currency, \
    customer_id, first_name, email, customer_ip, account_number, account_name, status, \
    platform_status, code, message, redirect, created_at, updated_at, expires_at, next_check_at, \
    check_attempts, lease_until, version";

impl Store {
    /// Stores `new`, unless an equivalent payment exists (same order and idempotency key,
    /// a live or paid payment for the same order, or the same payout reference): then that one is
    /// returned instead. Safe under concurrent requests: the database's unique
    /// constraints decide, and the loser reads the winner.
    pub async fn insert_payment(&self, new: NewPayment) -> Result<Inserted, StoreError> {
        let payment = Payment::created(new, now_millis());
        // The new payment goes straight in (with whatever other inserts are waiting); a
        // unique constraint turning it away (ON CONFLICT DO NOTHING) means an equivalent
        // payment exists. If that one settled (freeing the order) before we could read
        // it, the insert is tried again.
        let mut row = PaymentRow::new(payment)?;
        for _ in 0..MAX_CAS_ATTEMPTS {
            let (returned, stored) = self.inserts.insert(row).await?;
            if stored {
                let payment = returned.into_payment();
                self.known_payments.keep(&payment);
                return Ok(Inserted::New(payment));
            }
            let payment = returned.payment();
            let existing = self
                .equivalent_payment(
                    &payment.order_id,
                    &payment.idempotency_key,
                    &payment.payout_ref,
                )
                .await?;
            if let Some(existing) = existing {
                return Ok(Inserted::Existing(existing));
            }
            row = returned;
        }
        Err(StoreError::Contention(format!(
            "payment {} was turned away but nothing equivalent stayed",
            row.payment().id
        )))
    }

    /// The payment that makes `new` unnecessary, if any.
    async fn equivalent_payment(
        &self,
        order_id: &Option<String>,
        idempotency_key: &Option<String>,
        payout_ref: &Option<String>,
    ) -> Result<Option<Payment>, StoreError> {
        if let (Some(order), Some(key)) = (order_id, idempotency_key) {
            let by_key = self
                .select_one(
                    "WHERE order_id = $1 AND idempotency_key = $2",
                    &[order, key],
                )
                .await?;
            if by_key.is_some() {
                return Ok(by_key);
            }
        }
        if let Some(order) = order_id {
            let holder = self
                .select_one("WHERE open_order_id = $1", &[order])
                .await?;
            if holder.is_some() {
                return Ok(holder);
            }
        }
        if let Some(reference) = payout_ref {
            return self.select_one("WHERE payout_ref = $1", &[reference]).await;
        }
        Ok(None)
    }

    /// The payment `id`, if there is one (and keeps it, for callbacks).
    pub async fn payment(&self, id: &str) -> Result<Option<Payment>, StoreError> {
        let payment = self.payments.read(id).await?;
        if let Some(payment) = &payment {
            self.known_payments.keep(payment);
        }
        Ok(payment)
    }

    async fn select_one(
        &self,
        condition: &str,
        params: &[&str],
    ) -> Result<Option<Payment>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM payments {condition}");
        let mut query = sqlx::query(&sql);
        for param in params {
            query = query.bind(*param);
        }
        let row = query.fetch_optional(&self.pool).await?;
        row.map(|row| read_payment(&row)).transpose()
    }

    /// Changes payment `id` with `change`, which edits a fresh copy and says whether to
    /// write it. Retries on a concurrent write, so `change` sees the latest state.
    /// Returns the payment as stored afterwards (and keeps it, for callbacks).
    pub async fn modify_payment(
        &self,
        id: &str,
        mut change: impl FnMut(&mut Payment) -> bool,
    ) -> Result<Option<Payment>, StoreError> {
        for _ in 0..MAX_CAS_ATTEMPTS {
            let Some(mut payment) = self.payment(id).await? else {
                return Ok(None);
            };
            if !change(&mut payment) {
                return Ok(Some(payment));
            }
            if write_back(&self.pool, &mut payment).await? {
                self.known_payments.keep(&payment);
                return Ok(Some(payment));
            }
        }
        Err(StoreError::Contention(format!(
            "payment {id} kept changing under concurrent writes"
        )))
    }
}

impl Store {
    /// Non-final payments whose next check is due at `now` and that no reconciler holds,
    /// oldest check first, at most `limit`.
    pub async fn due_for_check(&self, now: i64, limit: i64) -> Result<Vec<Payment>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM payments WHERE next_check_at <= $1 \
             AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_check_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_payment).collect()
    }
}

/// How many times a compare-and-set is retried before giving up.
pub(super) const MAX_CAS_ATTEMPTS: usize = 16;

/// The compare-and-set of [`write_back`]: a payment's mutable columns (`$1` to `$10`),
/// written only if its version (`$12`) is still the one read, for id `$11`.
pub(super) const WRITE_BACK: &str = "UPDATE payments SET status = $1, platform_status = $2, code = $3, \
     message = $4, redirect = $5, open_order_id = $6, next_check_at = $7, check_attempts = $8, \
     lease_until = $9, updated_at = $10, version = version + 1 WHERE id = $11 AND version = $12";

/// `sql` (a statement whose first twelve parameters are [`WRITE_BACK`]'s) with those
/// parameters bound for `payment` at `now`.
pub(super) fn write_back_query<'q>(
    sql: &'q str,
    payment: &'q Payment,
    now: i64,
) -> Result<Query<'q, Any, AnyArguments<'q>>, StoreError> {
    bind_write_back(sqlx::query(sql), payment, now)
}

/// `query` with [`WRITE_BACK`]'s twelve parameters bound next, for `payment` at `now`.
pub(super) fn bind_write_back<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    payment: &'q Payment,
    now: i64,
) -> Result<Query<'q, Any, AnyArguments<'q>>, StoreError> {
    Ok(query
        .bind(payment.status.as_str())
        .bind(payment.platform_status.as_deref())
        .bind(payment.code.as_deref())
        .bind(payment.message.as_deref())
        .bind(redirect_json(&payment.redirect)?)
        .bind(payment.open_order_id())
        .bind(payment.next_check_at())
        .bind(payment.check_attempts)
        .bind(payment.lease_until())
        .bind(now)
        .bind(&payment.id)
        .bind(payment.version))
}

impl Payment {
    /// Takes on what [`WRITE_BACK`] did to the stored row at `now`.
    pub(super) fn written_back(&mut self, now: i64) {
        self.version += 1;
        self.updated_at = now;
    }
}

/// Writes `payment`'s mutable columns if nobody changed it since it was read; bumps its
/// version on success. `false` means a concurrent write won: read again and retry.
pub(super) async fn write_back<'e, E>(
    executor: E,
    payment: &mut Payment,
) -> Result<bool, StoreError>
where
    E: Executor<'e, Database = Any>,
{
    let now = now_millis();
    let written = write_back_query(WRITE_BACK, payment, now)?
        .execute(executor)
        .await?
        .rows_affected()
        == 1;
    if written {
        payment.written_back(now);
    }
    Ok(written)
}

/// Reads one payment row (columns as in [`COLUMNS`]).
pub(super) fn read_payment(row: &AnyRow) -> Result<Payment, StoreError> {
    let text =
        |column: &str| -> Result<String, StoreError> { Ok(row.try_get::<String, _>(column)?) };
    let corrupt =
        |what: &str, value: &str| StoreError::Corrupt(format!("payment {what} {value:?}"));
    let kind = text("kind")?;
    let mode = text("mode")?;
    let currency = text("currency")?;
    let status = text("status")?;
    let redirect: Option<String> = row.try_get("redirect")?;
    let account_number: Option<String> = row.try_get("account_number")?;
    let account_name: Option<String> = row.try_get("account_name")?;
    let next_check_at: Option<i64> = row.try_get("next_check_at")?;
    let lease_until: Option<i64> = row.try_get("lease_until")?;
    Ok(Payment {
        id: text("id")?,
        kind: PaymentKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        mode: Mode::parse(&mode).ok_or_else(|| corrupt("mode", &mode))?,
        order_id: row.try_get("order_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        payout_ref: row.try_get("payout_ref")?,
        amount: from_i64(row.try_get("amount")?)?,
        currency: Currency::parse(&currency).map_err(|_| corrupt("currency", &currency))?,
        customer: Customer {
            id: text("customer_id")?,
            first_name: row.try_get("first_name")?,
            email: row.try_get("email")?,
            ip: row.try_get("customer_ip")?,
        },
        account: account_number
            .zip(account_name)
            .map(|(number, name)| PayoutAccount { number, name }),
        status: CheckoutStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        platform_status: row.try_get("platform_status")?,
        code: row.try_get("code")?,
        message: row.try_get("message")?,
        redirect: redirect
            .map(|json| serde_json::from_str(&json).map_err(|_| corrupt("redirect", &json)))
            .transpose()?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
        // A lease without a next check means nothing (no write stores one).
        schedule: next_check_at.map(|next_check_at| Schedule {
            next_check_at,
            lease_until,
        }),
        check_attempts: row.try_get("check_attempts")?,
        version: row.try_get("version")?,
    })
}

pub(super) fn redirect_json(
    redirect: &Option<UncheckedRedirect>,
) -> Result<Option<String>, StoreError> {
    redirect
        .as_ref()
        .map(|r| serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::NewOrder;
    use doku_protocol::{Kyc, OrderAmount};

    /// A new IDR order in `store`; its id.
    pub(in crate::store) async fn order(store: &Store) -> String {
        let order = NewOrder {
            amount: OrderAmount::parse(15_000_000, "IDR", Kyc::Before).expect("an amount"),
            description: "Kopi Toraja".into(),
            customer_id: None,
        };
        store.insert_order(order).await.expect("an order").id
    }

    /// A Gate purchase for `ord_x` in `status`.
    pub(crate) fn payment(status: CheckoutStatus) -> Payment {
        Payment {
            id: "pay_x".into(),
            kind: PaymentKind::Purchase,
            mode: Mode::Gate,
            order_id: Some("ord_x".into()),
            idempotency_key: None,
            payout_ref: None,
            amount: 100,
            currency: Currency::IDR,
            customer: Customer {
                id: "c".into(),
                first_name: None,
                email: None,
                ip: None,
            },
            account: None,
            status,
            platform_status: None,
            code: None,
            message: None,
            redirect: None,
            created_at: 0,
            updated_at: 0,
            expires_at: 0,
            schedule: Some(Schedule::at(1)),
            check_attempts: 0,
            version: 0,
        }
    }

    /// A new pending purchase for a new order, stored in `store` (through the group
    /// insert).
    pub(in crate::store) async fn stored_pending(store: &Store) -> Payment {
        let mut pending = payment(CheckoutStatus::Pending);
        pending.id = crate::ids::new_id("pay");
        pending.order_id = Some(order(store).await);
        let row = PaymentRow::new(pending).expect("a row");
        let (row, stored) = store.inserts.insert(row).await.expect("an insert");
        assert!(stored, "a new order takes its first payment");
        row.into_payment()
    }

    /// What the store keeps of payment `id` is the row as stored.
    async fn assert_kept_as_stored(store: &Store, id: &str) {
        let stored = store.payments.read(id).await.expect("a read");
        assert!(stored.is_some());
        assert_eq!(store.known_payments.get(id), stored);
    }

    #[tokio::test]
    async fn the_payment_kept_is_the_row_as_each_write_left_it() {
        for db in doku_testkit::databases().await {
            let store = Store::connect(&db.url).await.expect("a store");
            let pending = payment(CheckoutStatus::Pending);
            let new = NewPayment {
                id: crate::ids::new_id("pay"),
                kind: pending.kind,
                mode: pending.mode,
                order_id: Some(order(&store).await),
                idempotency_key: Some("kept-key".into()),
                payout_ref: None,
                amount: pending.amount,
                currency: pending.currency,
                customer: pending.customer,
                account: None,
                status: pending.status,
                redirect: None,
                expires_at: 1,
                next_check_at: 1,
            };
            let Inserted::New(opened) = store.insert_payment(new).await.expect("an insert") else {
                panic!("{}: a new order takes its first payment", db.backend);
            };
            assert_kept_as_stored(&store, &opened.id).await;
            let success = StatusUpdate {
                status: Some(CheckoutStatus::Success),
                platform_status: Some("success".into()),
                code: Some("0".into()),
                message: None,
                redirect: None,
            };
            store
                .record_callback(Some(&opened.id), "{}", &success)
                .await
                .expect("a callback");
            assert_kept_as_stored(&store, &opened.id).await;
            store
                .modify_payment(&opened.id, |p| {
                    p.check_attempts += 1;
                    true
                })
                .await
                .expect("a change");
            assert_kept_as_stored(&store, &opened.id).await;
            store.close().await;
        }
    }

    fn redirect() -> UncheckedRedirect {
        UncheckedRedirect {
            method: "POST".into(),
            url: "https://pay.doku.com/".into(),
            body: Default::default(),
        }
    }

    #[test]
    fn final_updates_close_the_order_slot_and_stop_checks() {
        let mut p = payment(CheckoutStatus::Pending);
        assert_eq!(p.open_order_id(), Some("ord_x"));
        let update = StatusUpdate {
            status: Some(CheckoutStatus::Decline),
            code: Some("20101".into()),
            ..StatusUpdate::default()
        };
        assert_eq!(p.apply(&update), Transition::Moved);
        assert_eq!(p.open_order_id(), None);
        assert_eq!(p.schedule, None);
        assert_eq!(p.code.as_deref(), Some("20101"));
    }

    #[test]
    fn a_paid_purchase_keeps_its_order() {
        let mut p = payment(CheckoutStatus::Pending);
        let paid = StatusUpdate {
            status: Some(CheckoutStatus::Success),
            ..StatusUpdate::default()
        };
        assert_eq!(p.apply(&paid), Transition::Moved);
        assert_eq!(p.open_order_id(), Some("ord_x"));
        let refunded = StatusUpdate {
            status: Some(CheckoutStatus::Refunded),
            ..StatusUpdate::default()
        };
        assert_eq!(p.apply(&refunded), Transition::Moved);
        assert_eq!(p.open_order_id(), Some("ord_x"));
        p.kind = PaymentKind::Payout;
        assert_eq!(p.open_order_id(), None, "payouts hold no order");
    }

    #[test]
    fn late_updates_change_nothing() {
        let mut p = payment(CheckoutStatus::Success);
        let late = StatusUpdate {
            status: Some(CheckoutStatus::Pending),
            code: Some("x".into()),
            redirect: Some(redirect()),
            ..StatusUpdate::default()
        };
        assert_eq!(p.apply(&late), Transition::Refused);
        assert_eq!(p.code, None);
        assert_eq!(p.redirect, None);
    }

    #[test]
    fn a_redirect_is_recorded_once() {
        let mut p = payment(CheckoutStatus::AwaitingRedirect);
        let update = StatusUpdate {
            status: Some(CheckoutStatus::Pending),
            redirect: Some(redirect()),
            ..StatusUpdate::default()
        };
        assert_eq!(p.apply(&update), Transition::Moved);
        assert_eq!(p.redirect, Some(redirect()));
        assert_eq!(p.apply(&update), Transition::Unchanged);
    }

    /// PostgreSQL's two partial indexes (migration 0005) leave out the rows whose value
    /// is NULL; the queries that look values up must still find them through the index.
    #[tokio::test]
    async fn postgres_finds_due_checks_and_payouts_through_the_partial_indexes() {
        let db = doku_testkit::postgres().await;
        let store = Store::connect(&db.url).await.expect("a store");
        let mut connection = store.pool.acquire().await.expect("a connection");
        // An empty table is cheapest to scan: make the planner show whether it can
        // use the index at all.
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *connection)
            .await
            .expect("planner setting");
        let due = format!(
            "EXPLAIN SELECT {COLUMNS} FROM payments WHERE next_check_at <= 5 \
             AND (lease_until IS NULL OR lease_until < 5) ORDER BY next_check_at LIMIT 10"
        );
        let payout = format!("EXPLAIN SELECT {COLUMNS} FROM payments WHERE payout_ref = 'p'");
        for (query, index) in [
            (due, "payments_next_check"),
            (payout, "payments_payout_ref"),
        ] {
            let plan: Vec<String> = sqlx::query_scalar(&query)
                .fetch_all(&mut *connection)
                .await
                .expect("a plan");
            let mut scanned = plan.iter().flat_map(|line| line.split_whitespace());
            assert!(scanned.any(|word| word == index), "{query}: {plan:?}");
            let definition: String =
                sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE indexname = $1")
                    .bind(index)
                    .fetch_one(&mut *connection)
                    .await
                    .expect("the index");
            assert!(definition.ends_with("IS NOT NULL)"), "{definition}");
        }
        drop(connection);
        store.close().await;
    }
}
