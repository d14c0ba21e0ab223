// Real part: a private Sigstore (Fulcio with a CT log, Rekor, a TSA from @sigstore/mock) on loopback
// HTTP, the same servers `provenant dev sigstore` runs (packages/cli/src/dev/sigstore.ts).
import type { TestProject } from 'vitest/node';
import { DEV_OIDC_ISSUER, DEV_SAN, startSigstoreServers, type SigstoreParts } from '@provenant/cli/dev-sigstore';

export { canonicalizeRekorEntry, mintIdentityToken, startSigstoreServers, type SigstoreParts } from '@provenant/cli/dev-sigstore';
export const TEST_OIDC_ISSUER = DEV_OIDC_ISSUER;
export const TEST_SAN = DEV_SAN;

declare module 'vitest' {
  export interface ProvidedContext {
    sigstore: SigstoreParts;
  }
}

/** globalSetup part: provides `sigstore` to tests (read with `inject('sigstore')`). */
export async function startSigstore(project: TestProject): Promise<() => Promise<void>> {
  const { parts, stop } = await startSigstoreServers();
  project.provide('sigstore', parts);
  return stop;
}
