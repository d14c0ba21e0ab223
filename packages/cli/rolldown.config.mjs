// Bundles the built CLI (dist/main.js and the command modules it imports lazily) with its dependencies
// (core, verifier, yargs, zod, ...) into dist/bundle: a cold `provenant sbom` or
// `provenant verify` then loads a few files instead of hundreds, which is most of its start-up time.
// Command modules stay separate chunks, loaded only when their command runs. Packages core loads at run
// time through createRequire (the CycloneDX library, ajv, yaml, zod for SPDX) resolve from node_modules,
// as unbundled: measured, bundling the CycloneDX library made `provenant sbom` do more work, not less
// (its models are reached through the bundler's CommonJS interop getters).
// The output is CommonJS (.cjs), which bin/provenant.cjs requires: Node 20 starts a CommonJS entry without
// its ES module loader, and Node 22+ caches the compiled code of either (module.enableCompileCache).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { defineConfig } from 'rolldown';
import { packageurlLazyCollator } from './scripts/packageurl-lazy-collator.mjs';

// core's packed CycloneDX library (core/scripts/pack-cyclonedx.mjs), copied to dist/vendor: the bundled
// core/sbom finds it one directory up from dist/bundle, as core's own dist/sbom finds core's copy, with
// no package-exports resolution at run time.
function vendorCycloneDx() {
  return {
    name: 'vendor-cyclonedx',
    writeBundle() {
      const from = createRequire(import.meta.url).resolve('@provenant/core/vendor/cyclonedx-library');
      mkdirSync('dist/vendor', { recursive: true });
      copyFileSync(from, join('dist/vendor', 'cyclonedx-library.cjs'));
    },
  };
}

export default defineConfig({
  input: { main: 'dist/main.js' },
  platform: 'node',
  plugins: [packageurlLazyCollator(), vendorCycloneDx()],
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
