// Image signatures provenant writes, checked by tools that share no code with it: openssl verifies the
// .sig layer's signature over the simple-signing payload with the public key; @sigstore/verify verifies the
// bundle referrers; skopeo sees the signature artifacts. Missing tools fail these tests; none are skipped.
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { ANNOTATIONS, COSIGN_SIGN_PREDICATE_TYPE, SIGSTORE_BUNDLE_ARTIFACT_TYPE, SIMPLE_SIGNING_MEDIA_TYPE, cosignTag, parseSimpleSigningPayload } from '@provenant/core/cosign';
import { exportPrivateKey, exportPublicKey, generateKeyPair, publicKeyHint } from '@provenant/core/sign';
import { buildAndPushImage, cli, sh } from '../e2e/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-cosign-interop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const host = inject('ociRegistries').plain.host;
const pair = generateKeyPair('ecdsa-p256');
const keyPath = join(work, 'signing.key');
const pubPath = join(work, 'signing.pub');
writeFileSync(keyPath, exportPrivateKey(pair.privateKey));
writeFileSync(pubPath, exportPublicKey(pair.publicKey));

const skopeo = (...args: string[]): string => sh('skopeo', ['--insecure-policy', ...args]);
const blob = (repo: string, digest: string): Buffer => execFileSync('curl', ['-sf', `http://${host}/v2/${repo}/blobs/${digest}`]);

describe('image signatures and attestations interop', () => {
  const repo = 'interop/app';
  const digest = buildAndPushImage(work, host, repo, 'v1', 'interop image\n');
  const predicate = join(work, 'predicate.json');
  writeFileSync(predicate, JSON.stringify({ builder: 'interop-test' }));

  it('sign-image and attest-image resolve the tag once and write both storage forms', async () => {
    const s = await cli('sign-image', `${host}/${repo}:v1`, '--key', keyPath, '--json');
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout).image).toBe(`${host}/${repo}@${digest}`);
    const a = await cli('attest-image', `${host}/${repo}:v1`, '--key', keyPath, '--predicate', predicate, '--type', 'https://example.test/predicate/v1', '--json');
    expect(a.code, a.stderr).toBe(0);
  }, 60_000);

  it('skopeo lists the .sig and .att tags and the referrers fallback tag, and inspects the .sig manifest', () => {
    const tags = (JSON.parse(skopeo('list-tags', '--tls-verify=false', `docker://${host}/${repo}`)) as { Tags: string[] }).Tags;
    expect(tags).toContain(cosignTag(digest, 'sig'));
    expect(tags).toContain(cosignTag(digest, 'att'));
    expect(tags).toContain(`sha256-${digest.slice(7)}`);
    const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/${repo}:${cosignTag(digest, 'sig')}`)) as { layers: { mediaType: string; annotations: Record<string, string> }[] };
    expect(raw.layers[0]!.mediaType).toBe(SIMPLE_SIGNING_MEDIA_TYPE);
    expect(raw.layers[0]!.annotations[ANNOTATIONS.signature]).toMatch(/^[A-Za-z0-9+/=]+$/);
  });

  it('openssl verifies the .sig signature over the simple-signing payload with the public key', () => {
    const raw = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/${repo}:${cosignTag(digest, 'sig')}`)) as { layers: { digest: string; annotations: Record<string, string> }[] };
    const layer = raw.layers[0]!;
    const payload = blob(repo, layer.digest);
    expect(parseSimpleSigningPayload(payload).manifestDigest).toBe(digest);
    writeFileSync(join(work, 'payload.json'), payload);
    writeFileSync(join(work, 'payload.sig'), Buffer.from(layer.annotations[ANNOTATIONS.signature]!, 'base64'));
    const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', pubPath, '-signature', join(work, 'payload.sig'), join(work, 'payload.json')], { encoding: 'utf8' });
    expect(out.trim()).toBe('Verified OK');
  });

  it('@sigstore/verify verifies every bundle referrer, and each names the image digest', () => {
    const index = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/${repo}:sha256-${digest.slice(7)}`)) as { manifests: { digest: string; artifactType?: string }[] };
    const referrers = index.manifests.filter((m) => m.artifactType === SIGSTORE_BUNDLE_ARTIFACT_TYPE);
    expect(referrers.length).toBe(2);
    const pub = createPublicKey(exportPublicKey(pair.publicKey));
    const keys = { [publicKeyHint(pub)]: { rawBytes: pub.export({ format: 'der', type: 'spki' }), keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor: { start: new Date(0) } } };
    const root = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
    const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    const types: string[] = [];
    for (const r of referrers) {
      const manifest = JSON.parse(skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/${repo}@${r.digest}`)) as { subject: { digest: string }; layers: { digest: string }[] };
      expect(manifest.subject.digest).toBe(digest);
      const bundle = JSON.parse(blob(repo, manifest.layers[0]!.digest).toString('utf8')) as Parameters<typeof bundleFromJSON>[0];
      verifier.verify(toSignedEntity(bundleFromJSON(bundle)));
      const statement = JSON.parse(Buffer.from((bundle as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload, 'base64').toString('utf8')) as { predicateType: string; subject: { digest: { sha256: string } }[] };
      expect(statement.subject[0]!.digest.sha256).toBe(digest.slice(7));
      types.push(statement.predicateType);
    }
    expect(types.sort()).toEqual([COSIGN_SIGN_PREDICATE_TYPE, 'https://example.test/predicate/v1'].sort());
  });

  it('verify-image passes with the key and denies another key with exit 3', async () => {
    const ok = await cli('verify-image', `${host}/${repo}:v1`, '--key', pubPath, '--ignore-tlog', '--attestation-type', 'https://example.test/predicate/v1', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).signatures).toBe(2);
    const other = join(work, 'other.pub');
    writeFileSync(other, exportPublicKey(generateKeyPair('ecdsa-p256').publicKey));
    const bad = await cli('verify-image', `${host}/${repo}:v1`, '--key', other, '--ignore-tlog', '--json');
    expect(bad.code).toBe(3);
  }, 60_000);
});
