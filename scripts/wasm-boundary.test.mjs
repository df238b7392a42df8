// Tests of scripts/wasm-boundary.mjs on a small module and glue written the way
// wasm-bindgen writes them, through the release build's real wasm-opt pass:
//   node --test scripts/      (make test-scripts)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { dropUnused, shorten, slimBoundary } from "./wasm-boundary.mjs";
import { SECOND_PASS, wasmOpt } from "./wasm-opt.mjs";

const tools = new URL("../tools/node_modules/.bin/", import.meta.url).pathname;

// `quadruple` calls the imported `double` twice; `stream_pull` only serves the glue's
// Stream class, which no loader imports.
const WAT = `(module
  (import "./glue_bg.js" "__wbg_double_0123456789abcdef" (func $double (param i32) (result i32)))
  (import "./glue_bg.js" "__wbg_echo_fedcba9876543210" (func $echo (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "quadruple") (param i32) (result i32) (call $double (call $double (local.get 0))))
  (func (export "stream_pull") (param i32) (result i32) (call $echo (local.get 0))))`;

const GLUE = `export class Stream {
    free() { StreamFinalization.unregister(this); }
    pull(x) { return wasm.stream_pull(x); }
}
if (Symbol.dispose) Stream.prototype[Symbol.dispose] = Stream.prototype.free;

export function quadruple(x) {
    return wasm.quadruple(x);
}

function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_double_0123456789abcdef: function(arg0) {
            return 2 * arg0;
        },
        __wbg_echo_fedcba9876543210: function(arg0) {
            return arg0;
        },
    };
    return {
        __proto__: null,
        "./glue_bg.js": import0,
    };
}

const StreamFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.stream_pull(ptr));

let wasm;
export function initSync(bytes) {
    wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), __wbg_get_imports()).exports;
}
`;

const LOADER = `import { quadruple } from "./glue.js";\nquadruple(1);\n`;

/// The build's two steps around wasm-opt's pass, as post-build.mjs runs them, on the
/// module of WAT (assembled by binaryen's wasm-as).
function release(glue, loader) {
  const dir = mkdtempSync(join(tmpdir(), "wasm-boundary-"));
  try {
    const path = join(dir, "m.wasm");
    writeFileSync(join(dir, "m.wat"), WAT);
    execFileSync(join(tools, "wasm-as"), [join(dir, "m.wat"), "-o", path]);
    const slim = slimBoundary(path, glue, loader, (file) => wasmOpt(SECOND_PASS, file, file));
    return { ...slim, wasm: readFileSync(path) };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const load = (js) => import(`data:text/javascript,${encodeURIComponent(js)}`);

test("the unused class and what only it reached go; what is left works under short names", async () => {
  const { dropped, exports, js, wasm } = release(GLUE, LOADER);
  assert.deepEqual(dropped, ["Stream"]);
  assert.deepEqual([...exports], ["quadruple"]);

  const module = new WebAssembly.Module(wasm);
  assert.deepEqual(WebAssembly.Module.imports(module), [{ module: "a", name: "a", kind: "function" }]);
  assert.deepEqual(WebAssembly.Module.exports(module), [{ name: "a", kind: "function" }]);
  assert.doesNotMatch(js, /Stream|_[0-9a-f]{16}\b|glue_bg|wasm\.quadruple/);

  const glue = await load(js);
  glue.initSync(wasm);
  assert.equal(glue.quadruple(5), 20);
});

test("a class the loader imports (by name or all at once), or the glue uses, is kept", () => {
  const imported = dropUnused(GLUE, `import { Stream } from "./glue.js";`);
  assert.deepEqual(imported.dropped, []);
  assert.ok(imported.exports.has("stream_pull"));

  const used = dropUnused(GLUE.replace("return wasm.quadruple(x);", "return new Stream().pull(x);"), LOADER);
  assert.deepEqual(used.dropped, []);

  const everything = dropUnused(GLUE, `import * as glue from "./glue.js";`);
  assert.deepEqual(everything.dropped, []);

  const named = dropUnused(GLUE, `const { Stream: S } = await import("./glue.js");`);
  assert.deepEqual(named.dropped, []);
  const whole = dropUnused(GLUE, `const glue = await import("./glue.js");`);
  assert.deepEqual(whole.dropped, []);
  const promise = dropUnused(GLUE, `const { quadruple } = import("./glue.js");`);
  assert.deepEqual(promise.dropped, []);
  const rest = dropUnused(GLUE, `const { quadruple, ...others } = await import("./glue.js");`);
  assert.deepEqual(rest.dropped, []);
});

test("a loader's dynamic import keeps only the names it destructures", () => {
  const { dropped, exports } = dropUnused(GLUE, `const { default: init, quadruple } = await import("./glue.js");`);
  assert.deepEqual(dropped, ["Stream"]);
  assert.deepEqual([...exports], ["quadruple"]);
});

test("a glue that does not match the wasm fails the build", () => {
  assert.throws(() => dropUnused(GLUE.replaceAll("wasm", "exports"), LOADER), /calls no wasm export/);
  const exports = ["quadruple", "stream_pull"].map((name) => ({ name, kind: "function" }));
  const imports = [{ module: "./glue_bg.js", name: "__wbg_missing_0000000000000000", kind: "function" }];
  assert.throws(() => shorten(GLUE, imports, exports), /imports \.\/glue_bg\.js __wbg_missing_0{16}, which the glue does not provide/);
  assert.throws(() => shorten(GLUE, [], exports.slice(1)), /wasm\.quadruple, which the wasm does not export/);
});
