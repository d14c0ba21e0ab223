// StrykerJS on the verification core: `npm run mutation` (whole set), or one module while working:
//   npm run mutation -- --mutate 'packages/verifier/src/policy/**/*.ts'
// Reports: reports/mutation/index.html and reports/mutation/mutation.json (gitignored).
// See mutation/README.md for the modules, the scores and the equivalent mutants.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'mutation/vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './mutation/ignore-messages.mjs'],
  // Workspace packages import each other through node_modules symlinks to packages/*/src (the `source`
  // condition); a sandbox copy would leave those imports on the unmutated files.
  inPlace: true,
  coverageAnalysis: 'perTest',
  // Mutants in module-level constants (schemas, tables) would each need the whole suite.
  ignoreStatic: true,
  // The machine is shared: one test runner.
  concurrency: 1,
  mutate: [
    'packages/core/src/verify/**/*.ts',
    'packages/core/src/slsa/verify/**/*.ts',
    // core/cosign's verification side; image-verify.ts reads a registry (see mutation/README.md).
    'packages/core/src/cosign/{verify,legacy,layout,conventions}.ts',
    'packages/verifier/src/policy/**/*.ts',
    'packages/verifier/src/decide/**/*.ts',
    '!**/*.test.ts',
    '!packages/core/src/verify/index.ts',
    '!packages/core/src/slsa/verify/index.ts',
  ],
  ignorers: ['error-messages'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  thresholds: { high: 90, low: 80, break: null },
  timeoutMS: 5000,
  cleanTempDir: 'always',
};
