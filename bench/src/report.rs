//! `BENCHMARKS.md` from the figures the parts saved.

use crate::load::{
    CONCURRENCY, LoadRun, PEER, PROXY_ELSEWHERE, PROXY_ON_POSTGRES, ROUNDS, SECONDS,
};
use crate::stats::Series;
use crate::{browser_timing, load_saved};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .filter(|line| !line.is_empty())
        .unwrap_or_else(|| "not found".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1).map(|m| m.trim().to_string()))
        })
        .unwrap_or_else(|| "unknown".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("unknown".into(), |kb| {
            format!("{:.0} GiB", kb / 1024.0 / 1024.0)
        });
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let pg = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| {
            command_line(
                &e.path().join("bin/postgres").to_string_lossy(),
                &["--version"],
            )
        })
        .unwrap_or_else(|| "not found".into());
    format!(
        "- CPU: {cpu}, {cores} cores; memory {memory}\n\
         - {}; {}; Node.js {}; {}\n\
         - {}; wrk {}\n",
        command_line("rustc", &["--version"]),
        command_line("chromium", &["--version"]),
        command_line("node", &["--version"]),
        pg,
        command_line("uname", &["-sr"]),
        command_line("dpkg-query", &["-W", "-f=${Version}", "wrk"]),
    )
}

fn kb(bytes: &Value) -> String {
    format!("{:.1}", bytes.as_f64().unwrap_or(0.0) / 1000.0)
}

/// The version of `package` that bench/node/package.json pins.
fn npm_version(root: &Path, package: &str) -> String {
    std::fs::read_to_string(root.join("bench/node/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|json| {
            json["devDependencies"][package]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

fn size_section(out: &mut String, size: &Value, adyen_version: &str) {
    let _ = writeln!(out, "## Size of the widget's first download\n");
    let _ = writeln!(
        out,
        "`make size`: the release build (`scripts/build-widget.sh`: `trunk build --release` with opt-level z, \
         LTO, std rebuilt without panic messages on the nightly in `scripts/widget-release.env`, \
         wasm-opt -Oz twice, the second time with its control flow rebuilt (flatten, rereloop), JS \
         minified by esbuild) measured raw, gzip -9 and brotli (quality 11). The peer is what a merchant \
         ships to offer DOKU with Adyen Web {}: `AdyenCheckout` + `Doku` + `Redirect` and its CSS, bundled and \
         minified by esbuild.\n",
        adyen_version
    );
    let _ = writeln!(
        out,
        "| asset | raw KB | gzip KB | brotli KB |\n| --- | ---: | ---: | ---: |"
    );
    let rows = size["assets"].as_array().cloned().unwrap_or_default();
    for row in rows.iter().filter(|r| {
        let file = r["file"].as_str().unwrap_or_default();
        [
            "doku-checkout_bg.wasm",
            "doku-checkout.js",
            "doku-embed.js",
            "doku-checkout.css",
        ]
        .contains(&file)
    }) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row["file"].as_str().unwrap_or("?"),
            kb(&row["raw"]),
            kb(&row["gzip"]),
            kb(&row["brotli"])
        );
    }
    let ours = &size["firstPaint"];
    let _ = writeln!(
        out,
        "| **ours, first paint** | {} | **{}** | {} |",
        kb(&ours["raw"]),
        kb(&ours["gzip"]),
        kb(&ours["brotli"])
    );
    let adyen = &size["adyen"]["total"];
    for row in size["adyen"]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            row["file"].as_str().unwrap_or("?"),
            kb(&row["raw"]),
            kb(&row["gzip"]),
            kb(&row["brotli"])
        );
    }
    let _ = writeln!(
        out,
        "| **Adyen Web, first paint** | {} | **{}** | {} |",
        kb(&adyen["raw"]),
        kb(&adyen["gzip"]),
        kb(&adyen["brotli"])
    );
    let ratio = |key: &str| ours[key].as_f64().unwrap_or(0.0) / adyen[key].as_f64().unwrap_or(1.0);
    let budget = size["budget"]["firstPaintGzipBytes"]
        .as_f64()
        .unwrap_or(0.0);
    let _ = writeln!(
        out,
        "\nOurs / Adyen: **{:.2}x** gzip, {:.2}x brotli, {:.2}x raw. Budget checked by `make test`: {:.1} KB gzip. \
         Target: at most 60 KB gzip ({}).\n",
        ratio("gzip"),
        ratio("brotli"),
        ratio("raw"),
        budget / 1000.0,
        if ours["gzip"].as_f64().unwrap_or(f64::MAX) <= 60_000.0 {
            "met"
        } else {
            "**not met**"
        }
    );
    wasm_section(out, &size["wasm"]);
}

