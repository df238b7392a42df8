// The two encodings browsers are sent: gzip -9 and brotli at quality 11 (the smallest
// each makes). Used by the build (scripts/post-build.mjs) and the size figures
// (scripts/size.mjs), so what is measured is what is served.
import { writeFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/// `bytes` as gzip and as brotli, by their file suffix.
export function compress(bytes) {
  return {
    gz: gzipSync(bytes, { level: 9 }),
    br: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
  };
}

/// Writes the copies of the file at `path` (holding `bytes`) beside it, as `path.gz` and
/// `path.br`, each only if smaller than the file (else it would only cost a decode).
/// Returns the copies.
export function writeCopies(path, bytes) {
  const copies = compress(bytes);
  for (const [suffix, copy] of Object.entries(copies)) {
    if (copy.length < bytes.length) writeFileSync(`${path}.${suffix}`, copy);
  }
  return copies;
}
