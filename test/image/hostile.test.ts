import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { OciLayout, OciLayoutWriter, tarToBuffer, writeDockerArchive, type TarWriteEntry } from '@provenant/core/oci';
import { catalogImageInventories, squashLayers } from '@provenant/core/sbom';
import { layer, sampleEntries, sha256, writeImage, type BuiltLayer } from './build.js';

const work = mkdtempSync(join(tmpdir(), 'provenant-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProvenantError) return e.code;
    throw e;
  }
  return 'no error';
}

/** A layout with one image of the given layers; returns the target and the layout dir. */
async function image(layers: BuiltLayer[], diffIds?: string[]): Promise<{ target: string; dir: string; manifest: string }> {
  const dir = join(work, `img${n++}`);
  const w = await OciLayoutWriter.create(dir);
  const desc = await writeImage(w, layers, { tag: 't', ...(diffIds ? { diffIds } : {}) });
  await w.finish();
  return { target: `oci:${dir}:t`, dir, manifest: desc.digest };
}

function blobFile(dir: string, digest: string): string {
  return join(dir, 'blobs/sha256', digest.slice('sha256:'.length));
}

describe('hostile layers', () => {
  const cases: Array<[string, TarWriteEntry[], string]> = [
    ['a ../ entry', [{ path: '../../../tmp/pwned', content: 'x' }], 'TAR_PATH_ESCAPE'],
    ['an absolute path', [{ path: '/etc/passwd', content: 'x' }], 'TAR_PATH_ESCAPE'],
    ['a file through a symlink to /etc', [{ path: 'evil', type: 'symlink', linkPath: '/etc' }, { path: 'evil/passwd', content: 'x' }], 'TAR_PATH_ESCAPE'],
    ['a hardlink to outside', [{ path: 'shadow', type: 'hardlink', linkPath: '../../etc/shadow' }], 'TAR_PATH_ESCAPE'],
    ['a hardlink to nothing', [{ path: 'shadow', type: 'hardlink', linkPath: 'etc/shadow' }], 'TAR_INVALID'],
  ];
  it.each(cases)('refuses %s', async (_name, entries, want) => {
    const { target } = await image([await layer(entries)]);
    expect(await code(catalogImageInventories(target))).toBe(want);
  });

  it('keeps symlinks from earlier layers inside the root', async () => {
    const l1 = await layer([{ path: 'etc', type: 'symlink', linkPath: '/../../../../host-etc' }, { path: 'lib', type: 'symlink', linkPath: 'usr/lib' }, { path: 'usr/lib', type: 'directory' }]);
    const l2 = await layer([{ path: 'lib/apk/db/installed', content: 'P:through-link\nV:1\n\n' }]);
    const { dir } = await image([l1, l2]);
    const [img] = await (await OciLayout.open(dir)).images('t', 'all');
    const view = await squashLayers(img!.layers);
    // lib -> usr/lib is followed inside the image: the db lands at usr/lib/apk/db/installed.
    expect(view.lookup('usr/lib/apk/db/installed')?.type).toBe('file');
    expect(view.read('lib/apk/db/installed')?.toString()).toContain('through-link');
    // etc -> /../../../../host-etc resolves to host-etc inside the image (absent), never the host's.
    expect(view.resolve('etc/passwd')).toBeUndefined();
    const [inv] = await catalogImageInventories(`oci:${dir}:t`);
    expect(inv!.components.map((c) => c.name)).toEqual(['through-link']);
  });

  it('stops a gzip bomb', async () => {
    const tar = await tarToBuffer([{ path: 'zeros', content: Buffer.alloc(120 * 1024 * 1024) }]);
    const bomb: BuiltLayer = { tar, blob: gzipSync(tar, { level: 9 }) };
    const { target } = await image([bomb]);
    expect(await code(catalogImageInventories(target))).toBe('GZIP_BOMB');
    expect(await code(catalogImageInventories(target, { limits: { maxBytes: 1024 * 1024, maxRatio: 1e9 } }))).toBe('GZIP_BOMB');
  });

  it('bounds the number of members and the cataloged bytes kept in memory', async () => {
    const many = await layer(Array.from({ length: 50 }, (_, i) => ({ path: `f${i}`, content: '' })));
    const { target } = await image([many, many]);
    expect(await code(catalogImageInventories(target, { maxEntries: 60 }))).toBe('SIZE_LIMIT_EXCEEDED');
    const meta = await layer(Array.from({ length: 20 }, (_, i) => ({ path: `usr/lib/python3/p${i}.dist-info/METADATA`, content: `Name: p${i}\nVersion: 1\n`.padEnd(1000, ' ') })));
    expect(await code(catalogImageInventories((await image([meta])).target, { maxContentBytes: 10_000 }))).toBe('SIZE_LIMIT_EXCEEDED');
  });

  it('reports a truncated layer', async () => {
    const full = await tarToBuffer([{ path: 'big', content: Buffer.alloc(100_000, 1) }]);
    const cutTar = full.subarray(0, 30_000);
    const gz = gzipSync(full);
    expect(await code(catalogImageInventories((await image([{ tar: cutTar, blob: cutTar }])).target))).toBe('TAR_INVALID');
    const cutGz = gz.subarray(0, gz.length - 20);
    expect(await code(catalogImageInventories((await image([{ tar: full, blob: cutGz }])).target))).toBe('TAR_INVALID');
  });

  it('checks the uncompressed layer against the config diff_id when asked', async () => {
    const l = await layer(sampleEntries);
    const { target } = await image([l], [sha256(Buffer.from('not the layer'))]);
    expect(await code(catalogImageInventories(target, { verifyDiffIds: true }))).toBe('DIGEST_MISMATCH');
    // By default the blob digest (checked) is what binds the layer; the config's claim is not re-hashed.
    expect(await code(catalogImageInventories(target))).toBe('no error');
  });
});

