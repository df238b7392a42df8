//! Hostile input against every endpoint of the proxy: malformed and truncated JSON,
//! wrong types, huge and negative numbers, fractional rupiah, over-limit amounts, NUL and
//! control characters, zero-width and right-to-left characters, emoji, 10,000-level
//! nesting, bodies far over the limit, wrong content types, header injection. Every case
//! must get a 4xx problem document naming the field, never a 5xx or a hang, and must
//! store nothing.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit::{API_KEY, TestProxy};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One hostile request.
#[derive(Debug, Clone)]
struct Case {
    what: String,
    method: reqwest::Method,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    merchant: bool,
}

impl Case {
    fn json(what: impl Into<String>, path: &str, body: Vec<u8>, merchant: bool) -> Case {
        Case {
            what: what.into(),
            method: reqwest::Method::POST,
            path: path.into(),
            content_type: Some("application/json"),
            body,
            headers: if path == "/api/checkout/sessions" {
                vec![("Idempotency-Key".into(), b"hostile-key-0001".to_vec())]
            } else {
                Vec::new()
            },
            merchant,
        }
    }

    fn get(what: impl Into<String>, path: String, merchant: bool) -> Case {
        Case {
            what: what.into(),
            method: reqwest::Method::GET,
            path,
            content_type: None,
            body: Vec::new(),
            headers: Vec::new(),
            merchant,
        }
    }
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Sets `path` (dot-separated) in `body` to the raw JSON text `value`.
fn with_field(body: &Value, path: &str, value: &str) -> Vec<u8> {
    // Splice the raw text in place of a marker, so invalid JSON-ish values (deep nesting,
    // huge numbers) go through unchanged.
    let mut body = body.clone();
    let mut target = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        target = &mut target[*part];
    }
    target[parts[parts.len() - 1]] = json!("@@VALUE@@");
    body.to_string()
        .replace("\"@@VALUE@@\"", value)
        .into_bytes()
}

