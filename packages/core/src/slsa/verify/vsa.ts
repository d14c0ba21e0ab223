import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { envelopePayload, pae, parseEnvelope, parseStatement, SLSA_VSA_V1, type DsseEnvelope, type VsaV1 } from '../../intoto/index.js';
import type { PublicKeyInput } from '../../verify/index.js';
import { highestLevels, parseSlsaResult } from '../levels.js';

export interface VsaExpectations {
  /** `<algorithm>:<value>` digests that must all appear among the subjects. */
  subjectDigests: readonly string[];
  verifierId: string;
  resourceUri: string;
  /** Levels the VSA must show: `SLSA_<TRACK>_LEVEL_<n>` as a minimum per track, anything else exactly (core/slsa's parseSlsaResult reads both sides). */
  verifiedLevels: readonly string[];
  /** The key id the signature must carry; absent means the key's own id (sha256 of its PEM). */
  publicKeyId?: string | undefined;
}

function vsaError(message: string): ProvenantError {
  return new ProvenantError('VSA_INVALID', message);
}

// VSA signers (KMS) often write ECDSA signatures as raw r||s rather than DER; both are accepted, as sigstore's verifier does.
function verifyEnvelopeSignatures(env: DsseEnvelope, signatures: DsseEnvelope['signatures'], key: KeyObject): Buffer {
  const payload = envelopePayload(env);
  const message = pae(env.payloadType, payload);
  const curveBits: Record<string, number> = { prime256v1: 32, secp384r1: 48, secp521r1: 66 };
  const hash = key.asymmetricKeyType === 'ed25519' ? null : ({ secp384r1: 'sha384', secp521r1: 'sha512' } as Record<string, string>)[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 'sha256';
  for (const s of signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    const raw = key.asymmetricKeyType === 'ec' && sig.length === 2 * (curveBits[key.asymmetricKeyDetails?.namedCurve ?? ''] ?? 0);
    try {
      if (cryptoVerify(hash, message, raw ? { key, dsaEncoding: 'ieee-p1363' } : key, sig)) return payload;
    } catch {
      continue;
    }
  }
  throw new ProvenantError('DSSE_SIGNATURE_INVALID', 'no VSA signature verifies under the given key');
}

/**
 * A SLSA Verification Summary Attestation (DSSE, key-signed), checked as slsa-verifier verify-vsa does:
 * signature under the key with the expected key id, subjects, verifier, resource, PASSED and levels.
 */
export function verifyVsa(envelopeJson: unknown, publicKey: PublicKeyInput, e: VsaExpectations): VsaV1 {
  const env = parseEnvelope(envelopeJson);
  const key = createPublicKey(publicKey as Parameters<typeof createPublicKey>[0]);
  const keyId = e.publicKeyId || createHash('sha256').update(key.export({ type: 'spki', format: 'pem' }).toString()).digest('hex');
  // A signature naming another key id is not tried (as DSSE verifiers with a key id do).
  const signatures = env.signatures.filter((s) => !s.keyid || s.keyid === keyId);
  if (signatures.length === 0) throw new ProvenantError('DSSE_SIGNATURE_INVALID', `no signature carries key id ${keyId}`);
  const payload = verifyEnvelopeSignatures(env, signatures, key);
  const statement = parseStatement<VsaV1>(payload, { predicateType: SLSA_VSA_V1 });
  const vsa = statement.predicate;
  if (e.subjectDigests.length === 0) throw vsaError('no expected subject digests given');
  for (const want of e.subjectDigests) {
    const i = want.indexOf(':');
    if (i === -1) throw vsaError(`expected digest ${want} is not <type>:<value>`);
    const [alg, value] = [want.slice(0, i), want.slice(i + 1)];
    if (!statement.subject.some((s) => s.digest[alg] === value)) throw new ProvenantError('SUBJECT_MISMATCH', `VSA has no subject with ${want}`);
  }
  if (vsa.verifier.id !== e.verifierId) throw vsaError(`verifier is ${vsa.verifier.id}, expected ${e.verifierId}`);
  if (vsa.resourceUri !== e.resourceUri) throw vsaError(`resourceUri is ${vsa.resourceUri}, expected ${e.resourceUri}`);
  if (vsa.verificationResult !== 'PASSED') throw vsaError(`verification result is ${vsa.verificationResult}`);
  // Both sides through the one strict parser: a level the VSA or the caller misspells is SLSA_LEVEL_INVALID.
  const want = e.verifiedLevels.map(parseSlsaResult);
  const have = vsa.verifiedLevels.map(parseSlsaResult);
  if (have.some((h) => h.kind === 'failed')) throw vsaError('verification result is PASSED but verifiedLevels says FAILED');
  const got = highestLevels(have);
  for (const [track, min] of highestLevels(want)) {
    const level = got.get(track);
    if (level === undefined || level < min) throw vsaError(`SLSA ${track} level ${level ?? 'absent'} is below ${min}`);
  }
  for (const w of want) if (w.kind !== 'level' && !have.some((h) => h.text === w.text)) throw vsaError(`verified level ${w.text} is missing`);
  return vsa;
}
