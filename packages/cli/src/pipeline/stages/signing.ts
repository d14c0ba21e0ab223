import { readFile } from 'node:fs/promises';
import type { PipelineStage } from '../types.js';
import type { ProvenanceStageOutput } from './provenance.js';

export const PUBLIC_KEY_FILE = 'keys/signing-key.pub';
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';

/** What later stages get (ctx.outputs.get('signing')). */
export interface SigningStageOutput {
  signer: import('@provenant/core/sign').KeySigner;
  publicKeyPem: string;
  artifactBundles: { name: string; path: string; bundlePath: string; bundle: unknown }[];
  attestationBundles: { predicateType: string; bundlePath: string; bundle: unknown }[];
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export const signingStage: PipelineStage = {
  name: 'sign',
  describe: 'sign the artifacts, and the SBOM and provenance attestations, with an ephemeral P-256 key (offline)',
  async run(ctx) {
    const sign = await import('@provenant/core/sign');
    const { createStatement } = await import('@provenant/core/intoto');
    const prov = ctx.outputs.get('provenance') as ProvenanceStageOutput | undefined;
    if (!prov) return { status: 'skipped', detail: 'no provenance stage output' };
    // A fresh key per run: signatures differ between runs, nothing else does.
    const signer = sign.keySigner(sign.generateKeyPair('ecdsa-p256').privateKey);
    await ctx.addFile(PUBLIC_KEY_FILE, signer.publicKeyPem, { kind: 'public-key', mediaType: 'application/x-pem-file' });
    const artifactBundles: SigningStageOutput['artifactBundles'] = [];
    for (const a of prov.artifacts) {
      const bundle = await sign.signBlob(await readFile(a.path), signer);
      const bundlePath = `signatures/${safeName(a.name)}.sigstore.json`;
      await ctx.addFile(bundlePath, JSON.stringify(bundle, null, 2) + '\n', { kind: 'signature', mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
      artifactBundles.push({ name: a.name, path: a.path, bundlePath, bundle });
      ctx.kpis.artifacts.signed++;
      ctx.kpis.signatures.created++;
    }
    const attestationBundles: SigningStageOutput['attestationBundles'] = [];
    const subjects = prov.artifacts.map((a) => ({ name: a.name, digest: { sha256: a.sha256 } }));
    const sbom = ctx.outputs.get('sbom') as { bytes: Buffer } | undefined;
    const statements: [string, Record<string, unknown>][] = [['provenance', prov.statement]];
    if (sbom) statements.push(['sbom', createStatement(subjects, CYCLONEDX_PREDICATE_TYPE, JSON.parse(sbom.bytes.toString('utf8')) as Record<string, unknown>) as unknown as Record<string, unknown>]);
    for (const [name, statement] of statements) {
      const bundle = await sign.signStatement(statement, signer);
      const bundlePath = `attestations/${name}.intoto.sigstore.json`;
      await ctx.addFile(bundlePath, JSON.stringify(bundle, null, 2) + '\n', { kind: 'attestation', mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
      attestationBundles.push({ predicateType: String(statement.predicateType), bundlePath, bundle });
      ctx.kpis.attestations.created++;
    }
    ctx.outputs.set('signing', { signer, publicKeyPem: signer.publicKeyPem, artifactBundles, attestationBundles } satisfies SigningStageOutput);
    return { detail: `${artifactBundles.length} artifact signature(s), ${attestationBundles.length} attestation(s), key ${signer.hint}` };
  },
};
