// npm run release:local (scripts/release/release.mjs) against the loopback registry: the release
// directory holds the three tarballs, the image, an SBOM of each, SLSA provenance, signatures and
// attestations; the image and its signature and attestations are in the registry; every check of
// verification.json passed (provenant verify by the checked-in release/policy.yaml, verify-image,
// @sigstore/verify, skopeo). Then the same policy denies a changed tarball and a missing attestation.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { release, type ReleaseReport } from '../../scripts/release/release.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'provenant.cjs');
const work = mkdtempSync(join(tmpdir(), 'provenant-release-'));
let report: ReleaseReport;

beforeAll(async () => {
  const { plain } = inject('ociRegistries');
  report = await release({ out: join(work, 'release'), registry: `${plain.host}/ship-release/provenant`, builderId: 'https://provenant.dev/release/local', env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const at = (p: string) => join(report.out, p);
const verify = (args: string[]) => spawnSync(process.execPath, [BIN, 'verify', ...args], { cwd: report.out, encoding: 'utf8' });

describe('release:local', () => {
  it('writes the release directory: tarballs, image, SBOMs, provenance, signatures, attestations, report', () => {
    expect(report.passed).toBe(true);
    expect(report.packages.map((p) => p.name)).toEqual(['@provenant/core', '@provenant/verifier', '@provenant/cli']);
    for (const p of report.packages) {
      const name = p.file.slice('packages/'.length);
      for (const f of [p.file, `signatures/${name}.sigstore.json`, `attestations/${name}.sbom.sigstore.json`, `sbom/${name.replace(/\.tgz$/u, '')}.cdx.json`]) expect(existsSync(at(f)), f).toBe(true);
    }
    for (const f of ['image/index.json', 'sbom/image.cdx.json', 'provenance.intoto.json', 'attestations/provenance.sigstore.json', 'policy.yaml', 'release.pub', 'verification.json', 'SHA256SUMS']) expect(existsSync(at(f)), f).toBe(true);
    const statement = JSON.parse(readFileSync(at('provenance.intoto.json'), 'utf8')) as { predicateType: string; subject: Array<{ name: string; digest: { sha256: string } }> };
    expect(statement.predicateType).toBe('https://slsa.dev/provenance/v1');
    expect(statement.subject.map((s) => s.digest.sha256).sort()).toEqual([...report.packages.map((p) => p.sha256), report.image.digest.slice(7)].sort());
  });

  it('passed every check, each tool at least once', () => {
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    const tools = new Set(report.checks.map((c) => c.tool));
    for (const t of ['provenant verify --policy', 'provenant verify-image', '@sigstore/verify', 'skopeo inspect', 'skopeo list-tags']) expect(tools.has(t), t).toBe(true);
    expect(JSON.parse(readFileSync(at('verification.json'), 'utf8')).passed).toBe(true);
    expect(readFileSync(at('policy.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'release', 'policy.yaml'), 'utf8'));
  });

  it('the release policy denies a changed tarball and a tarball without its SBOM attestation', () => {
    const cli = report.packages.find((p) => p.name === '@provenant/cli')!;
    const name = cli.file.slice('packages/'.length);
    const evidence = [`signatures/${name}.sigstore.json`, `attestations/${name}.sbom.sigstore.json`, 'attestations/provenance.sigstore.json'];
    expect(verify([cli.file, '--policy', 'policy.yaml', '--evidence', ...evidence]).status).toBe(0);
    expect(verify([cli.file, '--policy', 'policy.yaml', '--evidence', ...evidence.filter((e) => !e.includes('.sbom.'))]).status).toBe(3);
    const changed = join('packages', 'provenant-cli-changed.tgz');
    copyFileSync(at(cli.file), at(changed));
    writeFileSync(at(changed), Buffer.concat([readFileSync(at(changed)), Buffer.from('x')]));
    expect(verify([changed, '--policy', 'policy.yaml', '--evidence', ...evidence]).status).toBe(3);
  });
});

describe('.github/workflows/release.yml', () => {
  it('runs the same script keyless, with id-token: write, on Debian 12 as the image inputs require', () => {
    const wf = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as { jobs: { release: { permissions: Record<string, string>; container: string; steps: Array<{ run?: string }> } } };
    const job = wf.jobs.release;
    expect(job.permissions['id-token']).toBe('write');
    expect(job.container).toBe('debian:12');
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/node scripts\/release\/release\.mjs --keyless /u);
    expect(runs).toContain('trust update');
  });
});