/// Where the wasm's bytes go, by crate (`scripts/wasm-breakdown.mjs`).
fn wasm_section(out: &mut String, wasm: &Value) {
    let rows = wasm["rows"].as_array().cloned().unwrap_or_default();
    let total = wasm["total"].as_f64().unwrap_or(0.0);
    if rows.is_empty() || total <= 0.0 {
        return;
    }
    let _ = writeln!(
        out,
        "### Where the wasm's bytes go

`scripts/wasm-breakdown.mjs`: the same release build with function names \
         kept, through wasm-bindgen and wasm-opt -Oz, each function's code added to the crate it comes from \
         (a generic function to the crate that defines it, wherever it is used). Raw bytes, before compression; \
         crates under 1 KB are summed.\n\n| crate | raw KB | share |\n| --- | ---: | ---: |"
    );
    let mut small = 0.0;
    for row in &rows {
        let bytes = row["bytes"].as_f64().unwrap_or(0.0);
        if bytes < 1000.0 {
            small += bytes;
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1}% |",
            row["crate"].as_str().unwrap_or("?"),
            bytes / 1000.0,
            100.0 * bytes / total
        );
    }
    let _ = writeln!(
        out,
        "| other crates | {:.1} | {:.1}% |\n| **the wasm, names removed** | **{:.1}** | |\n",
        small / 1000.0,
        100.0 * small / total,
        total / 1000.0
    );
}

/// One row per page: its median and spread.
fn series_table(out: &mut String, series: &[Series]) {
    let _ = writeln!(out, "| page | median, spread |\n| --- | --- |");
    for s in series {
        let _ = writeln!(out, "| {} | {} |", s.name, s.describe());
    }
}

fn tti_section(out: &mut String, series: &[Series]) {
    let _ = writeln!(out, "## Time to interactive\n");
    let _ = writeln!(
        out,
        "{} cold loads of each page, interleaved, each in a fresh headless Chromium (new profile: no cache), \
         all served from 127.0.0.1 with no other network. Measured from navigation start to the form being \
         interactive: ours, the hosted checkout's `performance.mark(\"doku:interactive\")`, set by an inline \
         script right after the page's own form (which works before and without the widget: it posts to the \
         proxy); Adyen, its DOKU component's inputs in the page (inline payment methods, analytics off); the \
         plain form, `domInteractive`. The second row is when the widget, loaded, has taken that form over \
         (it sets the same mark again), in the same loads. The third is the widget on a merchant's page as the \
         README shows it: its element and its one script tag, from the proxy's origin (not the page's), \
         no preloads, no page form and no order handed over (`doku-embed.js` asks for it), until the widget's \
         form is interactive (its mark). The fourth is that page with the README's hints in its head \
         (preloads of the widget's glue, wasm and stylesheet and of the order).\n",
        browser_timing::LOADS
    );
    series_table(out, series);
    if let [ours, running, merchant, hinted, adyen, plain] = series {
        let _ = writeln!(
            out,
            "\nOurs / Adyen (medians): **{:.2}x** (target at most 0.5x: {}). Ours - plain form: **{:+.1} ms** \
             (target within 50 ms: {}). With the widget running: {:.2}x Adyen, {:+.1} ms over the plain form. \
             The widget on a merchant's page: {:.2}x Adyen; with the README's hints, {:.2}x.\n",
            ours.median() / adyen.median(),
            if ours.median() <= adyen.median() * 0.5 {
                "met"
            } else {
                "**not met**"
            },
            ours.median() - plain.median(),
            if ours.median() - plain.median() <= 50.0 {
                "met"
            } else {
                "**not met**"
            },
            running.median() / adyen.median(),
            running.median() - plain.median(),
            merchant.median() / adyen.median(),
            hinted.median() / adyen.median(),
        );
    }
}

