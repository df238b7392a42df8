// wasm-opt (npm binaryen, in tools/) with the wasm features trunk's own pass enables
// (index.html's data-wasm-opt-params), for the passes after trunk's: the release build's
// second pass (scripts/post-build.mjs) and the size breakdown (scripts/wasm-breakdown.mjs).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/// The release build's second pass: -Oz, then twice the control flow taken apart and
/// rebuilt (flatten + rereloop: binaryen's relooper finds a smaller structure for the
/// branches LLVM laid out) and -Oz, until the module stops shrinking. Measured on the
/// widget: first paint 68,315 -> 67,725 bytes gzip; once gave 68,034, three times 67,759.
export const SECOND_PASS = ["-Oz", "--flatten", "--rereloop", "-Oz", "--flatten", "--rereloop", "-Oz", "--converge"];

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
