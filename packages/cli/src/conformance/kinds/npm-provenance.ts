import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NpmAttestations, parseNpmRegistryKeys, verifyNpmPackage } from '@provenant/core/slsa';
import { loadTrustedRoot } from '@provenant/core/verify';
import type { KindHandler } from '../types.js';

const Params = z.object({
  source_uri: z.string().optional(),
  builder_id: z.string().nullish(),
  package_name: z.string().nullish(),
  package_version: z.string().nullish(),
  check: z.string().optional(),
  sha512: z.string().optional(),
});

/** slsa-verifier verify-npm-package: tarball + attestations JSON + npm registry keys, offline. */
export const handler: KindHandler = async (c, file) => {
  const p = Params.parse(c.params);
  const attestations: unknown = JSON.parse(await readFile(file('attestations'), 'utf8'));
  const trust = loadTrustedRoot(JSON.parse(await readFile(file('trusted_root'), 'utf8')));
  const keys = parseNpmRegistryKeys(JSON.parse(await readFile(file('npm_registry_keys'), 'utf8')));
  if (p.check !== undefined) {
    // One stage of the verification (upstream unit tests), after both signatures verified: never less checked than that.
    const npm = NpmAttestations.parse(attestations, trust);
    npm.verifyProvenanceSignature();
    npm.verifyPublishSignature(keys);
    if (p.check.startsWith('package name') && p.package_name) npm.verifyPackageName(p.package_name);
    if (p.check.startsWith('package version') && p.package_version) npm.verifyPackageVersion(p.package_version);
    if (p.check.startsWith('publish attestation subject') && p.sha512) npm.verifyPublishSubjectDigest(p.sha512);
    if (p.check.startsWith('in-toto')) npm.verifyIntotoHeaders();
    return { verdict: 'valid', detail: `stage "${p.check}" verified` };
  }
  const tarball = await readFile(file('package_tarball'));
  const r = verifyNpmPackage(attestations, trust, keys, {
    tarballSha512: createHash('sha512').update(tarball).digest('hex'),
    sourceUri: p.source_uri ?? '',
    builderId: p.builder_id ?? undefined,
    packageName: p.package_name ?? undefined,
    packageVersion: p.package_version ?? undefined,
  });
  return { verdict: 'valid', detail: `${r.packageName}@${r.packageVersion} built by ${r.builderId}` };
};
