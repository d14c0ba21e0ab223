import type { CommandEntry } from './types.js';

// Command modules load lazily: only the one being run is imported. Keep entries sorted by name.
export const commands: readonly CommandEntry[] = [
  { name: 'admission', describe: 'Kubernetes admission webhook: pins tags to verified digests and decides (admission serve)', load: () => import('./admission.js') },
  { name: 'attest', describe: 'sign an in-toto attestation about a file (DSSE in a Sigstore bundle)', load: () => import('./attest.js') },
  { name: 'attest-image', describe: 'attach an in-toto attestation to an image digest (cosign .att and/or bundle referrer)', load: () => import('./attest-image.js') },
  { name: 'completion', describe: 'print a shell completion script (bash or zsh)', load: () => import('./completion.js') },
  { name: 'dev', describe: 'start Fulcio, Rekor and a TSA on loopback to try keyless signing offline (dev sigstore)', load: () => import('./dev.js') },
  { name: 'keygen', describe: 'write a cosign-compatible key pair (cosign.key encrypted, cosign.pub)', load: () => import('./keygen.js') },
  { name: 'pipeline', describe: 'SBOM + provenance + signatures + verification, written as an evidence bundle', load: () => import('./pipeline.js') },
  { name: 'promote', describe: 'copy an image and its attestations by digest, only if the policy allows', load: () => import('./promote.js') },
  { name: 'provenance', describe: 'SLSA v1 provenance for files, globs, a checksums file or image digests', load: () => import('./provenance.js') },
  { name: 'sbom', describe: 'generate an SBOM for a project dir, a lockfile or an image', load: () => import('./sbom.js') },
  { name: 'sign', describe: 'sign a file into a Sigstore bundle (key or keyless)', load: () => import('./sign.js') },
  { name: 'sign-bundle', describe: 'keyless-sign a file into a Sigstore bundle (sigstore-conformance client protocol)', load: () => import('./sign-bundle.js') },
  { name: 'sign-image', describe: 'sign an image digest as cosign does (.sig and/or bundle referrer)', load: () => import('./sign-image.js') },
  { name: 'trust', describe: "fetch Sigstore's trusted root and npm keys through TUF into a cache (trust update), or show it (trust show)", load: () => import('./trust.js') },
  { name: 'verify', describe: 'verify a file against a Sigstore bundle, by key or certificate identity', load: () => import('./verify.js') },
  { name: 'verify-artifact', describe: 'verify SLSA provenance of artifacts (slsa-verifier semantics)', load: () => import('./verify-artifact.js') },
  { name: 'verify-bundle', describe: 'verify a Sigstore bundle (sigstore-conformance client protocol)', load: () => import('./verify-bundle.js') },
  { name: 'verify-image', describe: 'verify image signatures, attestations or SLSA provenance by digest', load: () => import('./verify-image.js') },
  { name: 'verify-npm-package', describe: 'verify an npm tarball against its registry attestations', load: () => import('./verify-npm-package.js') },
  { name: 'version', describe: "print provenant's, Node's and the supported specification versions", load: () => import('./version.js') },
];
