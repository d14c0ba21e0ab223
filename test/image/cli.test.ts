import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main, type CliIO } from '@provenant/cli';
import { OciLayoutWriter } from '@provenant/core/oci';
import { validateCycloneDxJson } from '@provenant/core/sbom';
import { cyclonedxJsonValidator, cyclonedxXsdErrors, spdxValidator } from '../helpers/sbom-schemas.js';
import { layer, writeImage } from './build.js';
import { writeSampleRootfs } from './rootfs.js';
import { skopeo, umociImage } from './umoci.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io: CliIO & { stdout: string; stderr: string } = { stdout: '', stderr: '', isTTY: false, out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

interface Bom {
  metadata: { component: { type: string; name: string; version: string; properties?: Array<{ name: string; value: string }> } };
  components: Array<{ type: string; name: string; version?: string; purl?: string; properties?: Array<{ name: string; value: string }> }>;
}

const registries = inject('ociRegistries');
const work = mkdtempSync(join(tmpdir(), 'provenant-image-cli-'));
const layout = join(work, 'layout');
let digest = '';
beforeAll(() => {
  const rootfs = writeSampleRootfs(join(work, 'rootfs'));
  digest = umociImage(layout, 'v1', [rootfs.layer1, rootfs.layer2], work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('provenant sbom <image>', () => {
  it('writes a valid CycloneDX 1.6 document for oci:DIR:tag with the container as root', async () => {
    const out = join(work, 'oci.cdx.json');
    const r = await run('sbom', `oci:${layout}:v1`, '--output', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, output: out });
    const text = readFileSync(out, 'utf8');
    const validation = await validateCycloneDxJson(JSON.parse(text));
    expect(validation.valid, JSON.stringify(validation)).toBe(true);
    const official = cyclonedxJsonValidator('1.6');
    expect(official(JSON.parse(text)), JSON.stringify(official.errors?.slice(0, 5))).toBe(true);
    const bom = JSON.parse(text) as Bom;
    expect(bom.metadata.component).toMatchObject({ type: 'container', version: digest });
    expect(bom.metadata.component.properties).toEqual(expect.arrayContaining([{ name: 'provenant:image:manifest-digest', value: digest }]));
    expect(bom.components.find((c) => c.type === 'operating-system')).toMatchObject({ name: 'debian', version: '12' });
    const names = bom.components.map((c) => c.name).sort();
    expect(names).toEqual(expect.arrayContaining(['bash', 'libssl3', 'tzdata', 'musl', 'busybox', 'requests', 'Six_Compat', 'debug', 'ms']));
    expect(names).not.toContain('idna');
    for (const c of bom.components) expect(c.properties?.some((p) => p.name === 'provenant:layer:digest'), c.name).toBe(true);
  });

  it('reads docker-archive files and registry references, and writes SPDX', async () => {
    const archive = join(work, 'image.tar');
    skopeo(['copy', '-q', `oci:${layout}:v1`, `docker-archive:${archive}:demo/app:v1`]);
    const a = await run('sbom', `docker-archive:${archive}`, '--format', 'spdx-json');
    expect(a.code, a.stderr).toBe(0);
    const spdx = JSON.parse(a.stdout) as { spdxVersion: string; packages: Array<{ name: string }> };
    expect(spdx.spdxVersion).toBe('SPDX-2.3');
    expect(spdx.packages.map((p) => p.name)).toContain('bash');
    const validate = spdxValidator();
    expect(validate(spdx), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const xml = await run('sbom', `docker-archive:${archive}`, '--format', 'cyclonedx-xml');
    expect(xml.code, xml.stderr).toBe(0);
    expect(xml.stdout).toContain('<name>bash</name>');
    expect(cyclonedxXsdErrors(xml.stdout, '1.6')).toBe('');

    skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registries.plain.host}/image-cli/app:v1`]);
    const reg = await run('sbom', `${registries.plain.host}/image-cli/app:v1`, '--platform', 'linux/amd64');
    expect(reg.code, reg.stderr).toBe(0);
    expect((JSON.parse(reg.stdout) as Bom).metadata.component.version).toBe(digest);
  });

  it('fails with exit 1 and no output file on a hostile layer, and exit 2 on a bad platform', async () => {
    const dir = join(work, 'hostile');
    const w = await OciLayoutWriter.create(dir);
    await writeImage(w, [await layer([{ path: '../../escape', content: 'x' }])], { tag: 'bad' });
    await w.finish();
    const out = join(work, 'out', 'never.json');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(work, 'out'));
    const r = await run('sbom', `oci:${dir}:bad`, '--output', out, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('TAR_PATH_ESCAPE');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(join(work, 'out'))).toEqual([]);
    const p = await run('sbom', `oci:${layout}:v1`, '--platform', 'linux', '--json');
    expect(p.code).toBe(2);
  });
});
