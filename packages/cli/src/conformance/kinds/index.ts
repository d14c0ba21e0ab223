import type { KindHandler } from '../types.js';

// One module per group of kinds; each loads lazily. Add a line per kind.
export const kindHandlers: Record<string, () => Promise<KindHandler>> = {
  'sigstore-bundle-verify': () => import('./sigstore-bundle.js').then((m) => m.handler),
  dsse: () => import('./dsse.js').then((m) => m.handler),
  'intoto-statement': () => import('./intoto.js').then((m) => m.statementHandler),
  'intoto-resource-descriptor': () => import('./intoto.js').then((m) => m.resourceDescriptorHandler),
  'slsa-provenance-predicate': () => import('./slsa-predicate.js').then((m) => m.handler),
  'cyclonedx-valid': () => import('./cyclonedx.js').then((m) => m.handler),
  'cyclonedx-invalid': () => import('./cyclonedx.js').then((m) => m.handler),
  'os-pkgdb': () => import('./os-pkgdb.js').then((m) => m.handler),
  'cosign-key-import': () => import('./cosign-keys.js').then((m) => m.importHandler),
  'cosign-encrypted-private-key': () => import('./cosign-keys.js').then((m) => m.encryptedKeyHandler),
  'slsa-provenance': () => import('./slsa.js').then((m) => m.provenanceHandler),
  'slsa-provenance-oci-image': () => import('./slsa.js').then((m) => m.imageHandler),
  'slsa-vsa': () => import('./slsa.js').then((m) => m.vsaHandler),
  'cosign-oci-attestation': () => import('./cosign-oci.js').then((m) => m.attestationHandler),
  'cosign-simple-signing-payload': () => import('./cosign-oci.js').then((m) => m.simpleSigningHandler),
  'npm-provenance': () => import('./npm-provenance.js').then((m) => m.handler),
  lockfile: () => import('./lockfile.js').then((m) => m.handler),
};
