#!/usr/bin/env node
// Trunk post-build hook (release builds only), in the staging directory:
// 0. drops the exported classes and wasm exports nothing uses (scripts/wasm-boundary.mjs),
//    passes the wasm through wasm-opt again (-Oz with its control flow rebuilt:
//    scripts/wasm-opt.mjs) until it stops shrinking, with the same features as trunk's
//    pass (index.html), and drops the custom sections browsers ignore (producers,
//    target features): measured 493 bytes less raw, 464 less gzip (before the rebuilt
//    control flow);
//    then gives every import and export of the wasm a short name in both files. The
//    first download measured 83.8 -> 75.4 KB gzip with the boundary's two steps;
// 1. minifies the widget's JavaScript (trunk's own minifier cannot parse wasm-bindgen's
//    output): the first download loses about a quarter of its JavaScript bytes;
// 2. then writes a gzip (-9) and a brotli (quality 11) copy of every text and wasm asset,
//    which the proxy serves to browsers that accept them, so the compression costs
//    nothing per request. `make size-check` checks the copies decode to the files.
// The steps are in one hook because trunk runs the hooks of a stage concurrently.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { writeCopies } from "./compress.mjs";
import { SECOND_PASS, wasmOpt } from "./wasm-opt.mjs";
import { slimBoundary } from "./wasm-boundary.mjs";

const require = createRequire(new URL("../tools/", import.meta.url));
const { transformSync } = require("esbuild");

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error("post-build: run by trunk (TRUNK_STAGING_DIR is not set)");
  process.exit(2);
}
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);

const wasm = join(staging, "doku-checkout_bg.wasm");
const glue = join(staging, "doku-checkout.js");
const before = readFileSync(wasm).length;
const slim = slimBoundary(wasm, readFileSync(glue, "utf8"), readFileSync(join(staging, "doku-embed.js"), "utf8"), (path) =>
  wasmOpt([...SECOND_PASS, "--strip-debug", "--strip-producers", "--strip-target-features"], path, path),
);
writeFileSync(glue, slim.js);
console.log(`post-build: dropped ${slim.dropped.join(", ") || "no class"}; wasm ${before} -> ${readFileSync(wasm).length} bytes`);

for (const file of ["doku-checkout.js", "doku-embed.js"]) {
  const path = join(staging, file);
  const source = readFileSync(path, "utf8");
  const { code } = transformSync(source, { minify: true, format: "esm", target: "es2022" });
  writeFileSync(path, code);
  console.log(`post-build: minified ${file} ${source.length} -> ${code.length} bytes`);
}

for (const file of readdirSync(staging).filter((f) => /\.(wasm|js|css|html|svg)$/.test(f))) {
  const bytes = readFileSync(join(staging, file));
  const copies = writeCopies(join(staging, file), bytes);
  console.log(`post-build: ${file} ${bytes.length} -> gzip ${copies.gz.length}, brotli ${copies.br.length} bytes`);
}
