// End to end on real parts: an image built with umoci and pushed with skopeo to the loopback registry,
// `provenant pipeline --image` signs and attests it, then `verify-image` passes with the matching key
// and fails with any near miss.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildAndPushImage, cli, sh } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const host = inject('ociRegistries').plain.host;

describe('provenant pipeline --image on the loopback registry', () => {
  const digest = buildAndPushImage(work, host, 'e2e/app', 'v1', 'hello from e2e\n');
  const otherDigest = buildAndPushImage(work, host, 'e2e/app', 'v2', 'another image\n');
  const out = join(work, 'evidence');

  it('writes evidence with provenance, signatures, attestations and a passing verification report', async () => {
    const r = await cli('pipeline', '--out', out, '--image', `${host}/e2e/app:v1`, '--quiet', '--json');
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'evidence.json'), 'utf8')) as { files: { path: string }[]; stages: { name: string; status: string }[]; kpis: { artifacts: { total: number; signed: number; verified: number }; attestations: { created: number; verified: number }; signatures: { verified: number }; sbom: { coverage: number | null } } };
    expect(index.stages.map((s) => s.name)).toEqual(['sbom', 'provenance', 'sign', 'image', 'verify']);
    const paths = index.files.map((f) => f.path);
    for (const p of ['sbom.cdx.json', 'provenance.intoto.json', 'keys/signing-key.pub', 'verification-report.json', 'attestations/provenance.intoto.sigstore.json', 'attestations/sbom.intoto.sigstore.json']) expect(paths).toContain(p);
    expect(index.kpis.artifacts.total).toBeGreaterThan(0);
    expect(index.kpis.artifacts.signed).toBe(index.kpis.artifacts.total);
    expect(index.kpis.artifacts.verified).toBe(index.kpis.artifacts.total);
    // 2 file attestations + 2 image attestations in each of the two storage forms.
    expect(index.kpis.attestations.verified).toBe(6);
    expect(index.kpis.sbom.coverage).not.toBeNull();
    const report = JSON.parse(readFileSync(join(out, 'verification-report.json'), 'utf8')) as { passed: boolean; image: { digest: string } };
    expect(report.passed).toBe(true);
    expect(report.image.digest).toBe(digest);
  }, 120_000);

  it('verify-image passes with the pipeline key, by tag and by digest, in both storage forms', async () => {
    const key = join(out, 'keys/signing-key.pub');
    for (const ref of [`${host}/e2e/app:v1`, `${host}/e2e/app@${digest}`]) {
      for (const format of ['both', 'legacy', 'referrer']) {
        const r = await cli('verify-image', ref, '--key', key, '--ignore-tlog', '--format', format, '--attestation-type', 'https://slsa.dev/provenance/v1', '--json');
        expect(r.code, `${ref} ${format}: ${r.stderr}`).toBe(0);
      }
    }
  }, 60_000);

  it('verify-image denies near misses with exit 3 and a specific code', async () => {
    const key = join(out, 'keys/signing-key.pub');
    // Another key (a second pipeline run makes a fresh ephemeral key).
    const out2 = join(work, 'evidence2');
    expect((await cli('pipeline', '--out', out2, '--quiet')).code).toBe(0);
    const wrongKey = await cli('verify-image', `${host}/e2e/app:v1`, '--key', join(out2, 'keys/signing-key.pub'), '--ignore-tlog', '--json');
    expect(wrongKey.code).toBe(3);
    // An image nobody signed.
    const unsigned = await cli('verify-image', `${host}/e2e/app@${otherDigest}`, '--key', key, '--ignore-tlog', '--json');
    expect(unsigned.code).toBe(3);
    expect(JSON.parse(unsigned.stdout).error.code).toBe('IMAGE_SIGNATURE_MISSING');
    // Without --ignore-tlog an offline key signature has no log entry: fail closed.
    const noTlog = await cli('verify-image', `${host}/e2e/app:v1`, '--key', key, '--json');
    expect(noTlog.code).toBe(3);
    expect(JSON.parse(noTlog.stdout).error.code).toBe('TLOG_THRESHOLD_NOT_MET');
    // A required attestation type that is not there.
    const noAtt = await cli('verify-image', `${host}/e2e/app:v1`, '--key', key, '--ignore-tlog', '--attestation-type', 'https://example.test/other/v1', '--json');
    expect(noAtt.code).toBe(3);
    expect(JSON.parse(noAtt.stdout).error.code).toBe('ATTESTATION_MISSING');
  }, 120_000);

  it('a signature copied onto another digest is denied (IMAGE_SIGNATURE_INVALID)', async () => {
    const sigTag = `sha256-${digest.slice(7)}.sig`;
    const otherTag = `sha256-${otherDigest.slice(7)}.sig`;
    sh('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/e2e/app:${sigTag}`, `docker://${host}/e2e/app:${otherTag}`]);
    const r = await cli('verify-image', `${host}/e2e/app@${otherDigest}`, '--key', join(out, 'keys/signing-key.pub'), '--ignore-tlog', '--format', 'legacy', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error.code).toBe('IMAGE_SIGNATURE_INVALID');
  }, 60_000);

  it('two pipeline runs on the same input differ only in signatures, keys and timestamps', async () => {
    const a = join(work, 'run-a');
    const b = join(work, 'run-b');
    expect((await cli('pipeline', '--out', a, '--quiet')).code).toBe(0);
    expect((await cli('pipeline', '--out', b, '--quiet')).code).toBe(0);
    // The SBOM is reproducible, so its digest (in provenance byproducts and the SBOM attestation) must match too.
    // DSSE payloads are compared decoded: the statement must match, only its timestamps may differ.
    const decodePayloads = (text: string): string => text.replace(/"payload": ?"([A-Za-z0-9+/=]+)"/g, (_m, b64: string) => `"payload": ${Buffer.from(b64, 'base64').toString('utf8')}`);
    const scrubRun = (_dir: string, text: string): string => scrub(decodePayloads(text));
    const scrub = (text: string): string =>
      text
        .replace(/"timestamp": ?"[^"]*"/g, '"timestamp":"T"')
        .replace(/"(startedAt|finishedAt|startedOn|finishedOn|durationMs)": ?("[^"]*"|[0-9.]+)/g, '"$1":"T"')
        .replace(/"(sig|signature|rawBytes|hint|keyid|digest)": ?"[^"]*"/g, '"$1":"S"')
        .replace(/-----BEGIN PUBLIC KEY-----[^-]*-----END PUBLIC KEY-----\\n/g, 'KEY')
        .replace(/-----BEGIN PUBLIC KEY-----[^-]*-----END PUBLIC KEY-----\n?/g, 'KEY')
        .replace(/key [A-Za-z0-9+/=_-]{20,}/g, 'key K')
        // A signed file's size follows its signature's: an ECDSA DER signature is 72 bytes or fewer (69 in
        // about 1 run in 100 here, when r or s starts with a zero byte), and base64 rounds that to 4 chars.
        .replace(/("path": ?"(?:signatures|attestations)\/[^"]*",(?:\s*"[A-Za-z]+": ?"[^"]*",)*\s*"size": ?)\d+/g, '$1"N"');
    for (const f of ['sbom.cdx.json', 'provenance.intoto.json', 'evidence.json', 'verification-report.json', 'attestations/provenance.intoto.sigstore.json']) {
      expect(scrubRun(a, readFileSync(join(a, f), 'utf8')), f).toBe(scrubRun(b, readFileSync(join(b, f), 'utf8')));
    }
  }, 120_000);
});
