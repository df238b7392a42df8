// The boundary between the widget's wasm and its JavaScript glue (wasm-bindgen's output),
// made smaller for the release build (scripts/post-build.mjs), in two steps:
// 1. `dropUnused`, before the last wasm-opt pass: removes the exported classes nothing
//    uses (wasm-streams' IntoUnderlying*, which Leptos's server functions bring along;
//    scripts/link-widget.sh already left their wasm exports out of the link) and every
//    wasm export the remaining JavaScript never calls (globals such as
//    `__instance_terminated`), so that wasm-opt then drops what only those reached;
// 2. `shorten`, after it: drops the import functions the wasm no longer imports and
//    renames every import, import module and export to a short name, in both files.
//    wasm-bindgen's names carry a 16-digit hash each (`__wbg_setAttribute_2704501201f15687`),
//    which compression cannot shrink, written once in the wasm and once in the JavaScript.
// Both steps check what they rely on and throw, failing the build, when wasm-bindgen's
// output no longer looks as expected. The exports object that `init()` resolves to has the
// short names; doku-embed.js, the widget's only loader, does not use it.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tools/", import.meta.url));
const acorn = require("acorn");

const parse = (js) => acorn.parse(js, { ecmaVersion: "latest", sourceType: "module" });

/// Calls `visit` on every node of the tree under `node`.
function walk(node, visit) {
  visit(node);
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child.type === "string") walk(child, visit);
    }
  }
}

/// `js` with the text ranges of `edits` ({ start, end, text }, not overlapping) replaced.
function edit(js, edits) {
  let out = js;
  for (const { start, end, text } of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, start) + text + out.slice(end);
  }
  return out;
}

const isIdentifier = (node, name) => node?.type === "Identifier" && (name === undefined || node.name === name);

/// The name a property's key spells, whether written as an identifier or a string.
function keyName(property) {
  if (property.type !== "Property" || property.computed) return undefined;
  return property.key.type === "Identifier" ? property.key.name : property.key.value;
}

/// The names `loader` (a module's source) imports from other modules, statically or as
/// the properties it destructures from a dynamic import
/// (`const { a, default: b } = await import(...)`); `*` for a namespace import or any
/// other use of a dynamic import, which may use any of them.
function importedNames(loader) {
  const names = new Set();
  const ast = parse(loader);
  for (const statement of ast.body) {
    if (statement.type !== "ImportDeclaration") continue;
    for (const specifier of statement.specifiers) {
      const kinds = { ImportSpecifier: specifier.imported?.name, ImportDefaultSpecifier: "default" };
      names.add(kinds[specifier.type] ?? "*");
    }
  }
  const destructured = new Set();
  walk(ast, (node) => {
    if (node.type !== "VariableDeclarator" || node.id.type !== "ObjectPattern") return;
    const imported = node.init?.type === "AwaitExpression" ? node.init.argument : undefined;
    if (imported?.type !== "ImportExpression") return;
    destructured.add(imported);
    for (const property of node.id.properties) names.add(keyName(property) ?? "*");
  });
  walk(ast, (node) => {
    if (node.type === "ImportExpression" && !destructured.has(node)) names.add("*");
  });
  return names;
}

/// The top-level statements that make up exported class `name`: its declaration, its
/// `Symbol.dispose` alias and its `FinalizationRegistry`.
function classStatements(body, name) {
  return body.filter((statement) => {
    if (statement.type === "ExportNamedDeclaration") return isIdentifier(statement.declaration?.id, name);
    if (statement.type === "IfStatement") {
      const target = statement.consequent.expression?.left?.object;
      return target?.type === "MemberExpression" && isIdentifier(target.object, name);
    }
    if (statement.type === "VariableDeclaration") {
      return statement.declarations.length === 1 && isIdentifier(statement.declarations[0].id, `${name}Finalization`);
    }
    return false;
  });
}

/// The wasm exports `js` calls (`wasm.name`).
function calledExports(js) {
  const names = new Set();
  walk(parse(js), (node) => {
    if (node.type === "MemberExpression" && isIdentifier(node.object, "wasm")) {
      if (node.computed) throw new Error(`wasm-boundary: the glue reads wasm[...] at ${node.start}: unsupported`);
      names.add(node.property.name);
    }
  });
  return names;
}

