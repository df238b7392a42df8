//! The store against real SQLite and PostgreSQL: idempotent inserts, one live payment
//! per order, callbacks applied once and only forward, reports.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit as support;

use doku_protocol::{CheckoutStatus, Currency, Kyc, OrderAmount, UncheckedRedirect};
use doku_proxy::ids::new_id;
use doku_proxy::store::{
    CallbackOutcome, Customer, Inserted, Mode, NewOrder, NewPayment, PaymentFilter, PaymentKind,
    Schedule, StatusCount, StatusUpdate, Store, now_millis,
};

async fn order(store: &Store) -> String {
    let amount = OrderAmount::parse(15_000_000, "IDR", Kyc::Before).unwrap();
    let order = NewOrder {
        amount,
        description: "Kopi Toraja".into(),
        customer_id: None,
    };
    store.insert_order(order).await.unwrap().id
}

fn purchase(order_id: &str, key: &str) -> NewPayment {
    NewPayment {
        id: new_id("pay"),
        kind: PaymentKind::Purchase,
        mode: Mode::PaymentPage,
        order_id: Some(order_id.into()),
        idempotency_key: Some(key.into()),
        payout_ref: None,
        amount: 15_000_000,
        currency: Currency::IDR,
        customer: Customer {
            id: "cust-1".into(),
            first_name: Some("Budi".into()),
            email: Some("budi@example.com".into()),
            ip: None,
        },
        account: None,
        status: CheckoutStatus::Pending,
        redirect: Some(UncheckedRedirect {
            method: "GET".into(),
            url: "https://paymentpage.ecommpay.com/payment?x=1".into(),
            body: Default::default(),
        }),
        expires_at: now_millis() + 60_000,
        next_check_at: now_millis() + 60_000,
    }
}

fn id(inserted: &Inserted) -> &str {
    match inserted {
        Inserted::New(p) | Inserted::Existing(p) => &p.id,
    }
}

fn update(status: CheckoutStatus, platform: &str) -> StatusUpdate {
    StatusUpdate {
        status: Some(status),
        platform_status: Some(platform.into()),
        code: Some(
            if status == CheckoutStatus::Success {
                "0"
            } else {
                "20101"
            }
            .into(),
        ),
        message: None,
        redirect: None,
    }
}

/// A new order with one purchase opened for it: their ids.
async fn open_payment(store: &Store) -> (String, String) {
    let order_id = order(store).await;
    let payment = store
        .insert_payment(purchase(&order_id, "k"))
        .await
        .unwrap();
    let payment_id = id(&payment).to_string();
    (order_id, payment_id)
}

#[tokio::test]
async fn orders_are_stored_and_read_back() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let id = order(&store).await;
        let read = store.order(&id).await.unwrap().expect("order stored");
        assert_eq!(read.amount.minor, 15_000_000, "{}", db.backend);
        assert_eq!(read.amount.currency, Currency::IDR);
        assert!(!store.order_and_paid(&id).await.unwrap().unwrap().1);
        assert_eq!(store.order("ord_nope").await.unwrap(), None);
        store.close().await;
    }
}

#[tokio::test]
async fn the_same_key_or_a_live_payment_returns_the_existing_payment() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let order_id = order(&store).await;
        let first = store
            .insert_payment(purchase(&order_id, "key-1"))
            .await
            .unwrap();
        assert!(matches!(first, Inserted::New(_)), "{}", db.backend);

        let again = store
            .insert_payment(purchase(&order_id, "key-1"))
            .await
            .unwrap();
        assert!(matches!(again, Inserted::Existing(_)));
        assert_eq!(id(&again), id(&first));

        let other_key = store
            .insert_payment(purchase(&order_id, "key-2"))
            .await
            .unwrap();
        assert!(
            matches!(other_key, Inserted::Existing(_)),
            "a live payment is reused"
        );
        assert_eq!(id(&other_key), id(&first));

        // Once final, a new attempt opens a new payment.
        store
            .record_callback(
                Some(id(&first)),
                "{}",
                &update(CheckoutStatus::Decline, "decline"),
            )
            .await
            .unwrap();
        let retry = store
            .insert_payment(purchase(&order_id, "key-3"))
            .await
            .unwrap();
        assert!(matches!(retry, Inserted::New(_)), "{}", db.backend);
        assert_ne!(id(&retry), id(&first));
        store.close().await;
    }
}