fn phone_section(out: &mut String, series: &[Series]) {
    let network = browser_timing::PHONE_NETWORK;
    let _ = writeln!(
        out,
        "## Time to interactive on a phone's network
"
    );
    let _ = writeln!(
        out,
        "The same {} cold loads of each page, with Chromium emulating a slow mobile network (the figures of \
         Lighthouse's simulated \"Slow 4G\": {} ms added round trip, {} kbit/s down, {} kbit/s up). Our widget's files come from the \
         proxy as their brotli copies and our page (about 10 KB, its style inline) compressed by the proxy; \
         Adyen's bundle comes from the bench's server as its brotli copy, its page and the plain form from \
         there uncompressed, as the merchant's page from its own server (each under 1 KB). The CPU is not \
         slowed.\n",
        browser_timing::LOADS,
        network.latency_ms,
        network.download_bytes_per_s * 8 / 1000,
        network.upload_bytes_per_s * 8 / 1000,
    );
    series_table(out, series);
    if let [ours, running, merchant, hinted, adyen, plain] = series {
        let _ = writeln!(
            out,
            "\nOurs / Adyen (medians): **{:.2}x**; with the widget running, {:.2}x; the widget on a merchant's \
             page, {:.2}x, and with the README's hints, {:.2}x. Ours - plain form: **{:+.0} ms**.\n",
            ours.median() / adyen.median(),
            running.median() / adyen.median(),
            merchant.median() / adyen.median(),
            hinted.median() / adyen.median(),
            ours.median() - plain.median(),
        );
    }
}

fn click_section(out: &mut String, series: &Series) {
    let _ = writeln!(out, "## Click to navigation\n");
    let _ = writeln!(
        out,
        "{} runs against the local proxy: the customer's details typed, then Pay; measured from the click to \
         the navigation start of the redirect (the landing page's `performance.timeOrigin` minus the click's \
         time, both from the browser's clock). Includes opening the session: the proxy validates, signs the \
         Payment Page URL and stores the payment.\n\n{}: **{}**\n",
        series.samples_ms.len(),
        series.name,
        series.describe()
    );
}

/// The runs of one server at one endpoint and concurrency level, one per round.
struct Runs<'a> {
    server: &'a str,
    endpoint: &'a str,
    concurrency: u32,
    rounds: Vec<&'a LoadRun>,
}

impl Runs<'_> {
    fn figure(&self, of: impl Fn(&LoadRun) -> f64) -> Series {
        Series::of(self.rounds.iter().map(|run| of(run)))
    }
}

/// `runs` grouped by server, endpoint and concurrency, in the order first measured.
fn grouped(runs: &[LoadRun]) -> Vec<Runs<'_>> {
    let mut groups: Vec<Runs> = Vec::new();
    for run in runs {
        let same = |g: &&mut Runs| {
            g.server == run.server && g.endpoint == run.endpoint && g.concurrency == run.concurrency
        };
        match groups.iter_mut().find(same) {
            Some(group) => group.rounds.push(run),
            None => groups.push(Runs {
                server: &run.server,
                endpoint: &run.endpoint,
                concurrency: run.concurrency,
                rounds: vec![run],
            }),
        }
    }
    // By server (in the order first measured), then endpoint, then level.
    let mut servers: Vec<&str> = Vec::new();
    for run in runs {
        if !servers.contains(&run.server.as_str()) {
            servers.push(&run.server);
        }
    }
    let rank = |server: &str| servers.iter().position(|s| *s == server);
    groups.sort_by_key(|g| (rank(g.server), g.endpoint != "sessions", g.concurrency));
    groups
}

