//! Each fault-injection knob, set through the library or the control API, and the
//! inspection endpoint.

use crate::support::*;
use ecommpay::gate::DOKU_SALE_PATH;
use ecommpay::{GateClient, GateError, Signer};
use ecommpay_sandbox::Faults;
use ecommpay_sandbox::delivery::{DeliveryCopy, DeliveryState};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn callbacks_can_be_delayed_and_a_payments_faults_replace_its_projects() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let delay = Faults {
        callback_delay_ms: 300,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_project_faults(TEST, delay)
        .expect("a known project");
    sandbox
        .sandbox
        .set_payment_faults(TEST, "undelayed", Faults::default())
        .expect("a known project");

    let started = Instant::now();
    send_payout(&sandbox, TEST, "delayed", 500_000).await;
    send_payout(&sandbox, TEST, "undelayed", 500_000).await;
    let received = merchant.wait_for(2).await;
    assert_eq!(received[0].body["payment"]["id"], "undelayed");
    assert!(received[0].at - started < Duration::from_millis(300));
    assert_eq!(received[1].body["payment"]["id"], "delayed");
    assert!(received[1].at - started >= Duration::from_millis(300));
    assert_eq!(
        sandbox.sandbox.set_project_faults(99, Faults::default()),
        Err(ecommpay_sandbox::UnknownProject(99))
    );
}