/// A payout to `reference`, for no order.
fn payout(reference: &str) -> NewPayment {
    NewPayment {
        kind: PaymentKind::Payout,
        order_id: None,
        idempotency_key: None,
        payout_ref: Some(reference.into()),
        redirect: None,
        ..purchase("unused", "unused")
    }
}

#[tokio::test]
async fn a_payout_reference_is_paid_out_once() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let first = store.insert_payment(payout("po-1")).await.unwrap();
        assert!(matches!(first, Inserted::New(_)), "{}", db.backend);
        let again = store.insert_payment(payout("po-1")).await.unwrap();
        assert!(matches!(again, Inserted::Existing(_)), "{}", db.backend);
        assert_eq!(id(&again), id(&first));
        let other = store.insert_payment(payout("po-2")).await.unwrap();
        assert!(matches!(other, Inserted::New(_)), "{}", db.backend);
        // Purchases hold no reference: any number of them never collide on it.
        for key in ["a", "b"] {
            let order_id = order(&store).await;
            let purchase = store
                .insert_payment(purchase(&order_id, key))
                .await
                .unwrap();
            assert!(matches!(purchase, Inserted::New(_)), "{}", db.backend);
        }
        store.close().await;
    }
}

#[tokio::test]
async fn a_paid_order_takes_no_new_payment() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let (order_id, paid_id) = open_payment(&store).await;
        let success = update(CheckoutStatus::Success, "success");
        store
            .record_callback(Some(&paid_id), "{}", &success)
            .await
            .unwrap();
        // However the new attempt comes, the paid payment answers it: the database
        // refuses a second payment, so no check racing the success can let one through.
        for key in ["k", "another-key"] {
            let again = store
                .insert_payment(purchase(&order_id, key))
                .await
                .unwrap();
            let Inserted::Existing(existing) = again else {
                panic!("{}: a paid order took a new payment", db.backend);
            };
            assert_eq!(
                (existing.id.as_str(), existing.status),
                (paid_id.as_str(), CheckoutStatus::Success)
            );
        }
        let refund = update(CheckoutStatus::Refunded, "refunded");
        store
            .record_callback(Some(&paid_id), "{}", &refund)
            .await
            .unwrap();
        let after_refund = store
            .insert_payment(purchase(&order_id, "third-key"))
            .await
            .unwrap();
        assert!(
            matches!(&after_refund, Inserted::Existing(p) if p.id == paid_id),
            "{}: {after_refund:?}",
            db.backend
        );
        store.close().await;
    }
}

/// Which order each payment holds, straight from the table.
async fn holders(pool: &sqlx::AnyPool, ids: &[&str]) -> Vec<Option<String>> {
    let mut held = Vec::new();
    for id in ids {
        let order: Option<String> =
            sqlx::query_scalar("SELECT open_order_id FROM payments WHERE id = $1")
                .bind(*id)
                .fetch_one(pool)
                .await
                .unwrap();
        held.push(order);
    }
    held
}

