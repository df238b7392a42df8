#!/usr/bin/env bash
# The release widget's linker (CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER in
# scripts/widget-release.env): rust-lld, without the exports of wasm-streams' classes
# (IntoUnderlyingSource, IntoUnderlyingSink, IntoUnderlyingByteSource).
#
# Leptos always builds its server functions' browser client, which brings wasm-streams,
# whose #[wasm_bindgen] classes are exported. An export is a root: the linker keeps the
# code it reaches, and the futures' vtables keep their functions in the function table,
# where no later pass can tell they are dead. The widget has no server function and never
# uses the classes. Left out of the link, they go with all they reach; wasm-bindgen then
# still writes their JavaScript classes, which scripts/wasm-boundary.mjs drops (nothing
# calls them). Measured: the wasm 69,428 -> 64,991 bytes gzip.
#
# Fails when there is nothing to leave out, so that the day Leptos stops bringing
# wasm-streams this wrapper is noticed and removed. (It would also fail, not pass
# silently, if rustc handed the arguments over in a response file, `@file`: rustc does
# that only past the system's argument limit, 2 MB here, and the link takes 330 KB.)
set -euo pipefail

toolchain_bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"

args=()
dropped=0
while [ $# -gt 0 ]; do
    case "$1" in
        --export)
            if [[ "${2-}" == *intounderlying* ]]; then
                dropped=$((dropped + 1))
                shift 2
                continue
            fi
            ;;
        --export=*intounderlying*)
            dropped=$((dropped + 1))
            shift
            continue
            ;;
    esac
    args+=("$1")
    shift
done

if [ "$dropped" = 0 ]; then
    echo "scripts/link-widget.sh: no wasm-streams export to leave out of the link: remove this wrapper (and its line in scripts/widget-release.env)" >&2
    exit 1
fi
exec "$toolchain_bin/rust-lld" "${args[@]}"
