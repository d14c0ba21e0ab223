import { ProvenantError } from '@provenant/core/errors';
import type { PipelineStage } from '../types.js';
import type { ProvenanceStageOutput } from './provenance.js';
import { CYCLONEDX_PREDICATE_TYPE, type SigningStageOutput } from './signing.js';

/** What the verify stage gets (ctx.outputs.get('image')). */
export interface ImageStageOutput {
  reference: string;
  digest: string;
  signatures: number;
  attestations: { source: string; predicateType: string }[];
  rejected: { source: string; code: string; message: string }[];
}

/** With `--image REF`: resolve the tag once, then sign and attest that digest in the registry, both cosign forms. */
export function imageStage(ref: string, options: { authFile?: string } = {}): PipelineStage {
  return {
    name: 'image',
    describe: `sign and attest ${ref} in the registry (by digest; .sig/.att tags and bundle referrers)`,
    async run(ctx) {
      const signing = ctx.outputs.get('signing') as SigningStageOutput | undefined;
      const prov = ctx.outputs.get('provenance') as ProvenanceStageOutput | undefined;
      if (!signing || !prov) throw new ProvenantError('INTERNAL', 'the image stage needs the sign and provenance stages first');
      const { createClient } = await import('@provenant/core/oci');
      const cosign = await import('@provenant/core/cosign');
      const slsa = await import('@provenant/core/slsa');
      const { createStatement } = await import('@provenant/core/intoto');
      const { loadTrustedRoot } = await import('@provenant/core/verify');
      const client = await createClient(options.authFile ? { authFile: options.authFile } : {});
      try {
        const img = await cosign.resolveImage(client, ref);
        const subject = { name: cosign.dockerReference(img.registry, img.repository), digest: { sha256: img.digest.slice('sha256:'.length) } };
        ctx.log(`[image] ${ref} is ${img.digest}`);
        await cosign.signImage(client, img, signing.signer, { format: 'both', sign: signing.signOptions });
        ctx.kpis.signatures.created += 2;
        const predicate = (prov.statement as { predicate: Record<string, unknown> }).predicate;
        const statements = [createStatement([subject], slsa.SLSA_PROVENANCE_V1, predicate)];
        const sbom = ctx.outputs.get('sbom') as { bytes: Buffer } | undefined;
        if (sbom) statements.push(createStatement([subject], CYCLONEDX_PREDICATE_TYPE, JSON.parse(sbom.bytes.toString('utf8')) as Record<string, unknown>));
        for (const st of statements) {
          await cosign.attestImage(client, img, st, signing.signer, { format: 'both', sign: signing.signOptions });
          ctx.kpis.attestations.created += 2;
        }
        const trust = signing.trust ?? loadTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' });
        const unlogged = !signing.signOptions.rekorURL && !signing.signOptions.tsaURL;
        const v = signing.publicKeyPem
          ? await cosign.verifyImage(client, img, { kind: 'key', publicKey: signing.publicKeyPem }, trust, { verify: unlogged ? { tlogThreshold: 0, timestampThreshold: 0 } : {} })
          : await cosign.verifyImage(client, img, { kind: 'identity' }, trust);
        const out: ImageStageOutput = {
          reference: `${img.registry}/${img.repository}@${img.digest}`,
          digest: img.digest,
          signatures: v.signatures.length,
          attestations: v.attestations.map((a) => ({ source: a.source, predicateType: a.predicateType })),
          rejected: [...v.rejected],
        };
        ctx.outputs.set('image', out);
        return { detail: `${out.reference}: ${out.signatures} signature(s), ${out.attestations.length} attestation(s) verified` };
      } finally {
        client.close();
      }
    },
  };
}
