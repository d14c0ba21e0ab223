// verify-artifact --key: SLSA v1 provenance that provenant (or any key signer) made, checked as
// slsa-verifier checks a builder's: signature, subject, predicate type, builder id, source and ref.
import { ProvenantError } from '@provenant/core/errors';
import type { TrustMaterial, VerifyOptions } from '@provenant/core/verify';

export interface KeyProvenanceExpectations {
  publicKey: Buffer;
  builderId?: string | undefined;
  sourceUri?: string | undefined;
  sourceBranch?: string | undefined;
  sourceTag?: string | undefined;
}

export interface KeyVerifiedProvenance {
  builderId: string;
  sourceCommit: string | undefined;
  statement: Record<string, unknown>;
}

const SLSA_V1 = 'https://slsa.dev/provenance/v1';

/** `github.com/org/repo`, `https://github.com/org/repo.git`, `git+https://github.com/org/repo@refs/heads/x`: one form. */
export function normalizeRepository(uri: string): string {
  return uri
    .replace(/^git\+/, '')
    .replace(/^[a-z]+:\/\//, '')
    .replace(/@[^/]*$/, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '');
}

interface SourceFacts {
  repositories: string[];
  ref: string | undefined;
  commit: string | undefined;
}

function sourceFacts(predicate: Record<string, unknown>): SourceFacts {
  const def = (predicate.buildDefinition ?? {}) as { externalParameters?: Record<string, unknown>; resolvedDependencies?: Array<{ uri?: string; digest?: Record<string, string> }> };
  const src = (def.externalParameters?.source ?? undefined) as { repository?: unknown; ref?: unknown; commit?: unknown } | undefined;
  const repositories: string[] = [];
  let ref = typeof src?.ref === 'string' ? src.ref : undefined;
  let commit = typeof src?.commit === 'string' ? src.commit : undefined;
  if (typeof src?.repository === 'string') repositories.push(normalizeRepository(src.repository));
  for (const dep of def.resolvedDependencies ?? []) {
    if (typeof dep.uri !== 'string' || !dep.uri.startsWith('git+')) continue;
    repositories.push(normalizeRepository(dep.uri));
    const at = /@([^/].*)$/.exec(dep.uri.replace(/^git\+[a-z]+:\/\/[^@]*/, ''));
    ref ??= at?.[1];
    commit ??= dep.digest?.gitCommit;
  }
  return { repositories, ref, commit };
}

/** Verifies one artifact digest against a key-signed provenance bundle; throws a ProvenantError on any mismatch. */
export async function verifyKeyProvenance(bundle: unknown, artifactDigest: string, expect: KeyProvenanceExpectations, trust: TrustMaterial, options: VerifyOptions): Promise<KeyVerifiedProvenance> {
  const { verifyBundle } = await import('@provenant/core/verify');
  const result = verifyBundle(bundle, { digest: artifactDigest }, { kind: 'key', publicKey: expect.publicKey }, trust, options);
  const statement = result.dsse?.statement as Record<string, unknown> | undefined;
  if (statement === undefined) throw new ProvenantError('PROVENANCE_INVALID', 'the bundle signs a message, not an in-toto statement');
  if (statement.predicateType !== SLSA_V1) throw new ProvenantError('PREDICATE_TYPE_MISMATCH', `predicate type ${String(statement.predicateType)} is not ${SLSA_V1}`);
  const predicate = (statement.predicate ?? {}) as Record<string, unknown>;
  const builderId = ((predicate.runDetails as { builder?: { id?: unknown } } | undefined)?.builder?.id ?? '') as string;
  if (typeof builderId !== 'string' || builderId === '') throw new ProvenantError('PROVENANCE_INVALID', 'the provenance names no builder (runDetails.builder.id)');
  if (expect.builderId !== undefined && builderId !== expect.builderId) throw new ProvenantError('BUILDER_MISMATCH', `builder ${builderId} is not ${expect.builderId}`);
  const facts = sourceFacts(predicate);
  if (expect.sourceUri !== undefined) {
    const want = normalizeRepository(expect.sourceUri);
    if (!facts.repositories.includes(want)) throw new ProvenantError('SOURCE_MISMATCH', `the provenance's source ${facts.repositories.join(', ') || '(none)'} is not ${want}`);
  }
  if (expect.sourceBranch !== undefined && facts.ref !== `refs/heads/${expect.sourceBranch}`) throw new ProvenantError('SOURCE_BRANCH_MISMATCH', `the provenance's ref ${facts.ref ?? '(none)'} is not branch ${expect.sourceBranch}`);
  if (expect.sourceTag !== undefined && facts.ref !== `refs/tags/${expect.sourceTag}`) throw new ProvenantError('SOURCE_TAG_MISMATCH', `the provenance's ref ${facts.ref ?? '(none)'} is not tag ${expect.sourceTag}`);
  return { builderId, sourceCommit: facts.commit, statement };
}
