//! Payment Page: signatures, required and malformed parameters, the customer's steps,
//! results, limits, currencies, reloads and duplicates.

use crate::support::*;
use ecommpay::Signer;
use std::time::Duration;

#[tokio::test]
async fn a_signed_request_reaches_doku_and_a_tampered_one_is_refused() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let url = page_url(&sandbox, &page_request(TEST, "pp-signed", 1_500_000, "IDR"));

    let tampered = url.replace("payment_amount=1500000", "payment_amount=1500");
    assert_ne!(tampered, url);
    let (status, html) = get(&client, &tampered).await;
    assert_eq!(status, 400);
    assert!(
        text_of(&html, "error").contains("signature does not match"),
        "{html}"
    );
    assert!(
        sandbox.sandbox.payment(TEST, "pp-signed").is_none(),
        "nothing is created"
    );

    let doku_page = open_to_doku(&client, &url).await;
    let (status, html) = get(&client, &doku_page).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(text_of(&html, "merchant"), "Warung <Test> & Co");
    assert!(
        html.contains("Warung &lt;Test&gt; &amp; Co"),
        "names are escaped"
    );
    assert_eq!(text_of(&html, "amount"), "Rp 15.000");
    assert!(
        html.contains(r#"<button type="submit" name="action" value="success" id="doku-success">"#)
    );
    assert!(
        html.contains(r#"<button type="submit" name="action" value="decline" id="doku-decline">"#)
    );
    assert_eq!(
        view(&sandbox, TEST, "pp-signed").status,
        "awaiting redirect result"
    );

    // The same parameters signed into a POST body are accepted too.
    let request = page_request(TEST, "pp-posted", 1_500_000, "IDR");
    let params = request.signed_params(&Signer::new(SECRET)).expect("signs");
    let response = post_form(&client, &sandbox.url("/payment"), &params).await;
    assert!(location(&response).starts_with(&sandbox.url("/payment/")));
    assert_eq!(view(&sandbox, TEST, "pp-posted").interface, "payment_page");
}

#[tokio::test]
async fn each_missing_required_parameter_is_named() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let url = page_url(&sandbox, &page_request(TEST, "pp-missing", 100_000, "IDR"));
    let (base, query) = url.split_once('?').expect("a query");
    for name in [
        "project_id",
        "payment_id",
        "payment_amount",
        "payment_currency",
        "customer_id",
        "signature",
    ] {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.starts_with(&format!("{name}=")))
            .collect();
        let (status, html) = get(&client, &format!("{base}?{}", kept.join("&"))).await;
        assert_eq!(status, 400, "{name}");
        assert_eq!(text_of(&html, "error"), format!("{name} is required"));
        // Present but empty is missing too.
        let (status, html) = get(&client, &format!("{base}?{}&{name}=", kept.join("&"))).await;
        assert_eq!(status, 400, "{name}");
        assert_eq!(text_of(&html, "error"), format!("{name} is required"));
    }
    assert!(sandbox.sandbox.payment(TEST, "pp-missing").is_none());
}

/// Request parameters, the key they are signed with, and the error expected.
type Case = (Vec<(String, String)>, &'static str, &'static str);