/// `median (min-max)` of `series`, with `decimals` digits.
fn median_range(series: &Series, decimals: usize) -> String {
    format!(
        "{:.decimals$} ({:.decimals$}-{:.decimals$})",
        series.median(),
        series.quantile(0.0),
        series.quantile(1.0)
    )
}

/// Ours over the peer's, round by round: each ratio compares two runs made within
/// seconds of each other.
fn paired(ours: &Runs, peer: &Runs, of: impl Fn(&LoadRun) -> f64) -> Series {
    Series::of(ours.rounds.iter().filter_map(|run| {
        let theirs = peer.rounds.iter().find(|p| p.round == run.round)?;
        Some(of(run) / of(theirs).max(f64::MIN_POSITIVE))
    }))
}

fn load_section(out: &mut String, runs: &[LoadRun], floor: Option<&Series>) {
    let _ = writeln!(out, "## The proxy under load\n");
    let _ = writeln!(
        out,
        "`wrk` (2 threads) for {SECONDS} s per run at {CONCURRENCY:?} connections, on the same machine as the \
         servers. Sessions: every request opens a distinct payment (its own order and idempotency key): \
         validation, signing the Payment Page URL, storing the payment. Callbacks: every request a distinct, \
         validly signed success callback: verification, storing the raw body and the state change in one \
         atomic write (written together with the other callbacks that arrive meanwhile), committed before \
         the 200 (SQLite: WAL with synchronous=FULL). Each run's callbacks are for payments the server \
         opened in the seconds before it (the last opened first), as when customers pay soon after they \
         start. The proxy starts from the payment as it last wrote it, if it still remembers it (the last \
         32,768 payments it opened or changed, for 10 minutes), so on PostgreSQL a second instance on the \
         same database is also sent callbacks for payments a third instance opened (\"{PROXY_ELSEWHERE}\"): \
         as behind a load balancer, or for payments it no longer remembers, it reads each payment first. \
         The peer does the same work in Node.js with express, the platform's npm SDK (`ecommpay`) and \
         `pg`.\n\n\
         Each endpoint and level is measured {ROUNDS} times, the servers taking turns (in an order rotated \
         every round), so that all servers' runs at a level fall within the same minute or two; the figures \
         are the medians of those runs with their range (min-max). Peak memory is the server's resident set \
         (VmHWM) at the end of its last run, errors the sum over the runs.\n"
    );
    let _ = writeln!(
        out,
        "| server | endpoint | connections | req/s | p50 ms | p99 ms | max ms | errors | peak MiB |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let groups = grouped(runs);
    for group in &groups {
        let repeated = group.rounds.iter().any(|run| run.repeated);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}{} | {:.2} | {} | {:.1} | {} | {:.0} |",
            group.server,
            group.endpoint,
            group.concurrency,
            median_range(&group.figure(|run| run.rps), 0),
            if repeated { " (repeats)" } else { "" },
            group.figure(|run| run.p50_ms).median(),
            median_range(&group.figure(|run| run.p99_ms), 2),
            group.figure(|run| run.max_ms).quantile(1.0),
            group.rounds.iter().map(|run| run.errors).sum::<u64>(),
            group.figure(|run| run.peak_rss_mib).quantile(1.0),
        );
    }
    let _ = writeln!(
        out,
        "\nRatios to the peer, both on PostgreSQL, taken round by round (ours / the peer's run of the same \
         round), as median (min-max) over the {ROUNDS} rounds:\n"
    );
    let _ = writeln!(
        out,
        "| endpoint | connections | throughput | p99 |\n| --- | ---: | ---: | ---: |"
    );
    let ours = |g: &&Runs| g.server == PROXY_ON_POSTGRES || g.server == PROXY_ELSEWHERE;
    for ours in groups.iter().filter(ours) {
        let peer = groups.iter().find(|p| {
            p.server == PEER && p.endpoint == ours.endpoint && p.concurrency == ours.concurrency
        });
        if let Some(peer) = peer {
            let throughput = paired(ours, peer, |run| run.rps);
            let p99 = paired(ours, peer, |run| run.p99_ms);
            let elsewhere = if ours.server == PROXY_ELSEWHERE {
                ", at another instance"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "| {}{elsewhere} | {} | **{:.1}x** ({:.1}-{:.1}) | {:.2}x ({:.2}-{:.2}) |",
                ours.endpoint,
                ours.concurrency,
                throughput.median(),
                throughput.quantile(0.0),
                throughput.quantile(1.0),
                p99.median(),
                p99.quantile(0.0),
                p99.quantile(1.0),
            );
        }
    }
    let _ = writeln!(
        out,
        "\nTarget: at least 5x the peer's throughput with a lower p99.\n"
    );
    if let Some(floor) = floor {
        floor_section(out, &groups, floor);
    }
}

