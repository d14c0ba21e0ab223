// The CLI bundle's rewrite of packageurl-js (packages/cli/scripts/packageurl-lazy-collator.mjs) must
// refuse source it was not checked against, and must have been applied to the built bundle.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

interface Plugin {
  transform(this: { error(m: string): never }, code: string, id: string): { code: string } | null;
  buildEnd(this: { error(m: string): never }, err?: unknown): void;
}
const ctx = { error: (m: string): never => { throw new Error(m); } };
const load = async (): Promise<Plugin> => {
  const mod = (await import(join(REPO, 'packages/cli/scripts/packageurl-lazy-collator.mjs'))) as { packageurlLazyCollator: () => Plugin };
  return mod.packageurlLazyCollator();
};
const STRINGS = '/x/node_modules/packageurl-js/src/strings.js';
const COMPONENT = '/x/node_modules/packageurl-js/src/purl-component.js';

describe('packageurl-js rewrite for the CLI bundle', () => {
  it('fails the build when packageurl-js no longer has the text it rewrites', async () => {
    const p = await load();
    expect(() => p.transform.call(ctx, 'const localeCompare = (a, b) => a.localeCompare(b)', STRINGS)).toThrow(/no longer contains/);
    expect(() => p.transform.call(ctx, 'function componentComparator() {}', COMPONENT)).toThrow(/no longer contains/);
  });

  it('fails the build when a file it rewrites was not bundled', async () => {
    const p = await load();
    p.transform.call(ctx, 'const { compare: localeCompare } = new Intl.Collator()', STRINGS);
    expect(() => p.buildEnd.call(ctx)).toThrow(/not bundled as expected/);
  });

  it('leaves other modules alone, and makes the collator on first use', async () => {
    const p = await load();
    expect(p.transform.call(ctx, 'new Intl.Collator()', '/x/node_modules/other/index.js')).toBeNull();
    const out = p.transform.call(ctx, 'const { compare: localeCompare } = new Intl.Collator()', STRINGS);
    expect(out?.code).not.toMatch(/=\s*new Intl\.Collator\(\)\s*$/m);
    const localeCompare = new Function(`${out?.code ?? ''}; return localeCompare`)() as (a: string, b: string) => number;
    expect(['b', 'a', 'C'].sort(localeCompare)).toEqual(['a', 'b', 'C'].sort(new Intl.Collator().compare));
  });

  it('orders the component names as the collator does', async () => {
    const p = await load();
    const src = 'function componentComparator(compA, compB) {\n    return localeCompare(componentSortOrder(compA), componentSortOrder(compB))\n}';
    const out = p.transform.call(ctx, src, COMPONENT);
    const order = { __proto__: null, type: 0, namespace: 1, name: 2, version: 3, qualifiers: 4, qualifierKey: 5, qualifierValue: 6, subpath: 7 } as unknown as Record<string, number>;
    const { compare } = new Intl.Collator();
    const componentComparator = new Function('localeCompare', 'componentSortOrder', `${out?.code ?? ''}; return componentComparator`)(compare, (c: string) => order[c] ?? c) as (a: string, b: string) => number;
    const names = ['subpath', 'qualifierValue', 'version', 'type', 'name', 'qualifiers', 'namespace', 'qualifierKey', 'other', 'another'];
    const expected = [...names].sort((a, b) => compare(String(order[a] ?? a), String(order[b] ?? b)));
    expect([...names].sort(componentComparator)).toEqual(expected);
  });

  it('was applied to the built bundle', () => {
    const dir = join(REPO, 'packages/cli/dist/bundle');
    const bundled = readdirSync(dir).filter((f) => f.endsWith('.cjs')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(bundled).toContain('collator_??=new Intl.Collator');
    expect(bundled).not.toMatch(/compare:localeCompare\}=new Intl\.Collator/);
  });
});
