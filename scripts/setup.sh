#!/usr/bin/env bash
# Installs what the project needs and is missing; a second run installs nothing.
# Reaches only the package registries (crates.io, npm, Debian). Called by `make demo`
# and `make test`; safe to run by hand.
set -euo pipefail

cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '==> %s\n' "$*"; }
skip() { printf '    %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The version of package $1 in Cargo.lock.
locked_version() {
    awk -v name="$1" '
        $0 == "[[package]]" { in_pkg = 1; found = 0; next }
        in_pkg && $0 == "name = \"" name "\"" { found = 1; next }
        in_pkg && found && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' Cargo.lock
}

# The value of key $1 in Trunk.toml's [tools] table.
trunk_tool_version() {
    sed -n "s/^$1 *= *\"\\(.*\\)\"/\\1/p" Trunk.toml
}

step "Rust target wasm32-unknown-unknown"
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    skip "already installed"
else
    rustup target add wasm32-unknown-unknown
fi

widget_toolchain=$(sed -n 's/^RUSTUP_TOOLCHAIN=//p' scripts/widget-release.env)
step "Rust $widget_toolchain with its std's source (the release widget's build: scripts/widget-release.env)"
# The source of its std, which the widget's build compiles.
widget_std() { echo "$(rustup run "$widget_toolchain" rustc --print sysroot)/lib/rustlib/src/rust/library"; }
if [ -f "$(widget_std 2>/dev/null)/Cargo.lock" ]; then
    skip "already installed"
else
    rustup toolchain install "$widget_toolchain" --profile minimal --component rust-src
fi

step "Debian packages: chromium, chromium-driver, postgresql"
missing=()
for package in chromium chromium-driver postgresql; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    skip "already installed"
else
    skip "installing ${missing[*]}"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

step "trunk $TRUNK_VERSION"
if [ "$(trunk --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
    skip "already installed"
else
    cargo install --locked trunk --version "$TRUNK_VERSION"
fi

bindgen_version=$(locked_version wasm-bindgen)
[ -n "$bindgen_version" ] || die "Cargo.lock names no wasm-bindgen"
step "wasm-bindgen-cli $bindgen_version (the wasm-bindgen in Cargo.lock)"
trunk_bindgen=$(trunk_tool_version wasm_bindgen)
[ "$trunk_bindgen" = "$bindgen_version" ] \
    || die "Trunk.toml pins wasm_bindgen = \"$trunk_bindgen\" but Cargo.lock has $bindgen_version: make them equal"
if [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen $bindgen_version" ] \
    && [ "$(wasm-bindgen-test-runner --version 2>/dev/null)" = "wasm-bindgen-test-runner $bindgen_version" ]; then
    skip "already installed"
else
    # Without --locked: its lock file names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

step "build tools from npm: wasm-opt (binaryen; Debian's corrupts the widget), esbuild, acorn"
wasm_opt=tools/node_modules/.bin/wasm-opt
esbuild=tools/node_modules/.bin/esbuild
wanted=$(trunk_tool_version wasm_opt)
wanted_esbuild=$(sed -n 's/.*"esbuild": *"\([^"]*\)".*/\1/p' tools/package.json)
wanted_acorn=$(sed -n 's/.*"acorn": *"\([^"]*\)".*/\1/p' tools/package.json)
installed() {
    [ "$("$wasm_opt" --version 2>/dev/null | sed -n 's/.*(\(version_[0-9]*\)).*/\1/p')" = "$wanted" ] \
        && [ "$("$esbuild" --version 2>/dev/null)" = "$wanted_esbuild" ] \
        && [ "$(node -p 'require("./tools/node_modules/acorn/package.json").version' 2>/dev/null)" = "$wanted_acorn" ]
}
if installed; then
    skip "already installed (wasm-opt $wanted, esbuild $wanted_esbuild, acorn $wanted_acorn)"
else
    npm ci --prefix tools --no-audit --no-fund
    installed || die "tools/package.json must give wasm-opt $wanted (as Trunk.toml wants), esbuild $wanted_esbuild and acorn $wanted_acorn"
fi

step "cargo fetch (trunk builds offline)"
cargo fetch --locked
# The crates the widget's std is rebuilt from.
cargo "+$widget_toolchain" fetch --locked --manifest-path "$(widget_std)/Cargo.toml"

step "setup complete"
