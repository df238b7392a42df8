//! The proxy against the sandbox (the platform and DOKU) over real HTTP on loopback, on
//! SQLite and on PostgreSQL: both modes end to end, payouts, duplicated and reordered
//! callbacks, a lost callback recovered by the reconciler, and expiry.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit as support;

use ecommpay_sandbox::Faults;
use ecommpay_sandbox::delivery::{DeliveryCopy, DeliveryState};
use serde_json::{Value, json};
use std::time::Duration;
use support::{PROJECT_ID, Stack, StackOptions, eventually, pay_on_doku, wait_for};

fn is_final(view: &Value) -> bool {
    view["final"] == true
}

#[tokio::test]
async fn payment_page_purchases_succeed_and_decline_through_doku() {
    for db in support::databases().await {
        let backend = db.backend;
        let stack = Stack::start(db, StackOptions::default()).await;
        let proxy = &stack.proxy;
        for (amount, button, status, code) in [
            (15_000_000, "success", "success", "0"),
            (40_000, "success", "decline", "20000"),
            (40_400, "success", "decline", "20000"),
            (15_000_000, "decline", "decline", "20105"),
        ] {
            let order_id = proxy.order(amount).await;
            let (status_code, session) = proxy
                .session(&order_id, &format!("pp-{amount}-{button}"))
                .await;
            assert_eq!(status_code, 201, "{backend}: {session}");
            let payment_id = session["payment_id"].as_str().unwrap();

            let back = pay_on_doku(&proxy.http, &session["redirect_data"], button).await;
            assert_eq!(
                back,
                proxy.url(&format!("/pay/{order_id}?payment_id={payment_id}")),
                "{backend}"
            );
            let view = wait_for(proxy, payment_id, is_final).await;
            assert_eq!(
                (view["status"].as_str(), view["code"].as_str()),
                (Some(status), Some(code)),
                "{backend} {amount} {button}: {view}"
            );
        }
        stack.stop().await;
    }
}

#[tokio::test]
async fn gate_purchases_wait_for_the_post_redirect_then_settle() {
    for db in support::databases().await {
        let backend = db.backend;
        let options = StackOptions {
            mode: "gate",
            ..StackOptions::default()
        };
        let stack = Stack::start(db, options).await;
        let proxy = &stack.proxy;
        for (amount, status, code) in [(15_000_000, "success", "0"), (40_000, "decline", "20000")] {
            let order_id = proxy.order(amount).await;
            let (status_code, session) = proxy.session(&order_id, &format!("gate-{amount}")).await;
            assert_eq!(status_code, 201, "{backend}: {session}");
            assert_eq!(
                session["status"], "awaiting_redirect",
                "{backend}: {session}"
            );
            assert!(session.get("redirect_data").is_none());
            let payment_id = session["payment_id"].as_str().unwrap().to_string();

            // The intermediate callback brings DOKU's POST form.
            let view = wait_for(proxy, &payment_id, |v| v.get("redirect_data").is_some()).await;
            assert_eq!(view["status"], "pending");
            let redirect = &view["redirect_data"];
            assert_eq!(redirect["method"], "POST");
            assert_eq!(redirect["url"], stack.sandbox.url("/doku/Suite/Receive"));
            for field in [
                "MALLID",
                "AMOUNT",
                "TRANSIDMERCHANT",
                "WORDS",
                "SESSIONID",
                "BASKET",
                "PAYMENTCHANNEL",
            ] {
                assert!(
                    redirect["body"].get(field).is_some(),
                    "{field} in {redirect}"
                );
            }
            assert_eq!(redirect["body"]["NAME"], "Budi");

            // The same key again: the same payment, now with its redirect.
            let (again_status, again) = proxy.session(&order_id, &format!("gate-{amount}")).await;
            assert_eq!(
                (again_status, again["payment_id"].as_str()),
                (200, Some(payment_id.as_str()))
            );
            assert_eq!(again["redirect_data"], *redirect);

            let back = pay_on_doku(&proxy.http, redirect, "success").await;
            assert_eq!(
                back,
                proxy.url(&format!("/pay/{order_id}?payment_id={payment_id}"))
            );
            let view = wait_for(proxy, &payment_id, is_final).await;
            assert_eq!(
                (view["status"].as_str(), view["code"].as_str()),
                (Some(status), Some(code)),
                "{backend}: {view}"
            );
        }
        stack.stop().await;
    }
}