/// Step 1. Drops from the glue `js` each exported class that `loader` does not import and
/// nothing else in `js` refers to. Returns the new glue, the dropped classes and the wasm
/// exports the new glue calls (every other export can go).
export function dropUnused(js, loader) {
  const wanted = importedNames(loader);
  const ast = parse(js);
  const references = new Map();
  walk(ast, (node) => {
    if (node.type !== "Identifier") return;
    if (!references.has(node.name)) references.set(node.name, []);
    references.get(node.name).push(node.start);
  });
  const edits = [];
  const dropped = [];
  for (const statement of ast.body) {
    const name = statement.type === "ExportNamedDeclaration" && statement.declaration?.type === "ClassDeclaration" ? statement.declaration.id.name : null;
    if (!name || wanted.has(name) || wanted.has("*")) continue;
    const statements = classStatements(ast.body, name);
    const inside = (at) => statements.some((s) => s.start <= at && at < s.end);
    const outside = [name, `${name}Finalization`].flatMap((n) => references.get(n) || []).filter((at) => !inside(at));
    if (outside.length > 0) continue;
    dropped.push(name);
    edits.push(...statements.map(({ start, end }) => ({ start, end, text: "" })));
  }
  const glue = edit(js, edits);
  const exports = calledExports(glue);
  if (exports.size === 0) throw new Error("wasm-boundary: the glue calls no wasm export through `wasm`: its layout changed");
  return { js: glue, dropped, exports };
}

/// Both steps on the wasm file `wasm` and its glue `js` (`loader` being the module that
/// imports the glue), around `optimize(wasm)`, the last wasm-opt pass on the file in
/// place. Rewrites `wasm`; returns the new glue, the classes dropped and the exports the
/// glue calls.
export function slimBoundary(wasm, js, loader, optimize) {
  const unused = dropUnused(js, loader);
  writeFileSync(wasm, rewriteBoundary(readFileSync(wasm), { exports: (name) => unused.exports.has(name) && name }));
  optimize(wasm);
  const module = new WebAssembly.Module(readFileSync(wasm));
  const short = shorten(unused.js, WebAssembly.Module.imports(module), WebAssembly.Module.exports(module));
  writeFileSync(wasm, rewriteBoundary(readFileSync(wasm), short.renaming));
  return { js: short.js, dropped: unused.dropped, exports: unused.exports };
}

/// Short names, in order: a..z, A..Z, $, _, then two characters and so on.
function shortName(index) {
  const first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ$_";
  const rest = `${first}0123456789`;
  let name = first[index % first.length];
  for (let n = Math.floor(index / first.length); n > 0; n = Math.floor((n - 1) / rest.length)) {
    name += rest[(n - 1) % rest.length];
  }
  return name;
}

/// Step 2. Renames the boundary of a wasm module and its glue `js` to short names:
/// `imports` and `exports` are the module's (`WebAssembly.Module.imports/exports`).
/// Returns the new glue and the renaming for `rewriteBoundary`.
export function shorten(js, imports, exports) {
  const modules = new Map([...new Set(imports.map((i) => i.module))].map((m, i) => [m, shortName(i)]));
  const importNames = new Map(imports.map((item, i) => [`${item.module}\0${item.name}`, shortName(i)]));
  const exportNames = new Map(exports.map((item, i) => [item.name, shortName(i)]));

  // The exports the glue calls.
  const calls = [];
  walk(parse(js), (node) => {
    if (node.type === "MemberExpression" && isIdentifier(node.object, "wasm") && !node.computed) {
      const renamed = exportNames.get(node.property.name);
      if (!renamed) throw new Error(`wasm-boundary: the glue calls wasm.${node.property.name}, which the wasm does not export`);
      calls.push({ start: node.property.start, end: node.property.end, text: renamed });
    }
  });
  const glue = edit(js, calls);

  // The imports object: { "module": importN } whose importN = { __proto__: null, name: f, ... }.
  const ast = parse(glue);
  const objects = new Map();
  walk(ast, (node) => {
    if (node.type === "VariableDeclarator" && node.init?.type === "ObjectExpression") objects.set(node.id.name, node.init);
  });
  const edits = [];
  const provided = new Set();
  walk(ast, (node) => {
    if (node.type !== "Property" || !modules.has(keyName(node)) || !isIdentifier(node.value)) return;
    const module = keyName(node);
    const object = objects.get(node.value.name);
    if (!object) throw new Error(`wasm-boundary: no object ${node.value.name} for the imports of ${module}`);
    edits.push({ start: node.key.start, end: node.key.end, text: JSON.stringify(modules.get(module)) });
    const kept = [];
    for (const property of object.properties) {
      const name = keyName(property);
      if (name === "__proto__") continue;
      if (name === undefined || property.method || property.shorthand) {
        throw new Error(`wasm-boundary: unexpected import property at ${property.start}`);
      }
      const renamed = importNames.get(`${module}\0${name}`);
      if (!renamed) continue; // The wasm no longer imports it.
      provided.add(`${module}\0${name}`);
      kept.push(`${renamed}: ${glue.slice(property.value.start, property.value.end)}`);
    }
    edits.push({ start: object.start, end: object.end, text: `{ __proto__: null, ${kept.join(", ")} }` });
  });
  for (const item of imports) {
    if (!provided.has(`${item.module}\0${item.name}`)) {
      throw new Error(`wasm-boundary: the wasm imports ${item.module} ${item.name}, which the glue does not provide`);
    }
  }
  return {
    js: edit(glue, edits),
    renaming: {
      imports: (module, name) => [modules.get(module), importNames.get(`${module}\0${name}`)],
      exports: (name) => exportNames.get(name),
    },
  };
}

