#!/usr/bin/env node
// Where the widget's wasm bytes go: builds the release widget once more with its
// function names kept (target/size-names: same profile, toolchain and flags, not
// stripped), passes it through wasm-bindgen, wasm-opt and scripts/wasm-boundary.mjs as
// the release build does, then adds up each function's code by the crate it comes from,
// plus the data and the module's other sections. Raw bytes, before compression; the total is the release
// wasm's size, give or take a few bytes.
//   node scripts/wasm-breakdown.mjs          print the table
import { execFileSync } from "node:child_process";
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SECOND_PASS, wasmOpt } from "./wasm-opt.mjs";
import { slimBoundary } from "./wasm-boundary.mjs";

const root = new URL("..", import.meta.url).pathname;

/// Reads an unsigned LEB128 at `at`; returns [value, next offset].
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

/// A UTF-8 name at `at`; returns [name, next offset].
function name(bytes, at) {
  const [length, start] = leb(bytes, at);
  return [new TextDecoder().decode(bytes.subarray(start, start + length)), start + length];
}

/// The module's function bodies (sizes, and names by function index), its data bytes
/// and the bytes of its other non-custom sections.
function parse(bytes) {
  const bodies = [];
  const names = new Map();
  let imported = 0;
  let data = 0;
  let other = 0;
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, start] = leb(bytes, at + 1);
    const end = start + size;
    if (id === 2) {
      // Imports: functions among them come first in the function index space.
      let [count, p] = leb(bytes, start);
      for (; count > 0; count--) {
        [, p] = name(bytes, p);
        [, p] = name(bytes, p);
        const kind = bytes[p++];
        if (kind === 0) {
          imported++;
          [, p] = leb(bytes, p);
        } else if (kind === 1) {
          p += 1;
          const flags = bytes[p++];
          [, p] = leb(bytes, p);
          if (flags & 1) [, p] = leb(bytes, p);
        } else if (kind === 2) {
          const flags = bytes[p++];
          [, p] = leb(bytes, p);
          if (flags & 1) [, p] = leb(bytes, p);
        } else if (kind === 3) {
          p += 2;
        } else {
          p += 2; // tag: attribute and type index
        }
      }
    } else if (id === 10) {
      let [count, p] = leb(bytes, start);
      for (; count > 0; count--) {
        const [length, body] = leb(bytes, p);
        bodies.push(body - p + length);
        p = body + length;
      }
    } else if (id === 11) {
      data = size;
    }
    if (id !== 0 && id !== 10 && id !== 11) other += end - at;
    if (id === 0) {
      const [section, p] = name(bytes, start);
      if (section === "name") {
        let q = p;
        while (q < end) {
          const kind = bytes[q];
          const [length, content] = leb(bytes, q + 1);
          if (kind === 1) {
            let [count, r] = leb(bytes, content);
            for (; count > 0; count--) {
              let index;
              let text;
              [index, r] = leb(bytes, r);
              [text, r] = name(bytes, r);
              names.set(index, text);
            }
          }
          q = content + length;
        }
      }
    }
    at = end;
  }
  return { bodies, names, imported, data, other };
}

const PRIMITIVES = /^(?:bool|char|str|u8|u16|u32|u64|u128|usize|i8|i16|i32|i64|i128|isize|f32|f64)$/;

/// The crate a demangled Rust function name belongs to: its path's first segment; for
/// `<Type as Trait>::f`, the type's crate, or the trait's when the type is generic or a
/// primitive; wasm-bindgen's exports and shims have no crate.
function crateOf(fn) {
  const crate = (path) => (path.match(/^&?(?:mut )?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)/) || [])[1] || "";
  if (fn.startsWith("<")) {
    // `<Type as Trait>::f`, where either may hold generics of its own.
    let depth = 0;
    let end = 0;
    for (let i = 0; i < fn.length && !end; i++) {
      if (fn[i] === "<") depth++;
      if (fn[i] === ">" && --depth === 0) end = i;
    }
    const inside = fn.slice(1, end);
    let split = -1;
    depth = 0;
    for (let i = 0; i < inside.length && split < 0; i++) {
      if (inside[i] === "<") depth++;
      if (inside[i] === ">") depth--;
      if (depth === 0 && inside.startsWith(" as ", i)) split = i;
    }
    const type = split < 0 ? inside : inside.slice(0, split);
    const trait = split < 0 ? "" : inside.slice(split + 4);
    const own = crate(type);
    const found = /::/.test(type) && !PRIMITIVES.test(own) ? own : trait ? crate(trait) : PRIMITIVES.test(own) ? "core" : "";
    if (found) return found;
  }
  const path = fn.match(/^([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/);
  return path ? path[1] : "(wasm-bindgen exports and shims)";
}

/// The release build's toolchain and flags (scripts/widget-release.env): `KEY=value`
/// lines, the value optionally in double quotes.
function releaseEnv() {
  const text = readFileSync(join(root, "scripts/widget-release.env"), "utf8");
  const pairs = [...text.matchAll(/^([A-Z0-9_]+)=("?)(.*)\2$/gm)].map(([, key, , value]) => [key, value]);
  return Object.fromEntries(pairs);
}

/// Builds the named wasm; returns rows { crate, bytes } (largest first) and the total.
export function breakdown() {
  const targetDir = join(root, "target/size-names");
  const env = { ...process.env, ...releaseEnv(), CARGO_PROFILE_RELEASE_STRIP: "false" };
  const run = (program, args) => execFileSync(program, args, { cwd: root, env, stdio: ["ignore", "ignore", "inherit"] });
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "-p", "doku-checkout", "--lib", "--target-dir", targetDir]);
  const out = join(targetDir, "breakdown");
  mkdirSync(out, { recursive: true });
  run("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", out, join(targetDir, "wasm32-unknown-unknown/release/doku_checkout.wasm")]);
  // Trunk's pass, then the build's second one around the boundary's two steps (as
  // scripts/post-build.mjs does), with names kept but not the DWARF.
  const optimized = join(out, "named.wasm");
  wasmOpt(["-Oz", "--debuginfo", "--strip-dwarf"], join(out, "doku_checkout_bg.wasm"), optimized);
  const glue = readFileSync(join(out, "doku_checkout.js"), "utf8");
  const loader = readFileSync(join(root, "js/doku-embed.js"), "utf8");
  slimBoundary(optimized, glue, loader, (path) => wasmOpt([...SECOND_PASS, "--debuginfo"], path, path));
  const { bodies, names, imported, data, other } = parse(readFileSync(optimized));
  const totals = new Map([
    ["(data: strings, tables)", data],
    ["(imports, exports, types, tables)", other],
  ]);
  bodies.forEach((size, i) => {
    const crate = crateOf(names.get(imported + i) || "");
    totals.set(crate, (totals.get(crate) || 0) + size);
  });
  const rows = [...totals].map(([crate, bytes]) => ({ crate, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { rows, total: rows.reduce((sum, row) => sum + row.bytes, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, total } = breakdown();
  for (const { crate, bytes } of rows) {
    console.log(`${crate.padEnd(28)}${String(bytes).padStart(8)}${(100 * bytes / total).toFixed(1).padStart(7)} %`);
  }
  console.log(`${"the wasm, without names".padEnd(28)}${String(total).padStart(8)}`);
}
