//! The release build, served by the proxy, renders the checkout in headless Chromium.

use doku_e2e::{Chromedriver, Proxy, release_dist};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn release_widget_renders_its_form() {
    let proxy = Proxy::start(release_dist(), &[]).await;
    let driver = Chromedriver::start();
    let browser = driver.browser().await;

    browser.goto(&proxy.url("/")).await.unwrap();
    let form = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#doku-checkout form.doku-form"))
        .await
        .expect("the widget renders its form");
    for selector in [
        "input[type=text]",
        "input[type=email]",
        "button[type=submit]",
    ] {
        form.find(Locator::Css(selector))
            .await
            .unwrap_or_else(|_| panic!("{selector} rendered"));
    }
    let button = form
        .find(Locator::Css("button[type=submit]"))
        .await
        .unwrap();
    assert_eq!(button.text().await.unwrap(), "Pay with DOKU Wallet");

    browser.close().await.unwrap();
}