describe('hostile layouts', () => {
  it('refuses a manifest blob that does not match its digest', async () => {
    const { target, dir, manifest } = await image([await layer(sampleEntries)]);
    const f = blobFile(dir, manifest);
    writeFileSync(f, readFileSync(f, 'utf8').replace('"schemaVersion":2', '"schemaVersion": 2'));
    expect(await code(catalogImageInventories(target))).toMatch(/DIGEST_MISMATCH|BLOB_TOO_LARGE/);
  });

  it('refuses a layer blob with the wrong content or size', async () => {
    const l = await layer(sampleEntries);
    const { target, dir } = await image([l]);
    const f = blobFile(dir, sha256(l.blob));
    const bad = Buffer.from(l.blob);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    writeFileSync(f, bad);
    expect(await code(catalogImageInventories(target))).toBe('DIGEST_MISMATCH');
    writeFileSync(f, Buffer.concat([l.blob, Buffer.alloc(10)]));
    expect(await code(catalogImageInventories(target))).toMatch(/SIZE_LIMIT_EXCEEDED|BLOB_TOO_LARGE/);
  });

  it('refuses digests that are paths', async () => {
    const { target, dir } = await image([await layer(sampleEntries)]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    index.manifests[0]!.digest = 'sha256:../../../../etc/passwd';
    writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
    expect(await code(catalogImageInventories(target))).toBe('LAYOUT_INVALID');
  });

  it('refuses a docker-archive whose layer does not match its diff_id, or names members outside it', async () => {
    const l = await layer(sampleEntries, { gzip: false });
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(l.tar)] } }));
    const file = join(work, 'bad.tar');
    await writeDockerArchive(file, [{ config, layers: [{ size: l.tar.length, open: async function* () { yield l.tar; } }] }]);
    // Flip one byte of the layer's file content inside the archive.
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('P:musl'));
    bytes[at + 2] = 'X'.charCodeAt(0);
    writeFileSync(file, bytes);
    expect(await code(catalogImageInventories(`docker-archive:${file}`))).toBe('DIGEST_MISMATCH');

    const escape = join(work, 'escape.tar');
    writeFileSync(escape, await tarToBuffer([{ path: 'manifest.json', content: JSON.stringify([{ Config: '../../etc/passwd', Layers: [] }]) }]));
    expect(await code(catalogImageInventories(`docker-archive:${escape}`))).toBe('TAR_PATH_ESCAPE');
  });

  it('refuses to add to a layout whose index.json it cannot read', async () => {
    const { dir } = await image([await layer(sampleEntries)]);
    writeFileSync(join(dir, 'index.json'), '{"schemaVersion": 2, "manifests": "nope"}');
    expect(await code(OciLayoutWriter.create(dir))).toBe('LAYOUT_INVALID');
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toContain('nope');
  });

  it('leaves no partial files when a streamed blob fails verification', async () => {
    const dir = join(work, 'partial');
    const w = await OciLayoutWriter.create(dir);
    const err = await code(w.putBlob((async function* () { yield Buffer.from('abc'); })(), 'x', { digest: sha256(Buffer.from('abd')), size: 3 }));
    expect(err).toBe('DIGEST_MISMATCH');
    expect(readdirSync(join(dir, 'blobs/sha256'))).toEqual([]);
    expect(existsSync(join(dir, 'index.json'))).toBe(false);
  });
});
