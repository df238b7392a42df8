#!/usr/bin/env node
// Trunk post-build hook: minifies the widget's JavaScript in the staging directory
// (trunk's own minifier cannot parse wasm-bindgen's output). The widget's first
// download loses about a quarter of its JavaScript bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tools/", import.meta.url));
const { transformSync } = require("esbuild");

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error("minify-js: run by trunk (TRUNK_STAGING_DIR is not set)");
  process.exit(2);
}
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);
for (const file of ["doku-checkout.js", "doku-embed.js"]) {
  const path = join(staging, file);
  const source = readFileSync(path, "utf8");
  const { code } = transformSync(source, { minify: true, format: "esm", target: "es2022" });
  writeFileSync(path, code);
  console.log(`minify-js: ${file} ${source.length} -> ${code.length} bytes`);
}
