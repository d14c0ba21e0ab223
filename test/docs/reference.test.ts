// The documentation keeps up with the code: every environment variable the packages read is listed in
// docs/environment.md, and the API reference builds (TypeDoc, offline) with every export documented.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../cli/helpers.js';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('documentation reference', () => {
  it('docs/environment.md lists every environment variable the packages read', () => {
    const documented = readFileSync(join(REPO, 'docs/environment.md'), 'utf8');
    const errorCodes = readFileSync(join(REPO, 'packages/core/src/errors.ts'), 'utf8');
    const read = new Set<string>();
    for (const pkg of ['core', 'verifier', 'cli']) {
      for (const file of sources(join(REPO, 'packages', pkg, 'src'))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/\benv(?:\.|\[')([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
        // CI detection reads its variables by name.
        if (file.endsWith('slsa/ci.ts')) for (const m of text.matchAll(/'((?:GITHUB|GITLAB|CI|RUNNER)_[A-Z0-9_]+)'/g)) if (!errorCodes.includes(`'${m[1]!}'`)) read.add(m[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(20);
    const missing = [...read].filter((name) => !documented.includes(`\`${name}\``)).sort();
    expect(missing).toEqual([]);
  });

  it('npm run docs builds the API reference offline, with every export documented', { timeout: 300_000 }, async () => {
    const r = await promisify(execFile)('npx', ['--no-install', 'typedoc', '--emit', 'none', '--treatWarningsAsErrors'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/warning|error/i);
  });
});