/// Reads an unsigned LEB128 at `at`; returns [value, next offset].
function readLeb(bytes, at) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/// An unsigned LEB128.
function leb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encodeName = (name) => {
  const bytes = encoder.encode(name);
  return [...leb(bytes.length), ...bytes];
};
function readName(bytes, at) {
  const [length, start] = readLeb(bytes, at);
  return [decoder.decode(bytes.subarray(start, start + length)), start + length];
}

/// The end of an import's description (what follows its kind byte) starting at `at`.
function descriptionEnd(bytes, kind, at) {
  const limits = (from) => {
    const flags = bytes[from];
    let [, next] = readLeb(bytes, from + 1);
    if (flags & 1) [, next] = readLeb(bytes, next);
    return next;
  };
  const plainType = (byte) => byte !== 0x63 && byte !== 0x64; // not a typed reference
  switch (kind) {
    case 0: return readLeb(bytes, at)[1]; // function: its type
    case 1: if (plainType(bytes[at])) return limits(at + 1); break; // table
    case 2: return limits(at); // memory
    case 3: if (plainType(bytes[at])) return at + 2; break; // global: type, mutability
    case 4: return readLeb(bytes, at + 1)[1]; // tag
  }
  throw new Error(`wasm-boundary: an import of kind ${kind} at ${at} is not supported`);
}

/// A copy of the wasm module `bytes` with its import and export sections rewritten:
/// `imports(module, name)` gives an import's new [module, name]; `exports(name)` an
/// export's new name, or nothing to drop the export. Either may be left out.
function rewriteBoundary(bytes, { imports, exports }) {
  const parts = [bytes.subarray(0, 8)];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    const [size, start] = readLeb(bytes, at + 1);
    const end = start + size;
    if (!((id === 2 && imports) || (id === 7 && exports))) {
      parts.push(bytes.subarray(at, end));
      at = end;
      continue;
    }
    let [count, p] = readLeb(bytes, start);
    const entries = [];
    let kept = 0;
    for (; count > 0; count--) {
      if (id === 2) {
        let module, name;
        [module, p] = readName(bytes, p);
        [name, p] = readName(bytes, p);
        const descEnd = descriptionEnd(bytes, bytes[p], p + 1);
        const [newModule, newName] = imports(module, name);
        entries.push(...encodeName(newModule), ...encodeName(newName), ...bytes.subarray(p, descEnd));
        kept++;
        p = descEnd;
      } else {
        let name;
        [name, p] = readName(bytes, p);
        const [, indexEnd] = readLeb(bytes, p + 1);
        const renamed = exports(name);
        if (renamed) {
          entries.push(...encodeName(renamed), ...bytes.subarray(p, indexEnd));
          kept++;
        }
        p = indexEnd;
      }
    }
    if (p !== end) throw new Error(`wasm-boundary: section ${id} has ${end - p} bytes past its entries`);
    const payload = [...leb(kept), ...entries];
    parts.push(Uint8Array.from([id, ...leb(payload.length), ...payload]));
    at = end;
  }
  return Buffer.concat(parts);
}
