//! `doku-proxy link`, `payout` and `payments` against a running proxy (and the sandbox),
//! and the demo shop.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_testkit as support;

use std::process::Output;
use support::{API_KEY, Stack, StackOptions};

/// Runs the binary with the merchant key in the environment (never a flag).
async fn run(proxy_url: &str, args: &[&str]) -> Output {
    run_with_key(proxy_url, Some(API_KEY), args).await
}

/// Runs the binary with `key` (or none at all) as the merchant key.
async fn run_with_key(proxy_url: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_doku-proxy"));
    command
        .args(args)
        .env("DOKU_PROXY_URL", proxy_url)
        .env_remove("DOKU_API_KEY")
        .env_remove("DOKU_API_KEY_FILE");
    if let Some(key) = key {
        command.env("DOKU_API_KEY", key);
    }
    command.output().await.unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn links_payouts_and_reports_from_the_command_line() {
    let stack = Stack::start(support::sqlite(), StackOptions::default()).await;
    let base = stack.proxy.base.clone();

    let output = run(
        &base,
        &[
            "link",
            "--amount",
            "150000",
            "--description",
            "Kopi Toraja, 250 g",
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = stdout(&output);
    let link = text.lines().next().unwrap();
    assert!(link.starts_with(&format!("{base}/pay/ord_")), "{text}");
    let page = stack.proxy.http.get(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Kopi Toraja, 250 g"));

    let output = run(
        &base,
        &["link", "--amount", "150000.5", "--description", "x"],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(2),
        "fractional rupiah refused by the proxy"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("whole number of rupiah"));

    let output = run(
        &base,
        &[
            "payout",
            "--amount",
            "50000",
            "--account-number",
            "654654654",
            "--customer-name",
            "John Doe",
            "--customer-id",
            "c-1",
            "--payout-id",
            "cli-po-1",
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let payout: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (payout["status"].as_str(), payout["amount"].as_u64()),
        (Some("pending"), Some(5_000_000))
    );

    let output = run(&base, &["payments", "--csv", "--type", "payout"]).await;
    assert!(output.status.success());
    let csv = stdout(&output);
    assert!(csv.starts_with("payment_id,type,"), "{csv}");
    assert!(
        csv.contains(&format!(
            "{},payout,,cli-po-1,",
            payout["payment_id"].as_str().unwrap()
        )),
        "{csv}"
    );

    let keyless = run_with_key(&base, None, &["payments"]).await;
    assert_eq!(keyless.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&keyless.stderr).contains("DOKU_API_KEY"));
    // A wrong key reaches the proxy, which refuses it.
    let refused = run_with_key(&base, Some("not-the-key"), &["payments"]).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success() && stderr.contains("401"),
        "{:?}: {stderr}",
        refused.status
    );
    stack.stop().await;
}

#[tokio::test]
async fn the_demo_shop_creates_orders_server_side() {
    let options = StackOptions {
        proxy_flags: vec!["--demo".into()],
        ..StackOptions::default()
    };
    let stack = Stack::start(support::sqlite(), options).await;
    let proxy = &stack.proxy;
    let shop = proxy
        .http
        .get(proxy.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for product in ["buy-kopi", "buy-decline-400", "buy-decline-404"] {
        assert!(shop.contains(&format!("id=\"{product}\"")), "{shop}");
    }
    assert!(!shop.contains("doku-"), "the shop holds no widget: {shop}");
    let bought = proxy
        .http
        .post(proxy.url("/demo/orders"))
        .form(&[("product", "decline-400")])
        .send()
        .await
        .unwrap();
    let checkout = support::location(&bought);
    let order_id = checkout.strip_prefix("/pay/").unwrap();
    let (_, order) = support::read(
        proxy
            .http
            .get(proxy.url(&format!("/api/checkout/orders/{order_id}")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (order["amount"].as_u64(), order["currency"].as_str()),
        (Some(40_000), Some("IDR"))
    );
    let unknown = proxy
        .http
        .post(proxy.url("/demo/orders"))
        .form(&[("product", "caviar")])
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
    stack.stop().await;

    // Off unless configured.
    let plain = support::TestProxy::start(support::sqlite(), &[]).await;
    assert_eq!(
        plain
            .http
            .post(plain.url("/demo/orders"))
            .form(&[("product", "kopi")])
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
    plain.stop().await;
}
