// A tag is resolved to a digest once and only the digest is signed and checked: when the tag moves to
// another image, the signature stays with the old digest and the tag no longer verifies.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exportPrivateKey, exportPublicKey, generateKeyPair } from '@provenant/core/sign';
import { buildAndPushImage, cli, sh } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-tag-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const host = inject('ociRegistries').plain.host;

describe('tag resolution', () => {
  it('signatures follow the digest, not the tag', async () => {
    const pair = generateKeyPair('ecdsa-p256');
    writeFileSync(join(work, 'k.pem'), exportPrivateKey(pair.privateKey));
    writeFileSync(join(work, 'k.pub'), exportPublicKey(pair.publicKey));
    const a = buildAndPushImage(work, host, 'tags/app', 'a', 'image a\n');
    const b = buildAndPushImage(work, host, 'tags/app', 'b', 'image b\n');
    sh('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/tags/app:a`, `docker://${host}/tags/app:current`]);
    const signed = await cli('sign-image', `${host}/tags/app:current`, '--key', join(work, 'k.pem'), '--json');
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout).image).toBe(`${host}/tags/app@${a}`);
    // The tag moves to b.
    sh('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/tags/app:b`, `docker://${host}/tags/app:current`]);
    const byDigest = await cli('verify-image', `${host}/tags/app@${a}`, '--key', join(work, 'k.pub'), '--ignore-tlog', '--json');
    expect(byDigest.code, byDigest.stderr).toBe(0);
    const byTag = await cli('verify-image', `${host}/tags/app:current`, '--key', join(work, 'k.pub'), '--ignore-tlog', '--json');
    expect(byTag.code).toBe(3);
    expect(JSON.parse(byTag.stdout).error.code).toBe('IMAGE_SIGNATURE_MISSING');
    expect(JSON.parse(byTag.stdout).error.details.image).toBe(`${host}/tags/app@${b}`);
  }, 60_000);
});
