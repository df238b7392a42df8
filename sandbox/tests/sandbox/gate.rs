//! Gate: sales with their POST redirect to DOKU, payouts, the status endpoint, and
//! refused requests.

use crate::support::*;
use ecommpay::gate::{DOKU_PAYOUT_PATH, DOKU_SALE_PATH, STATUS_PATH, StatusRequest};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn a_sale_redirects_to_doku_by_post_and_reports_the_result() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let answer = send_sale(&sandbox, TEST, "gate-sale", 1_000_000).await;
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["project_id"], 1);
    assert_eq!(answer["payment_id"], "gate-sale");
    let request_id = answer["request_id"]
        .as_str()
        .expect("a request id")
        .to_string();

    let intermediate = merchant.callbacks(1).await.remove(0);
    assert_eq!(status_of(&intermediate), "awaiting redirect result");
    let operation = intermediate.operation.as_ref().expect("an operation");
    assert_eq!(
        operation.request_id.as_ref().map(|r| r.to_string()),
        Some(request_id)
    );
    assert_eq!(operation.code, None, "no result yet");
    let raw = &merchant.received()[0].body;
    let redirect = &raw["redirect_data"];
    assert_eq!(redirect["method"], "POST");
    assert_eq!(redirect["url"], sandbox.url("/doku/Suite/Receive"));
    assert_eq!(redirect["encrypted"], json!([]));
    let body = &redirect["body"];
    let trans_id = raw["operation"]["id"]
        .as_u64()
        .expect("a numeric operation id");
    assert_eq!(body["MALLID"], 4001);
    assert_eq!(body["CHAINMERCHANT"], "NA");
    assert_eq!(body["AMOUNT"], "10000.00");
    assert_eq!(body["PURCHASEAMOUNT"], "10000.00");
    assert_eq!(body["TRANSIDMERCHANT"], trans_id);
    assert_eq!(body["PAYMENTTYPE"], "SALE");
    assert_eq!(
        body["WORDS"],
        sha1_hex(&format!("10000.004001{SHARED_KEY}{trans_id}"))
    );
    let datetime = body["REQUESTDATETIME"].as_str().expect("a date");
    assert!(
        datetime.len() == 14 && datetime.bytes().all(|b| b.is_ascii_digit()),
        "{datetime}"
    );
    assert_eq!(body["CURRENCY"], "360");
    assert_eq!(body["PURCHASECURRENCY"], "360");
    assert!(body["SESSIONID"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(body["NAME"], "Riza");
    assert_eq!(body["EMAIL"], "riza@example.com");
    assert_eq!(body["BASKET"], "Sale,10000.00,1,10000.00");
    assert_eq!(body["PAYMENTCHANNEL"], "41");

    let doku_page = location(&follow_redirect_data(&client, &intermediate).await);
    let (status, html) = get(&client, &doku_page).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "amount"), "Rp 10.000");
    let response = press(&client, &doku_page, "success").await;
    assert_eq!(location(&response), "https://shop.example/ok");

    let callbacks = merchant.callbacks(2).await;
    let last = &callbacks[1];
    assert_eq!(status_of(last), "success");
    assert_eq!(code_of(last), "0");
    assert_eq!(last.redirect_data, None);
    assert_eq!(
        merchant.received()[1].body["payment"]["description"],
        "Kopi susu"
    );
}

