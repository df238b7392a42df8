//! Time to interactive (cold loads of ours, on the hosted page and on a merchant's page,
//! Adyen's and a plain form, each in a fresh headless Chromium) and click to navigation (ours, against the local proxy).

use crate::pages::Pages;
use crate::stats::Series;
use doku_e2e::{Browser, MerchantSite, NetworkConditions, release_dist};
use doku_testkit::{Stack, StackOptions};
use serde_json::Value;
use std::time::{Duration, Instant};

/// How many cold loads of each page.
pub const LOADS: usize = 20;

/// Waits until `script` (an expression) is a number on the page; returns it.
async fn number(browser: &Browser, what: &str, script: &str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = browser
            .client
            .execute(&format!("return {script};"), vec![])
            .await
            .unwrap_or(Value::Null);
        if let Some(number) = value.as_f64() {
            return number;
        }
        assert!(Instant::now() < deadline, "{what} never became available");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The time after navigation start of the `nth` (0-based) mark called `name`, once the
/// page has set it.
fn mark(name: &str, nth: usize) -> String {
    format!("(performance.getEntriesByName('{name}')[{nth}] || {{}}).startTime")
}

/// A phone on a slow mobile network: the figures of Lighthouse's simulated "Slow 4G"
/// (150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up), applied as Chromium's network
/// emulation (Lighthouse's own emulation of it adds 562.5 ms a request instead).
pub const PHONE_NETWORK: NetworkConditions = NetworkConditions {
    latency_ms: 150,
    download_bytes_per_s: 1_600_000 / 8,
    upload_bytes_per_s: 750_000 / 8,
};

/// Navigation start to form interactive, `LOADS` cold loads of each page, on loopback
/// or, given `network`, with Chromium emulating it.
pub async fn time_to_interactive(
    root: &std::path::Path,
    network: Option<NetworkConditions>,
) -> Vec<Series> {
    let site = MerchantSite::start().await;
    let stack = site.stack().await;
    let pages = Pages::start(root).await;
    let order_id = stack.proxy.order(15_000_000).await;
    // The hosted page marks its own form usable; the widget marks the moment it has
    // taken the form over (a second entry of the same mark), measured in the same load.
    let widget_running = mark("doku:interactive", 1);
    let targets = [
        (
            "ours (DOKU checkout, the page's form)",
            stack.proxy.url(&format!("/pay/{order_id}")),
            mark("doku:interactive", 0),
        ),
        (
            "ours, the widget on a merchant's page (its one script tag)",
            site.checkout_url(&stack.proxy.url(""), &order_id),
            mark("doku:interactive", 0),
        ),
        (
            "ours, the same with the README's hints in its head",
            site.hinted_checkout_url(&stack.proxy.url(""), &order_id),
            mark("doku:interactive", 0),
        ),
        (
            "Adyen Web DOKU component",
            pages.url("/adyen/page.html"),
            mark("adyen:interactive", 0),
        ),
        (
            "plain HTML form (no script)",
            pages.url("/plain/index.html"),
            "(performance.getEntriesByType('navigation')[0] || {}).domInteractive || undefined"
                .to_string(),
        ),
    ];
    let mut results: Vec<Series> = targets
        .iter()
        .map(|(name, _, _)| Series::new(name))
        .collect();
    let mut taken_over = Series::new("ours, the widget running (taken over)");
    // Interleave the pages, so a slow moment of the machine hits all of them alike.
    for load in 0..LOADS {
        for (page, ((name, url, script), series)) in
            targets.iter().zip(results.iter_mut()).enumerate()
        {
            let browser = Browser::start(None).await;
            if let Some(network) = network {
                browser.emulate_network(network).await;
            }
            browser.client.goto(url).await.expect("the page loads");
            let ms = number(&browser, name, script).await;
            if let Some(network) = network {
                // The page itself took a round trip: else the emulation did not apply.
                assert!(
                    ms >= f64::from(network.latency_ms),
                    "{name}: {ms} ms on an emulated {} ms network",
                    network.latency_ms
                );
            }
            series.samples_ms.push(ms);
            if page == 0 {
                let running = number(&browser, "the widget", &widget_running).await;
                taken_over.samples_ms.push(running);
                eprintln!("tti the widget running, load {}: {running:.1} ms", load + 1);
            }
            browser.close().await;
            eprintln!("tti {name} load {}: {ms:.1} ms", load + 1);
        }
    }
    stack.stop().await;
    results.insert(1, taken_over);
    results
}

/// Pay click to the navigation start of the redirect, measured as the landing page's
/// time origin minus the click's wall-clock time (both from the browser's clock). The
/// proxy's Payment Page is the bench's static landing page, so nothing navigates on.
pub async fn click_to_navigation(root: &std::path::Path) -> Series {
    let pages = Pages::start(root).await;
    let stack = Stack::start(
        doku_testkit::sqlite(),
        StackOptions {
            dist: Some(release_dist()),
            proxy_flags: vec![format!("--payment-page-url={}", pages.url("/land"))],
            ..StackOptions::default()
        },
    )
    .await;
    let mut series = Series::new("pay click to redirect navigation start");
    for run in 0..LOADS {
        let order_id = stack.proxy.order(15_000_000).await;
        let browser = Browser::start(None).await;
        browser
            .client
            .goto(&stack.proxy.url(&format!("/pay/{order_id}")))
            .await
            .expect("the checkout loads");
        browser
            .in_widget("input[type=text]")
            .await
            .send_keys("Budi")
            .await
            .expect("type");
        browser
            .in_widget("input[type=email]")
            .await
            .send_keys("budi@example.com")
            .await
            .expect("type");
        browser
            .client
            .execute(
                "window.name = String(performance.timeOrigin + performance.now());
                 document.getElementById('doku-checkout').shadowRoot.querySelector('button.doku-pay').click();",
                vec![],
            )
            .await
            .expect("click Pay");
        browser
            .url_where("the landing page", |url| url.contains("/land"))
            .await;
        let ms = number(
            &browser,
            "the landing page",
            "performance.timeOrigin - Number(window.name)",
        )
        .await;
        series.samples_ms.push(ms);
        browser.close().await;
        eprintln!("click to navigation run {}: {ms:.1} ms", run + 1);
    }
    stack.stop().await;
    series
}
