//! The proxy's HTTP API over real HTTP, on SQLite and on PostgreSQL: orders and their
//! validation, Payment Page sessions and their idempotency, callbacks (forged, replayed,
//! duplicate, out of order), reports, authentication and CORS refusals.
//! (The platform itself — the sandbox — takes part in tests/with_sandbox.rs.)

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit as support;

use serde_json::{Value, json};
use support::{API_KEY, SHOP_ORIGIN, TestProxy, platform_callback};

async fn proxies() -> Vec<TestProxy> {
    let mut proxies = Vec::new();
    for db in support::databases().await {
        proxies.push(TestProxy::start(db, &[]).await);
    }
    proxies
}

/// Query parameters of a URL, decoded.
fn query(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> &'a str {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {params:?}"))
}

#[tokio::test]
async fn orders_are_created_by_the_merchant_and_validated() {
    for proxy in proxies().await {
        let db = proxy.db.backend;
        let (status, body) = proxy
            .merchant_post("/api/orders", json!({"amount": 15_000_000, "currency": "IDR", "description": "Kopi Toraja, 250 g", "customer_id": "cust-9"}))
            .await;
        assert_eq!(status, 201, "{db}: {body}");
        let order_id = body["order_id"].as_str().unwrap();
        assert!(order_id.starts_with("ord_"));
        assert_eq!(body["checkout_url"], proxy.url(&format!("/pay/{order_id}")));
        assert_eq!(body["converted_to_idr"], false);

        let (status, view) = support::read(
            proxy
                .http
                .get(proxy.url(&format!("/api/checkout/orders/{order_id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            view,
            json!({"order_id": order_id, "amount": 15_000_000, "currency": "IDR", "description": "Kopi Toraja, 250 g", "paid": false})
        );

        let (status, body) = proxy
            .merchant_post(
                "/api/orders",
                json!({"amount": 999, "currency": "USD", "description": "Gift card"}),
            )
            .await;
        assert_eq!(
            (status, body["converted_to_idr"].clone()),
            (201, json!(true)),
            "{body}"
        );

        for (order, code, field) in [
            (
                json!({"amount": 15_000_050, "currency": "IDR", "description": "x"}),
                "fractional_amount",
                "amount",
            ),
            (
                json!({"amount": 200_000_100, "currency": "IDR", "description": "x"}),
                "above_maximum",
                "amount",
            ),
            (
                json!({"amount": -100, "currency": "IDR", "description": "x"}),
                "below_minimum",
                "amount",
            ),
            (
                json!({"amount": 0, "currency": "IDR", "description": "x"}),
                "below_minimum",
                "amount",
            ),
            (
                json!({"amount": 150.5, "currency": "IDR", "description": "x"}),
                "invalid_type",
                "amount",
            ),
            (
                json!({"amount": "100", "currency": "IDR", "description": "x"}),
                "invalid_type",
                "amount",
            ),
            (
                json!({"currency": "IDR", "description": "x"}),
                "invalid_type",
                "amount",
            ),
            (
                json!({"amount": 100, "currency": "rupiah", "description": "x"}),
                "invalid_format",
                "currency",
            ),
            (
                json!({"amount": 100, "currency": "IDR", "description": "a;b"}),
                "invalid_character",
                "description",
            ),
            (
                json!({"amount": 100, "currency": "IDR", "description": " "}),
                "required",
                "description",
            ),
            (
                json!({"amount": 100, "currency": "IDR", "description": "x", "customer_id": "a b"}),
                "invalid_character",
                "customer.id",
            ),
            (
                json!({"amount": 100, "currency": "IDR", "description": "x", "status": "paid"}),
                "unknown_field",
                "status",
            ),
        ] {
            let (status, problem) = proxy.merchant_post("/api/orders", order.clone()).await;
            assert_eq!(
                (status, problem["code"].as_str(), problem["field"].as_str()),
                (422, Some(code), Some(field)),
                "{db} {order}: {problem}"
            );
        }

        let listed = proxy.payments("").await;
        assert!(listed.is_empty(), "nothing was charged");
        proxy.stop().await;
    }
}

#[tokio::test]
async fn merchant_endpoints_refuse_a_missing_or_wrong_key_before_reading_the_request() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order = json!({"amount": 15_000_000, "currency": "IDR", "description": "Kopi"});
    let payout = json!({"amount": 15_000_000, "currency": "IDR",
        "account": {"number": "1234567890", "customer_name": "Budi"}, "customer": {"id": "c-1"}});
    // (method, path, a valid body or query, an invalid one)
    let endpoints = [
        (
            "POST",
            "/api/orders",
            order.to_string(),
            "{\"amount\": -1".to_string(),
        ),
        ("POST", "/api/payouts", payout.to_string(), "[]".to_string()),
        (
            "GET",
            "/api/payments",
            "?status=success".into(),
            "?limit=-5&x=1".into(),
        ),
        (
            "GET",
            "/api/payments.csv",
            String::new(),
            "?from=yesterday".into(),
        ),
        ("GET", "/metrics", String::new(), "?x=1".into()),
    ];
    let mut tried = 0;
    for (method, path, valid, invalid) in &endpoints {
        for input in [valid, invalid] {
            for authorization in [
                None,
                Some("Bearer wrong-key"),
                Some(&*format!("Basic {API_KEY}")),
            ] {
                let request = if *method == "POST" {
                    proxy
                        .http
                        .post(proxy.url(path))
                        .header("content-type", "application/json")
                        .body(input.clone())
                } else {
                    proxy.http.get(proxy.url(&format!("{path}{input}")))
                };
                let request = match authorization {
                    Some(value) => request.header("authorization", value),
                    None => request,
                };
                let (status, problem) = support::read(request.send().await.unwrap()).await;
                assert_eq!(
                    (status, problem["code"].as_str(), problem["field"].as_str()),
                    (401, Some("unauthorized"), Some("Authorization")),
                    "{method} {path} {input} with {authorization:?}"
                );
                tried += 1;
            }
        }
    }
    assert_eq!(tried, 30);
    let listed = proxy.payments("").await;
    assert!(listed.is_empty(), "nothing was created");
    // The right key, in any case of the scheme, passes.
    let answer = proxy
        .http
        .get(proxy.url("/api/payments"))
        .header("authorization", format!("bearer {API_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    proxy.stop().await;
}

#[tokio::test]
async fn the_customer_ip_comes_from_the_trusted_header_only() {
    let behind = TestProxy::start(
        support::sqlite(),
        &["--trusted-proxy-header=X-Forwarded-For".to_string()],
    )
    .await;
    let direct = TestProxy::start(support::sqlite(), &[]).await;
    // (proxy, the X-Forwarded-For lines sent, the IP stored)
    let cases: [(&TestProxy, &[&str], &str); 6] = [
        (&behind, &["203.0.113.9"], "203.0.113.9"),
        // The client forged the first entry; the merchant's proxy appended the last.
        (&behind, &["10.0.0.1, 198.51.100.7"], "198.51.100.7"),
        // The same, by a proxy that adds its own header line instead.
        (&behind, &["10.0.0.1", "198.51.100.7"], "198.51.100.7"),
        (&behind, &["not an address"], "127.0.0.1"),
        (&behind, &[], "127.0.0.1"),
        (&direct, &["203.0.113.9"], "127.0.0.1"),
    ];
    for (n, (proxy, forwarded, expected)) in cases.into_iter().enumerate() {
        let order_id = proxy.order(15_000_000).await;
        let mut request = proxy
            .http
            .post(proxy.url("/api/checkout/sessions"))
            .header("Idempotency-Key", format!("ip-test-key-{n}"))
            .json(&json!({"order_id": order_id,
                          "customer": {"first_name": "Budi", "email": "budi@example.com"}}));
        for line in forwarded {
            request = request.header("X-Forwarded-For", *line);
        }
        let (status, session) = support::read(request.send().await.unwrap()).await;
        assert_eq!(status, 201, "{session}");
        let payment_id = session["payment_id"].as_str().unwrap();
        let stored = proxy.app.store.payment(payment_id).await.unwrap().unwrap();
        assert_eq!(
            stored.customer.ip.as_deref(),
            Some(expected),
            "{forwarded:?}"
        );
    }
    behind.stop().await;
    direct.stop().await;
}

#[tokio::test]
async fn kyc_raises_the_purchase_limit() {
    let proxy = TestProxy::start(support::sqlite(), &["--kyc".to_string()]).await;
    let (status, body) = proxy
        .merchant_post(
            "/api/orders",
            json!({"amount": 1_000_000_000, "currency": "IDR", "description": "x"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = proxy
        .merchant_post(
            "/api/orders",
            json!({"amount": 1_000_000_100, "currency": "IDR", "description": "x"}),
        )
        .await;
    assert_eq!(status, 422);
    proxy.stop().await;
}

#[tokio::test]
async fn a_payment_page_session_is_a_signed_doku_url_opened_once() {
    for proxy in proxies().await {
        let db = proxy.db.backend;
        let order_id = proxy.order(15_000_000).await;
        let (status, session) = proxy.session(&order_id, "attempt-0001-aaaa").await;
        assert_eq!(status, 201, "{db}: {session}");
        assert_eq!(session["status"], "pending");
        assert_eq!(session["final"], false);
        assert_eq!(
            (session["amount"].clone(), session["currency"].clone()),
            (json!(15_000_000), json!("IDR"))
        );
        let payment_id = session["payment_id"].as_str().unwrap().to_string();
        let redirect = &session["redirect_data"];
        assert_eq!(redirect["method"], "GET");
        let url = redirect["url"].as_str().unwrap();
        assert!(
            url.starts_with("https://paymentpage.ecommpay.com/payment?"),
            "{url}"
        );

        let params = query(url);
        assert_eq!(param(&params, "force_payment_method"), "doku");
        assert_eq!(param(&params, "payment_id"), payment_id);
        assert_eq!(param(&params, "payment_amount"), "15000000");
        assert_eq!(param(&params, "payment_currency"), "IDR");
        assert_eq!(param(&params, "customer_first_name"), "Budi");
        assert_eq!(param(&params, "customer_email"), "budi@example.com");
        assert_eq!(param(&params, "language_code"), "id");
        assert_eq!(
            param(&params, "merchant_callback_url"),
            proxy.url("/callbacks/ecommpay")
        );
        let back = proxy.url(&format!("/pay/{order_id}?payment_id={payment_id}"));
        assert_eq!(param(&params, "redirect_success_url"), back);
        assert_eq!(param(&params, "redirect_fail_url"), back);
        assert_eq!(params.last().unwrap().0, "signature", "signature last");
        let unsigned: serde_json::Map<String, Value> = params[..params.len() - 1]
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        assert!(
            proxy
                .signer
                .verify_value(&Value::Object(unsigned), param(&params, "signature"))
        );
        assert!(
            !url.contains(support::SECRET),
            "the secret never leaves the server"
        );

        // The same key, and the same customer with another key (another tab) while it
        // is live: one payment.
        for key in ["attempt-0001-aaaa", "attempt-0002-bbbb"] {
            let (status, again) = proxy.session(&order_id, key).await;
            assert_eq!(
                (status, again["payment_id"].as_str()),
                (200, Some(payment_id.as_str())),
                "{db}"
            );
        }
        // Another customer meanwhile: refused, and shown nothing of the first one's.
        let (status, problem) = support::read(
            proxy
                .http
                .post(proxy.url("/api/checkout/sessions"))
                .header("Idempotency-Key", "someone-else-0001")
                .json(&json!({"order_id": order_id,
                              "customer": {"first_name": "Sari", "email": "sari@example.com"}}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (409, Some("payment_in_progress")),
            "{db}: {problem}"
        );
        let shown = problem.to_string().to_lowercase();
        assert!(
            !shown.contains(&payment_id.to_lowercase()) && !shown.contains("budi"),
            "nothing of the first customer's payment: {problem}"
        );

        // The status view: the customer's details only inside the redirect they follow.
        let (status, mut view) = proxy.status(&payment_id).await;
        assert_eq!((status, view["status"].as_str()), (200, Some("pending")));
        let redirect = view
            .as_object_mut()
            .unwrap()
            .remove("redirect_data")
            .unwrap();
        assert_eq!(
            param(&query(redirect["url"].as_str().unwrap()), "customer_email"),
            "budi@example.com"
        );
        assert!(
            view.get("customer").is_none() && !view.to_string().to_lowercase().contains("budi"),
            "no customer data outside the redirect: {view}"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn an_idempotency_key_belongs_to_its_order() {
    for proxy in proxies().await {
        let db = proxy.db.backend;
        let first_order = proxy.order(15_000_000).await;
        let second_order = proxy.order(3_500_000).await;
        let (status, first) = proxy.session(&first_order, "shared-key-0001").await;
        assert_eq!(status, 201, "{db}: {first}");
        let (status, second) = proxy.session(&second_order, "shared-key-0001").await;
        assert_eq!(
            status, 201,
            "{db}: another order, another payment: {second}"
        );
        assert_ne!(first["payment_id"], second["payment_id"], "{db}");
        assert_eq!(
            (first["amount"].as_u64(), second["amount"].as_u64()),
            (Some(15_000_000), Some(3_500_000)),
            "{db}: each payment is its own order's"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn concurrent_session_requests_make_one_payment() {
    for proxy in proxies().await {
        let order_id = proxy.order(15_000_000).await;
        let requests = (0..10).map(|i| {
            proxy.session(
                &order_id,
                if i % 2 == 0 {
                    "double-click-key-1"
                } else {
                    "double-click-key-2"
                },
            )
        });
        let answers = futures::future::join_all(requests).await;
        let ids: std::collections::BTreeSet<String> = answers
            .iter()
            .map(|(status, body)| {
                assert!(*status == 200 || *status == 201, "{body}");
                body["payment_id"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(ids.len(), 1, "{}: {ids:?}", proxy.db.backend);
        let created = answers.iter().filter(|(status, _)| *status == 201).count();
        assert_eq!(created, 1, "{}", proxy.db.backend);
        proxy.stop().await;
    }
}

#[tokio::test]
async fn session_requests_are_validated_field_by_field() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order_id = proxy.order(15_000_000).await;
    let post = |body: Value, key: Option<&'static str>| {
        let mut request = proxy
            .http
            .post(proxy.url("/api/checkout/sessions"))
            .json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        async move { support::read(request.send().await.unwrap()).await }
    };
    let customer =
        |first_name: &str, email: &str| json!({"first_name": first_name, "email": email});
    for (body, key, status, code, field) in [
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com")}),
            None,
            422,
            "required",
            "Idempotency-Key",
        ),
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com")}),
            Some("bad key!"),
            422,
            "invalid_character",
            "Idempotency-Key",
        ),
        (
            json!({"order_id": order_id, "customer": customer("", "budi@example.com")}),
            Some("key-000001"),
            422,
            "required",
            "customer.first_name",
        ),
        (
            json!({"order_id": order_id, "customer": customer("<b>Budi</b>", "budi@example.com")}),
            Some("key-000001"),
            422,
            "invalid_character",
            "customer.first_name",
        ),
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@")}),
            Some("key-000001"),
            422,
            "invalid_format",
            "customer.email",
        ),
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com"), "locale": "fr"}),
            Some("key-000001"),
            422,
            "invalid_format",
            "locale",
        ),
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com"), "return_url": "https://evil.example/x"}),
            Some("key-000001"),
            422,
            "invalid_format",
            "return_url",
        ),
        (
            json!({"order_id": "ord_doesnotexist", "customer": customer("Budi", "budi@example.com")}),
            Some("key-000001"),
            404,
            "order_not_found",
            "order_id",
        ),
        (
            json!({"order_id": order_id, "customer": {"first_name": "Budi"}}),
            Some("key-000001"),
            422,
            "invalid_type",
            "customer.email",
        ),
        (
            json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com"), "amount": 1}),
            Some("key-000001"),
            422,
            "unknown_field",
            "amount",
        ),
    ] {
        let (got, problem) = post(body.clone(), key).await;
        assert_eq!(
            (got, problem["code"].as_str(), problem["field"].as_str()),
            (status, Some(code), Some(field)),
            "{body}: {problem}"
        );
    }
    // A return page on an allowed origin is used.
    let body = json!({"order_id": order_id, "customer": customer("Budi", "budi@example.com"),
                      "return_url": format!("{SHOP_ORIGIN}/checkout?step=3#top")});
    let (status, session) = post(body, Some("key-000002")).await;
    assert_eq!(status, 201, "{session}");
    let params = query(session["redirect_data"]["url"].as_str().unwrap());
    let payment_id = session["payment_id"].as_str().unwrap();
    assert_eq!(
        param(&params, "redirect_success_url"),
        format!("{SHOP_ORIGIN}/checkout?step=3&payment_id={payment_id}")
    );
    let listed = proxy.payments("").await;
    assert_eq!(listed.len(), 1, "refused requests stored nothing");
    proxy.stop().await;
}

#[tokio::test]
async fn callbacks_move_payments_forward_only_and_refuse_forgeries() {
    for proxy in proxies().await {
        let db = proxy.db.backend;
        let order_id = proxy.order(15_000_000).await;
        let (_, session) = proxy.session(&order_id, "callback-test-key").await;
        let payment_id = session["payment_id"].as_str().unwrap().to_string();

        // Forged: signed with another secret; and a tampered body.
        let mut forged = platform_callback(&payment_id, "success", 15_000_000);
        forged["signature"] = json!(ecommpay::Signer::new("attacker").sign_value(&forged));
        let (status, problem) = proxy.raw_callback(forged.to_string()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_signature")),
            "{db}"
        );
        let mut tampered = platform_callback(&payment_id, "decline", 15_000_000);
        tampered["signature"] = json!(proxy.signer.sign_value(&tampered));
        tampered["payment"]["status"] = json!("success");
        let (status, problem) = proxy.raw_callback(tampered.to_string()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_signature"))
        );
        let (status, problem) = proxy.raw_callback("{not json".into()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("malformed_callback"))
        );
        assert_eq!(
            proxy.status(&payment_id).await.1["status"],
            "pending",
            "{db}: forgeries change nothing"
        );

        // Another project's (correctly signed) callback.
        let mut other = platform_callback(&payment_id, "success", 15_000_000);
        other["project_id"] = json!(999);
        let (status, problem) = proxy.callback(other).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("wrong_project"))
        );

        // Out of order: processing, then success, then a late processing and a replay.
        let processing = platform_callback(&payment_id, "processing", 15_000_000);
        assert_eq!(
            proxy.callback(processing.clone()).await.1["outcome"],
            "duplicate"
        );
        let success = platform_callback(&payment_id, "success", 15_000_000);
        assert_eq!(
            proxy.callback(success.clone()).await,
            (200, json!({"status": "ok", "outcome": "applied"}))
        );
        assert_eq!(proxy.callback(processing).await.1["outcome"], "stale");
        assert_eq!(proxy.callback(success).await.1["outcome"], "duplicate");
        assert_eq!(
            proxy
                .callback(platform_callback(&payment_id, "decline", 15_000_000))
                .await
                .1["outcome"],
            "stale"
        );

        let (_, view) = proxy.status(&payment_id).await;
        assert_eq!(
            (
                view["status"].as_str(),
                view["final"].as_bool(),
                view["code"].as_str()
            ),
            (Some("success"), Some(true), Some("0")),
            "{db}"
        );
        assert!(
            view.get("redirect_data").is_none(),
            "no redirect once final"
        );
        let (_, order) = support::read(
            proxy
                .http
                .get(proxy.url(&format!("/api/checkout/orders/{order_id}")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(order["paid"], true);
        let (status, problem) = proxy.session(&order_id, "after-paid-key").await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (409, Some("order_paid"))
        );

        // A callback for a payment this proxy never opened is recorded, answered 200.
        assert_eq!(
            proxy
                .callback(platform_callback("pay_other", "success", 100))
                .await
                .1["outcome"],
            "unknown_payment"
        );
        let records = proxy.app.store.callbacks_for(&payment_id).await.unwrap();
        let outcomes: Vec<&str> = records.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            ["duplicate", "applied", "stale", "duplicate", "stale"],
            "{db}: every accepted delivery stored"
        );
        let metrics = proxy.metrics().await;
        assert!(
            metrics
                .contains("doku_payments_settled_total{kind=\"purchase\",status=\"success\"} 1\n"),
            "{db}: settled once, whatever the deliveries: {metrics}"
        );
        assert!(
            !metrics.contains("doku_open_payments{"),
            "{db}: nothing left open: {metrics}"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn a_decline_frees_the_order_for_a_new_attempt() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order_id = proxy.order(40_000).await;
    let (_, first) = proxy.session(&order_id, "first-attempt-key").await;
    let first_id = first["payment_id"].as_str().unwrap();
    assert_eq!(
        proxy
            .callback(platform_callback(first_id, "decline", 40_000))
            .await,
        (200, json!({"status": "ok", "outcome": "applied"}))
    );
    let (_, view) = proxy.status(first_id).await;
    assert_eq!(
        (view["status"].as_str(), view["code"].as_str()),
        (Some("decline"), Some("20101"))
    );
    assert_eq!(view["message"], "Decline due to amount or frequency limit");
    let (status, second) = proxy.session(&order_id, "second-attempt-key").await;
    assert_eq!(status, 201);
    assert_ne!(second["payment_id"].as_str(), Some(first_id));
    proxy.stop().await;
}

#[tokio::test]
async fn browsers_from_foreign_origins_are_refused() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let order_id = proxy.order(15_000_000).await;
    let path = format!("/api/checkout/orders/{order_id}");

    let allowed = proxy
        .http
        .get(proxy.url(&path))
        .header("Origin", SHOP_ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        SHOP_ORIGIN
    );

    let foreign = proxy
        .http
        .get(proxy.url(&path))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert_eq!(support::read(foreign).await.1["code"], "origin_not_allowed");

    let preflight = |origin: &'static str| {
        proxy
            .http
            .request(
                reqwest::Method::OPTIONS,
                proxy.url("/api/checkout/sessions"),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type,idempotency-key",
            )
            .send()
    };
    let ok = preflight(SHOP_ORIGIN).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], SHOP_ORIGIN);
    let allowed_headers = ok.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("idempotency-key"),
        "{allowed_headers}"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let body = json!({"order_id": order_id, "customer": {"first_name": "Budi", "email": "budi@example.com"}});
    let foreign_post = proxy
        .http
        .post(proxy.url("/api/checkout/sessions"))
        .header("Origin", "https://evil.example")
        .header("Idempotency-Key", "foreign-origin-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign_post.status(), 403);
    let listed = proxy.payments("").await;
    assert!(listed.is_empty(), "no payment opened for a foreign page");
    proxy.stop().await;
}

/// A merchant's page on an allowed origin loads the widget's files in CORS mode (module
/// scripts and the wasm's fetch); others get the files without the header, so their
/// browsers do not run them.
#[tokio::test]
async fn the_widget_files_answer_the_allowed_origins() {
    let proxy = TestProxy::start(support::sqlite(), &[]).await;
    let file = |origin: &'static str| {
        proxy
            .http
            .get(proxy.url("/index.html"))
            .header("Origin", origin)
            .send()
    };
    let allowed = file(SHOP_ORIGIN).await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        SHOP_ORIGIN
    );
    let foreign = file("https://evil.example").await.unwrap();
    assert_eq!(foreign.status(), 200);
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    proxy.stop().await;
}

#[tokio::test]
async fn payments_are_reported_as_json_and_csv() {
    for proxy in proxies().await {
        let db = proxy.db.backend;
        let mut ids = Vec::new();
        for (i, amount) in [15_000_000, 40_000].into_iter().enumerate() {
            let order_id = proxy.order(amount).await;
            let (_, session) = proxy
                .session(&order_id, &format!("report-key-{i:04}"))
                .await;
            ids.push(session["payment_id"].as_str().unwrap().to_string());
        }
        proxy
            .callback(platform_callback(&ids[0], "success", 15_000_000))
            .await;

        let rows = proxy.payments("").await;
        assert_eq!(rows.len(), 2, "{db}");
        assert_eq!(rows[0]["payment_id"], ids[1].as_str(), "newest first");
        assert_eq!(
            rows[0]["customer_email"], "bu***@example.com",
            "emails masked"
        );
        let successes = proxy.payments("?status=success&type=purchase").await;
        assert_eq!(successes.len(), 1);
        assert_eq!(successes[0]["payment_id"], ids[0].as_str(), "{db}");
        assert!(proxy.payments("?type=payout").await.is_empty(), "{db}");
        let none = proxy.payments("?from=2099-01-01").await;
        assert!(none.is_empty());
        let (status, problem) =
            support::read(proxy.merchant_get("/api/payments?status=paid").await).await;
        assert_eq!((status, problem["field"].as_str()), (400, Some("status")));
        let (status, problem) =
            support::read(proxy.merchant_get("/api/payments?limit=lots").await).await;
        assert_eq!((status, problem["field"].as_str()), (400, Some("limit")));

        let csv = proxy.merchant_get("/api/payments.csv?status=success").await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "payment_id,type,order_id,payout_id,status,amount,currency,code,message,customer_id,customer_email,created_at,updated_at"
        );
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[1].starts_with(&format!("{},purchase,", ids[0])),
            "{text}"
        );
        assert!(
            lines[1].contains(",success,15000000,IDR,0,Success,"),
            "{text}"
        );
        assert!(
            lines[1].contains(",bu***@example.com,") && !text.contains("budi@"),
            "emails masked as in the JSON list: {text}"
        );
        proxy.stop().await;
    }
}

#[tokio::test]
async fn pages_metrics_and_health() {
    let proxy = TestProxy::start(
        support::sqlite(),
        &["--shop-name=Warung <Kopi>".to_string()],
    )
    .await;
    let order_id = proxy.order(15_000_000).await;
    proxy.session(&order_id, "metrics-test-key").await;

    let page = proxy
        .http
        .get(proxy.url(&format!("/pay/{order_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!(r#"data-order-id="{order_id}""#)),
        "{html}"
    );
    assert!(
        html.contains("Warung &lt;Kopi&gt;") && !html.contains("<Kopi>"),
        "escaped"
    );
    // Inline: the style and the script that marks the form usable, each allowed by
    // its hash, and nothing else.
    let inline = |open: &str, close: &str| -> Vec<String> {
        html.split(open)
            .skip(1)
            .map(|rest| rest.split(close).next().unwrap().to_string())
            .collect()
    };
    let sources = |blocks: Vec<String>| -> Vec<String> {
        blocks
            .iter()
            .map(|block| {
                use base64::Engine;
                use sha2::Digest;
                let digest = sha2::Sha256::digest(block.as_bytes());
                let hash = base64::engine::general_purpose::STANDARD.encode(digest);
                format!("'sha256-{hash}'")
            })
            .collect()
    };
    let styles = sources(inline("<style>", "</style>"));
    let scripts = sources(inline("<script>", "</script>"));
    assert_eq!((styles.len(), scripts.len()), (1, 1), "{html}");
    assert!(
        csp.contains(&format!("style-src 'self' {};", styles[0])),
        "{csp}"
    );
    assert!(csp.contains(&scripts[0]), "{csp}");
    assert!(!html.contains("style="), "no style attributes");
    for asset in [
        r#"<script type="module" src="/doku-embed.js">"#,
        r#"href="/doku-checkout_bg.wasm""#,
        r#"href="/doku-checkout.css" as="style""#,
    ] {
        assert!(
            html.contains(asset),
            "the widget's page loads {asset}: {html}"
        );
    }
    // The widget gets the order with the page, as the order endpoint answers it.
    let order: serde_json::Value = proxy
        .http
        .get(proxy.url(&format!("/api/checkout/orders/{order_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let handed = html
        .split(r#"data-order=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&handed).unwrap(),
        order
    );
    assert!(!html.contains("/api/checkout/orders"), "nothing to fetch");
    let missing = proxy
        .http
        .get(proxy.url("/pay/ord_missing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let missing = missing.text().await.unwrap();
    assert!(
        missing.contains("Payment link not found") && !missing.contains("doku-"),
        "a page without a widget loads none of it: {missing}"
    );

    let health = proxy.http.get(proxy.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let metrics = proxy.metrics().await;
    assert!(
        metrics.contains("doku_http_requests_total{route=\"/api/orders\",status=\"201\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("doku_open_payments{kind=\"purchase\",status=\"pending\"} 1\n"),
        "the session just opened: {metrics}"
    );
    assert!(!metrics.contains(API_KEY));
    proxy.stop().await;
}

#[tokio::test]
async fn one_callback_delivered_to_two_instances_at_once_changes_the_state_once() {
    let db = support::postgres().await;
    let url = db.url.clone();
    let first = TestProxy::start(db, &[]).await;
    let second = TestProxy::start(support::TestDb::shared(url), &[]).await;
    let order_id = first.order(15_000_000).await;
    let (_, session) = first.session(&order_id, "concurrent-callback-key").await;
    let payment_id = session["payment_id"].as_str().unwrap().to_string();

    let mut body = platform_callback(&payment_id, "success", 15_000_000);
    body["signature"] = json!(first.signer.sign_value(&body));
    let body = body.to_string();
    let deliveries = (0..20).map(|i| {
        let proxy = if i % 2 == 0 { &first } else { &second };
        proxy.raw_callback(body.clone())
    });
    let answers = futures::future::join_all(deliveries).await;
    let outcomes: Vec<&str> = answers
        .iter()
        .map(|(status, answer)| {
            assert_eq!(*status, 200, "{answer}");
            answer["outcome"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| **o == "applied").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| **o == "duplicate").count(),
        19,
        "{outcomes:?}"
    );

    let stored = first.app.store.payment(&payment_id).await.unwrap().unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.version),
        ("success", 1),
        "one state change"
    );
    let records = second.app.store.callbacks_for(&payment_id).await.unwrap();
    assert_eq!(records.len(), 20, "every delivery stored");
    for proxy in [&first, &second] {
        assert_eq!(
            proxy.status(&payment_id).await.1["status"],
            "success",
            "both instances agree"
        );
    }
    second.stop().await;
    first.stop().await;
}
