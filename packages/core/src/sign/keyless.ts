import { X509Certificate } from 'node:crypto';
import { ProvenantError } from '../errors.js';
import { generateKeyPair } from './keys.js';
import { checkIdentityToken, tokenSubject } from './oidc.js';
import { requestSigningCertificate } from './services.js';
import { KeySigner, type Signature, type Signer } from './signer.js';

export interface KeylessSignerOptions {
  /** Fulcio base URL (…/api/v2/signingCert is appended). */
  fulcioURL: string;
  /** The OIDC identity token, or a function that fetches one (see `resolveIdentityToken`). */
  identityToken: string | (() => Promise<string>);
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of a failed request (default 2). */
  retries?: number;
}

// A certificate is reused until this close to its expiry (Fulcio's live ten minutes).
const CERT_REUSE_MARGIN_MS = 60_000;

/**
 * Keyless signer: an ephemeral P-256 key whose certificate Fulcio issues for the OIDC identity.
 * The certificate is requested on first use and reused for later signatures while it is valid,
 * so one pipeline run signs its SBOM, provenance and artifacts under one certificate.
 */
export class KeylessSigner implements Signer {
  readonly kind = 'keyless' as const;
  private readonly key = new KeySigner(generateKeyPair('ecdsa-p256').privateKey);
  private certificate: { pem: string; notAfterMs: number } | undefined;

  constructor(private readonly options: KeylessSignerOptions) {
    if (!options.fulcioURL) throw new ProvenantError('INVALID_ARGUMENT', 'keyless signing needs a Fulcio URL');
  }

  async sign(data: Buffer): Promise<Signature> {
    const cert = await this.signingCertificate();
    return { signature: this.key.signSync(data), key: { $case: 'x509Certificate', certificate: cert } };
  }

  /** The cached certificate, or a new one from Fulcio for our key and the token's identity. */
  private async signingCertificate(): Promise<string> {
    const cached = this.certificate;
    if (cached && Date.now() < cached.notAfterMs - CERT_REUSE_MARGIN_MS) return cached.pem;
    const token = typeof this.options.identityToken === 'string' ? this.options.identityToken : await this.options.identityToken();
    const subject = tokenSubject(checkIdentityToken(token));
    const chain = await requestSigningCertificate(
      this.options.fulcioURL,
      { identityToken: token, publicKeyPem: this.key.publicKeyPem, proofOfPossession: this.key.signSync(Buffer.from(subject, 'utf8')) },
      { timeoutMs: this.options.timeoutMs ?? 30_000, retries: this.options.retries ?? 2 },
    );
    const leafPem = chain[0] ?? '';
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(leafPem);
    } catch (cause) {
      throw new ProvenantError('FULCIO_ERROR', 'Fulcio returned a certificate that does not parse', { cause });
    }
    if (!leaf.publicKey.equals(this.key.publicKey)) throw new ProvenantError('FULCIO_ERROR', 'Fulcio certified a different public key than ours');
    this.certificate = { pem: leafPem, notAfterMs: Date.parse(leaf.validTo) };
    return leafPem;
  }
}

export function keylessSigner(options: KeylessSignerOptions): KeylessSigner {
  return new KeylessSigner(options);
}
