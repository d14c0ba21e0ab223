import { createPublicKey, KeyObject } from 'node:crypto';
import { ProvenantError } from '../../errors.js';
import { decodeBase64 } from '../encoding.js';
import { cachedCertificate, spkiToKey, type Certificate } from '../key/x509.js';
import { ShapeError } from '../shape.js';
import { parseValidFor, UNBOUNDED, type TimeRange } from './window.js';
import { TrustedRootSchema, type CertificateAuthorityJSON, type TransparencyLogInstanceJSON } from './schema.js';

export type { TimeRange } from './window.js';

export interface CertAuthority {
  readonly uri: string | undefined;
  /** Leaf-most first, root last, as in the TrustedRoot. */
  readonly chain: readonly Certificate[];
  readonly validFor: TimeRange;
}

export interface LogAuthority {
  readonly baseUrl: string;
  /** Host (and path) of baseUrl: what a checkpoint signature line names. */
  readonly name: string;
  readonly logId: Buffer;
  /** Key id used in checkpoint signature hints when it differs from logId (Rekor v2). */
  readonly checkpointKeyId: Buffer | undefined;
  readonly key: KeyObject;
  readonly validFor: TimeRange;
}

export interface TrustedKey {
  readonly key: KeyObject;
  readonly validFor: TimeRange;
}

/** Parsed, reusable trust material: parse a TrustedRoot once, verify many bundles against it. */
export interface TrustMaterial {
  readonly certificateAuthorities: readonly CertAuthority[];
  readonly timestampAuthorities: readonly CertAuthority[];
  readonly tlogs: readonly LogAuthority[];
  readonly ctlogs: readonly LogAuthority[];
  /** Keys for key-signed bundles, by the bundle's publicKey.hint. */
  readonly publicKeys: ReadonlyMap<string, TrustedKey>;
}

export type PublicKeyInput = string | Buffer | KeyObject;

/** A key with the window it may sign in (as trust material states it); no window means unbounded. */
export interface WindowedKeyInput {
  readonly key: PublicKeyInput;
  readonly validFor?: TimeRange | undefined;
}

export interface LoadTrustedRootOptions {
  /** Extra trusted keys for key-signed bundles, by hint (PEM, DER SPKI or KeyObject), optionally with a validity window. */
  publicKeys?: Record<string, PublicKeyInput | WindowedKeyInput>;
}

function isWindowed(input: PublicKeyInput | WindowedKeyInput): input is WindowedKeyInput {
  return typeof input === 'object' && !(input instanceof KeyObject) && !Buffer.isBuffer(input);
}

/** Loads a public key from PEM (SPKI or certificate), DER SPKI, or a KeyObject. */
export function loadPublicKey(input: PublicKeyInput): KeyObject {
  if (input instanceof KeyObject) {
    if (input.type !== 'public') throw new ProvenantError('KEY_INVALID', 'expected a public key');
    return input;
  }
  try {
    if (typeof input === 'string' || input.subarray(0, 10).toString('latin1').startsWith('-----')) {
      return createPublicKey(typeof input === 'string' ? input : input.toString('utf8'));
    }
    return createPublicKey({ key: input, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new ProvenantError('KEY_INVALID', 'public key cannot be read (expected PEM or DER SubjectPublicKeyInfo)', { cause });
  }
}

/** Parses a Sigstore TrustedRoot (JSON text, bytes or parsed value) into TrustMaterial. */
export function loadTrustedRoot(json: unknown, options: LoadTrustedRootOptions = {}): TrustMaterial {
  let value = json;
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    try {
      value = JSON.parse(json.toString());
    } catch (cause) {
      throw new ProvenantError('TRUSTED_ROOT_INVALID', 'trusted root is not valid JSON', { cause });
    }
  }
  let root: ReturnType<typeof TrustedRootSchema>;
  try {
    root = TrustedRootSchema(value, '');
  } catch (err) {
    if (err instanceof ShapeError) throw new ProvenantError('TRUSTED_ROOT_INVALID', `trusted root does not match the TrustedRoot schema: ${err.message}`);
    throw err;
  }
  if (!/^application\/vnd\.dev\.sigstore\.trustedroot(\+json;version=0\.[12]|\.v0\.[12]\+json)$/.test(root.mediaType)) {
    throw new ProvenantError('TRUSTED_ROOT_INVALID', `unsupported trusted root mediaType ${root.mediaType}`);
  }
  const publicKeys = new Map<string, TrustedKey>();
  for (const [hint, input] of Object.entries(options.publicKeys ?? {})) {
    publicKeys.set(hint, isWindowed(input) ? { key: loadPublicKey(input.key), validFor: checkedWindow(input.validFor, `publicKeys[${hint}]`) } : { key: loadPublicKey(input), validFor: UNBOUNDED });
  }
  return {
    certificateAuthorities: (root.certificateAuthorities ?? []).map((ca, i) => toCertAuthority(ca, `certificateAuthorities[${i}]`)),
    timestampAuthorities: (root.timestampAuthorities ?? []).map((ca, i) => toCertAuthority(ca, `timestampAuthorities[${i}]`)),
    tlogs: (root.tlogs ?? []).map((l, i) => toLogAuthority(l, `tlogs[${i}]`)),
    ctlogs: (root.ctlogs ?? []).map((l, i) => toLogAuthority(l, `ctlogs[${i}]`)),
    publicKeys,
  };
}

/** Trust material holding only keys, for key-signed bundles without a TrustedRoot. */
export function trustMaterialFromKeys(publicKeys: Record<string, PublicKeyInput | WindowedKeyInput>): TrustMaterial {
  return loadTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }, { publicKeys });
}

