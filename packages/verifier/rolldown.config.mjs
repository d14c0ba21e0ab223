// Bundles the built verifier (dist/index.js) with its private dependencies (yaml, @bufbuild/cel and
// protobuf under it) into dist/bundle: a cold `provenant verify --policy` then loads a few files instead
// of ~150, about half its CPU time. @provenant/core (one ProvenantError class) and zod (shared with core)
// stay external. CEL stays a separate chunk, loaded only for policies with conditions.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/index.js',
  platform: 'node',
  external: [/^@provenant\/core(\/|$)/, /^zod(\/|$)/],
  output: { dir: 'dist/bundle', cleanDir: true, format: 'esm', sourcemap: true, chunkFileNames: '[name]-[hash].js' },
});