#[tokio::test]
async fn a_gate_failure_keeps_the_payment_for_a_retry_with_the_same_key() {
    let stack = Stack::start(
        support::sqlite(),
        StackOptions {
            mode: "gate",
            ..StackOptions::default()
        },
    )
    .await;
    let proxy = &stack.proxy;
    stack
        .sandbox
        .sandbox
        .set_project_faults(
            PROJECT_ID,
            Faults {
                gate_errors: 1,
                ..Faults::default()
            },
        )
        .unwrap();
    let order_id = proxy.order(15_000_000).await;
    let (status, problem) = proxy.session(&order_id, "gate-retry-key").await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (502, Some("platform_unavailable")),
        "{problem}"
    );
    let said = problem.to_string();
    assert!(
        !said.contains("injected") && !said.contains("127.0.0.1"),
        "what the platform said stays in the log: {said}"
    );
    let (status, session) = proxy.session(&order_id, "gate-retry-key").await;
    assert_eq!(
        (status, session["status"].as_str()),
        (200, Some("awaiting_redirect")),
        "{session}"
    );
    let listed = proxy.payments("").await;
    assert_eq!(listed.len(), 1, "one payment across the retry");
    stack.stop().await;
}

#[tokio::test]
async fn a_timed_out_sale_that_went_through_is_recognised_on_retry() {
    let options = StackOptions {
        mode: "gate",
        proxy_flags: vec!["--gate-timeout=300ms".into()],
        ..StackOptions::default()
    };
    let stack = Stack::start(support::sqlite(), options).await;
    let proxy = &stack.proxy;
    let faults = Faults {
        gate_delay_ms: 1_000,
        ..Faults::default()
    };
    stack
        .sandbox
        .sandbox
        .set_project_faults(PROJECT_ID, faults)
        .unwrap();
    let order_id = proxy.order(15_000_000).await;
    let (status, _) = proxy.session(&order_id, "timeout-retry-key").await;
    assert_eq!(status, 502);
    stack.sandbox.sandbox.clear_project_faults(PROJECT_ID);
    let (status, session) = proxy.session(&order_id, "timeout-retry-key").await;
    // The sale went through: the retry finds it registered (or its redirect already here).
    assert_eq!(status, 200, "{session}");
    assert!(
        ["awaiting_redirect", "pending"].contains(&session["status"].as_str().unwrap()),
        "{session}"
    );
    let payment_id = session["payment_id"].as_str().unwrap();
    wait_for(proxy, payment_id, |v| v.get("redirect_data").is_some()).await;
    stack.stop().await;
}

#[tokio::test]
async fn payouts_succeed_or_decline_by_callback() {
    for db in support::databases().await {
        let backend = db.backend;
        let stack = Stack::start(db, StackOptions::default()).await;
        let proxy = &stack.proxy;
        for (amount, reference, status, code) in [
            (5_000_000, "po-ok-1", "success", "0"),
            (40_400, "po-decline-1", "decline", "20000"),
        ] {
            let body = json!({"amount": amount, "currency": "IDR", "payout_id": reference,
                              "account": {"number": "654654654", "customer_name": "John Doe"},
                              "customer": {"id": "payoutTest", "ip_address": "192.0.2.10"}});
            let (http_status, payout) = proxy.merchant_post("/api/payouts", body.clone()).await;
            assert_eq!(
                (http_status, payout["status"].as_str()),
                (202, Some("pending")),
                "{backend}: {payout}"
            );
            let payment_id = payout["payment_id"].as_str().unwrap().to_string();
            assert!(payment_id.starts_with("po_"));
            let (again, same) = proxy.merchant_post("/api/payouts", body).await;
            assert_eq!(
                (again, same["payment_id"].as_str()),
                (200, Some(payment_id.as_str())),
                "same reference, same payout"
            );

            let row = eventually("the payout's result", Duration::from_secs(15), || async {
                let list = proxy.payments("?type=payout").await;
                let row = list
                    .into_iter()
                    .find(|p| p["payment_id"] == payment_id.as_str())
                    .ok_or("no such payout".to_string())?;
                if row["status"] == "pending" {
                    Err(row.to_string())
                } else {
                    Ok(row)
                }
            })
            .await;
            assert_eq!(
                (row["status"].as_str(), row["code"].as_str()),
                (Some(status), Some(code)),
                "{backend}: {row}"
            );
            let platform = stack
                .sandbox
                .sandbox
                .payment(PROJECT_ID, &payment_id)
                .unwrap();
            assert_eq!(platform.sum_initial.amount, amount);
        }
        for (body, field) in [
            (
                json!({"amount": 1_000_000_100, "currency": "IDR", "account": {"number": "654654654", "customer_name": "John Doe"}, "customer": {"id": "c"}}),
                "amount",
            ),
            (
                json!({"amount": 5_000_000, "currency": "USD", "account": {"number": "654654654", "customer_name": "John Doe"}, "customer": {"id": "c"}}),
                "currency",
            ),
            (
                json!({"amount": 5_000_000, "currency": "IDR", "account": {"number": "65x", "customer_name": "John Doe"}, "customer": {"id": "c"}}),
                "account.number",
            ),
            (
                json!({"amount": 5_000_000, "currency": "IDR", "account": {"number": "654654654", "customer_name": ""}, "customer": {"id": "c"}}),
                "account.customer_name",
            ),
        ] {
            let (status, problem) = proxy.merchant_post("/api/payouts", body).await;
            assert_eq!(
                (status, problem["field"].as_str()),
                (422, Some(field)),
                "{problem}"
            );
        }
        stack.stop().await;
    }
}

