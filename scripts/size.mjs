#!/usr/bin/env node
// The widget's download, measured: raw, gzip -9 and brotli (quality 11) bytes of each
// asset of the release build in dist/, and the total a browser downloads before the
// widget's first paint (wasm + its JS + the embed loader + the widget's CSS).
//   node scripts/size.mjs            print the table
//   node scripts/size.mjs --check    also fail when the first paint exceeds size-budget.json,
//                                    or a first-paint asset lacks the gzip and brotli copies
//                                    the proxy serves (scripts/post-build.mjs), or any copy
//                                    in dist/ decodes to anything but its file
//   node scripts/size.mjs --compare  also bundle the nearest peer as a merchant would ship
//                                    it (Adyen Web's AdyenCheckout + Doku + Redirect, with
//                                    esbuild, from bench/node) and print the ratio
//   node scripts/size.mjs --json     print the figures as JSON (for make bench), with where
//                                    the wasm's bytes go (scripts/wasm-breakdown.mjs)
import { createRequire } from "node:module";
import { readFileSync, readdirSync, existsSync, mkdirSync } from "node:fs";
import { gunzipSync, brotliDecompressSync } from "node:zlib";
import { compress, writeCopies } from "./compress.mjs";
import { breakdown } from "./wasm-breakdown.mjs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
const firstPaint = ["doku-checkout_bg.wasm", "doku-checkout.js", "doku-embed.js", "doku-checkout.css"];

export function measure(bytes) {
  const { gz, br } = compress(bytes);
  return { raw: bytes.length, gzip: gz.length, brotli: br.length };
}

/// Adyen Web's DOKU checkout bundled and minified as a merchant ships it: JS and CSS.
function adyen() {
  const bench = join(root, "bench/node/");
  if (!existsSync(join(bench, "node_modules/@adyen/adyen-web"))) {
    console.error("size: run `npm ci --prefix bench/node` first (make bench does)");
    process.exit(2);
  }
  const require = createRequire(bench);
  const { buildSync } = require("esbuild");
  const outdir = join(root, "target/bench/adyen");
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: [join(root, "bench/adyen/entry.js")],
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    outdir,
    nodePaths: [join(bench, "node_modules")],
    logLevel: "error",
  });
  const files = readdirSync(outdir).filter((f) => /\.(js|css)$/.test(f)).sort();
  // Measured, and written as the copies the bench's page server sends (as the proxy
  // sends ours), from one compression of each file.
  const rows = files.map((file) => {
    const bytes = readFileSync(join(outdir, file));
    const copies = writeCopies(join(outdir, file), bytes);
    return { file: `adyen ${file}`, raw: bytes.length, gzip: copies.gz.length, brotli: copies.br.length };
  });
  const total = { file: "adyen first paint", raw: 0, gzip: 0, brotli: 0 };
  for (const row of rows) for (const key of ["raw", "gzip", "brotli"]) total[key] += row[key];
  return { rows, total };
}

function decodesTo(decode, copy, bytes) {
  try {
    return decode(copy).equals(bytes);
  } catch {
    return false;
  }
}

/// The served copies (`.gz`, `.br`) in dist/ that do not decode to their file, and those
/// a first-paint asset lacks.
function staleCopies() {
  const decoders = { gz: gunzipSync, br: brotliDecompressSync };
  const stale = [];
  for (const file of firstPaint) {
    for (const suffix of Object.keys(decoders)) {
      if (!existsSync(join(dist, `${file}.${suffix}`))) stale.push(`${file}.${suffix}`);
    }
  }
  for (const copy of readdirSync(dist)) {
    const [, file, suffix] = copy.match(/^(.*)\.(gz|br)$/) || [];
    if (!file) continue;
    const original = join(dist, file);
    if (!existsSync(original) || !decodesTo(decoders[suffix], readFileSync(join(dist, copy)), readFileSync(original))) {
      stale.push(copy);
    }
  }
  return stale;
}

function main() {
  if (!existsSync(join(dist, "doku-checkout_bg.wasm"))) {
    console.error("size: dist/ has no release build: run `make build`");
    process.exit(2);
  }
  const assets = readdirSync(dist).filter((f) => /\.(wasm|js|css)$/.test(f)).sort();
  const rows = assets.map((file) => ({ file, ...measure(readFileSync(join(dist, file))) }));
  const total = { file: "first paint", raw: 0, gzip: 0, brotli: 0 };
  for (const row of rows.filter((r) => firstPaint.includes(r.file))) {
    for (const key of ["raw", "gzip", "brotli"]) total[key] += row[key];
  }
  const budget = JSON.parse(readFileSync(join(root, "size-budget.json"), "utf8"));
  const peer = process.argv.includes("--compare") || process.argv.includes("--json") ? adyen() : null;
  if (process.argv.includes("--json")) {
    const wasm = breakdown();
    // The breakdown's build keeps names; with them removed it must be the shipped wasm.
    const shipped = rows.find((r) => r.file === "doku-checkout_bg.wasm").raw;
    if (Math.abs(wasm.total - shipped) > shipped / 100) {
      console.error(`size: the wasm breakdown adds up to ${wasm.total} bytes, the shipped wasm is ${shipped}`);
      process.exit(1);
    }
    console.log(JSON.stringify({ assets: rows, firstPaint: total, budget, adyen: peer, wasm }, null, 2));
    return;
  }
  const pad = (s, n) => String(s).padStart(n);
  console.log(`${"asset".padEnd(24)}${pad("raw", 10)}${pad("gzip -9", 10)}${pad("brotli", 10)}`);
  for (const row of [...rows, total]) {
    console.log(`${row.file.padEnd(24)}${pad(row.raw, 10)}${pad(row.gzip, 10)}${pad(row.brotli, 10)}`);
  }
  if (peer) {
    for (const row of [...peer.rows, peer.total]) {
      console.log(`${row.file.padEnd(24)}${pad(row.raw, 10)}${pad(row.gzip, 10)}${pad(row.brotli, 10)}`);
    }
    const ratio = (key) => (total[key] / peer.total[key]).toFixed(2);
    console.log(`ours / adyen: gzip ${ratio("gzip")}, brotli ${ratio("brotli")}, raw ${ratio("raw")}`);
  }
  console.log(`budget: first paint at most ${budget.firstPaintGzipBytes} bytes gzip (${budget.note})`);
  if (process.argv.includes("--check")) {
    if (total.gzip > budget.firstPaintGzipBytes) {
      console.error(`size: the widget's first paint is ${total.gzip} bytes gzip, over the budget of ${budget.firstPaintGzipBytes}`);
      process.exit(1);
    }
    const stale = staleCopies();
    if (stale.length > 0) {
      console.error(`size: missing or stale compressed copies in dist/: ${stale.join(", ")} (rebuild: make build)`);
      process.exit(1);
    }
    const copies = readdirSync(dist).filter((f) => /\.(gz|br)$/.test(f)).length;
    console.log(`served copies: all ${copies} in dist/ decode to their files; the ${firstPaint.length} first-paint assets have both`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
