//! `make bench`: the widget's size and time to interactive, the click to navigation, and
//! the proxy under load, each beside what a merchant would use instead, measured in one
//! run on this machine. Writes `BENCHMARKS.md`.
//!
//! `doku-bench [all|size|tti|click|load|report]`: each part saves its figures in
//! `target/bench/<part>.json`; `report` (and `all`) writes `BENCHMARKS.md` from them.
//! `doku-bench soak` (`make soak`) holds `SOAK_RATE` journeys a second (default 100) on
//! the proxy for `SOAK_SECONDS` (default 600) and fails on any error or on memory that
//! keeps growing.
//! `load` needs `DOKU_TEST_POSTGRES_URL` (scripts/with-postgres.sh provides it).

mod browser_timing;
mod load;
mod pages;
mod report;
mod server;
mod soak;
mod stats;

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn results(root: &Path, part: &str) -> PathBuf {
    root.join("target/bench").join(format!("{part}.json"))
}

fn save<T: Serialize>(root: &Path, part: &str, value: &T) {
    let path = results(root, part);
    std::fs::create_dir_all(path.parent().unwrap_or(root)).ok();
    let json = serde_json::to_string_pretty(value).unwrap_or_default();
    if let Err(error) = std::fs::write(&path, json) {
        eprintln!("bench: cannot write {}: {error}", path.display());
    }
}

/// The saved figures of `part`, if it has run.
pub fn load_saved<T: DeserializeOwned>(root: &Path, part: &str) -> Option<T> {
    let text = std::fs::read_to_string(results(root, part)).ok()?;
    serde_json::from_str(&text).ok()
}

fn size(root: &Path) -> Option<serde_json::Value> {
    let output = std::process::Command::new("node")
        .arg(root.join("scripts/size.mjs"))
        .arg("--json")
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "bench: size failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

#[tokio::main]
async fn main() -> ExitCode {
    let root = root();
    let part = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let all = part == "all";
    if all || part == "size" {
        match size(&root) {
            Some(figures) => save(&root, "size", &figures),
            None => return ExitCode::FAILURE,
        }
    }
    if all || part == "tti" {
        let figures = browser_timing::time_to_interactive(&root, None).await;
        save(&root, "tti", &figures);
        let network = Some(browser_timing::PHONE_NETWORK);
        let figures = browser_timing::time_to_interactive(&root, network).await;
        save(&root, "tti-phone", &figures);
    }
    if all || part == "click" {
        let figures = browser_timing::click_to_navigation(&root).await;
        save(&root, "click", &figures);
    }
    if all || part == "load" {
        let Ok(admin) = std::env::var("DOKU_TEST_POSTGRES_URL") else {
            eprintln!(
                "bench: load needs PostgreSQL: run it under scripts/with-postgres.sh (make bench does)"
            );
            return ExitCode::FAILURE;
        };
        // Before the servers start, on a quiet machine.
        let floor = load::commit_floor(&admin).await;
        save(&root, "commit-floor", &floor);
        let figures = load::run(&root, &admin).await;
        save(&root, "load", &figures);
    }
    if all || part == "report" {
        let text = report::render(&root);
        let path = root.join("BENCHMARKS.md");
        if let Err(error) = std::fs::write(&path, text) {
            eprintln!("bench: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("bench: wrote {}", path.display());
    }
    if part == "soak" {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let soak = soak::run(&root, number("SOAK_SECONDS", 600), number("SOAK_RATE", 100)).await;
        save(&root, "soak", &soak);
        println!("{}", soak::render(&soak));
        return if soak.held() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    if !["all", "size", "tti", "click", "load", "report"].contains(&part.as_str()) {
        eprintln!("usage: doku-bench [all|size|tti|click|load|report|soak]");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