#[tokio::test]
async fn a_failed_or_lost_payout_request_is_settled_on_retry_without_paying_twice() {
    let options = StackOptions {
        proxy_flags: vec!["--gate-timeout=300ms".into()],
        ..StackOptions::default()
    };
    let stack = Stack::start(support::sqlite(), options).await;
    let proxy = &stack.proxy;
    let payout = |reference: &str| {
        json!({"amount": 5_000_000, "currency": "IDR", "payout_id": reference,
               "account": {"number": "654654654", "customer_name": "John Doe"},
               "customer": {"id": "payoutTest", "ip_address": "192.0.2.10"}})
    };
    // Callbacks are kept back throughout: only the proxy's own retry can settle.
    let no_callbacks = Faults {
        drop_first_attempts: 100,
        ..Faults::default()
    };
    // (what goes wrong, the payout's reference, whether the platform took it)
    let cases = [
        (
            Faults {
                gate_errors: 1,
                ..no_callbacks.clone()
            },
            "po-gate-error",
            false,
        ),
        // The platform takes the payout, but its answer (and the status answer) comes
        // too late for the proxy.
        (
            Faults {
                gate_delay_ms: 1_000,
                ..no_callbacks.clone()
            },
            "po-answer-lost",
            true,
        ),
    ];
    for (case, (faults, reference, taken)) in cases.into_iter().enumerate() {
        let sandbox = &stack.sandbox.sandbox;
        sandbox.set_project_faults(PROJECT_ID, faults).unwrap();
        let (status, problem) = proxy.merchant_post("/api/payouts", payout(reference)).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (502, Some("platform_unavailable")),
            "{reference}: {problem}"
        );
        // The status request that followed failed too (the platform errs, or answers
        // too late), and is counted as such.
        let failed_status = "doku_platform_calls_total{call=\"status\",result=\"error\"}";
        let metrics = proxy.metrics().await;
        assert!(
            metrics.contains(&format!("{failed_status} {}\n", case + 1)),
            "{reference}: {metrics}"
        );
        sandbox
            .set_project_faults(PROJECT_ID, no_callbacks.clone())
            .unwrap();
        let (status, view) = proxy.merchant_post("/api/payouts", payout(reference)).await;
        assert!(
            status == 200 && ["pending", "success"].contains(&view["status"].as_str().unwrap()),
            "{reference}: {status} {view}"
        );
        let payment_id = view["payment_id"].as_str().unwrap();
        let platform = sandbox.payment(PROJECT_ID, payment_id).unwrap();
        assert_eq!(platform.sum_initial.amount, 5_000_000, "{reference}");
        // A payout the platform already held is settled by its status answer (the
        // resend is refused as a duplicate); one it never got is simply sent again.
        let records = proxy.app.store.callbacks_for(payment_id).await.unwrap();
        let applied_answer = records
            .iter()
            .any(|r| r.source == "status_answer" && r.outcome == "applied");
        assert_eq!(applied_answer, taken, "{reference}: {records:?}");
    }
    let listed = proxy.payments("?type=payout").await;
    assert_eq!(
        listed.len(),
        2,
        "one payout per reference across the retries"
    );
    stack.stop().await;
}