#[tokio::test]
async fn duplicate_callbacks_deliver_each_body_twice() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let faults = Faults {
        duplicate_callbacks: true,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_payment_faults(TEST, "twice", faults)
        .expect("a known project");
    send_payout(&sandbox, TEST, "twice", 500_000).await;
    let received = merchant.wait_for(2).await;
    assert_eq!(received[0].body, received[1].body);
    verify(&received[1].body);
    let view = wait_until(&sandbox, TEST, "twice", |v| {
        v.deliveries.len() == 2
            && v.deliveries
                .iter()
                .all(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    assert_eq!(
        view.deliveries.iter().map(|d| d.copy).collect::<Vec<_>>(),
        [DeliveryCopy::Original, DeliveryCopy::Duplicate]
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(merchant.received().len(), 2);
}

#[tokio::test]
async fn out_of_order_sends_a_stale_callback_after_the_final_one() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let faults = Faults {
        out_of_order: true,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_project_faults(TEST, faults)
        .expect("a known project");

    // One callback in the flow: a stale `processing` one follows the final one.
    send_payout(&sandbox, TEST, "stale-payout", 500_000).await;
    let callbacks = merchant.callbacks(2).await;
    assert_eq!(status_of(&callbacks[0]), "success");
    assert_eq!(status_of(&callbacks[1]), "processing");
    assert_eq!(
        code_of(&callbacks[1]),
        "",
        "a stale callback carries no result"
    );
    let raw = &merchant.received()[1].body;
    assert_eq!(
        raw["payment"]["date"], raw["operation"]["created_date"],
        "dated at creation"
    );

    // A Gate sale: its intermediate callback comes again after the final one.
    send_sale(&sandbox, TEST, "stale-sale", 500_000).await;
    let intermediate = merchant.callbacks(3).await.remove(2);
    let doku_page = location(&follow_redirect_data(&client, &intermediate).await);
    location(&press(&client, &doku_page, "decline").await);
    let callbacks = merchant.callbacks(5).await;
    let statuses: Vec<&str> = callbacks[2..].iter().map(status_of).collect();
    assert_eq!(
        statuses,
        [
            "awaiting redirect result",
            "decline",
            "awaiting redirect result"
        ]
    );
    assert_eq!(
        merchant.received()[4].body,
        merchant.received()[2].body,
        "the very same body, replayed"
    );
    assert_eq!(
        view(&sandbox, TEST, "stale-sale").status,
        "decline",
        "the sandbox's own state is final"
    );
}

#[tokio::test]
async fn dropped_attempts_are_retried_and_too_many_lose_the_callback() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let two = Faults {
        drop_first_attempts: 2,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_payment_faults(TEST, "dropped", two)
        .expect("a known project");
    send_payout(&sandbox, TEST, "dropped", 500_000).await;
    assert_eq!(merchant.wait_for(1).await.len(), 1);
    let view = wait_until(&sandbox, TEST, "dropped", |v| {
        v.deliveries
            .first()
            .is_some_and(|d| d.state == DeliveryState::Delivered)
    })
    .await;
    let attempts = serde_json::to_value(&view.deliveries[0].attempts).expect("JSON");
    assert_eq!(attempts[0]["result"], "dropped");
    assert_eq!(attempts[1]["result"], "dropped");
    assert_eq!(attempts[2]["result"], "http");
    assert_eq!(attempts[2]["status"], 200);

    let all = Faults {
        drop_first_attempts: 100,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_payment_faults(TEST, "lost", all)
        .expect("a known project");
    send_payout(&sandbox, TEST, "lost", 500_000).await;
    let view = wait_until(&sandbox, TEST, "lost", |v| {
        v.deliveries
            .first()
            .is_some_and(|d| d.state == DeliveryState::GaveUp)
    })
    .await;
    assert_eq!(view.deliveries[0].attempts.len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        merchant.received().len(),
        1,
        "the lost callback never arrived"
    );
    // The reconciler's way back: the status endpoint.
    let gate_client = GateClient::new(
        &sandbox.base_url,
        Signer::new(SECRET),
        Duration::from_secs(2),
    )
    .expect("a client");
    let current = gate_client.status(TEST, "lost").await.expect("a status");
    assert_eq!(status_of(&current), "success");
}

#[tokio::test]
async fn gate_errors_answer_500_and_change_nothing() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let faults = Faults {
        gate_errors: 2,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_project_faults(TEST, faults)
        .expect("a known project");
    let body = signed(&sale(TEST, "flaky", 500_000));
    for _ in 0..2 {
        let (status, answer) = gate(&client, &sandbox, DOKU_SALE_PATH, &body).await;
        assert_eq!(status, 500);
        assert_eq!(answer["status"], "error");
        assert!(sandbox.sandbox.payment(TEST, "flaky").is_none());
    }
    assert_eq!(
        sandbox.sandbox.project_faults(TEST).map(|f| f.gate_errors),
        Some(0)
    );
    let (status, _) = gate(&client, &sandbox, DOKU_SALE_PATH, &body).await;
    assert_eq!(status, 200, "the retry goes through");
    assert_eq!(view(&sandbox, TEST, "flaky").interface, "gate");
}

#[tokio::test]
async fn a_slow_gate_times_out_a_client_but_the_request_went_through() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let faults = Faults {
        gate_delay_ms: 500,
        ..Faults::default()
    };
    sandbox
        .sandbox
        .set_payment_faults(TEST, "slow", faults)
        .expect("a known project");
    let impatient = GateClient::new(
        &sandbox.base_url,
        Signer::new(SECRET),
        Duration::from_millis(100),
    )
    .expect("a client");
    let error = impatient
        .doku_sale(&sale(TEST, "slow", 500_000))
        .await
        .expect_err("a timeout");
    assert!(matches!(error, GateError::Timeout(_)), "{error}");
    assert_eq!(
        view(&sandbox, TEST, "slow").interface,
        "gate",
        "the sale was registered"
    );
    merchant.wait_for(1).await;

    let patient = GateClient::new(
        &sandbox.base_url,
        Signer::new(SECRET),
        Duration::from_secs(2),
    )
    .expect("a client");
    let started = Instant::now();
    let error = patient
        .doku_sale(&sale(TEST, "slow", 500_000))
        .await
        .expect_err("a duplicate");
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert!(
        matches!(&error, GateError::Refused { code, .. } if code == "1005"),
        "{error}"
    );
}

#[tokio::test]
async fn faults_and_payments_can_be_set_and_read_over_http() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let project_faults = sandbox.url("/sandbox/projects/1/faults");

    let response = client.get(&project_faults).send().await.expect("GET");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.expect("JSON")["duplicate_callbacks"],
        false
    );
    let response = client
        .put(&project_faults)
        .json(&json!({"duplicate_callbacks": true, "callback_delay_ms": 5}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);
    assert!(
        sandbox
            .sandbox
            .project_faults(TEST)
            .is_some_and(|f| f.duplicate_callbacks && f.callback_delay_ms == 5)
    );
    let response = client
        .put(&project_faults)
        .json(&json!({"duplicates": true}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 400);
    let message = response.json::<serde_json::Value>().await.expect("JSON")["error"].to_string();
    assert!(message.contains("unknown field `duplicates`"), "{message}");
    let response = client
        .put(sandbox.url("/sandbox/projects/99/faults"))
        .json(&json!({}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 404);
    let response = client.delete(&project_faults).send().await.expect("DELETE");
    assert_eq!(response.status(), 204);
    assert_eq!(sandbox.sandbox.project_faults(TEST), None);

    let payment_faults = sandbox.url("/sandbox/projects/1/payments/via%20http/faults");
    let response = client
        .put(&payment_faults)
        .json(&json!({"duplicate_callbacks": true}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(response.status(), 200);
    let response = client.get(&payment_faults).send().await.expect("GET");
    assert_eq!(
        response.json::<serde_json::Value>().await.expect("JSON")["duplicate_callbacks"],
        true
    );
    send_payout(&sandbox, TEST, "via http", 500_000).await;
    merchant.wait_for(2).await;

    let payment = sandbox.url("/sandbox/projects/1/payments/via%20http");
    let response = client.get(&payment).send().await.expect("GET");
    assert_eq!(response.status(), 200);
    let state = response.json::<serde_json::Value>().await.expect("JSON");
    assert_eq!(state["payment_id"], "via http");
    assert_eq!(state["type"], "payout");
    assert_eq!(state["interface"], "gate");
    assert_eq!(state["status"], "success");
    assert_eq!(state["code"], "0");
    assert_eq!(
        state["sum_converted"],
        json!({"amount": 500_000, "currency": "IDR"})
    );
    assert_eq!(state["deliveries"].as_array().map(Vec::len), Some(2));
    assert_eq!(state["deliveries"][1]["copy"], "duplicate");
    verify(&state["deliveries"][0]["body"]);

    let response = client.delete(&payment_faults).send().await.expect("DELETE");
    assert_eq!(response.status(), 204);
    assert_eq!(sandbox.sandbox.payment_faults(TEST, "via http"), None);
    let response = client
        .get(sandbox.url("/sandbox/projects/1/payments/nobody"))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 404);
}
