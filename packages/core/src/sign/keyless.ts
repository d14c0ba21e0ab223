import { X509Certificate } from 'node:crypto';
import { FulcioSigner, InternalError } from '@sigstore/sign';
import { ProvenantError, toProvenantError } from '../errors.js';
import { generateKeyPair } from './keys.js';
import { KeySigner, type Signature, type Signer } from './signer.js';
import { checkIdentityToken } from './oidc.js';

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
    const cached = this.certificate;
    if (cached && Date.now() < cached.notAfterMs - CERT_REUSE_MARGIN_MS) {
      return { signature: this.key.signSync(data), key: { $case: 'x509Certificate', certificate: cached.pem } };
    }
    const fulcio = new FulcioSigner({
      fulcioBaseURL: this.options.fulcioURL.replace(/\/+$/, ''),
      identityProvider: { getToken: () => this.token() },
      keyHolder: this.key,
      timeout: this.options.timeoutMs ?? 30_000,
      retry: this.options.retries ?? 2,
    });
    let sig: Signature;
    try {
      sig = (await fulcio.sign(data)) as Signature;
    } catch (err) {
      throw mapFulcioError(err, this.options.fulcioURL);
    }
    if (sig.key.$case !== 'x509Certificate') throw new ProvenantError('FULCIO_ERROR', 'Fulcio returned no certificate');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(sig.key.certificate);
    } catch (cause) {
      throw new ProvenantError('FULCIO_ERROR', 'Fulcio returned a certificate that does not parse', { cause });
    }
    if (!cert.publicKey.equals(this.key.publicKey)) throw new ProvenantError('FULCIO_ERROR', 'Fulcio certified a different public key than ours');
    this.certificate = { pem: sig.key.certificate, notAfterMs: Date.parse(cert.validTo) };
    return sig;
  }

  private async token(): Promise<string> {
    const t = typeof this.options.identityToken === 'string' ? this.options.identityToken : await this.options.identityToken();
    checkIdentityToken(t);
    return t;
  }
}

export function keylessSigner(options: KeylessSignerOptions): KeylessSigner {
  return new KeylessSigner(options);
}

function mapFulcioError(err: unknown, url: string): ProvenantError {
  if (err instanceof InternalError) {
    const cause = err.cause;
    if (cause instanceof ProvenantError) return cause;
    if (err.code === 'IDENTITY_TOKEN_READ_ERROR' || err.code === 'IDENTITY_TOKEN_PARSE_ERROR') {
      return new ProvenantError('OIDC_TOKEN_INVALID', 'the OIDC identity token is not a usable JWT', { cause: err });
    }
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new ProvenantError('FULCIO_ERROR', `Fulcio at ${url} did not issue a certificate (${err.code})${detail}`, { cause: err });
  }
  return toProvenantError(err, 'FULCIO_ERROR', `Fulcio at ${url}`);
}
