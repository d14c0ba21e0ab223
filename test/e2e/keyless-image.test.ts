// Keyless image signing against the loopback Fulcio/Rekor mocks: verify-image passes with the exact
// certificate identity and issuer, and every near miss (SAN or issuer off by a little) is denied.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildAndPushImage, cli } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-keyless-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const host = inject('ociRegistries').plain.host;
const sigstore = inject('sigstore');
const { subjectAlternativeName: SAN, issuer: ISSUER } = sigstore.identity;

describe('keyless image signatures', () => {
  const digest = buildAndPushImage(work, host, 'keyless/app', 'v1', 'keyless image\n');
  const ref = `${host}/keyless/app:v1`;
  const keyless = ['--identity-token', sigstore.identityToken, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL];
  const verify = (...a: string[]) => cli('verify-image', ref, '--trusted-root', sigstore.trustedRootPath, '--json', ...a);

  it('signs the digest with a Fulcio certificate and a Rekor entry in both storage forms', async () => {
    const r = await cli('sign-image', ref, ...keyless, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).image).toBe(`${host}/keyless/app@${digest}`);
  }, 60_000);

  it('verify-image passes with the exact identity, in each storage form', async () => {
    for (const format of ['legacy', 'referrer', 'both']) {
      const r = await verify('--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER, '--format', format);
      expect(r.code, `${format}: ${r.stderr}`).toBe(0);
    }
    expect((await verify('--certificate-identity-regexp', SAN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), '--certificate-oidc-issuer', ISSUER)).code).toBe(0);
  }, 60_000);

  it('near-miss identities are denied with exit 3', async () => {
    const nearSans = [`${SAN}x`, SAN.slice(0, -1), SAN.toUpperCase(), ` ${SAN}`];
    for (const san of nearSans) {
      const r = await verify('--certificate-identity', san, '--certificate-oidc-issuer', ISSUER);
      expect([san, r.code]).toEqual([san, 3]);
    }
    for (const issuer of [`${ISSUER}/`, ISSUER.replace('https://', 'http://')]) {
      const r = await verify('--certificate-identity', SAN, '--certificate-oidc-issuer', issuer);
      expect([issuer, r.code, JSON.parse(r.stdout).error.code]).toEqual([issuer, 3, 'ISSUER_MISMATCH']);
    }
    // An unanchored-looking regexp is anchored: a prefix does not match.
    const prefix = await verify('--certificate-identity-regexp', SAN.slice(0, 10), '--certificate-oidc-issuer', ISSUER);
    expect(prefix.code).toBe(3);
  }, 60_000);
});

describe('provenant pipeline --image, keyless', () => {
  const digest = buildAndPushImage(work, host, 'keyless/pipeline', 'p1', 'pipeline image\n');
  const ref = `${host}/keyless/pipeline:p1`;

  it('signs and attests the image under the Fulcio identity; verify-image passes with that identity, near misses fail', async () => {
    const out = join(work, 'evidence');
    const r = await cli('pipeline', '--out', out, '--image', ref, '--identity-token', sigstore.identityToken, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--trusted-root', sigstore.trustedRootPath, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const verify = (...a: string[]) => cli('verify-image', `${host}/keyless/pipeline@${digest}`, '--trusted-root', sigstore.trustedRootPath, '--json', ...a);
    const ok = await verify('--certificate-identity', SAN, '--certificate-oidc-issuer', ISSUER, '--attestation-type', 'https://slsa.dev/provenance/v1');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).attestations.length).toBe(4);
    for (const [san, issuer] of [[`${SAN}.evil`, ISSUER], [SAN.slice(1), ISSUER], [SAN, `${ISSUER}x`]] as const) {
      const bad = await verify('--certificate-identity', san, '--certificate-oidc-issuer', issuer);
      expect([san, issuer, bad.code]).toEqual([san, issuer, 3]);
    }
    expect((await cli('pipeline', '--out', join(work, 'e2'), '--identity-token', sigstore.identityToken, '--fulcio-url', sigstore.fulcioURL, '--rekor-url', sigstore.rekorURL, '--quiet')).code).toBe(2);
  }, 120_000);
});
