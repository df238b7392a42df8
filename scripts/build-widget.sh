#!/usr/bin/env bash
# make build: the release widget into dist/ (`trunk build --release`), compiled with the
# toolchain and flags in scripts/widget-release.env (installed by scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
set -a
. scripts/widget-release.env
set +a
exec trunk build --release