#[tokio::test]
async fn without_details_or_return_url_doku_asks_and_confirms() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let mut request = sale(TEST, "gate-plain", 2_000_000);
    request.customer.first_name = None;
    request.customer.email = None;
    request.return_url = None;
    let (status, _) = gate(&client, &sandbox, DOKU_SALE_PATH, &signed(&request)).await;
    assert_eq!(status, 200);
    let intermediate = merchant.callbacks(1).await.remove(0);
    let body = &intermediate
        .redirect_data
        .as_ref()
        .expect("redirect data")
        .body;
    assert_eq!(
        (body["NAME"].as_str(), body["EMAIL"].as_str()),
        (Some(""), Some(""))
    );

    let doku_page = location(&follow_redirect_data(&client, &intermediate).await);
    let (_, html) = get(&client, &doku_page).await;
    assert!(
        html.contains("DOKU Wallet needs your name and email"),
        "{html}"
    );
    let response = press(&client, &doku_page, "success").await;
    assert_eq!(response.status(), 400, "no payment before the details");
    let asked = response.text().await.expect("a body");
    assert!(
        asked.contains("Enter your name and email before paying."),
        "{asked}"
    );
    let response = post_form(
        &client,
        &form_action(&html),
        &fields(&[("name", "Budi"), ("email", "not an email")]),
    )
    .await;
    assert_eq!(response.status(), 400);
    let refused = response.text().await.expect("a body");
    assert_eq!(
        text_of(&refused, "email-error"),
        "Enter an email address like name@example.com."
    );
    assert!(refused.contains(r#"value="Budi""#), "what was typed stays");
    let response = post_form(
        &client,
        &form_action(&html),
        &fields(&[("name", "Budi"), ("email", "budi@example.com")]),
    )
    .await;
    assert_eq!(location(&response), doku_page);

    let response = press(&client, &doku_page, "decline").await;
    let confirmation = location(&response);
    assert_eq!(
        confirmation, doku_page,
        "the test purchase confirmation page"
    );
    let (status, html) = get(&client, &confirmation).await;
    assert_eq!(status, 200);
    assert!(html.contains("Test purchase confirmed: declined"));
    assert_eq!(text_of(&html, "result-code"), "20105");
    assert_eq!(code_of(&merchant.callbacks(2).await[1]), "20105");
}

#[tokio::test]
async fn gate_refuses_bad_requests_with_a_code_and_the_path_at_fault() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let good = signed(&sale(TEST, "gate-bad", 100_000));
    for path in [
        "general.project_id",
        "general.payment_id",
        "general.signature",
        "payment.amount",
        "payment.currency",
        "customer.id",
        "customer.ip_address",
    ] {
        let mut body = good.clone();
        let (section, field) = path.split_once('.').expect("a dotted path");
        body[section]
            .as_object_mut()
            .expect("a section")
            .remove(field);
        let (status, answer) = gate(&client, &sandbox, DOKU_SALE_PATH, &body).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(answer["status"], "error");
        assert_eq!(answer["code"], "1001");
        assert_eq!(answer["message"], format!("{path} is required"));
    }

    let mut tampered = good.clone();
    tampered["payment"]["amount"] = json!(100);
    let mut usd = sale(TEST, "gate-usd", 1_000);
    usd.payment.money.currency = "USD".into();
    let mut bad_ip = sale(TEST, "gate-ip", 100_000);
    bad_ip.customer.ip_address = "somewhere".into();
    let cases: Vec<(Value, &str, &str)> = vec![
        (tampered, "1004", "signature does not match"),
        (
            signed(&sale(99, "gate-x", 100_000)),
            "1003",
            "project 99 does not exist",
        ),
        (signed(&usd), "1006", "test projects accept IDR only"),
        (signed(&bad_ip), "1002", "customer.ip_address is invalid"),
        (json!([1, 2]), "1000", "not a JSON object"),
    ];
    for (body, code, message) in cases {
        let (status, answer) = gate(&client, &sandbox, DOKU_SALE_PATH, &body).await;
        assert_eq!(status, 400, "{message}");
        assert_eq!(answer["code"], code, "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.contains(message)),
            "{answer}"
        );
    }
    // An amount of the wrong type (signed as sent: a string renders like the number).
    let mut as_text = serde_json::to_value(sale(TEST, "gate-text", 100_000)).expect("JSON");
    as_text["payment"]["amount"] = json!("100000");
    let signature = ecommpay::Signer::new(SECRET).sign_value(&as_text);
    as_text["general"]["signature"] = json!(signature);
    let (_, answer) = gate(&client, &sandbox, DOKU_SALE_PATH, &as_text).await;
    assert_eq!(
        answer["message"],
        "payment.amount is invalid: must be a positive integer of minor units"
    );

    let response = client
        .post(sandbox.url(DOKU_SALE_PATH))
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 400);

    let (status, _) = gate(&client, &sandbox, DOKU_SALE_PATH, &good).await;
    assert_eq!(status, 200);
    let (status, answer) = gate(&client, &sandbox, DOKU_SALE_PATH, &good).await;
    assert_eq!(status, 400);
    assert_eq!(answer["code"], "1005");
    assert_eq!(
        answer["message"],
        "payment_id \"gate-bad\" is already used in project 1"
    );
    // (gate-x went to an unknown project: nothing to look up.)
    for id in ["gate-usd", "gate-ip", "gate-text"] {
        assert!(
            sandbox.sandbox.payment(TEST, id).is_none(),
            "{id} was not created"
        );
    }
}

#[tokio::test]
async fn doku_refuses_a_wrong_words_or_an_incomplete_form() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    send_sale(&sandbox, TEST, "gate-words", 500_000).await;
    let intermediate = merchant.callbacks(1).await.remove(0);
    let redirect = intermediate.redirect_data.clone().expect("redirect data");
    let form: Vec<(String, String)> = redirect
        .body
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_string),
            )
        })
        .collect();
    let changed = |name: &str, value: &str| -> Vec<(String, String)> {
        form.iter()
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
    let words = sha1_hex("wrong");
    let cases = [
        (changed("WORDS", &words), "WORDS does not match"),
        (
            changed("AMOUNT", "1.00"),
            "the field AMOUNT does not match this session",
        ),
        (
            form.iter()
                .filter(|(k, _)| k != "BASKET")
                .cloned()
                .collect(),
            "the field BASKET is missing",
        ),
        (
            changed("SESSIONID", "nope"),
            "no DOKU session has this SESSIONID",
        ),
    ];
    for (fields, message) in cases {
        let response = post_form(&client, &redirect.url, &fields).await;
        assert_eq!(response.status(), 400, "{message}");
        let html = response.text().await.expect("a body");
        assert!(
            text_of(&html, "error").contains(message),
            "{message}: {html}"
        );
    }
    let session = view(&sandbox, TEST, "gate-words")
        .doku_session
        .expect("a session");
    let page = sandbox.url(&format!("/doku/Suite/Payment/{session}"));
    let (status, html) = get(&client, &page).await;
    assert_eq!(status, 400, "the page needs the form first: {html}");
    assert_eq!(
        view(&sandbox, TEST, "gate-words").status,
        "awaiting redirect result"
    );

    let response = post_form(&client, &redirect.url, &form).await;
    assert_eq!(location(&response), page);
}

