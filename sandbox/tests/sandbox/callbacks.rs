//! Callback delivery (retries until HTTP 200, giving up) and expiry after the
//! threshold time.

use crate::support::*;
use ecommpay_sandbox::delivery::DeliveryState;
use serde_json::Value;
use std::time::{Duration, Instant};

#[tokio::test]
async fn callbacks_are_retried_with_backoff_until_the_merchant_answers_200() {
    let merchant = Merchant::start(2).await;
    let sandbox = start(&merchant).await;
    send_payout(&sandbox, TEST, "retry", 500_000).await;
    let received = merchant.wait_for(3).await;
    assert_eq!(
        received.iter().map(|r| r.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    assert!(
        received.iter().all(|r| r.body == received[0].body),
        "the same body each time"
    );
    verify(&received[0].body);
    // Backoff: 20 ms, then 40 ms (factor 2).
    assert!(received[1].at - received[0].at >= Duration::from_millis(20));
    assert!(received[2].at - received[1].at >= Duration::from_millis(40));

    let view = wait_until(&sandbox, TEST, "retry", |v| {
        v.deliveries.first().is_some_and(|d| d.attempts.len() == 3)
    })
    .await;
    let log = serde_json::to_value(&view.deliveries).expect("JSON");
    let results: Vec<Value> = log[0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| a["status"].clone())
        .collect();
    assert_eq!(results, [500, 500, 200]);
    assert_eq!(log[0]["state"], "delivered");
    assert!(
        log[0]["attempts"][0]["at"]
            .as_str()
            .is_some_and(|at| at.ends_with("+0000"))
    );
}

#[tokio::test]
async fn delivery_gives_up_after_the_configured_attempts() {
    let merchant = Merchant::start(usize::MAX).await;
    let sandbox = start(&merchant).await;
    send_payout(&sandbox, TEST, "give-up", 500_000).await;
    let view = wait_until(&sandbox, TEST, "give-up", |v| {
        v.deliveries
            .first()
            .is_some_and(|d| d.state == DeliveryState::GaveUp)
    })
    .await;
    assert_eq!(view.deliveries[0].attempts.len(), MAX_ATTEMPTS as usize);
    assert_eq!(merchant.received().len(), MAX_ATTEMPTS as usize);
    assert_eq!(
        view.status, "success",
        "delivery does not change the payment"
    );
}

#[tokio::test]
async fn unreachable_merchants_are_logged_as_errors() {
    let mut config = config("http://127.0.0.1:9/callbacks");
    config.delivery.max_attempts = 2;
    let sandbox = ecommpay_sandbox::spawn(config).await.expect("starts");
    send_payout(&sandbox, TEST, "nobody-home", 500_000).await;
    let view = wait_until(&sandbox, TEST, "nobody-home", |v| {
        v.deliveries.first().is_some_and(|d| d.attempts.len() == 2)
    })
    .await;
    let log = serde_json::to_value(&view.deliveries[0]).expect("JSON");
    assert_eq!(log["attempts"][0]["result"], "error");
    assert_eq!(log["attempts"][0]["message"], "connection failed");
}

#[tokio::test]
async fn a_payment_past_its_threshold_is_declined_and_a_late_press_shows_it_expired() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let started = Instant::now();
    send_sale(&sandbox, SHORT, "expiring", 500_000).await;
    let intermediate = merchant.callbacks(1).await.remove(0);
    let doku_page = location(&follow_redirect_data(&client, &intermediate).await);

    let callbacks = merchant.callbacks(2).await;
    assert!(started.elapsed() >= SHORT_THRESHOLD);
    let expired = &callbacks[1];
    assert_eq!(status_of(expired), "decline");
    assert_eq!(code_of(expired), "20504");
    assert_eq!(
        expired
            .operation
            .as_ref()
            .and_then(|o| o.message.as_deref()),
        Some("Threshold time exceeded")
    );

    let response = press(&client, &doku_page, "success").await;
    assert_eq!(response.status(), 409);
    let html = response.text().await.expect("a body");
    assert!(html.contains("Payment expired"));
    assert!(text_of(&html, "expired").contains("This payment expired"));
    assert_eq!(
        view(&sandbox, SHORT, "expiring").status,
        "decline",
        "final stays final"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        merchant.received().len(),
        2,
        "no callback after the final one"
    );

    // A Payment Page payment left at the method list expires the same way.
    let request = ecommpay::PaymentPageRequest::new(SHORT, "expiring-page", 100_000, "IDR", "c");
    let page = location(
        &client
            .get(page_url(&sandbox, &request))
            .send()
            .await
            .expect("GET"),
    );
    let callbacks = merchant.callbacks(3).await;
    assert_eq!(code_of(&callbacks[2]), "20504");
    let (status, html) = get(&client, &page).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "result-code"), "20504");
}