#[tokio::test]
async fn malformed_parameters_and_unknown_projects_are_named() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let base = fields(&[
        ("project_id", "1"),
        ("payment_id", "pp-bad"),
        ("payment_amount", "100000"),
        ("payment_currency", "IDR"),
        ("customer_id", "c1"),
    ]);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        base.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == name {
                        value.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    };
    let plus = |name: &str, value: &str| -> Vec<(String, String)> {
        let mut params = base.clone();
        params.push((name.to_string(), value.to_string()));
        params
    };
    let cases: Vec<Case> = vec![
        (
            with("project_id", "abc"),
            SECRET,
            "project_id is invalid: must be a positive integer",
        ),
        (
            with("payment_amount", "0"),
            SECRET,
            "payment_amount is invalid",
        ),
        (
            with("payment_amount", "15.5"),
            SECRET,
            "payment_amount is invalid",
        ),
        (
            with("payment_amount", "-100"),
            SECRET,
            "payment_amount is invalid",
        ),
        (
            with("payment_currency", "idr"),
            SECRET,
            "payment_currency is invalid",
        ),
        (
            with("payment_id", &"x".repeat(256)),
            SECRET,
            "payment_id is invalid: must be at most 255 characters",
        ),
        (
            with("customer_id", "a;b"),
            SECRET,
            "customer_id is invalid: Payment Page values may not contain ';'",
        ),
        (
            with("project_id", "99"),
            SECRET,
            "project 99 does not exist",
        ),
        (base.clone(), "another-secret", "signature does not match"),
        (
            plus("force_payment_method", "card"),
            SECRET,
            "force_payment_method is invalid",
        ),
        (
            plus("redirect_success_url", "javascript:alert(1)"),
            SECRET,
            "redirect_success_url is invalid",
        ),
        (
            plus("best_before", "2001-01-01T00:00:00+00:00"),
            SECRET,
            "best_before is invalid: has passed",
        ),
        (
            plus("payment_id", "again"),
            SECRET,
            "payment_id is given more than once",
        ),
    ];
    for (params, secret, expected) in cases {
        let (status, html) = get(&client, &raw_page_url(&sandbox, &params, secret)).await;
        assert_eq!(status, 400, "{expected}");
        let error = text_of(&html, "error");
        assert!(
            error.contains(expected),
            "expected {expected:?}, got {error:?}"
        );
    }
    assert!(sandbox.sandbox.payment(TEST, "pp-bad").is_none());
}

#[tokio::test]
async fn a_purchase_succeeds_and_goes_to_the_success_url() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let mut request = page_request(TEST, "pp-success", 1_000_000, "IDR");
    request.redirect_success_url = Some("https://shop.example/paid?order=1".into());
    request.redirect_fail_url = Some("https://shop.example/failed".into());
    request.payment_description = Some("Kopi tubruk".into());
    // As the proxy sends them.
    request.language_code = Some("id".into());
    request.best_before = Some("2055-05-05T00:00:00+00:00".into());
    request.redirect_success_mode = Some(ecommpay::RedirectMode::ParentPage);
    let doku_page = open_to_doku(&client, &page_url(&sandbox, &request)).await;

    let response = press(&client, &doku_page, "success").await;
    assert_eq!(location(&response), "https://shop.example/paid?order=1");

    let callbacks = merchant.callbacks(1).await;
    assert_eq!(
        callbacks.len(),
        1,
        "Payment Page purchases send only the final callback"
    );
    let callback = &callbacks[0];
    assert_eq!(status_of(callback), "success");
    assert_eq!(code_of(callback), "0");
    let raw = &merchant.received()[0].body;
    assert_eq!(
        raw["project_id"], 1,
        "ids are numbers, as the platform sends them"
    );
    assert_eq!(raw["payment"]["id"], "pp-success");
    assert_eq!(raw["payment"]["type"], "purchase");
    assert_eq!(raw["payment"]["method"], "Doku");
    assert_eq!(raw["payment"]["description"], "Kopi tubruk");
    assert_eq!(
        raw["payment"]["sum"],
        serde_json::json!({"amount": 1_000_000, "currency": "IDR"})
    );
    assert_eq!(raw["customer"]["id"], "customer-1");
    assert!(
        raw["account"]["number"]
            .as_str()
            .is_some_and(|n| n.len() == 10)
    );
    let operation = &raw["operation"];
    assert!(operation["id"].is_u64());
    assert_eq!(operation["type"], "sale");
    assert_eq!(operation["message"], "Success");
    assert_eq!(operation["provider"]["id"], 1162);
    assert!(operation["provider"]["date"].is_string());
    let date = raw["payment"]["date"].as_str().expect("a date");
    assert_eq!(date.len(), "2018-12-14T09:21:58+0000".len());
    assert!(date.ends_with("+0000"));
    assert_eq!(view(&sandbox, TEST, "pp-success").status, "success");

    // A second press changes nothing and goes to the same place.
    let response = press(&client, &doku_page, "decline").await;
    assert_eq!(location(&response), "https://shop.example/paid?order=1");
    assert_eq!(view(&sandbox, TEST, "pp-success").status, "success");
}

