//! `doku-proxy sign` and `verify-callback` on the platform's published vectors.

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn vectors() -> Vec<Value> {
    let text = include_str!("../../ecommpay/tests/data/signature-vectors.json");
    let all: Value = serde_json::from_str(text).expect("vectors are JSON");
    all["cases"].as_array().expect("a list of cases").clone()
}

/// Runs `doku-proxy <args>` with `stdin`, the secret in the environment (or not).
fn run(args: &[&str], secret: Option<&str>, stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_doku-proxy"));
    command
        .args(args)
        .env_remove("ECOMMPAY_SECRET_KEY")
        .env_remove("ECOMMPAY_SECRET_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(secret) = secret {
        command.env("ECOMMPAY_SECRET_KEY", secret);
    }
    let mut child = command.spawn().expect("doku-proxy starts");
    child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("doku-proxy ends")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn sign_prints_each_published_signature_and_explains_it() {
    let mut checked = 0;
    for case in vectors().iter().filter(|c| c["kind"] == "sign") {
        let secret = case["secret"].as_str().unwrap();
        let params = case["params"].to_string();
        let output = run(&["sign"], Some(secret), &params);
        assert!(
            output.status.success(),
            "{}: {}",
            case["name"],
            stderr(&output)
        );
        assert_eq!(stdout(&output).trim(), case["signature"].as_str().unwrap());

        let output = run(&["sign", "--explain"], Some(secret), &params);
        let expected = format!(
            "string to sign: {}\nsignature: {}\n",
            case["string_to_sign"].as_str().unwrap(),
            case["signature"].as_str().unwrap()
        );
        assert_eq!(stdout(&output), expected);
        checked += 1;
    }
    assert!(checked > 10, "only {checked} sign vectors");
}

#[test]
fn verify_callback_answers_valid_or_invalid_with_the_exit_status() {
    let mut checked = 0;
    for case in vectors().iter().filter(|c| c["kind"] == "callback") {
        let output = run(
            &["verify-callback"],
            case["secret"].as_str(),
            case["body"].as_str().unwrap(),
        );
        let valid = case["valid"].as_bool().unwrap();
        let name = &case["name"];
        let expected = if valid { "valid" } else { "invalid" };
        assert_eq!(stdout(&output).trim(), expected, "{name}");
        assert_eq!(
            output.status.code(),
            Some(if valid { 0 } else { 1 }),
            "{name}"
        );
        checked += 1;
    }
    assert!(checked > 10, "only {checked} callback vectors");
}

#[test]
fn the_secret_comes_from_a_file_too() {
    let dir = std::env::temp_dir().join(format!("doku-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, "secret\n").unwrap();
    let case = vectors()
        .into_iter()
        .find(|c| c["kind"] == "sign" && c["secret"] == "secret")
        .unwrap();
    let output = run(
        &["sign", "--secret-file", file.to_str().unwrap()],
        None,
        &case["params"].to_string(),
    );
    assert_eq!(stdout(&output).trim(), case["signature"].as_str().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn missing_secret_and_bad_input_are_clear_errors() {
    let output = run(&["sign"], None, "{}");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("ECOMMPAY_SECRET_KEY"),
        "{}",
        stderr(&output)
    );

    let output = run(&["sign"], Some("k"), "[1, 2]");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("JSON object"),
        "{}",
        stderr(&output)
    );

    let output = run(&["verify-callback"], Some("k"), "not json");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).trim(), "invalid");
    assert!(
        stderr(&output).contains("not valid JSON"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn there_is_no_flag_for_the_secret_itself() {
    let output = run(&["sign", "--secret", "k"], None, "{}");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unexpected argument"),
        "{}",
        stderr(&output)
    );
}
