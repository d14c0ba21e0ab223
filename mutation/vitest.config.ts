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
      'test/conformance.test.ts',
    ],
    // Slow and already covered by the tests above: a registry copy per case, a TLS webhook server.
    exclude: ['test/verifier/promote.test.ts', 'test/verifier/admission.test.ts'],
    // Modules load once per run, not once per test file: a mutant run then costs its tests alone.
    isolate: false,
  },
});
