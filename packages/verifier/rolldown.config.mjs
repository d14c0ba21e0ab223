// Bundles the built verifier (dist/index.js) with its private dependencies (yaml, the CEL engine
// @marcbachmann/cel-js, @bufbuild/re2 for `matches`) into dist/bundle: a cold `provenant verify --policy`
// then loads a few files instead of ~150. @provenant/core (one ProvenantError class) and zod (shared with
// core) stay external. CEL stays a separate chunk, loaded only for policies with conditions, and RE2
// another, loaded only for conditions that call `matches`. The admission webhook is an entry of its own
// (@provenant/verifier/admission); its pino and prom-client stay external, resolved from node_modules.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { index: 'dist/index.js', admission: 'dist/admission/index.js' },
  platform: 'node',
  external: [/^@provenant\/core(\/|$)/, /^zod(\/|$)/, /^pino(\/|$)/, /^prom-client(\/|$)/],
  output: { dir: 'dist/bundle', cleanDir: true, format: 'esm', sourcemap: true, chunkFileNames: '[name]-[hash].js' },
});
