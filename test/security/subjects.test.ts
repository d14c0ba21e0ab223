// Item 3 of issue #20: subjects are named in one canonical form before policies are matched. With
// `release/**` (enforce) and `**` (warn), `verify release/evil.bin` was denied but `./release/evil.bin`
// and the absolute path were allowed; `ghcr.io:443/org/app` escaped `ghcr.io/org/**`; a glob that can
// never match (`ghcr.io/MyOrg/**`) loaded without a word.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { artifactName, evaluate, imageName, loadPolicyText, matchPolicies, type Evidence, type Subject } from '@provenant/verifier';
import { main } from '@provenant/cli';
import { captureIO } from '../helpers/cli.js';
import { makeKey, sha256, signatureBundle, simpleSigningPayload, tempDir, writeFile } from '../verifier/helpers.js';
import { expectCodeAsync } from './helpers.js';

const release = makeKey();
const attacker = makeKey();
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const evil = Buffer.from('evil bytes');

/** The policy: an enforce policy for the protected globs, and a warn-mode catch-all. */
function gate(kind: 'artifacts' | 'images', globs: string[]): string {
  const authority = `  authorities:
    - name: release-key
      key:
        pem: |
${indent(release.publicKeyPem, 10)}
      ignoreTlog: true`;
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: protected }
spec:
  ${kind}: ${JSON.stringify(globs)}
  mode: enforce
${authority}
---
apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: observe }
spec:
  ${kind}: ["**"]
  mode: warn