#[tokio::test]
async fn test_amounts_decline_even_on_success() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    for (n, amount) in [40_000u64, 40_400].into_iter().enumerate() {
        let payment_id = format!("pp-test-amount-{amount}");
        let mut request = page_request(TEST, &payment_id, amount, "IDR");
        request.redirect_fail_url = Some("https://shop.example/failed".into());
        let doku_page = open_to_doku(&client, &page_url(&sandbox, &request)).await;
        let response = press(&client, &doku_page, "success").await;
        assert_eq!(location(&response), "https://shop.example/failed");
        let callback = &merchant.callbacks(n + 1).await[n];
        assert_eq!(status_of(callback), "decline");
        assert_eq!(code_of(callback), "20000");
        assert_eq!(
            callback
                .operation
                .as_ref()
                .and_then(|o| o.message.as_deref()),
            Some("General decline")
        );
    }
}

#[tokio::test]
async fn the_decline_button_declines_and_shows_the_result_page() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let doku_page = open_to_doku(
        &client,
        &page_url(&sandbox, &page_request(TEST, "pp-decline", 500_000, "IDR")),
    )
    .await;
    let response = press(&client, &doku_page, "decline").await;
    let result = location(&response);
    assert!(
        result.starts_with(&sandbox.url("/payment/")),
        "back to the Payment Page: {result}"
    );
    let (status, html) = get(&client, &result).await;
    assert_eq!(status, 200);
    assert!(html.contains("Payment declined"));
    assert_eq!(text_of(&html, "result-status"), "decline");
    assert_eq!(text_of(&html, "result-code"), "20105");
    assert_eq!(
        text_of(&html, "result-message"),
        "Cancelled by the customer"
    );
    assert_eq!(code_of(&merchant.callbacks(1).await[0]), "20105");
}

