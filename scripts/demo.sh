#!/usr/bin/env bash
# The whole journey on 127.0.0.1: the sandbox (platform + DOKU pages) on :8090 and the
# merchant proxy with its demo shop on :8080. Ctrl-C stops both.
#   DOKU_MODE=gate scripts/demo.sh    # Gate instead of Payment Page
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p doku-proxy -p ecommpay-sandbox
mkdir -p target/demo

target/debug/ecommpay-sandbox --listen 127.0.0.1:8090 &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null || true' EXIT

export ECOMMPAY_SECRET_KEY=sandbox-demo-secret   # the sandbox's demo project
export DOKU_API_KEYS=demo-merchant-key           # for doku-proxy link / payout / payments
echo "demo: merchant API key for the CLI: DOKU_API_KEY=demo-merchant-key"
target/debug/doku-proxy serve \
    --listen 127.0.0.1:8080 \
    --project-id 1 \
    --mode "${DOKU_MODE:-payment-page}" \
    --payment-page-url http://127.0.0.1:8090/payment \
    --gate-url http://127.0.0.1:8090 \
    --database-url sqlite://target/demo/doku-proxy.db \
    --shop-name "Warung Kopi Nusantara" \
    --demo
