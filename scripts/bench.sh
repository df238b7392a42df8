#!/usr/bin/env bash
# make bench: measures the widget's size and time to interactive, the click to
# navigation and the proxy under load, each beside what a merchant would use instead,
# in one run on this machine, and writes BENCHMARKS.md from the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "==> bench tools: Adyen Web, esbuild, express, the ecommpay SDK, pg (npm); wrk (Debian)"
if [ "$(node -p 'require("./bench/node/node_modules/@adyen/adyen-web/package.json").version' 2>/dev/null)" \
    != "$(node -p 'require("./bench/node/package.json").devDependencies["@adyen/adyen-web"]')" ]; then
    npm ci --prefix bench/node --no-audit --no-fund
fi
if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi
fi

echo "==> the release widget and the proxy built for speed"
scripts/build-widget.sh
cargo build --profile server -p doku-proxy -p doku-bench

echo "==> measuring (several minutes)"
scripts/with-postgres.sh target/server/doku-bench all