${authority}
`;
}

const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

describe('artifact subjects are canonical before matching (issue #20 item 3)', () => {
  async function workspace() {
    const dir = tempDir();
    mkdirSync(join(dir, 'release'));
    writeFileSync(join(dir, 'release', 'evil.bin'), evil);
    symlinkSync(join(dir, 'release'), join(dir, 'link'));
    writeFileSync(join(dir, 'sig.json'), JSON.stringify((await signatureBundle(attacker, evil)).bundle));
    const policy = writeFile(dir, 'policy.yaml', gate('artifacts', ['release/**']));
    return { dir, policy, sig: join(dir, 'sig.json') };
  }

  it('every spelling of release/evil.bin is denied by the enforce policy (CLI, cwd as the root)', async () => {
    const w = await workspace();
    process.chdir(w.dir);
    for (const spelling of ['release/evil.bin', './release/evil.bin', join(w.dir, 'release', 'evil.bin'), 'release/../release/evil.bin', 'release//evil.bin', './link/evil.bin']) {
      const io = captureIO();
      const code = await main(['verify', spelling, '--policy', w.policy, '--evidence', w.sig, '--json'], io);
      expect({ spelling, code }).toEqual({ spelling, code: 3 });
      const d = JSON.parse(io.stdout).decision as { subject: { uri: string } };
      expect(d.subject.uri).toBe('release/evil.bin');
    }
  });

  it('--subject-root names the root from any working directory', async () => {
    const w = await workspace();
    process.chdir(join(w.dir, 'release'));
    const io = captureIO();
    expect(await main(['verify', 'evil.bin', '--policy', w.policy, '--evidence', w.sig, '--subject-root', w.dir], io)).toBe(3);
  });

  it('the library canonicalizes too (evaluate and matchPolicies), relative to subjectRoot', async () => {
    const w = await workspace();
    const set = await loadPolicyText(gate('artifacts', ['release/**']));
    const evidence: Evidence = { signatures: [await signatureBundle(attacker, evil)], attestations: [] };
    for (const uri of ['./release/evil.bin', join(w.dir, 'release/evil.bin'), 'release/./evil.bin', `file://${join(w.dir, 'release/evil.bin')}`]) {
      const d = evaluate({ kind: 'artifact', uri, digest: `sha256:${sha256(evil)}` }, evidence, set, { subjectRoot: w.dir });
      expect({ uri, allowed: d.allowed, name: d.subject.kind === 'artifact' ? d.subject.uri : '' }).toEqual({ uri, allowed: false, name: 'release/evil.bin' });
    }
  });

  it('outside the root a path is named by its absolute form; the root itself is SUBJECT_INVALID', () => {
    expect(artifactName('../other/app.tgz', '/work/repo')).toBe('/work/other/app.tgz');
    expect(artifactName('/tmp//x/./app.tgz', '/work/repo')).toBe('/tmp/x/app.tgz');
    expect(artifactName('https://Example.TEST:443/a/../b.tgz')).toBe('https://example.test/b.tgz');
    expect(() => artifactName('.', '/work/repo')).toThrowError(expect.objectContaining({ code: 'SUBJECT_INVALID' }) as Error);
    expect(() => artifactName('a\u0000b')).toThrowError(expect.objectContaining({ code: 'SUBJECT_INVALID' }) as Error);
  });

  it('an artifact glob no canonical name has (./, .., //) is POLICY_INVALID at load with file:line', async () => {
    for (const glob of ['./release/**', 'release/../**', 'release//*.bin', 'release/']) {
      const err = await expectCodeAsync(loadPolicyText(gate('artifacts', [glob]), { source: 'p.yaml' }), 'POLICY_INVALID');
      expect(err.message).toMatch(/^p\.yaml:5:/);
    }
  });

  it('a leading **/ also matches no directory, so a top-level file is not left to other policies', async () => {
    const set = await loadPolicyText(gate('artifacts', ['**/*.bin']));
    expect(matchPolicies(set, { kind: 'artifact', uri: 'evil.bin', digest: `sha256:${sha256(evil)}` }, '/work/repo').map((p) => p.name)).toEqual(['protected', 'observe']);
    expect(matchPolicies(set, { kind: 'artifact', uri: 'a/b/evil.bin', digest: `sha256:${sha256(evil)}` }, '/work/repo').map((p) => p.name)).toEqual(['protected', 'observe']);
  });

  it('property: any spelling of a path inside the root has the one name', () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom('./', '/', 'x/../', ''), { minLength: 4, maxLength: 4 }), fc.boolean(), (parts, noise, absolute) => {
        // Before each part: `./`, an extra separator (not before the first) or a detour through `x/..`.
        const spelled = parts.map((p, i) => (i === 0 && noise[i] === '/' ? '' : noise[i]!) + p).join('/');
        expect(artifactName(absolute ? `/work/repo/${spelled}` : spelled, '/work/repo')).toBe(parts.join('/'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('image subjects are canonical before matching (issue #20 item 3)', () => {
  const digest = `sha256:${sha256('manifest')}`;
  async function decide(globs: string[], ref: string) {
    const set = await loadPolicyText(gate('images', globs));
    const evidence: Evidence = { signatures: [await signatureBundle(attacker, simpleSigningPayload(ref, digest), 'sig', true)], attestations: [] };
    return evaluate({ kind: 'image', ref, digest } satisfies Subject, evidence, set);
  }

  it('ghcr.io:443/org/app is ghcr.io/org/app: denied by ghcr.io/org/**', async () => {
    for (const ref of ['ghcr.io:443/org/app', 'GHCR.io:443/org/app:v1', 'ghcr.io/org/app']) expect({ ref, allowed: (await decide(['ghcr.io/org/**'], ref)).allowed }).toEqual({ ref, allowed: false });
  });

  it('every Docker Hub alias, with or without :443, is docker.io: denied by index.docker.io/myorg/**', async () => {
    for (const ref of ['index.docker.io:443/myorg/app', 'index.docker.io/myorg/app', 'registry-1.docker.io/myorg/app', 'registry-1.docker.io:443/myorg/app', 'docker.io:443/myorg/app', 'myorg/app']) {
      expect({ ref, allowed: (await decide(['index.docker.io/myorg/**'], ref)).allowed }).toEqual({ ref, allowed: false });
    }
    expect(imageName('index.docker.io:443/alpine')).toBe('docker.io/library/alpine');
  });

  it('a glob that can never match (upper case in a repository) is POLICY_INVALID at load with file:line', async () => {
    for (const glob of ['ghcr.io/MyOrg/**', 'ghcr.io/org/App', 'ghcr.io/org/-app', 'ghcr.io/org//app', 'ghcr.io/org/a%b']) {
      const err = await expectCodeAsync(loadPolicyText(gate('images', [glob]), { source: 'images.yaml' }), 'POLICY_INVALID');
      expect(err.message).toMatch(/^images\.yaml:5:/);
    }
  });

  it('property: host spellings of one registry name one image', () => {
    fc.assert(
      fc.property(fc.constantFrom('ghcr.io', 'GHCR.IO', 'ghcr.io:443', 'Ghcr.Io:443'), fc.constantFrom('', ':v1', `@${digest}`), (host, suffix) => {
        expect(imageName(`${host}/org/app${suffix}`)).toBe('ghcr.io/org/app');
      }),
    );
  });
});