/// What one durable commit allows at one connection, against the peer's figures there.
fn floor_section(out: &mut String, groups: &[Runs], floor: &Series) {
    let commit_ms = floor.median();
    if commit_ms <= 0.0 {
        return;
    }
    let most = 1000.0 / commit_ms;
    let _ = writeln!(
        out,
        "### The floor at one connection\n\n\
         Before the servers start, the bench commits one-row INSERTs on the same PostgreSQL server, one \
         connection, one at a time (a table with one index, the server's durable defaults; each sample \
         one INSERT's round trip): **{}**. A server that commits before it answers, sent one request at a \
         time, answers at most {most:.0} requests a second, whatever it does besides.\n",
        floor.describe_to(3),
    );
    let at_one = |server: &str, endpoint: &str| {
        groups
            .iter()
            .find(|g| g.server == server && g.endpoint == endpoint && g.concurrency == 1)
            .map(|g| g.figure(|run| run.rps).median())
    };
    let _ = writeln!(
        out,
        "| endpoint | the peer, req/s | at most (that / the peer) | ours, req/s (ours / at most) |\n\
         | --- | ---: | ---: | ---: |"
    );
    for endpoint in ["sessions", "callbacks"] {
        if let (Some(peer), Some(ours)) =
            (at_one(PEER, endpoint), at_one(PROXY_ON_POSTGRES, endpoint))
        {
            let _ = writeln!(
                out,
                "| {endpoint} | {peer:.0} | {:.1}x | {ours:.0} ({:.0}%) |",
                most / peer,
                100.0 * ours / most,
            );
        }
    }
    out.push('\n');
}