#[tokio::test]
async fn the_migration_gives_paid_purchases_their_order_back() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let (success, decline) = (
            update(CheckoutStatus::Success, "success"),
            update(CheckoutStatus::Decline, "decline"),
        );
        // Rows as the schema before this change left them: a final payment held nothing.
        let settle = async |order_id: &str, key: &str, to: &StatusUpdate| -> String {
            let id = id(&store.insert_payment(purchase(order_id, key)).await.unwrap()).to_string();
            store.record_callback(Some(&id), "{}", to).await.unwrap();
            sqlx::query("UPDATE payments SET open_order_id = NULL WHERE id = $1")
                .bind(&id)
                .execute(&pool)
                .await
                .unwrap();
            id
        };
        let (paid_order, twice_paid_order, reopened_order, declined_order) = (
            order(&store).await,
            order(&store).await,
            order(&store).await,
            order(&store).await,
        );
        let paid = settle(&paid_order, "k", &success).await;
        let first = settle(&twice_paid_order, "k1", &success).await;
        let second = settle(&twice_paid_order, "k2", &success).await;
        let (first, second) = (first.clone().min(second.clone()), first.max(second));
        let reopened = settle(&reopened_order, "k1", &success).await;
        let live = store
            .insert_payment(purchase(&reopened_order, "k2"))
            .await
            .unwrap();
        let declined = settle(&declined_order, "k", &decline).await;

        let migration = match db.backend {
            "sqlite" => {
                include_str!("../migrations/sqlite/0004_paid_payments_hold_their_order.sql")
            }
            _ => include_str!("../migrations/postgres/0004_paid_payments_hold_their_order.sql"),
        };
        sqlx::raw_sql(migration).execute(&pool).await.unwrap();

        let ids = [
            paid.as_str(),
            &first,
            &second,
            &reopened,
            id(&live),
            &declined,
        ];
        let expected = [
            Some(paid_order.clone()),
            Some(twice_paid_order.clone()),
            None,
            None,
            Some(reopened_order.clone()),
            None,
        ];
        assert_eq!(holders(&pool, &ids).await, expected, "{}", db.backend);
        pool.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn concurrent_inserts_for_one_order_make_one_payment() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let order_id = order(&store).await;
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let store = store.clone();
                let new = purchase(&order_id, &format!("key-{}", i % 3));
                tokio::spawn(async move { store.insert_payment(new).await.unwrap() })
            })
            .collect();
        let mut ids = Vec::new();
        let mut new_count = 0;
        for task in tasks {
            let inserted = task.await.unwrap();
            new_count += matches!(inserted, Inserted::New(_)) as usize;
            ids.push(id(&inserted).to_string());
        }
        ids.dedup();
        assert_eq!(new_count, 1, "{}", db.backend);
        assert_eq!(ids.len(), 1, "{}: {ids:?}", db.backend);
        store.close().await;
    }
}

#[tokio::test]
async fn concurrent_inserts_for_distinct_orders_are_all_stored() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let mut orders = Vec::new();
        for _ in 0..100 {
            orders.push(order(&store).await);
        }
        // Written in batches as they queue; each answered once its row is committed.
        let tasks: Vec<_> = orders
            .iter()
            .map(|order_id| {
                let store = store.clone();
                let new = purchase(order_id, "key");
                tokio::spawn(async move { store.insert_payment(new).await.unwrap() })
            })
            .collect();
        for (order_id, task) in orders.iter().zip(tasks) {
            let Inserted::New(payment) = task.await.unwrap() else {
                panic!(
                    "{}: the payment for {order_id} was not stored as new",
                    db.backend
                );
            };
            let stored = store.payment(&payment.id).await.unwrap();
            assert_eq!(stored, Some(payment), "{}", db.backend);
        }
        store.close().await;
    }
}

