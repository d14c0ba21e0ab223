// Bundles the built verifier (dist/index.js) with its private dependencies (yaml, the CEL engine
// @marcbachmann/cel-js, @bufbuild/re2 for `matches`) into dist/bundle: a cold `provenant verify --policy`
// then loads a few files instead of ~150. @provenant/core (one ProvenantError class) and zod (shared with
// core) stay external. CEL stays a separate chunk, loaded only for policies with conditions, and RE2
// another, loaded only for conditions that call `matches`.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/index.js',
  platform: 'node',
  external: [/^@provenant\/core(\/|$)/, /^zod(\/|$)/],
  output: { dir: 'dist/bundle', cleanDir: true, format: 'esm', sourcemap: true, chunkFileNames: '[name]-[hash].js' },
});