/// Hostile JSON values every field gets, besides its own (none of them is a valid
/// value of any field: `null` and markup, which some fields accept, are given per field).
fn common_values() -> Vec<String> {
    let long = format!("\"{}\"", "x".repeat(10_000));
    [
        "true",
        "[]",
        "{}",
        "\"\\u0000\"",
        "\"\\u0007bell\"",
        "\"\\u200bzero\\u200bwidth\"",
        "\"\\u202eevil\"",
        "\"a\\r\\nSet-Cookie: x=y\"",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([long, nested(10_000)])
    .collect()
}

fn numbers() -> Vec<String> {
    [
        "1.5",
        "-1",
        "0",
        "-9223372036854775808",
        "1e308",
        "99999999999999999999999",
        "\"15000000\"",
        "15000050",
        "NaN",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Cases for a JSON endpoint: truncations, wrong roots, per-field hostile values,
/// unknown fields, nesting, oversized bodies and wrong content types.
fn json_cases(
    path: &str,
    valid: &Value,
    fields: &[(&str, Vec<String>)],
    merchant: bool,
) -> Vec<Case> {
    let mut cases = Vec::new();
    let text = valid.to_string();
    for cut in 0..text.len() {
        cases.push(Case::json(
            format!("{path} truncated at {cut}"),
            path,
            text.as_bytes()[..cut].to_vec(),
            merchant,
        ));
    }
    for root in [
        "[]",
        "\"text\"",
        "1",
        "null",
        "{\"a\":1}",
        "\u{feff}{}",
        "{} {}",
        "{\"x\":1,}",
    ] {
        cases.push(Case::json(
            format!("{path} root {root}"),
            path,
            root.as_bytes().to_vec(),
            merchant,
        ));
    }
    cases.push(Case::json(
        format!("{path} nested at the root"),
        path,
        nested(10_000).into_bytes(),
        merchant,
    ));
    for (field, own) in fields {
        for value in common_values().iter().chain(own) {
            let shown: String = value.chars().take(40).collect();
            cases.push(Case::json(
                format!("{path} {field}={shown}"),
                path,
                with_field(valid, field, value),
                merchant,
            ));
        }
    }
    let mut extra = valid.clone();
    extra["status"] = json!("success");
    cases.push(Case::json(
        format!("{path} unknown field"),
        path,
        extra.to_string().into_bytes(),
        merchant,
    ));
    for size in [20_000, 2_000_000] {
        let mut big = valid.clone();
        big["padding"] = json!("x".repeat(size));
        cases.push(Case::json(
            format!("{path} body of {size} bytes"),
            path,
            big.to_string().into_bytes(),
            merchant,
        ));
    }
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let mut case = Case::json(
            format!("{path} content type {content_type:?}"),
            path,
            text.clone().into_bytes(),
            merchant,
        );
        case.content_type = content_type;
        cases.push(case);
    }
    cases
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn all_cases(order_id: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let order = json!({"amount": 15_000_000, "currency": "IDR", "description": "Kopi", "customer_id": "c-1"});
    let mut amounts = numbers();
    amounts.push("null".into());
    let mut payout_amounts = amounts.clone();
    payout_amounts.push("1000000100".into());
    amounts.push("200000100".into());
    cases.extend(json_cases(
        "/api/orders",
        &order,
        &[
            ("amount", amounts.clone()),
            (
                "currency",
                strings(&[
                    "null",
                    "\"\"",
                    "1",
                    "\"idr\"",
                    "\"RUPIAH\"",
                    "\"I\\u200bDR\"",
                    "\"<b>\"",
                ]),
            ),
            (
                "description",
                strings(&[
                    "null",
                    "\"\"",
                    "1",
                    "\"   \"",
                    "\"a;b\"",
                    &format!("\"{}\"", "y".repeat(256)),
                ]),
            ),
            (
                "customer_id",
                strings(&["\"\"", "1", "\"a b\"", "\"a;b\"", "\"ä\""]),
            ),
        ],
        true,
    ));
    let session = json!({"order_id": order_id, "customer": {"first_name": "Budi", "email": "budi@example.com"}, "locale": "id"});
    cases.extend(json_cases(
        "/api/checkout/sessions",
        &session,
        &[
            (
                "order_id",
                strings(&[
                    "null",
                    "\"\"",
                    "1",
                    "\"ord_doesnotexist\"",
                    "\"../../etc/passwd\"",
                ]),
            ),
            (
                "customer.first_name",
                strings(&[
                    "null",
                    "\"\"",
                    "1",
                    "\"Budi1\"",
                    "\"😀\"",
                    "\"<script>alert(1)</script>\"",
                    &format!("\"{}\"", "n".repeat(51)),
                ]),
            ),
            (
                "customer.email",
                strings(&[
                    "null",
                    "\"\"",
                    "1",
                    "\"a@\"",
                    "\"a@b\"",
                    "\"a b@c.com\"",
                    "\"a@b.com\\r\\nBcc: c@d.com\"",
                    "\"ä@b.com\"",
                    "\"<a@b.com>\"",
                ]),
            ),
            ("locale", strings(&["1", "\"\"", "\"fr\"", "\"<b>\""])),
            (
                "return_url",
                strings(&[
                    "1",
                    "\"javascript:alert(1)\"",
                    "\"https://evil.example/\"",
                    "\"http://127.0.0.1/\\r\\nLocation: x\"",
                ]),
            ),
        ],
        false,
    ));
    let payout = json!({"amount": 5_000_000, "currency": "IDR", "payout_id": "po-1",
                        "account": {"number": "654654654", "customer_name": "John Doe"},
                        "customer": {"id": "c-1", "ip_address": "192.0.2.10"}});
    cases.extend(json_cases(
        "/api/payouts",
        &payout,
        &[
            ("amount", payout_amounts),
            ("currency", strings(&["null", "\"USD\"", "1"])),
            (
                "payout_id",
                strings(&["\"\"", "\"a b\"", "1", &format!("\"{}\"", "p".repeat(65))]),
            ),
            (
                "account.number",
                strings(&[
                    "null",
                    "\"\"",
                    "\"65x\"",
                    "\"1\"",
                    "1",
                    &format!("\"{}\"", "1".repeat(33)),
                ]),
            ),
            (
                "account.customer_name",
                strings(&["null", "\"\"", "\"<b>\"", "1"]),
            ),
            ("customer.id", strings(&["null", "\"\"", "\"a b\"", "1"])),
            (
                "customer.ip_address",
                strings(&["\"\"", "\"999.1.1.1\"", "\"localhost\"", "1"]),
            ),
        ],
        true,
    ));
    // Idempotency keys that are not keys.
    for key in [
        &b""[..],
        b"short",
        &[b'k'; 200],
        b"bad key!",
        "ключ-ключ-ключ".as_bytes(),
        b"tab\there-key",
    ] {
        let mut case = Case::json(
            format!("idempotency key {:?}", String::from_utf8_lossy(key)),
            "/api/checkout/sessions",
            session.to_string().into_bytes(),
            false,
        );
        case.headers = vec![("Idempotency-Key".into(), key.to_vec())];
        cases.push(case);
    }
    // Path parameters.
    for id in [
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "%FF%FE",
        "ord_%3Cscript%3E",
        "pay_%0D%0ASet-Cookie:x",
        &"a".repeat(5_000),
        "%E2%80%AE",
    ] {
        cases.push(Case::get(
            format!("order id {id:.40}"),
            format!("/api/checkout/orders/{id}"),
            false,
        ));
        cases.push(Case::get(
            format!("payment id {id:.40}"),
            format!("/api/checkout/sessions/{id}"),
            false,
        ));
    }
    // Report filters.
    for query in [
        "status=%3Cscript%3E",
        "type=refund",
        "from=yesterday",
        "to=2026-13-45",
        "limit=-1",
        "limit=0",
        "limit=99999999999999999999",
        "offset=-5",
        "unknown=1",
        "status=success&status=decline",
        "from=%00",
    ] {
        cases.push(Case::get(
            format!("payments ?{query}"),
            format!("/api/payments?{query}"),
            true,
        ));
        cases.push(Case::get(
            format!("payments.csv ?{query}"),
            format!("/api/payments.csv?{query}"),
            true,
        ));
    }
    // Callbacks: not the platform.
    let callback = json!({"project_id": 77, "payment": {"id": "pay_x", "status": "success"}, "signature": "AAAA"});
    for (what, body) in [
        ("forged signature", callback.to_string()),
        (
            "no signature",
            json!({"payment": {"id": "pay_x", "status": "success"}}).to_string(),
        ),
        (
            "numeric signature",
            json!({"payment": {"id": "pay_x"}, "signature": 5}).to_string(),
        ),
        ("not an object", "[1,2,3]".into()),
        ("nested", nested(10_000)),
        ("truncated", callback.to_string()[..20].to_string()),
        ("empty", String::new()),
        (
            "over the limit",
            format!("{{\"x\":\"{}\"}}", "x".repeat(300_000)),
        ),
    ] {
        cases.push(Case::json(
            format!("callback {what}"),
            "/callbacks/ecommpay",
            body.into_bytes(),
            false,
        ));
    }
    // Content-Security-Policy reports (browsers post `application/csp-report`).
    for (what, body) in [
        ("malformed", "{\"csp-report\":".to_string()),
        ("not a report", "{\"report\":{}}".into()),
        ("report not an object", "{\"csp-report\":\"x\"}".into()),
        ("nested", nested(10_000)),
        ("empty", String::new()),
        // Over the reports' own limit (4 KiB), under the one of other bodies (16 KiB).
        (
            "over the limit",
            format!("{{\"csp-report\":{{\"x\":\"{}\"}}}}", "x".repeat(5_000)),
        ),
    ] {
        let mut case = Case::json(
            format!("csp report {what}"),
            "/csp-reports",
            body.into_bytes(),
            false,
        );
        case.content_type = Some("application/csp-report");
        cases.push(case);
    }
    // The merchant API without (valid) credentials.
    let mut anonymous = Case::json(
        "orders without a key",
        "/api/orders",
        order.to_string().into_bytes(),
        false,
    );
    anonymous.headers = vec![("Authorization".into(), b"Bearer not-the-key".to_vec())];
    cases.push(anonymous);
    cases.push(Case::get(
        "payments without a key",
        "/api/payments".into(),
        false,
    ));
    cases
}

/// Sends a request whose header carries CR/LF (which HTTP clients refuse to build), over
/// a plain socket; returns the status code.
async fn raw_request(base: &str, request: &str) -> u16 {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..read]);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// Rows in every table the proxy writes, read straight from its database.
async fn stored(proxy: &TestProxy) -> Vec<(&'static str, i64)> {
    let pool = sqlx::AnyPool::connect(&proxy.db.url).await.unwrap();
    let mut counts = Vec::new();
    for table in ["orders", "payments", "callbacks"] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        counts.push((table, count));
    }
    pool.close().await;
    counts
}

#[tokio::test]
async fn every_hostile_request_is_a_4xx_problem_naming_the_field_and_stores_nothing() {
    let proxy = TestProxy::start(doku_testkit::sqlite(), &[]).await;
    let order_id = proxy.order(15_000_000).await;
    let before = stored(&proxy).await;
    assert_eq!(before[0], ("orders", 1), "the order the cases aim at");
    let cases = all_cases(&order_id);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let mut request = client
            .request(case.method.clone(), proxy.url(&case.path))
            .body(case.body.clone());
        if let Some(content_type) = case.content_type {
            request = request.header("content-type", content_type);
        }
        if case.merchant {
            request = request.bearer_auth(API_KEY);
        }
        for (name, value) in &case.headers {
            request = request.header(
                name.as_str(),
                reqwest::header::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                failures.push(format!("{}: no answer ({error})", case.what));
                continue;
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body: Value = serde_json::from_slice(&response.bytes().await.unwrap_or_default())
            .unwrap_or(Value::Null);
        let field = body["field"].as_str().unwrap_or("");
        if !(400..500).contains(&status)
            || content_type != "application/problem+json"
            || field.is_empty()
            || body["code"].as_str().is_none()
        {
            failures.push(format!("{}: {status} {content_type} {body}", case.what));
        }
    }
    // Header injection over a raw socket: refused before reaching any handler, or a 4xx.
    let session = json!({"order_id": order_id, "customer": {"first_name": "Budi", "email": "budi@example.com"}}).to_string();
    let injections = [
        format!(
            "POST /api/checkout/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: abcdefgh\rSet-Cookie: x=y\r\nContent-Length: {}\r\n\r\n{session}",
            session.len()
        ),
        "GET /api/checkout/orders/ord_x%0D%0ALocation:%20evil HTTP/1.1\r\nHost: x\r\n\r\n"
            .to_string(),
        "GET /api/checkout/orders/ord_x\r\nLocation: evil HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
    ];
    for request in &injections {
        let status = raw_request(&proxy.base, request).await;
        if !(400..500).contains(&status) {
            failures.push(format!("header injection {request:?}: {status}"));
        }
    }
    let tried = cases.len() + injections.len();
    println!(
        "hostile input: {tried} cases tried, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(stored(&proxy).await, before, "nothing stored");
    proxy.stop().await;
}
