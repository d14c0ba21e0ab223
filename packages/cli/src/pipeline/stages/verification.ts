import { readFile } from 'node:fs/promises';
import { ProvenantError } from '@provenant/core/errors';
import type { PipelineStage } from '../types.js';
import type { ImageStageOutput } from './image.js';
import type { SigningStageOutput } from './signing.js';

export const VERIFICATION_REPORT_FILE = 'verification-report.json';

interface Check {
  what: string;
  file: string;
  ok: boolean;
  code?: string;
  detail: string;
}

/** Re-verifies everything the pipeline signed, independently of how it was signed, and fails closed. */
export const verificationStage: PipelineStage = {
  name: 'verify',
  describe: 'verify every signature and attestation written, and write the verification report',
  async run(ctx) {
    const signing = ctx.outputs.get('signing') as SigningStageOutput | undefined;
    if (!signing) return { status: 'skipped', detail: 'nothing was signed' };
    const { loadTrustedRoot, verifyBundle } = await import('@provenant/core/verify');
    const trust = signing.trust ?? loadTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
    const policy = signing.publicKeyPem ? { kind: 'key' as const, publicKey: signing.publicKeyPem } : { kind: 'any' as const };
    // Offline key signatures carry no log entry unless one was asked for; the key itself is the trust anchor.
    const options = signing.publicKeyPem && !signing.signOptions.rekorURL && !signing.signOptions.tsaURL ? { tlogThreshold: 0, timestampThreshold: 0 } : {};
    const checks: Check[] = [];
    const check = (what: string, file: string, f: () => string): void => {
      try {
        checks.push({ what, file, ok: true, detail: f() });
      } catch (err) {
        if (!(err instanceof ProvenantError)) throw err;
        checks.push({ what, file, ok: false, code: err.code, detail: err.message });
      }
    };
    for (const a of signing.artifactBundles) {
      const data = await readFile(a.path);
      check(`signature of ${a.name}`, a.bundlePath, () => verifyBundle(a.bundle, { data }, policy, trust, options).artifactDigest ?? '');
      if (checks.at(-1)!.ok) {
        ctx.kpis.artifacts.verified++;
        ctx.kpis.signatures.verified++;
      }
    }
    for (const a of signing.attestationBundles) {
      check(`${a.predicateType} attestation`, a.bundlePath, () => {
        const r = verifyBundle(a.bundle, null, policy, trust, options);
        const pt = (r.dsse?.statement as { predicateType?: string } | undefined)?.predicateType;
        if (pt !== a.predicateType) throw new ProvenantError('PREDICATE_TYPE_MISMATCH', `attestation says ${pt}, expected ${a.predicateType}`);
        return pt;
      });
      if (checks.at(-1)!.ok) ctx.kpis.attestations.verified++;
    }
    const image = ctx.outputs.get('image') as ImageStageOutput | undefined;
    if (image) {
      checks.push({ what: `image signatures of ${image.reference}`, file: '(registry)', ok: image.signatures >= 2 && image.rejected.length === 0, detail: `${image.signatures} verified, ${image.rejected.length} rejected` });
      checks.push({ what: `image attestations of ${image.reference}`, file: '(registry)', ok: image.attestations.length >= 2, detail: image.attestations.map((a) => `${a.source}:${a.predicateType}`).join(', ') });
      ctx.kpis.signatures.verified += image.signatures;
      ctx.kpis.attestations.verified += image.attestations.length;
    }
    const report = { ...(signing.publicKeyPem ? { publicKey: signing.publicKeyPem } : { signer: 'certificate (keyless)' }), passed: checks.every((c) => c.ok), checks, ...(image ? { image: { reference: image.reference, digest: image.digest } } : {}) };
    await ctx.addFile(VERIFICATION_REPORT_FILE, JSON.stringify(report, null, 2) + '\n', { kind: 'verification-report', mediaType: 'application/json' });
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) throw new ProvenantError('VERIFICATION_FAILED', `pipeline verification failed: ${failed.map((c) => `${c.what} [${c.code ?? 'FAILED'}] ${c.detail}`).join('; ')}`);
    return { detail: `${checks.length} checks passed` };
  },
};

/** The stage list with the image stage placed before verification. */
export function withImageStage(stages: readonly PipelineStage[], image: PipelineStage): PipelineStage[] {
  const i = stages.findIndex((s) => s.name === 'verify');
  return i === -1 ? [...stages, image] : [...stages.slice(0, i), image, ...stages.slice(i)];
}
