#!/usr/bin/env bash
# make soak: the release proxy on SQLite under a steady load of whole payment journeys
# for SOAK_SECONDS (default 600) at SOAK_RATE journeys a second (default 100). Prints
# errors, latency and memory slice by slice; fails on any error, or on memory or p99
# that keeps growing. Figures are saved in target/bench/soak.json.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
echo "==> the proxy built for speed"
cargo build --profile server -p doku-proxy -p doku-bench
echo "==> soaking (${SOAK_SECONDS:-600}s)"
target/server/doku-bench soak