#[tokio::test]
async fn duplicated_and_reordered_callbacks_change_the_state_once() {
    for db in support::databases().await {
        let backend = db.backend;
        let stack = Stack::start(
            db,
            StackOptions {
                mode: "gate",
                ..StackOptions::default()
            },
        )
        .await;
        let proxy = &stack.proxy;
        let faults = Faults {
            duplicate_callbacks: true,
            out_of_order: true,
            ..Faults::default()
        };
        stack
            .sandbox
            .sandbox
            .set_project_faults(PROJECT_ID, faults)
            .unwrap();
        let order_id = proxy.order(15_000_000).await;
        let (_, session) = proxy.session(&order_id, "dup-order-key").await;
        let payment_id = session["payment_id"].as_str().unwrap().to_string();
        let view = wait_for(proxy, &payment_id, |v| v.get("redirect_data").is_some()).await;
        pay_on_doku(&proxy.http, &view["redirect_data"], "success").await;
        wait_for(proxy, &payment_id, is_final).await;

        // Wait until the sandbox has delivered everything (duplicates and the stale copy).
        let delivered = eventually(
            "the sandbox's deliveries, the stale copy included",
            Duration::from_secs(15),
            || async {
                let platform = stack
                    .sandbox
                    .sandbox
                    .payment(PROJECT_ID, &payment_id)
                    .unwrap();
                let deliveries = &platform.deliveries;
                let settled = deliveries.iter().all(|d| d.state != DeliveryState::Pending);
                let stale_sent = deliveries.iter().any(|d| d.copy == DeliveryCopy::Stale);
                if settled && stale_sent {
                    Ok(deliveries
                        .iter()
                        .filter(|d| d.state == DeliveryState::Delivered)
                        .count())
                } else {
                    Err(format!("{backend}: {deliveries:?}"))
                }
            },
        )
        .await;
        let records = proxy.app.store.callbacks_for(&payment_id).await.unwrap();
        assert_eq!(
            records.len(),
            delivered,
            "{backend}: every delivery answered 200 is stored"
        );
        assert!(
            delivered >= 5,
            "{backend}: intermediate and final twice, and a stale one"
        );
        let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(
            outcomes.iter().filter(|o| **o == "applied").count(),
            2,
            "{backend}: redirect, then success: {outcomes:?}"
        );
        assert!(outcomes.contains(&"stale"), "{backend}: {outcomes:?}");
        let (_, view) = proxy.status(&payment_id).await;
        assert_eq!(view["status"], "success", "{backend}");
        let stored = proxy.app.store.payment(&payment_id).await.unwrap().unwrap();
        assert_eq!(
            stored.version, 3,
            "{backend}: registered, redirect, success: {outcomes:?}"
        );
        stack.stop().await;
    }
}

#[tokio::test]
async fn a_lost_callback_is_recovered_by_the_reconciler() {
    for db in support::databases().await {
        let backend = db.backend;
        let options = StackOptions {
            max_attempts: 2,
            proxy_flags: vec![
                "--purchase-check-after=200ms".into(),
                "--reconcile-every=100ms".into(),
            ],
            ..StackOptions::default()
        };
        let stack = Stack::start(db, options).await;
        let proxy = &stack.proxy;
        let faults = Faults {
            drop_first_attempts: 100,
            ..Faults::default()
        };
        stack
            .sandbox
            .sandbox
            .set_project_faults(PROJECT_ID, faults)
            .unwrap();
        let order_id = proxy.order(15_000_000).await;
        let (_, session) = proxy.session(&order_id, "lost-callback-key").await;
        let payment_id = session["payment_id"].as_str().unwrap().to_string();
        pay_on_doku(&proxy.http, &session["redirect_data"], "success").await;

        let view = wait_for(proxy, &payment_id, is_final).await;
        assert_eq!(view["status"], "success", "{backend}: {view}");
        let platform = stack
            .sandbox
            .sandbox
            .payment(PROJECT_ID, &payment_id)
            .unwrap();
        assert!(
            platform
                .deliveries
                .iter()
                .all(|d| d.state != ecommpay_sandbox::delivery::DeliveryState::Delivered),
            "no callback ever arrived"
        );
        let records = proxy.app.store.callbacks_for(&payment_id).await.unwrap();
        assert!(
            records
                .iter()
                .any(|r| r.source == "status_answer" && r.outcome == "applied"),
            "{backend}: {records:?}"
        );
        let metrics = proxy.metrics().await;
        assert!(
            metrics
                .contains("doku_payments_settled_total{kind=\"purchase\",status=\"success\"} 1\n"),
            "{backend}: the status answer's settlement is counted: {metrics}"
        );
        stack.stop().await;
    }
}