/// The whole report.
pub fn render(root: &Path) -> String {
    let mut out = String::new();
    let date = time::OffsetDateTime::now_utc().date();
    let _ = writeln!(out, "# Benchmarks\n");
    let _ = writeln!(
        out,
        "Written by `make bench` on {date} from one run on this machine; every figure below comes from that \
         run (medians with their spread). Rerun `make bench` to measure again.\n"
    );
    let _ = writeln!(out, "## Machine\n\n{}", machine());
    match load_saved::<Value>(root, "size") {
        Some(size) => size_section(&mut out, &size, &npm_version(root, "@adyen/adyen-web")),
        None => out.push_str("## Size\n\nNot measured in this run.\n\n"),
    }
    match load_saved::<Vec<Series>>(root, "tti") {
        Some(series) => tti_section(&mut out, &series),
        None => out.push_str("## Time to interactive\n\nNot measured in this run.\n\n"),
    }
    match load_saved::<Vec<Series>>(root, "tti-phone") {
        Some(series) => phone_section(&mut out, &series),
        None => out.push_str(
            "## Time to interactive on a phone's network\n\nNot measured in this run.\n\n",
        ),
    }
    match load_saved::<Series>(root, "click") {
        Some(series) => click_section(&mut out, &series),
        None => out.push_str("## Click to navigation\n\nNot measured in this run.\n\n"),
    }
    match load_saved::<Vec<LoadRun>>(root, "load") {
        Some(runs) => {
            let floor = load_saved::<Series>(root, "commit-floor");
            load_section(&mut out, &runs, floor.as_ref());
        }
        None => out.push_str("## The proxy under load\n\nNot measured in this run.\n\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(server: &str, endpoint: &str, concurrency: u32, round: u32, rps: f64) -> LoadRun {
        LoadRun {
            server: server.into(),
            endpoint: endpoint.into(),
            concurrency,
            round,
            requests: 1,
            rps,
            p50_ms: 1.0,
            p99_ms: rps / 100.0,
            max_ms: 1.0,
            errors: 0,
            repeated: false,
            peak_rss_mib: 1.0,
        }
    }

    #[test]
    fn runs_group_by_server_endpoint_and_level_and_pair_by_round() {
        let runs = [
            run(PROXY_ON_POSTGRES, "callbacks", 1, 0, 100.0),
            run(PEER, "sessions", 16, 0, 50.0),
            run(PROXY_ON_POSTGRES, "sessions", 16, 0, 300.0),
            run(PEER, "sessions", 16, 1, 100.0),
            run(PROXY_ON_POSTGRES, "sessions", 16, 1, 200.0),
        ];
        let groups = grouped(&runs);
        let order: Vec<_> = groups
            .iter()
            .map(|g| (g.server, g.endpoint, g.concurrency, g.rounds.len()))
            .collect();
        assert_eq!(
            order,
            [
                (PROXY_ON_POSTGRES, "sessions", 16, 2),
                (PROXY_ON_POSTGRES, "callbacks", 1, 1),
                (PEER, "sessions", 16, 2),
            ]
        );
        // Round 0: 300 / 50 = 6; round 1: 200 / 100 = 2. The ratio of the medians
        // (250 / 75) would mix runs made minutes apart.
        let ratios = paired(&groups[0], &groups[2], |run| run.rps);
        assert_eq!(ratios.samples_ms, [6.0, 2.0]);
        assert_eq!(
            median_range(&groups[0].figure(|r| r.rps), 0),
            "250 (200-300)"
        );
    }

    #[test]
    fn the_floor_bounds_the_ratio_at_one_connection() {
        let runs = [
            run(PROXY_ON_POSTGRES, "sessions", 1, 0, 1000.0),
            run(PEER, "sessions", 1, 0, 500.0),
            run(PROXY_ON_POSTGRES, "sessions", 16, 0, 9000.0),
        ];
        // Commits of 0.4, 0.5 and 0.6 ms: 2000 a second at the median.
        let floor = Series::of([0.6, 0.4, 0.5]);
        let mut out = String::new();
        floor_section(&mut out, &grouped(&runs), &floor);
        assert!(out.contains("**0.500 ms (p25-p75 0.450-0.550"), "{out}");
        assert!(out.contains("at most 2000 requests a second"), "{out}");
        // 2000 / 500 = 4x the peer at most; ours 1000 is half of that. No callbacks row:
        // neither server has one.
        assert!(
            out.contains("| sessions | 500 | 4.0x | 1000 (50%) |"),
            "{out}"
        );
        assert!(!out.contains("| callbacks |"), "{out}");
    }

    #[test]
    fn the_second_instance_has_its_own_ratio_row() {
        let runs = [
            run(PROXY_ON_POSTGRES, "callbacks", 16, 0, 600.0),
            run(PROXY_ELSEWHERE, "callbacks", 16, 0, 400.0),
            run(PEER, "callbacks", 16, 0, 100.0),
        ];
        let mut out = String::new();
        load_section(&mut out, &runs, None);
        assert!(out.contains("| callbacks | 16 | **6.0x**"), "{out}");
        assert!(
            out.contains("| callbacks, at another instance | 16 | **4.0x**"),
            "{out}"
        );
    }
}
