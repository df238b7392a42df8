# The two commands that do everything on a fresh machine: `make demo` and `make test`.
# Every other target is one step of those, for running a single kind of check alone.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# npm's wasm-opt (tools/) first; cargo's installs (trunk, wasm-bindgen) next.
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120
export CARGO_TERM_COLOR ?= never

WASM := --target wasm32-unknown-unknown

.NOTPARALLEL:
.PHONY: help setup demo test lint fmt-check clippy test-native test-browser test-scripts build size-check test-e2e size bench fuzz soak

help:
	@echo "make demo   install what is missing, build the widget, serve the demo shop on http://127.0.0.1:8080"
	@echo "make test   install what is missing and run every check and test"
	@echo "steps:      setup lint test-scripts build size-check test-native (with e2e) test-browser; test-e2e alone"
	@echo "measures:   size bench (writes BENCHMARKS.md)"
	@echo "endurance:  fuzz (FUZZ_SECONDS per target) soak (SOAK_SECONDS of steady load)"

setup:
	scripts/setup.sh

demo: setup build
	scripts/demo.sh

# One `cargo test --workspace` runs the native tests and the end-to-end ones, so every
# dependency is built once, with one set of features (cargo picks features per command:
# `-p doku-e2e` alone rebuilt about half of them differently). It needs dist/ first.
test: setup lint test-scripts build size-check test-native test-browser

lint: fmt-check clippy

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy $(WASM) -p doku-checkout -p doku-protocol --all-targets -- -D warnings

# Includes the end-to-end tests (doku-e2e), which need `make build` first.
test-native:
	scripts/with-postgres.sh cargo test --workspace

test-browser:
	cargo test $(WASM) -p doku-checkout --test '*'

# The release build's own scripts (scripts/*.test.mjs).
test-scripts:
	node --test scripts/

build:
	scripts/build-widget.sh

# The widget's first download against size-budget.json; the served gzip/brotli copies.
size-check:
	node scripts/size.mjs --check

# Sizes of every asset, raw / gzip / brotli, beside Adyen Web's DOKU checkout.
size: setup build
	npm ci --prefix bench/node --no-audit --no-fund
	node scripts/size.mjs --compare
	node scripts/wasm-breakdown.mjs

# The end-to-end tests alone (make test runs them in test-native). The secrets scan runs
# the doku-proxy binary as merchants do, which the first command builds as test-native
# does, with the workspace's features.
test-e2e:
	cargo test --workspace --no-run
	cargo test --workspace --test journey --test secrets

# Size, time to interactive, click to navigation and proxy load beside the alternatives;
# writes BENCHMARKS.md.
bench:
	scripts/bench.sh

# Every cargo fuzz target for FUZZ_SECONDS (default 120) each; grows fuzz/corpus/.
fuzz:
	scripts/fuzz.sh

# A steady load on the proxy for SOAK_SECONDS (default 600): errors, p99 and memory over time.
soak:
	scripts/soak.sh
