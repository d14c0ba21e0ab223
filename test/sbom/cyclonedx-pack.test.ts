// dist/vendor/cyclonedx-library.cjs (packages/core/scripts/pack-cyclonedx.mjs): the library's own modules
// packed into one file. It must be the library: the same exports, one instance per module, its files
// found where they are installed, and byte-identical SBOMs to those the library writes from node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '../..');
const packFile = join(root, 'packages/core/dist/vendor/cyclonedx-library.cjs');
const libraryRoot = dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json'));

interface Pack {
  version: string;
  requireModule(path: string): Record<string, unknown>;
}

function pack(): Pack {
  if (!existsSync(packFile)) throw new Error(`${packFile} is missing: run npm run build`);
  return require(packFile) as Pack;
}

const ENTRIES: [string, string][] = [
  ['@cyclonedx/cyclonedx-library/Enums', 'dist.node/enums/index.js'],
  ['@cyclonedx/cyclonedx-library/Models', 'dist.node/models/index.js'],
  ['@cyclonedx/cyclonedx-library/Spec', 'dist.node/spec/index.js'],
  ['@cyclonedx/cyclonedx-library/SPDX', 'dist.node/spdx.js'],
  ['@cyclonedx/cyclonedx-library/Serialize', 'dist.node/serialize/index.node.js'],
  ['@cyclonedx/cyclonedx-library/Validation', 'dist.node/validation/index.node.js'],
  ['@cyclonedx/cyclonedx-library', 'dist.node/index.node.js'],
];

describe('the packed CycloneDX library', () => {
  it('is the installed version, resolved through core’s exports map', () => {
    const installed = JSON.parse(readFileSync(join(libraryRoot, 'package.json'), 'utf8')) as { version: string };
    expect(pack().version).toBe(installed.version);
    const viaExports = createRequire(join(root, 'packages/core/src/sbom/x.js')).resolve('@provenant/core/vendor/cyclonedx-library');
    expect(viaExports).toBe(packFile);
  });

  it.each(ENTRIES)('%s has the same exports as the published entry', (published, packed) => {
    const ours = pack().requireModule(packed);
    const theirs = require(published) as Record<string, unknown>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
    for (const k of Object.keys(theirs)) expect(typeof ours[k], k).toBe(typeof theirs[k]);
  });

  it('loads each module once: the entry points share their models, as in node_modules', () => {
    const p = pack();
    const index = p.requireModule('dist.node/index.node.js');
    expect(index['Models']).toBe(p.requireModule('dist.node/models/index.js'));
    expect(index['Enums']).toBe(p.requireModule('dist.node/enums/index.js'));
    const Serialize = p.requireModule('dist.node/serialize/index.node.js') as { JsonSerializer: unknown };
    expect(Serialize.JsonSerializer).toBe(p.requireModule('dist.node/serialize/jsonSerializer.js')['JsonSerializer']);
  });

  it('finds the files the library reads by path where they are installed', () => {
    const resources = pack().requireModule('dist.node/resources.node.js') as { FILES: { CDX: { JSON_SCHEMA: Record<string, string | undefined> } } };
    const schema = resources.FILES.CDX.JSON_SCHEMA['1.6'];
    expect(schema).toBeDefined();
    expect(schema!.startsWith(libraryRoot)).toBe(true);
    expect(existsSync(schema!)).toBe(true);
  });

  it('fails with a clear error for a module it does not hold', () => {
    expect(() => pack().requireModule('dist.node/no-such-module.js')).toThrow(/no module dist\.node\/no-such-module\.js/);
  });

  it('writes the same bytes as the library from node_modules (JSON and XML, 1.5 and 1.6)', () => {
    // Each in its own process: one process uses one source of the library.
    const script = `
      const sbom = await import(${JSON.stringify(join(root, 'packages/core/dist/sbom/index.js'))});
      const inv = sbom.catalogJavaScriptProject(${JSON.stringify(join(root, 'fixtures/sample-app'))});
      const out = [];
      for (const specVersion of ['1.5', '1.6']) for (const format of ['json', 'xml']) out.push(sbom.toCycloneDx(inv, { specVersion, format, reproducible: true }));
      out.push(sbom.toSpdxJson(inv, { reproducible: true }));
      const cache = (await import('node:module')).createRequire(import.meta.url).cache;
      const fromNodeModules = Object.keys(cache).some((k) => k.includes('/cyclonedx-library/dist.node/'));
      const fromPack = Object.keys(cache).some((k) => k.endsWith('/vendor/cyclonedx-library.cjs'));
      process.stdout.write(JSON.stringify({ out, fromNodeModules, fromPack }));`;
    type Run = { out: string[]; fromNodeModules: boolean; fromPack: boolean };
    const run = (env: Record<string, string>): Run =>
      JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' })) as Run;
    const packed = run({});
    const published = run({ PROVENANT_CYCLONEDX_PACK: '0' });
    expect([packed.fromPack, packed.fromNodeModules]).toEqual([true, false]);
    expect([published.fromPack, published.fromNodeModules]).toEqual([false, true]);
    expect(packed.out).toHaveLength(5);
    expect(packed.out).toEqual(published.out);
    expect(packed.out[2]).toContain('"specVersion": "1.6"');
  });
});