/** A window given in code: both ends numbers (±Infinity for open), start not after end. */
export function checkedWindow(window: TimeRange | undefined, where: string): TimeRange {
  if (!window) return UNBOUNDED;
  if (Number.isNaN(window.start) || Number.isNaN(window.end) || window.end < window.start) {
    throw new ProvenantError('KEY_INVALID', `${where}: validity window must have a start no later than its end`);
  }
  return window;
}

function toCertAuthority(ca: CertificateAuthorityJSON, where: string): CertAuthority {
  const certs = ca.certChain.certificates;
  if (certs.length === 0) throw new ProvenantError('TRUSTED_ROOT_INVALID', `${where} has an empty certificate chain`);
  return {
    uri: ca.uri,
    chain: certs.map((c) => cachedCertificate(decodeBase64(c.rawBytes, 'TRUSTED_ROOT_INVALID', `${where} certificate`))),
    // An empty validFor on a CA means unbounded, as sigstore-js reads it.
    validFor: parseValidFor(ca.validFor, where, 'TRUSTED_ROOT_INVALID', false),
  };
}

function toLogAuthority(log: TransparencyLogInstanceJSON, where: string): LogAuthority {
  if (!log.publicKey.rawBytes) throw new ProvenantError('TRUSTED_ROOT_INVALID', `${where} has no public key`);
  const der = decodeBase64(log.publicKey.rawBytes, 'TRUSTED_ROOT_INVALID', `${where} public key`);
  const pkcs1 = (log.publicKey.keyDetails ?? '').startsWith('PKCS1_');
  const loadKey = (): KeyObject => {
    try {
      return pkcs1 ? createPublicKey({ key: der, format: 'der', type: 'pkcs1' }) : spkiToKey(der);
    } catch (cause) {
      throw new ProvenantError('TRUSTED_ROOT_INVALID', `${where} public key cannot be loaded`, { cause });
    }
  };
  return {
    baseUrl: log.baseUrl,
    name: log.baseUrl.replace(/^[a-z]+:\/\//i, '').replace(/\/+$/, ''),
    logId: decodeBase64(log.logId.keyId, 'TRUSTED_ROOT_INVALID', `${where} logId`),
    checkpointKeyId: log.checkpointKeyId ? decodeBase64(log.checkpointKeyId.keyId, 'TRUSTED_ROOT_INVALID', `${where} checkpointKeyId`) : undefined,
    // Loaded now so a bad root fails at load time, then reused by every verification.
    key: loadKey(),
    validFor: parseValidFor(log.publicKey.validFor, where, 'TRUSTED_ROOT_INVALID', true),
  };
}
