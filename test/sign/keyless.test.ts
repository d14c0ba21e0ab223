import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { keylessSigner, signBlob, signStatement, resolveIdentityToken } from '@provenant/core/sign';
import { loadTrustedRoot, verifyBundle } from '@provenant/core/verify';
import { createServer } from 'node:http';

// Keyless signing against Fulcio, Rekor and a TSA from @sigstore/mock served over loopback HTTP
// (test/setup/sigstore.ts): provenant's HTTP clients talk to real servers.
const sigstore = inject('sigstore');

async function trust() {
  return loadTrustedRoot(JSON.parse(await readFile(sigstore.trustedRootPath, 'utf8')));
}

const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'artifact.bin', digest: { sha256: 'c'.repeat(64) } }],
  predicateType: 'https://example.test/predicate/v1',
  predicate: { built: true },
};

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('keyless signing', () => {
  it('signs a blob with a Fulcio certificate, a Rekor entry and a timestamp, and core/verify accepts it', async () => {
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const data = Buffer.from('keyless artifact\n');
    const bundle = await signBlob(data, signer, { rekorURL: sigstore.rekorURL, tsaURL: sigstore.tsaURL });
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.verificationMaterial.certificate?.rawBytes).toBeTruthy();
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial.tlogEntries?.[0]?.kindVersion?.kind).toBe('hashedrekord');
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1);
    const cert = new X509Certificate(Buffer.from(bundle.verificationMaterial.certificate?.rawBytes ?? '', 'base64'));
    expect(cert.subjectAltName).toContain(sigstore.identity.subjectAlternativeName);

    const result = verifyBundle(bundle, { data }, { kind: 'identity', ...sigstore.identity }, await trust());
    expect(result.signer.kind).toBe('certificate');
    expect(result.timestamps.map((t) => t.source).sort()).toEqual(['tlog', 'tsa']);
  });

  it('signs a statement as DSSE with a dsse Rekor entry, reusing one certificate for several signatures', async () => {
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    const a = await signStatement(statement, signer, { rekorURL: sigstore.rekorURL });
    const b = await signBlob(Buffer.from('x'), signer, { tsaURL: sigstore.tsaURL });
    expect(a.verificationMaterial.certificate?.rawBytes).toBe(b.verificationMaterial.certificate?.rawBytes);
    expect(a.verificationMaterial.tlogEntries?.[0]?.kindVersion?.kind).toBe('dsse');
    const tm = await trust();
    const ra = verifyBundle(a, null, { kind: 'identity', ...sigstore.identity }, tm);
    expect(ra.dsse?.payloadType).toBe('application/vnd.in-toto+json');
    verifyBundle(b, { data: Buffer.from('x') }, { kind: 'identity', ...sigstore.identity }, tm, { tlogThreshold: 0 });
  });

  it('refuses keyless signing without a witness, and reports a bad Fulcio URL and a bad token with codes', async () => {
    const signer = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    expect(await code(signBlob(Buffer.from('x'), signer))).toBe('INVALID_ARGUMENT');
    const bad = keylessSigner({ fulcioURL: `${sigstore.rekorURL}/nothing-here`, identityToken: sigstore.identityToken, retries: 0, timeoutMs: 5000 });
    expect(await code(signBlob(Buffer.from('x'), bad, { rekorURL: sigstore.rekorURL }))).toBe('FULCIO_ERROR');
    const badToken = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: 'not-a-jwt' });
    expect(await code(signBlob(Buffer.from('x'), badToken, { rekorURL: sigstore.rekorURL }))).toBe('OIDC_TOKEN_INVALID');
    const keySignerOk = keylessSigner({ fulcioURL: sigstore.fulcioURL, identityToken: sigstore.identityToken });
    expect(await code(signBlob(Buffer.from('x'), keySignerOk, { rekorURL: 'http://127.0.0.1:9/', retries: 0, timeoutMs: 2000 }))).toBe('REKOR_ERROR');
  });

  it('gets the token from the GitHub Actions token endpoint', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.headers.authorization} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: sigstore.identityToken }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      const token = await resolveIdentityToken({
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-secret' },
      });
      expect(token).toBe(sigstore.identityToken);
      expect(seen[0]).toBe('bearer runner-secret /token?api-version=2.0&audience=sigstore');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
