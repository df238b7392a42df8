#!/usr/bin/env bash
# make fuzz: runs every cargo fuzz target (fuzz/fuzz_targets) for FUZZ_SECONDS each
# (default 120) on the pinned nightly toolchain, growing the committed corpora in
# fuzz/corpus/<target>/, then minimizes each corpus. Fails on the first crash, leaving
# the input in fuzz/artifacts/<target>/. `make test` replays the corpora (crate
# doku-fuzzing), so whatever the fuzzer learned stays checked.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-120}"

# The nightly the release widget is built with (scripts/setup.sh installs it).
nightly=$(sed -n 's/^RUSTUP_TOOLCHAIN=//p' scripts/widget-release.env)
echo "==> fuzzing tools: $nightly and cargo-fuzz"
rustup run "$nightly" rustc --version >/dev/null 2>&1 || rustup toolchain install "$nightly" --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2

cd fuzz
echo "==> building the targets (libFuzzer, sanitizer coverage)"
cargo "+$nightly" fuzz build
mapfile -t targets < <(cargo "+$nightly" fuzz list)
# A failing `fuzz list` inside <(...) escapes set -e: fuzzing nothing must not pass.
(( ${#targets[@]} > 0 )) || { echo "!! cargo fuzz list named no targets" >&2; exit 1; }
for target in "${targets[@]}"; do
    echo "==> $target for ${seconds}s"
    log="target/$target.log"
    mkdir -p target
    if ! cargo "+$nightly" fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        echo "!! $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | sed 's/^/    /'
    if ! cargo "+$nightly" fuzz cmin "$target" "corpus/$target" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        echo "!! minimizing the $target corpus failed" >&2
        exit 1
    fi
    echo "    corpus: $(ls "corpus/$target" | wc -l) inputs after minimizing"
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no failing input"
