import { ProvenantError } from '../errors.js';

/** The digest algorithms provenant computes and verifies. */
export type DigestAlgorithm = 'sha256' | 'sha512';

export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { sha256: 64, sha512: 128 };

/** A digest in OCI form, `<algorithm>:<lowercase hex>`. */
export type Digest = `${DigestAlgorithm}:${string}`;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const LOWER_HEX = /^[0-9a-f]+$/;

export function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return value === 'sha256' || value === 'sha512';
}

/** Checks an algorithm name; DIGEST_ALGORITHM_UNSUPPORTED for anything but sha256/sha512. */
export function digestAlgorithm(value: string): DigestAlgorithm {
  if (!isDigestAlgorithm(value)) throw new ProvenantError('DIGEST_ALGORITHM_UNSUPPORTED', `digest algorithm ${JSON.stringify(value)} is not supported (use sha256 or sha512)`);
  return value;
}

/**
 * Parses `sha256:<64 hex>` or `sha512:<128 hex>` strictly: lowercase hex only, exact length, no
 * whitespace. Anything else is DIGEST_INVALID (or DIGEST_ALGORITHM_UNSUPPORTED for another algorithm).
 */
export function parseDigest(text: string): ParsedDigest {
  if (typeof text !== 'string') throw new ProvenantError('DIGEST_INVALID', 'a digest must be a string like sha256:<64 hex digits>');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ProvenantError('DIGEST_INVALID', `digest ${JSON.stringify(text)} is not <algorithm>:<hex>`);
  const alg = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  if (!/^[a-z0-9]+$/.test(alg)) throw new ProvenantError('DIGEST_INVALID', `digest ${JSON.stringify(text)} has a malformed algorithm`);
  const algorithm = digestAlgorithm(alg);
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (hex.length !== want || !LOWER_HEX.test(hex)) {
    throw new ProvenantError('DIGEST_INVALID', `${algorithm} digest must be ${want} lowercase hex digits, got ${JSON.stringify(hex.length > 140 ? hex.slice(0, 140) + '...' : hex)}`);
  }
  return { algorithm, hex };
}

/** True when `text` is a well-formed digest (of `algorithm`, when given). */
export function isDigest(text: unknown, algorithm?: DigestAlgorithm): text is Digest {
  if (typeof text !== 'string') return false;
  try {
    const d = parseDigest(text);
    return algorithm === undefined || d.algorithm === algorithm;
  } catch {
    return false;
  }
}

/** Formats a digest from raw bytes or hex; the result always parses. */
export function formatDigest(algorithm: DigestAlgorithm, value: Uint8Array | string): Digest {
  const hex = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  const text = `${algorithm}:${hex}` as Digest;
  parseDigest(text);
  return text;
}
