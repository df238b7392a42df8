//! The customer's journey in headless Chromium: the release widget served by the proxy,
//! the sandbox as the platform and DOKU, everything on loopback.

// Test helpers may unwrap like the tests themselves: a panic is a failed test.
#![allow(clippy::unwrap_used)]

use doku_e2e::{Browser, MerchantSite, csp_violations, release_dist};
use doku_testkit::{Stack, StackOptions};
use fantoccini::Locator;
use serde_json::Value;

async fn stack(mode: &'static str) -> Stack {
    let options = StackOptions {
        mode,
        dist: Some(release_dist()),
        ..StackOptions::default()
    };
    Stack::start(doku_testkit::sqlite(), options).await
}

/// A Payment Page stack whose proxy serves no widget build: its hosted page has only
/// its own form.
async fn stack_without_widget() -> Stack {
    let options = StackOptions {
        mode: "payment-page",
        dist: None,
        ..StackOptions::default()
    };
    Stack::start(doku_testkit::sqlite(), options).await
}

/// The payments the proxy holds for `order_id`.
async fn payments_of(stack: &Stack, order_id: &str) -> Vec<Value> {
    let mut payments = stack.proxy.payments("").await;
    payments.retain(|p| p["order_id"] == order_id);
    payments
}

/// Ends a journey: closes the browser, checks that no page broke the
/// Content-Security-Policy (each violation is reported to the proxy) and stops the servers.
async fn finish(browser: Browser, stack: Stack) {
    browser.close().await;
    assert_eq!(
        csp_violations(&stack.proxy).await,
        0,
        "no Content-Security-Policy violation"
    );
    stack.stop().await;
}

/// Opens the hosted checkout (`/pay/{order_id}`) of a new order of `amount`; returns
/// the order id.
async fn open_checkout(stack: &Stack, browser: &Browser, amount: i64) -> String {
    let order_id = stack.proxy.order(amount).await;
    browser
        .client
        .goto(&stack.proxy.url(&format!("/pay/{order_id}")))
        .await
        .unwrap();
    order_id
}

/// Opens the hosted checkout of a new order of `amount` and pays it on DOKU with
/// `button`; returns the order id and the text of the result the widget shows.
async fn journey(stack: &Stack, browser: &Browser, amount: i64, button: &str) -> (String, String) {
    let order_id = open_checkout(stack, browser, amount).await;
    browser.pay("Budi", "budi@example.com").await;
    browser.press_on_doku(button).await;
    let back = browser
        .url_where("the shop again", |url| url.starts_with(&stack.proxy.base))
        .await;
    assert!(back.contains(&format!("/pay/{order_id}")), "{back}");
    let result = browser.result().await;
    (order_id, result)
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_page_success_and_decline() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;

    let (order_id, result) = journey(&stack, &browser, 15_000_000, "success").await;
    assert!(result.contains("Payment successful"), "{result}");
    assert!(
        result.contains("IDR 150,000 paid with DOKU Wallet."),
        "{result}"
    );
    let url = browser.client.current_url().await.unwrap();
    assert!(
        url.query().is_none(),
        "the payment_id is tidied away: {url}"
    );
    let payments = payments_of(&stack, &order_id).await;
    assert_eq!(
        (payments.len(), payments[0]["status"].as_str()),
        (1, Some("success"))
    );

    let (_, result) = journey(&stack, &browser, 40_000, "success").await;
    assert!(result.contains("Payment declined"), "{result}");
    assert!(result.contains("Code 20000"), "{result}");

    finish(browser, stack).await;
}

/// A merchant's site and its stack, and Chromium on the site's checkout page for a new
/// order, once the widget shows its form; `page` makes the page's URL from the site, the
/// proxy's base URL and the order.
async fn on_merchant_page(
    page: impl Fn(&MerchantSite, &str, &str) -> String,
) -> (MerchantSite, Stack, Browser, String) {
    let site = MerchantSite::start().await;
    let stack = site.stack().await;
    let browser = Browser::start(None).await;
    let order_id = stack.proxy.order(15_000_000).await;
    let url = page(&site, &stack.proxy.url(""), &order_id);
    browser.client.goto(&url).await.unwrap();
    browser.in_widget("button.doku-pay").await;
    (site, stack, browser, order_id)
}

