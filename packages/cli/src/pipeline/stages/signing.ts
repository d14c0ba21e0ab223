import { readFile } from 'node:fs/promises';
import type { PipelineStage } from '../types.js';
import type { ProvenanceStageOutput } from './provenance.js';

export const PUBLIC_KEY_FILE = 'keys/signing-key.pub';
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom';

type Signer = import('@provenant/core/sign').Signer;
type SignOptions = import('@provenant/core/sign').SignOptions;
type TrustMaterial = import('@provenant/core/verify').TrustMaterial;

/** Who signs: a fresh key per run (default, offline), or a signer the caller resolved (a key file, or keyless with witnesses). */
export type SignerSource =
  | { kind: 'ephemeral' }
  | { kind: 'resolved'; signer: Signer; options: SignOptions; description: string; publicKeyPem: string | undefined; trust: TrustMaterial | undefined };

/** What later stages get (ctx.outputs.get('signing')). */
export interface SigningStageOutput {
  signer: Signer;
  signOptions: SignOptions;
  /** Key signers: the key verifiers use. Keyless: undefined (verify against `trust`). */
  publicKeyPem: string | undefined;
  /** Keyless: the trusted root the certificate and log entries chain to. */
  trust: TrustMaterial | undefined;
  artifactBundles: { name: string; path: string; bundlePath: string; bundle: unknown }[];
  attestationBundles: { predicateType: string; bundlePath: string; bundle: unknown }[];
}

const safeName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export function signingStageWith(source: SignerSource): PipelineStage {
  return {
    name: 'sign',
    describe: source.kind === 'ephemeral' ? 'sign the artifacts, and the SBOM and provenance attestations, with an ephemeral P-256 key (offline)' : `sign the artifacts and the SBOM and provenance attestations (${source.description})`,
    async run(ctx) {
      const sign = await import('@provenant/core/sign');
      const { createStatement } = await import('@provenant/core/intoto');
      const prov = ctx.outputs.get('provenance') as ProvenanceStageOutput | undefined;
      if (!prov) return { status: 'skipped', detail: 'no provenance stage output' };
      let signer: Signer;
      let signOptions: SignOptions = {};
      let publicKeyPem: string | undefined;
      let trust: TrustMaterial | undefined;
      let description: string;
      if (source.kind === 'ephemeral') {
        // A fresh key per run: signatures differ between runs, nothing else does.
        const key = sign.keySigner(sign.generateKeyPair('ecdsa-p256').privateKey);
        [signer, publicKeyPem, description] = [key, key.publicKeyPem, `ephemeral key ${key.hint}`];
      } else {
        ({ signer, publicKeyPem, trust, description } = source);
        signOptions = source.options;
      }
      if (publicKeyPem) await ctx.addFile(PUBLIC_KEY_FILE, publicKeyPem, { kind: 'public-key', mediaType: 'application/x-pem-file' });
      const artifactBundles: SigningStageOutput['artifactBundles'] = [];
      for (const a of prov.artifacts) {
        const bundle = await sign.signBlob(await readFile(a.path), signer, signOptions);
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
        const bundle = await sign.signStatement(statement, signer, signOptions);
        const bundlePath = `attestations/${name}.intoto.sigstore.json`;
        await ctx.addFile(bundlePath, JSON.stringify(bundle, null, 2) + '\n', { kind: 'attestation', mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json' });
        attestationBundles.push({ predicateType: String(statement.predicateType), bundlePath, bundle });
        ctx.kpis.attestations.created++;
      }
      ctx.outputs.set('signing', { signer, signOptions, publicKeyPem, trust, artifactBundles, attestationBundles } satisfies SigningStageOutput);
      return { detail: `${artifactBundles.length} artifact signature(s), ${attestationBundles.length} attestation(s), ${description}` };
    },
  };
}

export const signingStage: PipelineStage = signingStageWith({ kind: 'ephemeral' });
