//! Starting and stopping: the library's `stop`, and the `ecommpay-sandbox` binary with
//! its configuration banner (secrets masked) and graceful shutdown on SIGTERM.

use crate::support::*;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn a_spawned_sandbox_stops_and_frees_its_port() {
    let merchant = Merchant::start(0).await;
    let sandbox = start(&merchant).await;
    let client = client();
    let index = sandbox.url("/");
    let (status, html) = get(&client, &index).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Project 1 · Warung &lt;Test&gt; &amp; Co · test"),
        "{html}"
    );
    sandbox.stop().await.expect("a clean stop");
    assert!(
        client.get(&index).send().await.is_err(),
        "nothing listens any more"
    );
}

#[tokio::test]
async fn the_binary_prints_its_configuration_serves_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("ecommpay-sandbox-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let config = dir.join("sandbox.toml");
    std::fs::write(
        &config,
        "[[projects]]\nid = 42\nname = \"Toko CLI\"\nsecret_key = \"cli-secret-value\"\ntest = true\n",
    )
    .expect("a config file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecommpay-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut banner = String::new();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("the banner in time")
            .expect("readable stdout")
            .expect("a line before exit");
        if let Some(url) = line.strip_prefix("ecommpay-sandbox listening: open ") {
            break url.to_string();
        }
        banner.push_str(&line);
        banner.push('\n');
    };
    assert!(
        banner.contains("project 42") && banner.contains("Toko CLI"),
        "{banner}"
    );
    assert!(banner.contains("secret ********"), "{banner}");
    assert!(!banner.contains("cli-secret-value"), "{banner}");
    let (status, html) = get(&client(), &url).await;
    assert_eq!(status, 200);
    assert!(html.contains("Toko CLI"));

    let pid = child.id().expect("a running child").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(killed.success());
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("it stops in time")
        .expect("an exit status");
    assert!(exit.success(), "{exit:?}");
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[tokio::test]
async fn the_binary_refuses_a_bad_configuration_naming_the_key() {
    let output = Command::new(env!("CARGO_BIN_EXE_ecommpay-sandbox"))
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .await
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("configuration key listen"), "{message}");
}