/// Two instances on one database: each callback is decided on the payment as stored,
/// not on the copy an instance kept from before the other moved it.
#[tokio::test]
async fn an_instance_decides_callbacks_on_what_another_instance_wrote() {
    for db in support::databases().await {
        let opener = Store::connect(&db.url).await.unwrap();
        let other = Store::connect(&db.url).await.unwrap();
        let (_, payment_id) = open_payment(&opener).await;
        let success = update(CheckoutStatus::Success, "success");
        let refund = update(CheckoutStatus::Refunded, "refunded");
        let outcome = async |store: &Store, update: &StatusUpdate| {
            let (outcome, stored) = store
                .record_callback(Some(&payment_id), "{}", update)
                .await
                .unwrap();
            (outcome, stored.unwrap().status)
        };
        use CallbackOutcome::{Applied, Duplicate, Stale};
        use CheckoutStatus::{Refunded, Success};
        assert_eq!(outcome(&other, &success).await, (Applied, Success));
        // The opener's copy is still pending, which the success would move.
        assert_eq!(
            outcome(&opener, &success).await,
            (Duplicate, Success),
            "{}",
            db.backend
        );
        assert_eq!(outcome(&other, &refund).await, (Applied, Refunded));
        // The opener's copy is now paid, which the success would not move.
        assert_eq!(
            outcome(&opener, &success).await,
            (Stale, Refunded),
            "{}",
            db.backend
        );
        let records = opener.callbacks_for(&payment_id).await.unwrap();
        let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(outcomes, ["applied", "duplicate", "applied", "stale"]);
        assert_eq!(
            opener.payment(&payment_id).await.unwrap().unwrap().version,
            2
        );
        opener.close().await;
        other.close().await;
    }
}

#[tokio::test]
async fn callbacks_apply_once_and_only_forward_and_are_all_recorded() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let (order_id, payment_id) = open_payment(&store).await;

        let success = update(CheckoutStatus::Success, "success");
        let (outcome, stored) = store
            .record_callback(Some(&payment_id), "{\"a\":1}", &success)
            .await
            .unwrap();
        assert_eq!(outcome, CallbackOutcome::Applied, "{}", db.backend);
        assert_eq!(stored.unwrap().status, CheckoutStatus::Success);
        assert!(store.order_and_paid(&order_id).await.unwrap().unwrap().1);

        let (outcome, _) = store
            .record_callback(Some(&payment_id), "{\"a\":2}", &success)
            .await
            .unwrap();
        assert_eq!(outcome, CallbackOutcome::Duplicate);
        let late = update(CheckoutStatus::Pending, "processing");
        let (outcome, stored) = store
            .record_callback(Some(&payment_id), "{\"a\":3}", &late)
            .await
            .unwrap();
        assert_eq!(outcome, CallbackOutcome::Stale);
        assert_eq!(stored.unwrap().status, CheckoutStatus::Success);
        let (outcome, stored) = store
            .record_callback(Some("pay_unknown"), "{\"a\":4}", &success)
            .await
            .unwrap();
        assert_eq!((outcome, stored), (CallbackOutcome::UnknownPayment, None));

        let records = store.callbacks_for(&payment_id).await.unwrap();
        let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            ["applied", "duplicate", "stale"],
            "{}",
            db.backend
        );
        assert_eq!(records[0].body, "{\"a\":1}");
        store.close().await;
    }
}

#[tokio::test]
async fn concurrent_deliveries_change_the_state_exactly_once() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let (_, payment_id) = open_payment(&store).await;
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, payment_id) = (store.clone(), payment_id.clone());
                tokio::spawn(async move {
                    let success = update(CheckoutStatus::Success, "success");
                    store
                        .record_callback(Some(&payment_id), "{}", &success)
                        .await
                        .unwrap()
                        .0
                })
            })
            .collect();
        let mut applied = 0;
        for task in tasks {
            applied += (task.await.unwrap() == CallbackOutcome::Applied) as usize;
        }
        assert_eq!(applied, 1, "{}", db.backend);
        let stored = store.payment(&payment_id).await.unwrap().unwrap();
        assert_eq!(stored.version, 1, "{}: exactly one write", db.backend);
        assert_eq!(store.callbacks_for(&payment_id).await.unwrap().len(), 8);
        store.close().await;
    }
}