/// The README's integration: the merchant's own page, on another origin than the proxy,
/// holds the widget's element and its script tag. The widget's files and the checkout API
/// answer that origin (it is in `--allowed-origins`), and DOKU sends the customer back
/// to the merchant's page, where the widget shows the result.
#[tokio::test(flavor = "multi_thread")]
async fn a_merchant_page_on_another_origin_embeds_the_widget_and_pays() {
    let (site, stack, browser, order_id) = on_merchant_page(MerchantSite::checkout_url).await;
    // doku-embed.js asks for the wasm, the stylesheet and the order before it imports the
    // glue, instead of the glue asking for the wasm once it has arrived itself, and so on;
    // the widget takes the preloaded order rather than asking again.
    let order = format!("/api/checkout/orders/{order_id}");
    let paths = ["/doku-checkout_bg.wasm", "/doku-checkout.css", &order];
    asked_for_once_by(&browser, &paths, "/doku-checkout.js").await;
    browser.pay("Budi", "budi@example.com").await;
    browser.press_on_doku("success").await;
    let back = browser
        .url_where("the merchant's page again", |url| {
            url.starts_with(site.origin())
        })
        .await;
    let result = browser.result().await;
    assert!(result.contains("Payment successful"), "{back}: {result}");
    let payments = payments_of(&stack, &order_id).await;
    assert_eq!(
        (payments.len(), payments[0]["status"].as_str()),
        (1, Some("success"))
    );
    finish(browser, stack).await;
}

/// Asserts that the page asked for each of `paths` once, no later than for `by`.
async fn asked_for_once_by(browser: &Browser, paths: &[&str], by: &str) {
    let limit = browser.requests(by).await[0];
    for path in paths {
        let starts = browser.requests(path).await;
        assert!(
            starts.len() == 1 && starts[0] <= limit,
            "{path}: asked for at {starts:?} ms, {by} at {limit} ms"
        );
    }
}

/// A merchant's page that styles the widget with its own stylesheet (`data-stylesheet`)
/// gets no preload of the widget's, which nothing would use.
#[tokio::test(flavor = "multi_thread")]
async fn a_merchant_stylesheet_replaces_the_widget_one_unfetched() {
    let (_site, stack, browser, _) = on_merchant_page(|site, proxy, order_id| {
        site.styled_checkout_url(proxy, order_id, &format!("{proxy}/hosted.css"))
    })
    .await;
    let fetched = (
        browser.requests("/doku-checkout.css").await.len(),
        browser.requests("/hosted.css").await.len(),
    );
    assert_eq!(fetched, (0, 1));
    finish(browser, stack).await;
}