#[tokio::test]
async fn payments_expire_after_the_threshold() {
    for db in support::databases().await {
        let backend = db.backend;
        // The proxy's threshold passes first: it declines the payment as expired itself.
        let options = StackOptions {
            proxy_flags: vec![
                "--threshold=1s".into(),
                "--purchase-check-after=100ms".into(),
                "--reconcile-every=100ms".into(),
            ],
            ..StackOptions::default()
        };
        let stack = Stack::start(db, options).await;
        let order_id = stack.proxy.order(15_000_000).await;
        let (_, session) = stack.proxy.session(&order_id, "abandoned-key").await;
        let payment_id = session["payment_id"].as_str().unwrap().to_string();
        let view = wait_for(&stack.proxy, &payment_id, is_final).await;
        assert_eq!(
            (view["status"].as_str(), view["code"].as_str()),
            (Some("decline"), Some("expired")),
            "{backend}: {view}"
        );
        let metrics = stack.proxy.metrics().await;
        assert!(
            metrics
                .contains("doku_payments_settled_total{kind=\"purchase\",status=\"decline\"} 1\n"),
            "{backend}: the reconciler's decline is counted: {metrics}"
        );
        stack.stop().await;
    }
    // The platform's threshold passes: its decline callback (20504) settles the payment.
    let options = StackOptions {
        platform_threshold: Duration::from_millis(500),
        ..StackOptions::default()
    };
    let stack = Stack::start(support::sqlite(), options).await;
    let order_id = stack.proxy.order(15_000_000).await;
    let (_, session) = stack.proxy.session(&order_id, "platform-expiry-key").await;
    let payment_id = session["payment_id"].as_str().unwrap().to_string();
    // The customer opens the payment but never presses a button.
    let opened = stack
        .proxy
        .http
        .get(session["redirect_data"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(opened.status().is_redirection() || opened.status().is_success());
    let view = wait_for(&stack.proxy, &payment_id, is_final).await;
    assert_eq!(
        (view["status"].as_str(), view["code"].as_str()),
        (Some("decline"), Some("20504")),
        "{view}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn two_instances_on_one_postgres_never_check_a_payment_twice() {
    let db = support::postgres().await;
    let url = db.url.clone();
    let flags = vec![
        "--purchase-check-after=1ms".to_string(),
        "--reconcile-every=1h".to_string(),
    ];
    let options = StackOptions {
        proxy_flags: flags.clone(),
        ..StackOptions::default()
    };
    let stack = Stack::start(db, options).await;
    let mut second_flags = flags;
    second_flags.push(format!(
        "--payment-page-url={}",
        stack.sandbox.url("/payment")
    ));
    second_flags.push(format!("--gate-url={}", stack.sandbox.base_url));
    let second = support::TestProxy::start(support::TestDb::shared(url), &second_flags).await;

    let mut ids = std::collections::BTreeSet::new();
    for i in 0..12 {
        let order_id = stack.proxy.order(15_000_000).await;
        let (_, session) = stack
            .proxy
            .session(&order_id, &format!("two-instances-{i:02}"))
            .await;
        ids.insert(session["payment_id"].as_str().unwrap().to_string());
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (first, other) = tokio::join!(
        doku_proxy::reconciler::round(&stack.proxy.app),
        doku_proxy::reconciler::round(&second.app)
    );
    let (first, other) = (first.unwrap(), other.unwrap());
    let both: std::collections::BTreeSet<String> = first.iter().chain(&other).cloned().collect();
    assert_eq!(
        first.len() + other.len(),
        ids.len(),
        "each payment handled once: {first:?} {other:?}"
    );
    assert_eq!(both, ids);
    for id in &ids {
        let stored = stack.proxy.app.store.payment(id).await.unwrap().unwrap();
        assert_eq!(stored.check_attempts, 1, "{id}");
        assert!(
            stored.schedule.is_some_and(|s| s.lease_until.is_none()),
            "{id} released and rescheduled"
        );
    }
    second.stop().await;
    stack.stop().await;
}