#[tokio::test]
async fn payments_are_listed_by_filter_and_counted() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(open_payment(&store).await.1);
        }
        store
            .record_callback(
                Some(&ids[0]),
                "{}",
                &update(CheckoutStatus::Success, "success"),
            )
            .await
            .unwrap();

        let all = store
            .list_payments(&PaymentFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 3, "{}", db.backend);
        let successes = PaymentFilter {
            status: Some(CheckoutStatus::Success),
            limit: 10,
            ..Default::default()
        };
        let found = store.list_payments(&successes).await.unwrap();
        assert_eq!(
            found.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            [ids[0].as_str()]
        );
        let payouts = PaymentFilter {
            kind: Some(PaymentKind::Payout),
            limit: 10,
            ..Default::default()
        };
        assert!(store.list_payments(&payouts).await.unwrap().is_empty());
        let future = PaymentFilter {
            from: Some(now_millis() + 60_000),
            limit: 10,
            ..Default::default()
        };
        assert!(store.list_payments(&future).await.unwrap().is_empty());
        let page = PaymentFilter {
            limit: 2,
            offset: 2,
            ..Default::default()
        };
        assert_eq!(store.list_payments(&page).await.unwrap().len(), 1);

        let open = store.count_open().await.unwrap();
        assert_eq!(
            open,
            [StatusCount {
                kind: "purchase".into(),
                status: "pending".into(),
                count: 2
            }],
            "{}: the settled payment is not open",
            db.backend
        );

        let due = store
            .due_for_check(now_millis() + 120_000, 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 2, "final payments are never due");
        store.close().await;
    }
}

#[tokio::test]
async fn an_open_payment_keeps_its_schedule_until_it_is_final() {
    for db in support::databases().await {
        let store = Store::connect(&db.url).await.unwrap();
        let (_, payment_id) = open_payment(&store).await;
        let created = store.payment(&payment_id).await.unwrap().unwrap();
        let first_check = created.schedule.unwrap().next_check_at;
        let due_ids = async |at: i64| -> Vec<String> {
            let due = store.due_for_check(at, 10).await.unwrap();
            due.into_iter().map(|p| p.id).collect()
        };
        assert!(due_ids(first_check - 1).await.is_empty(), "{}", db.backend);
        assert_eq!(due_ids(first_check).await, [payment_id.as_str()]);

        // A reconciler holds it: not due for another until the lease runs out.
        let lease = first_check + 30_000;
        store
            .modify_payment(&payment_id, |p| {
                p.schedule = Some(Schedule {
                    lease_until: Some(lease),
                    ..Schedule::at(first_check)
                });
                p.check_attempts += 1;
                true
            })
            .await
            .unwrap();
        assert!(due_ids(lease).await.is_empty(), "{}: held", db.backend);
        assert_eq!(due_ids(lease + 1).await, [payment_id.as_str()]);

        // Checked and let go, due again later.
        let next = first_check + 90_000;
        let stored = store
            .modify_payment(&payment_id, |p| {
                p.schedule = Some(Schedule::at(next));
                true
            })
            .await
            .unwrap()
            .unwrap();
        let read = store.payment(&payment_id).await.unwrap().unwrap();
        assert_eq!(
            read, stored,
            "{}: stored as the writer holds it",
            db.backend
        );
        assert_eq!(read.schedule, Some(Schedule::at(next)), "{}", db.backend);
        assert!(due_ids(next - 1).await.is_empty(), "{}", db.backend);
        assert_eq!(due_ids(next).await, [payment_id.as_str()]);

        // Declined: no check any more, not counted as open.
        let decline = update(CheckoutStatus::Decline, "decline");
        store
            .record_callback(Some(&payment_id), "{}", &decline)
            .await
            .unwrap();
        let read = store.payment(&payment_id).await.unwrap().unwrap();
        assert_eq!(read.schedule, None, "{}", db.backend);
        assert!(due_ids(i64::MAX).await.is_empty(), "{}", db.backend);
        assert!(
            store.count_open().await.unwrap().is_empty(),
            "{}",
            db.backend
        );
        store.close().await;
    }
}
