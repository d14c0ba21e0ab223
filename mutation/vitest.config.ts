// The tests StrykerJS runs against the mutated verification core (see mutation/README.md): the unit
// tests beside the modules and the cross-package tests that exercise verification and decisions.
import { defineConfig } from 'vitest/config';
import base from '../vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'packages/core/src/verify/**/*.test.ts',
      'packages/core/src/slsa/verify/**/*.test.ts',
      'packages/core/src/cosign/**/*.test.ts',
      'test/verify/**/*.test.ts',
      'test/verifier/**/*.test.ts',
      'test/slsa/**/*.test.ts',
      'test/cosign/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/conformance.test.ts',
    ],
    // Tests against the real registry and the TLS webhook (globalSetup's parts) take seconds each, and
    // per-test coverage would run them for every mutant they reach: on a shared 2-core machine that is
    // hours. They stay in npm test; here only tests that run in process without network parts.
    exclude: [
      'test/verifier/promote.test.ts', 'test/verifier/admission.test.ts', 'test/verifier/cosign-interop.test.ts', 'test/cosign/image-interop.test.ts',
      // process.chdir, which the runner's worker threads do not allow.
      'test/security/subjects.test.ts',
    ],
    globalSetup: [],
    // Modules load once per run, not once per test file: a mutant run then costs its tests alone.
    isolate: false,
  },
});
