// wasm-opt (npm binaryen, in tools/) with the wasm features trunk's own pass enables
// (index.html's data-wasm-opt-params), for the passes after trunk's: the release build's
// second pass (scripts/post-build.mjs) and the size breakdown (scripts/wasm-breakdown.mjs).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/// The release build's second pass: -Oz again until the module stops shrinking.
export const SECOND_PASS = ["-Oz", "--converge"];

/// The features trunk enables, from index.html.
function features() {
  const html = readFileSync(join(root, "index.html"), "utf8");
  return (html.match(/data-wasm-opt-params="([^"]*)"/) || ["", ""])[1].split(/\s+/).filter(Boolean);
}

/// Runs wasm-opt with `passes` on the module `input`, writing `output` (which may be
/// `input`).
export function wasmOpt(passes, input, output) {
  const program = join(root, "tools/node_modules/.bin/wasm-opt");
  execFileSync(program, [...features(), ...passes, input, "-o", output], { stdio: ["ignore", "inherit", "inherit"] });
}
