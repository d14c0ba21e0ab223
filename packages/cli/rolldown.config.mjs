// Bundles the built CLI (dist/main.js and the command modules it imports lazily) with its dependencies
// (core, verifier, yargs, zod, ...) into dist/bundle: a cold `provenant sbom` or
// `provenant verify` then loads a few files instead of hundreds, which is most of its start-up time.
// Command modules stay separate chunks, loaded only when their command runs. The CycloneDX library (and
// xmlbuilder2, which its Serialize entry loads) is bundled too: one chunk instead of ~240 files to
// resolve and read; packages core loads through createRequire (ajv, yaml, zod for SPDX) resolve from
// node_modules at run time.
// The output is CommonJS (.cjs), which bin/provenant.cjs requires: Node 20 starts a CommonJS entry without
// its ES module loader, and Node 22+ caches the compiled code of either (module.enableCompileCache).
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { main: 'dist/main.js' },
  platform: 'node',
  output: {
    dir: 'dist/bundle',
    cleanDir: true,
    format: 'cjs',
    sourcemap: true,
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    // Whitespace and dead code only: names stay as written, so stack traces and error names read as the source.
    minify: { mangle: false, compress: true, codegen: { removeWhitespace: true } },
  },
});