/// A merchant's page with the README's hints in its head: the browser asks for the
/// widget's files and the order with the page, no later than for `doku-embed.js`, and
/// once each (the loader and the widget take the hinted responses).
#[tokio::test(flavor = "multi_thread")]
async fn a_merchant_page_with_the_readme_hints_asks_for_everything_with_the_page() {
    let (_site, stack, browser, order_id) =
        on_merchant_page(MerchantSite::hinted_checkout_url).await;
    let order = format!("/api/checkout/orders/{order_id}");
    let paths = [
        "/doku-checkout.js",
        "/doku-checkout_bg.wasm",
        "/doku-checkout.css",
        &order,
    ];
    asked_for_once_by(&browser, &paths, "/doku-embed.js").await;
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gate_post_redirect_success_and_decline() {
    let stack = stack("gate").await;
    let browser = Browser::start(None).await;

    let (order_id, result) = journey(&stack, &browser, 15_000_000, "success").await;
    assert!(result.contains("Payment successful"), "{result}");
    let payments = payments_of(&stack, &order_id).await;
    let payment_id = payments[0]["payment_id"].as_str().unwrap();
    let platform = stack
        .sandbox
        .sandbox
        .payment(doku_testkit::PROJECT_ID, payment_id)
        .unwrap();
    assert_eq!(
        platform.interface, "gate",
        "paid through Gate's POST redirect"
    );

    let (_, result) = journey(&stack, &browser, 15_000_000, "decline").await;
    assert!(result.contains("Payment declined"), "{result}");
    assert!(
        result.contains("cancelled on the DOKU Wallet page"),
        "{result}"
    );

    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_double_click_makes_one_payment() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;
    let order_id = open_checkout(&stack, &browser, 15_000_000).await;
    browser
        .in_widget("input[type=text]")
        .await
        .send_keys("Budi")
        .await
        .unwrap();
    browser
        .in_widget("input[type=email]")
        .await
        .send_keys("budi@example.com")
        .await
        .unwrap();
    // Three presses in the same task: a double click and an Enter.
    browser
        .client
        .execute(
            "const root = document.getElementById('doku-checkout').shadowRoot;
             const button = root.querySelector('button.doku-pay');
             button.click(); button.click(); root.querySelector('form').requestSubmit();",
            vec![],
        )
        .await
        .unwrap();
    browser.press_on_doku("success").await;
    assert!(browser.result().await.contains("Payment successful"));
    assert_eq!(payments_of(&stack, &order_id).await.len(), 1);
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_status_in_the_return_url_shows_the_real_one() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;
    let (order_id, result) = journey(&stack, &browser, 40_400, "success").await;
    assert!(result.contains("Payment declined"), "{result}");
    let payment_id = payments_of(&stack, &order_id).await[0]["payment_id"]
        .as_str()
        .unwrap()
        .to_string();

    let forged = stack.proxy.url(&format!(
        "/pay/{order_id}?payment_id={payment_id}&status=success&code=0"
    ));
    browser.client.goto(&forged).await.unwrap();
    let result = browser.result().await;
    assert!(
        result.contains("Payment declined"),
        "the proxy decides, not the URL: {result}"
    );
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_that_lost_its_query_still_finds_the_payment() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;
    let order_id = stack.proxy.order(15_000_000).await;
    let checkout = stack.proxy.url(&format!("/pay/{order_id}"));
    browser.client.goto(&checkout).await.unwrap();
    browser.pay("Budi", "budi@example.com").await;
    browser
        .url_where("the DOKU page", |url| url.contains("/doku/"))
        .await;
    // Pay on DOKU without following its redirect, then come back without a query.
    browser
        .client
        .execute(
            "await fetch(location.href, {method: 'POST', body: new URLSearchParams({action: 'success'}), redirect: 'manual'});",
            vec![],
        )
        .await
        .unwrap();
    browser.client.goto(&checkout).await.unwrap();
    let result = browser.result().await;
    assert!(
        result.contains("Payment successful"),
        "found through the pending record: {result}"
    );
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn safari_is_warned_and_chromium_is_not() {
    let stack = stack("payment-page").await;
    let order_id = stack.proxy.order(15_000_000).await;
    let checkout = stack.proxy.url(&format!("/pay/{order_id}"));
    let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

    let browser = Browser::start(Some(safari)).await;
    browser.client.goto(&checkout).await.unwrap();
    let warning = browser
        .in_widget(".doku-warning:not([hidden])")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        warning.contains("Safari may not open the DOKU Wallet page"),
        "{warning}"
    );
    browser.close().await;

    let browser = Browser::start(None).await;
    browser.client.goto(&checkout).await.unwrap();
    browser.in_widget("form.doku-form:not([hidden])").await;
    let root = browser.widget().await;
    assert!(
        root.find(Locator::Css(".doku-warning:not([hidden])"))
            .await
            .is_err()
    );
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_policy_holds_and_its_violations_are_reported() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;
    open_checkout(&stack, &browser, 15_000_000).await;
    browser.in_widget("form.doku-form:not([hidden])").await;
    assert_eq!(
        csp_violations(&stack.proxy).await,
        0,
        "the checkout itself breaks nothing"
    );
    // Something the policy forbids (a foreign image, an inline script): refused, reported.
    browser
        .client
        .execute(
            "const img = document.createElement('img'); img.src = 'https://evil.example/pixel.png'; document.body.append(img);
             const script = document.createElement('script'); script.textContent = 'window.pwned = 1'; document.body.append(script);",
            vec![],
        )
        .await
        .unwrap();
    doku_testkit::eventually(
        "both violations reported",
        std::time::Duration::from_secs(10),
        || async {
            match csp_violations(&stack.proxy).await {
                2.. => Ok(()),
                n => Err(format!("{n} reported")),
            }
        },
    )
    .await;
    let pwned = browser
        .client
        .execute("return window.pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, Value::Bool(true), "the inline script did not run");
    assert_eq!(
        csp_violations(&stack.proxy).await,
        2,
        "one report each for the image and the script, nothing else"
    );
    browser.close().await;
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_widget_is_served_compressed_to_browsers_that_accept_it() {
    let stack = stack("payment-page").await;
    let dist = release_dist();
    let assets = [
        ("doku-checkout_bg.wasm", "application/wasm"),
        ("doku-checkout.js", "text/javascript"),
        ("doku-embed.js", "text/javascript"),
        ("doku-checkout.css", "text/css"),
    ];
    let http = reqwest::Client::new();
    for (file, content_type) in assets {
        for (accepted, suffix, encoding) in [
            (None, "", None),
            (Some("gzip"), ".gz", Some("gzip")),
            (Some("br"), ".br", Some("br")),
            (Some("gzip, deflate, br, zstd"), ".br", Some("br")),
        ] {
            let mut request = http.get(stack.proxy.url(&format!("/{file}")));
            if let Some(accepted) = accepted {
                request = request.header("Accept-Encoding", accepted);
            }
            let response = request.send().await.unwrap();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let what = format!("{file} for Accept-Encoding {accepted:?}");
            assert_eq!(header("content-encoding").as_deref(), encoding, "{what}");
            assert!(
                header("content-type").is_some_and(|t| t.starts_with(content_type)),
                "{what}: {:?}",
                header("content-type")
            );
            assert_eq!(header("vary").as_deref(), Some("accept-encoding"), "{what}");
            let expected = std::fs::read(dist.join(format!("{file}{suffix}"))).unwrap();
            assert!(
                response.bytes().await.unwrap() == expected,
                "{what}: the build's file"
            );
        }
    }

    // Chromium takes the brotli copies and the widget runs from them.
    let browser = Browser::start(None).await;
    open_checkout(&stack, &browser, 15_000_000).await;
    browser.in_widget("input[type=email]").await;
    for (file, _) in assets {
        let sizes = browser
            .client
            .execute(
                "const e = performance.getEntriesByType('resource')
                    .find(e => new URL(e.name).pathname === '/' + arguments[0]);
                 return e ? [e.encodedBodySize, e.decodedBodySize] : null;",
                vec![Value::from(file)],
            )
            .await
            .unwrap();
        let size = |path: std::path::PathBuf| std::fs::metadata(path).unwrap().len();
        let expected = [size(dist.join(format!("{file}.br"))), size(dist.join(file))];
        assert_eq!(
            sizes,
            serde_json::json!(expected),
            "{file}: encoded, decoded"
        );
    }
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hosted_page_hands_over_the_order_and_fetches_the_widget_files_once() {
    let stack = stack("payment-page").await;
    let browser = Browser::start(None).await;
    open_checkout(&stack, &browser, 15_000_000).await;
    browser.in_widget("button.doku-pay").await;
    let seen = browser
        .client
        .execute(
            "const root = document.getElementById('doku-checkout').shadowRoot;
             const pay = getComputedStyle(root.querySelector('button.doku-pay')).backgroundColor;
             const page = [...document.styleSheets].map(s => s.href ? new URL(s.href).pathname : 'inline');
             return [pay, page];",
            vec![],
        )
        .await
        .unwrap();
    let mut fetched = Vec::new();
    for path in [
        "/doku-checkout.css",
        "/doku-checkout_bg.wasm",
        "/doku-checkout.js",
    ] {
        fetched.push(browser.requests(path).await.len());
    }
    assert_eq!(
        (fetched, seen),
        (
            vec![1, 1, 1],
            serde_json::json!(["rgb(200, 16, 46)", ["inline"]])
        ),
        "one fetch each (the page's preloads) serves the shadow root's link, the wasm and the \
         glue; the page's own style is inline"
    );
    let orders_asked = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')
                .filter(e => new URL(e.name).pathname.startsWith('/api/checkout/orders')).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(orders_asked, 0, "the page hands the widget its order");
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_form_pays_when_the_widget_never_loads() {
    // No widget build to serve: the hosted page's own form is all the customer has.
    let stack = stack_without_widget().await;
    let browser = Browser::start(None).await;
    let order_id = open_checkout(&stack, &browser, 15_000_000).await;
    let find = |css: &'static str| browser.client.find(Locator::Css(css));
    find("#doku-name")
        .await
        .unwrap()
        .send_keys("Budi")
        .await
        .unwrap();
    find("#doku-email")
        .await
        .unwrap()
        .send_keys("budi@example.com")
        .await
        .unwrap();
    find("button.doku-pay")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The page sends the customer on to DOKU by itself.
    browser.press_on_doku("success").await;
    let back = browser
        .url_where("the shop again", |url| url.starts_with(&stack.proxy.base))
        .await;
    assert!(
        back.contains(&format!("/pay/{order_id}?payment_id=pay_")),
        "{back}"
    );
    // The result, or until the platform has told the proxy, the button to check again.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let result = loop {
        let card = find(".doku-result").await.unwrap();
        let text = card.text().await.unwrap();
        if text.contains("Payment successful") {
            break text;
        }
        assert!(text.contains("Checking your payment"), "{text}");
        assert!(
            std::time::Instant::now() < deadline,
            "never confirmed: {text}"
        );
        find(".doku-result button")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    };
    assert!(
        result.contains("IDR 150,000 paid with DOKU Wallet."),
        "{result}"
    );
    assert_eq!(payments_of(&stack, &order_id).await[0]["status"], "success");
    finish(browser, stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_widget_takes_over_the_page_form_without_a_visible_change() {
    // The page as the proxy renders it (no widget build served), and the same page
    // once the widget has taken over its form.
    let bare = stack_without_widget().await;
    let full = stack("payment-page").await;
    let browser = Browser::start(None).await;

    open_checkout(&bare, &browser, 15_000_000).await;
    browser
        .client
        .find(Locator::Css("#doku-checkout button.doku-pay"))
        .await
        .unwrap();
    let rendered = browser.client.screenshot().await.unwrap();

    open_checkout(&full, &browser, 15_000_000).await;
    browser.in_widget("button.doku-pay").await;
    // Once the widget's stylesheet applies in its shadow root.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let color = browser
            .client
            .execute(
                "const root = document.getElementById('doku-checkout').shadowRoot;
                 return getComputedStyle(root.querySelector('button.doku-pay')).backgroundColor;",
                vec![],
            )
            .await
            .unwrap();
        if color == "rgb(200, 16, 46)" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "unstyled: {color}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let taken_over = browser.client.screenshot().await.unwrap();
    if rendered != taken_over {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
        std::fs::write(dir.join("page-form.png"), &rendered).unwrap();
        std::fs::write(dir.join("widget-form.png"), &taken_over).unwrap();
        panic!(
            "the page changes when the widget takes over: see {}",
            dir.display()
        );
    }
    browser.close().await;
    for stack in [&bare, &full] {
        assert_eq!(csp_violations(&stack.proxy).await, 0, "no CSP violation");
    }
    bare.stop().await;
    full.stop().await;
}