#[tokio::test]
async fn payouts_follow_the_amount_rule_and_limits() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let cases = [
        ("payout-ok", 1_000_000u64, "success", "0"),
        ("payout-40000", 40_000, "decline", "20000"),
        ("payout-40400", 40_400, "decline", "20000"),
        ("payout-above", 1_000_000_100, "decline", "20101"),
    ];
    for (payment_id, amount, _, _) in cases {
        send_payout(&sandbox, TEST, payment_id, amount).await;
    }
    let callbacks = merchant.callbacks(cases.len()).await;
    for (payment_id, _, status, code) in cases {
        let callback = callbacks
            .iter()
            .find(|c| c.payment_id() == Some(payment_id))
            .expect("a callback per payout");
        assert_eq!(
            (status_of(callback), code_of(callback).as_str()),
            (status, code),
            "{payment_id}"
        );
    }
    let raw = merchant
        .received()
        .into_iter()
        .find(|r| r.body["payment"]["id"] == "payout-ok")
        .expect("the payout's callback");
    assert_eq!(raw.body["payment"]["type"], "payout");
    assert_eq!(raw.body["operation"]["type"], "payout");
    assert_eq!(raw.body["account"]["number"], "654654654");
    assert_eq!(raw.body["customer"]["id"], "payoutTest");
    assert_eq!(raw.body["operation"]["provider"]["endpoint_id"], "04");
    assert!(
        raw.body["operation"]["provider"]["payment_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("DK"))
    );
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(
        merchant.received().len(),
        cases.len(),
        "one callback per payout, no customer step"
    );

    let mut incomplete = signed(&payout(TEST, "payout-incomplete", 100_000));
    incomplete["account"]
        .as_object_mut()
        .expect("account")
        .remove("customer_name");
    let (status, answer) = gate(&client, &sandbox, DOKU_PAYOUT_PATH, &incomplete).await;
    assert_eq!(status, 400);
    assert_eq!(answer["message"], "account.customer_name is required");
}

#[tokio::test]
async fn the_status_endpoint_answers_signed_in_the_callback_format() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    send_sale(&sandbox, TEST, "gate-status", 700_000).await;
    let status_request = |payment_id: &str| StatusRequest {
        general: ecommpay::gate::General {
            project_id: TEST,
            payment_id: payment_id.into(),
            merchant_callback_url: None,
            signature: None,
        },
    };
    merchant.wait_for(1).await;
    let (status, answer) = gate(
        &client,
        &sandbox,
        STATUS_PATH,
        &signed(&status_request("gate-status")),
    )
    .await;
    assert_eq!(status, 200);
    let current = verify(&answer);
    assert_eq!(status_of(&current), "awaiting redirect result");
    assert!(
        current.redirect_data.is_some(),
        "the redirect can be recovered from the status"
    );

    let (status, answer) = gate(
        &client,
        &sandbox,
        STATUS_PATH,
        &signed(&status_request("nobody")),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(answer["code"], "1007");
    assert_eq!(
        answer["message"],
        "payment \"nobody\" not found in project 1"
    );

    let mut forged = signed(&status_request("gate-status"));
    forged["general"]["signature"] = json!("AAAA");
    let (status, answer) = gate(&client, &sandbox, STATUS_PATH, &forged).await;
    assert_eq!(status, 400);
    assert_eq!(answer["code"], "1004");

    // With the official client, once final.
    let intermediate = merchant.callbacks(1).await.remove(0);
    let doku_page = location(&follow_redirect_data(&client, &intermediate).await);
    location(&press(&client, &doku_page, "success").await);
    let gate_client = ecommpay::GateClient::new(
        &sandbox.base_url,
        ecommpay::Signer::new(SECRET),
        std::time::Duration::from_secs(2),
    )
    .expect("a client");
    let current = gate_client
        .status(TEST, "gate-status")
        .await
        .expect("a verified status");
    assert_eq!(status_of(&current), "success");
    assert_eq!(code_of(&current), "0");
    assert_eq!(current.redirect_data, None);
}
