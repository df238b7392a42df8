// Tests of scripts/link-widget.sh, with a stand-in toolchain whose rust-lld prints the
// arguments it was given:
//   node --test scripts/      (make test-scripts)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";

const wrapper = new URL("link-widget.sh", import.meta.url).pathname;

/// Runs the wrapper with `args` against a stand-in `rustc` and `rust-lld`; returns the
/// process's status, the arguments rust-lld received (one per line) and its stderr.
function link(args) {
  const dir = mkdtempSync(join(tmpdir(), "link-widget-"));
  try {
    const bin = join(dir, "lib/rustlib/test-host/bin");
    mkdirSync(bin, { recursive: true });
    const script = (path, body) => {
      writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(path, 0o755);
    };
    script(join(dir, "rustc"), `case "$1" in --print) echo ${dir} ;; -vV) echo "host: test-host" ;; esac`);
    script(join(bin, "rust-lld"), `printf '%s\\n' "$@"`);
    const run = spawnSync(wrapper, args, { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
    return { status: run.status, args: run.stdout.split("\n").filter(Boolean), stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test("wasm-streams' exports are left out of the link, every other argument passes", () => {
  const { status, args } = link([
    "-flavor", "wasm",
    "--export", "mount_b2c8",
    "--export", "__wbg_intounderlyingsource_free_58a9",
    "--export", "intounderlyingsink_write_58a9",
    "--export=__wbindgen_describe_intounderlyingsource_pull_58a9",
    "--export", "__wbindgen_describe___wbg_new_with_underlying_source_7730",
    "-o", "out.wasm",
  ]);
  assert.equal(status, 0);
  assert.deepEqual(args, [
    "-flavor", "wasm",
    "--export", "mount_b2c8",
    "--export", "__wbindgen_describe___wbg_new_with_underlying_source_7730",
    "-o", "out.wasm",
  ]);
});

test("a link with nothing to leave out fails, naming the wrapper", () => {
  const { status, stderr } = link(["-flavor", "wasm", "--export", "mount_b2c8"]);
  assert.equal(status, 1);
  assert.match(stderr, /no wasm-streams export to leave out of the link/);
});
