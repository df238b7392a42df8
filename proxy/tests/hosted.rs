//! The hosted checkout without the widget, over real HTTP against the sandbox: the form
//! is in the page, posts back to the proxy, which checks it, opens the session and sends
//! the customer on to DOKU; back from DOKU, the page shows the payment's status. In
//! both modes, in the customer's language.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit as support;

use ecommpay_sandbox::Faults;
use serde_json::{Value, json};
use std::time::Duration;
use support::{PROJECT_ID, Stack, StackOptions, TestProxy, eventually, first_form, pay_on_doku};

/// The hosted checkout of `order_id` as an Indonesian browser gets it.
async fn page(proxy: &TestProxy, path: &str) -> (u16, String) {
    page_with(proxy, path, ("accept-language", "id-ID,id;q=0.9,en;q=0.8")).await
}

/// The page at `path`, asked for with one request header.
async fn page_with(proxy: &TestProxy, path: &str, (name, value): (&str, &str)) -> (u16, String) {
    let response = proxy
        .http
        .get(proxy.url(path))
        .header(name, value)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The form posted as a browser on the proxy's own page posts it.
async fn post(proxy: &TestProxy, order_id: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    proxy
        .http
        .post(proxy.url(&format!("/pay/{order_id}")))
        .header("accept-language", "id-ID,id;q=0.9")
        .header("origin", proxy.url(""))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Makes the sandbox deliver every callback a second late.
fn callbacks_a_second_late(stack: &Stack) {
    let slow = Faults {
        callback_delay_ms: 1_000,
        ..Faults::default()
    };
    stack
        .sandbox
        .sandbox
        .set_project_faults(PROJECT_ID, slow)
        .unwrap();
}

/// Opens the order's page and sends its form with Budi's details.
async fn pay_as_budi(proxy: &TestProxy, order_id: &str) -> reqwest::Response {
    let (_, html) = page(proxy, &format!("/pay/{order_id}")).await;
    let key = attempt(&html);
    let fields = [
        ("first_name", "Budi"),
        ("email", "budi@example.com"),
        ("attempt", key.as_str()),
    ];
    post(proxy, order_id, &fields).await
}

/// The attempt key of the page's form.
fn attempt(html: &str) -> String {
    let (_, fields) = first_form(html);
    fields
        .into_iter()
        .find(|(name, _)| name == "attempt")
        .map(|(_, value)| value)
        .expect("an attempt key")
}

/// The redirect a continue form performs, as the session API would give it.
fn redirect_of(html: &str) -> Value {
    assert!(html.contains("id=\"doku-continue\""), "{html}");
    let method = if html.contains("method=\"post\"") {
        "POST"
    } else {
        "GET"
    };
    let (action, fields) = first_form(html);
    if method == "POST" {
        let body: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(name, value)| (name, Value::String(value)))
            .collect();
        json!({"method": method, "url": action, "body": body})
    } else {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        json!({"method": method, "url": format!("{action}?{query}")})
    }
}

/// The status page of the customer back from DOKU, once it shows `wanted`.
async fn status_page(proxy: &TestProxy, back: &str, wanted: &str) -> String {
    let path = back.strip_prefix(&proxy.url("")).unwrap().to_string();
    eventually(wanted, Duration::from_secs(10), || {
        let path = path.clone();
        async move {
            let (status, html) = page(proxy, &path).await;
            if status == 200 && html.contains(wanted) {
                Ok(html)
            } else {
                Err(format!("{status}: {html}"))
            }
        }
    })
    .await
}

#[tokio::test]
async fn the_form_in_the_page_pays_without_the_widget() {
    let stack = Stack::start(support::sqlite(), StackOptions::default()).await;
    let proxy = &stack.proxy;
    let order_id = proxy.order(15_000_000).await;

    let (status, html) = page(proxy, &format!("/pay/{order_id}")).await;
    assert_eq!(status, 200);
    for part in [
        r#"<html lang="id">"#,
        r#"data-locale="id""#,
        r#"<p class="doku-amount">Rp 150.000</p>"#,
        &format!(r#"method="post" action="/pay/{order_id}""#),
        r#"name="first_name" autocomplete="given-name" required"#,
        r#"type="email" name="email" autocomplete="email" required"#,
        "Bayar Rp 150.000 dengan DOKU Wallet",
        r#"<script>performance.mark("doku:interactive")</script>"#,
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    assert!(
        !html.contains("Safari"),
        "no Safari warning for this browser"
    );
    let key = attempt(&html);

    // Refused values: the form again, with what was typed and why, and nothing stored.
    let refused = post(
        proxy,
        &order_id,
        &[("first_name", ""), ("email", "budi@<x>"), ("attempt", &key)],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    for part in [
        "Masukkan nama depan Anda",
        "Masukkan alamat email seperti nama@contoh.com",
        r#"value="budi@&lt;x&gt;" aria-invalid="true""#,
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    assert!(proxy.payments("").await.is_empty());

    // Another site's page posting the form opens nothing.
    let forged = proxy
        .http
        .post(proxy.url(&format!("/pay/{order_id}")))
        .header("origin", "https://evil.example")
        .form(&[
            ("first_name", "Budi"),
            ("email", "budi@example.com"),
            ("attempt", &key),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(proxy.payments("").await.is_empty());

    // Accepted: on to the Payment Page, by a form its script submits.
    let fields = [
        ("first_name", "Budi"),
        ("email", "budi@example.com"),
        ("attempt", key.as_str()),
    ];
    let sent = post(proxy, &order_id, &fields).await;
    assert_eq!(sent.status(), 200);
    let html = sent.text().await.unwrap();
    assert!(
        html.contains(r#"<script>document.getElementById("doku-continue").submit()</script>"#)
            && html.contains("Lanjutkan ke DOKU Wallet"),
        "{html}"
    );
    let redirect = redirect_of(&html);
    // Sent twice (a double click, a reload): the same payment.
    let again = post(proxy, &order_id, &fields).await.text().await.unwrap();
    assert_eq!(redirect_of(&again), redirect);
    let payments = proxy.payments("").await;
    assert_eq!(payments.len(), 1, "{payments:?}");
    let payment_id = payments[0]["payment_id"].as_str().unwrap().to_string();

    let back = pay_on_doku(&proxy.http, &redirect, "success").await;
    assert_eq!(
        back,
        proxy.url(&format!("/pay/{order_id}?payment_id={payment_id}"))
    );
    let html = status_page(proxy, &back, "Pembayaran berhasil").await;
    assert!(
        html.contains("Rp 150.000 dibayar dengan DOKU Wallet.") && html.contains(&payment_id),
        "{html}"
    );
    assert!(!html.contains("http-equiv=\"refresh\""), "final: {html}");
    assert!(
        !html.contains("performance.mark"),
        "no form to mark: {html}"
    );
    // The paid order's page says so, and offers no form.
    let (_, html) = page(proxy, &format!("/pay/{order_id}")).await;
    assert!(
        html.contains("Pesanan ini sudah dibayar.") && !html.contains("<form"),
        "{html}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_declined_payment_shows_why_and_offers_to_try_again() {
    let stack = Stack::start(support::sqlite(), StackOptions::default()).await;
    // The platform's result comes a second after the customer is back.
    callbacks_a_second_late(&stack);
    let proxy = &stack.proxy;
    let order_id = proxy.order(40_000).await;
    let sent = pay_as_budi(proxy, &order_id).await;
    let back = pay_on_doku(
        &proxy.http,
        &redirect_of(&sent.text().await.unwrap()),
        "success",
    )
    .await;
    // Until then: checking, asked again by itself without scripts, or by the button.
    let (_, html) = page(proxy, back.strip_prefix(&proxy.url("")).unwrap()).await;
    for part in [
        "Memeriksa pembayaran Anda…",
        r#"<noscript><meta http-equiv="refresh" content="3"></noscript>"#,
        "Periksa lagi",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    let (action, fields) = first_form(&html);
    let payment_id = back.rsplit('=').next().unwrap();
    assert_eq!(action, format!("/pay/{order_id}"));
    assert_eq!(fields, [("payment_id".to_string(), payment_id.to_string())]);
    let html = status_page(proxy, &back, "Pembayaran ditolak").await;
    assert!(!html.contains("http-equiv"), "final: {html}");
    assert!(html.contains("Kode 20000"), "{html}");
    let (action, fields) = first_form(&html);
    assert_eq!(
        (action.as_str(), fields.len()),
        (format!("/pay/{order_id}").as_str(), 0)
    );
    assert!(html.contains("Coba lagi"), "{html}");
    stack.stop().await;
}

#[tokio::test]
async fn in_gate_mode_the_page_waits_for_doku_then_sends_the_customer_on() {
    let options = StackOptions {
        mode: "gate",
        ..StackOptions::default()
    };
    let stack = Stack::start(support::sqlite(), options).await;
    // DOKU's redirect arrives after a second.
    callbacks_a_second_late(&stack);
    let proxy = &stack.proxy;
    let order_id = proxy.order(15_000_000).await;
    let sent = pay_as_budi(proxy, &order_id).await;
    // DOKU's form comes by callback: until then, the page asks again by itself.
    let waiting = support::location(&sent);
    let payment_id = waiting.rsplit('=').next().unwrap().to_string();
    assert_eq!(waiting, format!("/pay/{order_id}?opening={payment_id}"));
    let (status, html) = page(proxy, &waiting).await;
    assert_eq!(status, 200);
    for part in [
        r#"<meta http-equiv="refresh" content="1">"#,
        "Menunggu DOKU Wallet…",
    ] {
        assert!(html.contains(part), "{part} in {html}");
    }
    assert!(
        !html.contains("doku-embed.js") && !html.contains("<form"),
        "{html}"
    );
    let html = status_page(proxy, &proxy.url(&waiting), "doku-continue").await;
    assert!(
        !html.contains("doku-embed.js"),
        "leaving: no widget to load: {html}"
    );
    let redirect = redirect_of(&html);
    assert_eq!(redirect["method"], "POST");
    assert_eq!(redirect["url"], stack.sandbox.url("/doku/Suite/Receive"));
    assert_eq!(redirect["body"]["NAME"], "Budi");

    let back = pay_on_doku(&proxy.http, &redirect, "success").await;
    let html = status_page(proxy, &back, "Pembayaran berhasil").await;
    assert!(!html.contains("doku-continue"), "{html}");
    stack.stop().await;
}

#[tokio::test]
async fn a_payment_of_another_order_is_not_shown() {
    let stack = Stack::start(support::sqlite(), StackOptions::default()).await;
    let proxy = &stack.proxy;
    let paid_order = proxy.order(15_000_000).await;
    let (_, session) = proxy.session(&paid_order, "another-order-key").await;
    let payment_id = session["payment_id"].as_str().unwrap();
    let other_order = proxy.order(15_000_000).await;
    let (status, html) = page(
        proxy,
        &format!("/pay/{other_order}?payment_id={payment_id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="first_name""#) && !html.contains(payment_id),
        "{html}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_page_is_compressed_for_browsers_that_accept_it() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order_id = proxy.order(15_000_000).await;
    let path = proxy.url(&format!("/pay/{order_id}"));
    let plain = proxy.http.get(&path).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap().len();
    for encoding in ["br", "gzip"] {
        let response = proxy
            .http
            .get(&path)
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-encoding"], encoding);
        let sent = response.bytes().await.unwrap().len();
        assert!(sent * 2 < plain, "{encoding}: {sent} of {plain} bytes");
    }
    proxy.stop().await;
}

#[tokio::test]
async fn safari_visitors_are_warned_above_the_form() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order_id = proxy.order(15_000_000).await;
    let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    let (status, html) =
        page_with(&proxy, &format!("/pay/{order_id}"), ("user-agent", safari)).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"<div class="doku-notice doku-warning" role="note"><p class="doku-notice-title">Paying from Safari?</p>"#),
        "{html}"
    );
    proxy.stop().await;
}