#[tokio::test]
async fn without_a_forced_method_or_details_the_customer_chooses_and_types_them() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let request = ecommpay::PaymentPageRequest::new(TEST, "pp-steps", 250_000, "IDR", "customer-9");
    let response = client
        .get(page_url(&sandbox, &request))
        .send()
        .await
        .expect("GET");
    let page = location(&response);

    let (status, html) = get(&client, &page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Choose a payment method"));
    assert!(html.contains(r#"name="method" value="doku" id="method-doku""#));
    assert!(html.contains("Bank card (unavailable in the sandbox)"));
    let response = post_form(&client, &form_action(&html), &fields(&[("method", "card")])).await;
    assert_eq!(response.status(), 400);
    let response = post_form(&client, &form_action(&html), &fields(&[("method", "doku")])).await;
    assert_eq!(location(&response), page);

    let (_, html) = get(&client, &page).await;
    assert!(html.contains("Your details"), "{html}");
    let action = form_action(&html);
    let response = post_form(
        &client,
        &action,
        &fields(&[("customer_first_name", " "), ("customer_email", "riza@")]),
    )
    .await;
    assert_eq!(response.status(), 400);
    let html = response.text().await.expect("a body");
    assert_eq!(
        text_of(&html, "customer_first_name-error"),
        "Enter your first name."
    );
    assert_eq!(
        text_of(&html, "customer_email-error"),
        "Enter an email address like name@example.com."
    );
    assert!(html.contains(r#"value="riza@""#), "what was typed stays");
    assert_eq!(
        view(&sandbox, TEST, "pp-steps").doku_session,
        None,
        "nothing moved on"
    );

    let response = post_form(
        &client,
        &action,
        &fields(&[
            ("customer_first_name", "Riza"),
            ("customer_email", "riza@example.com"),
        ]),
    )
    .await;
    assert_eq!(location(&response), page);
    let (_, html) = get(&client, &page).await;
    assert!(html.contains("id=\"doku-redirect\""));
    let form = hidden_fields(&html);
    assert!(form.contains(&("NAME".into(), "Riza".into())));
    assert!(form.contains(&("EMAIL".into(), "riza@example.com".into())));
}

#[tokio::test]
async fn a_reload_resumes_and_a_reused_payment_id_is_refused() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let url = page_url(&sandbox, &page_request(TEST, "pp-reload", 300_000, "IDR"));
    let first = location(&client.get(&url).send().await.expect("GET"));
    let second = location(&client.get(&url).send().await.expect("GET"));
    assert_eq!(first, second, "a reload shows the same payment");
    let operation = view(&sandbox, TEST, "pp-reload").operation_id;

    let other = page_url(&sandbox, &page_request(TEST, "pp-reload", 300_100, "IDR"));
    let (status, html) = get(&client, &other).await;
    assert_eq!(status, 400);
    assert_eq!(
        text_of(&html, "error"),
        "payment_id \"pp-reload\" is already used in project 1"
    );
    assert_eq!(view(&sandbox, TEST, "pp-reload").operation_id, operation);

    let doku_page = open_to_doku(&client, &url).await;
    location(&press(&client, &doku_page, "success").await);
    let (status, html) = get(&client, &url).await;
    assert_eq!(status, 400, "a final payment is not reopened");
    assert!(text_of(&html, "error").contains("already used in project 1"));
}

#[tokio::test]
async fn out_of_limits_declines_at_once_with_the_platforms_code() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let cases = [
        (TEST, "pp-below", 50u64, "20101"),
        (TEST, "pp-above", 200_000_100, "20101"),
        (TEST, "pp-max", 200_000_000, ""),
        (KYC, "pp-kyc-max", 1_000_000_000, ""),
        (KYC, "pp-kyc-above", 1_000_000_100, "20101"),
    ];
    for (project, payment_id, amount, code) in cases {
        let mut request = page_request(project, payment_id, amount, "IDR");
        request.redirect_fail_url = Some("https://shop.example/failed".into());
        let response = client
            .get(page_url(&sandbox, &request))
            .send()
            .await
            .expect("GET");
        let next = location(&response);
        let view = view(&sandbox, project, payment_id);
        if code.is_empty() {
            assert!(next.starts_with(&sandbox.url("/payment/")), "{payment_id}");
            assert_eq!(view.status, "awaiting customer", "{payment_id}");
        } else {
            assert_eq!(
                next, "https://shop.example/failed",
                "{payment_id}: no customer step"
            );
            assert_eq!(view.code.as_deref(), Some(code), "{payment_id}");
            assert_eq!(view.doku_session, None);
        }
    }
    let callbacks = merchant.callbacks(3).await;
    for callback in &callbacks {
        assert_eq!(code_of(callback), "20101");
        let message = callback.operation.as_ref().and_then(|o| o.message.clone());
        assert_eq!(
            message.as_deref(),
            Some("Decline due to amount or frequency limit")
        );
    }
}

#[tokio::test]
async fn currency_rules_cut_fractions_convert_and_refuse() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();

    let (status, html) = get(
        &client,
        &page_url(&sandbox, &page_request(TEST, "pp-usd-test", 1_000, "USD")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        text_of(&html, "error"),
        "currency USD is not allowed: test projects accept IDR only"
    );
    let (status, html) = get(
        &client,
        &page_url(&sandbox, &page_request(LIVE, "pp-gbp", 1_000, "GBP")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(text_of(&html, "error").contains("no exchange rate"));

    // USD 10.00 at 16,250 = 162,500 IDR, rounded half up to 163,000.00 IDR.
    let doku_page = open_to_doku(
        &client,
        &page_url(&sandbox, &page_request(LIVE, "pp-usd", 1_000, "USD")),
    )
    .await;
    let (_, html) = get(&client, &doku_page).await;
    assert_eq!(text_of(&html, "amount"), "Rp 163.000");
    location(&press(&client, &doku_page, "success").await);
    // 10,000.50 IDR loses its fraction.
    let doku_page = open_to_doku(
        &client,
        &page_url(
            &sandbox,
            &page_request(TEST, "pp-fraction", 1_000_050, "IDR"),
        ),
    )
    .await;
    location(&press(&client, &doku_page, "success").await);

    let callbacks = merchant.callbacks(2).await;
    let sums = |id: &str| {
        let callback = callbacks
            .iter()
            .find(|c| c.payment_id() == Some(id))
            .expect("a callback");
        let operation = callback.operation.as_ref().expect("an operation");
        let initial = operation.sum_initial.as_ref().expect("sum_initial");
        let converted = operation.sum_converted.as_ref().expect("sum_converted");
        (
            (initial.amount, initial.currency.clone()),
            (converted.amount, converted.currency.clone()),
        )
    };
    assert_eq!(
        sums("pp-usd"),
        ((1_000, "USD".into()), (16_300_000, "IDR".into()))
    );
    assert_eq!(
        sums("pp-fraction"),
        ((1_000_050, "IDR".into()), (1_000_000, "IDR".into()))
    );
    let usd = callbacks
        .iter()
        .find(|c| c.payment_id() == Some("pp-usd"))
        .expect("a callback");
    assert_eq!(
        status_of(usd),
        "success",
        "non-test projects succeed on any amount"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        merchant.received().len(),
        2,
        "refused requests sent nothing"
    );
}
