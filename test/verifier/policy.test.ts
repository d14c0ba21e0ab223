import { describe, expect, it } from 'vitest';
import { imageName, loadPolicy, loadPolicyText } from '@provenant/verifier';
import { makeKey, tempDir, writeFile } from './helpers.js';

const key = makeKey();
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function policyYaml(extra = '', authority = `- name: release\n      key:\n        pem: |\n${indent(key.publicKeyPem, 10)}\n      ignoreTlog: true`): string {
  return `apiVersion: provenant.dev/v1
kind: Policy
metadata:
  name: prod
spec:
  images: ["registry.example.test/app/**"]
  authorities:
    ${authority}
  attestations:
    - name: provenance
      predicateType: https://slsa.dev/provenance/v1
      conditions:
        - name: builder
          cel: "predicate.runDetails.builder.id == 'https://ci.example.test/builder'"
${extra}`;
}

async function loadError(text: string): Promise<{ code: string; message: string }> {
  try {
    await loadPolicyText(text, { source: 'p.yaml' });
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('policy loaded, but it should not have');
}

describe('policy files', () => {
  it('loads a YAML policy and compiles its parts', async () => {
    const set = await loadPolicyText(policyYaml(), { source: 'p.yaml' });
    expect(set.policies).toHaveLength(1);
    const p = set.policies[0]!;
    expect(p.name).toBe('prod');
    expect(p.mode).toBe('enforce');
    expect(set.noMatch).toBe('deny');
    expect(p.authorities[0]!.kind).toBe('key');
    expect(p.attestations[0]!.conditions).toHaveLength(1);
    expect(p.images[0]!.test('registry.example.test/app/web')).toBe(true);
    expect(p.images[0]!.test('registry.example.test/other/web')).toBe(false);
  });

  it('loads the same policy as JSON, and a PolicyList with noMatch', async () => {
    const json = JSON.stringify({
      apiVersion: 'provenant.dev/v1',
      kind: 'PolicyList',
      noMatch: 'allow',
      items: [{ apiVersion: 'provenant.dev/v1', kind: 'Policy', metadata: { name: 'a' }, spec: { artifacts: ['dist/*.tgz'], authorities: [{ name: 'k', key: { pem: key.publicKeyPem }, ignoreTlog: true }] } }],
    });
    const dir = tempDir();
    const set = await loadPolicy(writeFile(dir, 'p.json', json));
    expect(set.noMatch).toBe('allow');
    expect(set.policies[0]!.artifacts[0]!.test('dist/app.tgz')).toBe(true);
    expect(set.policies[0]!.artifacts[0]!.test('dist/sub/app.tgz')).toBe(false);
    expect(set.sources[0]!.digest.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads keys and trusted roots named by file, relative to the policy', async () => {
    const dir = tempDir();
    writeFile(dir, 'cosign.pub', key.publicKeyPem);
    const path = writeFile(dir, 'p.yaml', policyYaml('', `- name: release\n      key: { file: cosign.pub }\n      ignoreTlog: true`));
    const set = await loadPolicy(path);
    expect(set.policies[0]!.authorities[0]!.kind).toBe('key');
  });

  it('an unknown field is an error naming file, line and field', async () => {
    const err = await loadError(policyYaml('  colour: blue\n'));
    expect(err.code).toBe('POLICY_INVALID');
    expect(err.message).toContain('p.yaml:');
    expect(err.message).toMatch(/p\.yaml:\d+:\d+: spec\.colour: unknown field/);
  });

  it('a misspelt authority field is an error at its line', async () => {
    const err = await loadError(policyYaml('', `- name: ci\n      keyless:\n        subject: a@example.test\n        isuer: https://issuer.example.test\n      trustedRoot: root.json`));
    expect(err.code).toBe('POLICY_INVALID');
    expect(err.message).toMatch(/p\.yaml:11:9: spec\.authorities\[0\]\.keyless\.isuer: unknown field/);
  });

  it('bad YAML is a load-time error with a line', async () => {
    const err = await loadError('apiVersion: provenant.dev/v1\nkind: Policy\nmetadata: {name: [\n');
    expect(err.code).toBe('POLICY_INVALID');
    expect(err.message).toMatch(/p\.yaml:\d+:\d+/);
  });

  it('a wrong apiVersion is an error', async () => {
    const err = await loadError(policyYaml().replace('provenant.dev/v1', 'provenant.dev/v2'));
    expect(err.code).toBe('POLICY_INVALID');
    expect(err.message).toContain('apiVersion');
  });

  it('CEL that does not parse is POLICY_CEL_INVALID at its line', async () => {
    const text = policyYaml().replace("predicate.runDetails.builder.id == 'https://ci.example.test/builder'", 'predicate.x ==');
    const line = text.split('\n').findIndex((l) => l.includes('cel:')) + 1;
    const err = await loadError(text);
    expect(err.code).toBe('POLICY_CEL_INVALID');
    expect(err.message).toContain(`p.yaml:${line}:16: spec.attestations[0].conditions[0].cel`);
  });

  it('CEL naming an unknown variable or function is POLICY_CEL_INVALID', async () => {
    expect((await loadError(policyYaml().replace('predicate.runDetails.builder.id', 'predicat.runDetails'))).code).toBe('POLICY_CEL_INVALID');
    expect((await loadError(policyYaml().replace('predicate.runDetails.builder.id', 'nosuch(predicate)'))).code).toBe('POLICY_CEL_INVALID');
  });

  it('a regex that does not compile is POLICY_REGEX_INVALID', async () => {
    const dir = tempDir();
    writeFile(dir, 'root.json', '{}');
    const text = policyYaml('', `- name: ci\n      keyless:\n        subjectRegExp: "https://github.com/(org"\n        issuer: https://issuer.example.test\n      trustedRoot: root.json`);
    await expect(loadPolicyText(text, { source: 'p.yaml', baseDir: dir })).rejects.toMatchObject({ code: 'POLICY_REGEX_INVALID' });
  });

  it('an authority with two kinds, or none, is an error', async () => {
    const both = policyYaml('', `- name: x\n      static: pass\n      key: { pem: abc }`);
    expect((await loadError(both)).code).toBe('POLICY_INVALID');
    const none = policyYaml('', `- name: x\n      ignoreTlog: true`);
    expect((await loadError(none)).code).toBe('POLICY_INVALID');
  });

  it('keyless needs an exact issuer and one subject form', async () => {
    const noIssuer = policyYaml('', `- name: ci\n      keyless:\n        subject: a@example.test`);
    expect((await loadError(noIssuer)).code).toBe('POLICY_INVALID');
    const twoSubjects = policyYaml('', `- name: ci\n      keyless:\n        subject: a@example.test\n        subjectRegExp: ".*"\n        issuer: https://i.example.test`);
    expect((await loadError(twoSubjects)).code).toBe('POLICY_INVALID');
  });

  it('a missing key file or trusted root file is a load-time error', async () => {
    const dir = tempDir();
    const path = writeFile(dir, 'p.yaml', policyYaml('', `- name: release\n      key: { file: missing.pub }`));
    await expect(loadPolicy(path)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(loadPolicy(writeFile(dir, 'q.yaml', policyYaml('', `- name: release\n      key: { pem: "not a key" }`)))).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });

  it('a policy file that does not exist is POLICY_NOT_FOUND; an empty one is POLICY_INVALID', async () => {
    await expect(loadPolicy('/nonexistent/policy.yaml')).rejects.toMatchObject({ code: 'POLICY_NOT_FOUND' });
    expect((await loadError('')).code).toBe('POLICY_INVALID');
  });

  it('duplicate keys and alias bombs are rejected', async () => {
    expect((await loadError(policyYaml().replace('kind: Policy', 'kind: Policy\nkind: Policy'))).code).toBe('POLICY_INVALID');
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect((await loadError(bomb)).code).toBe('POLICY_INVALID');
  });

  it('a YAML stream of policies loads all of them; duplicate names are an error', async () => {
    const two = policyYaml() + '---\n' + policyYaml().replace('name: prod', 'name: staging');
    const set = await loadPolicyText(two, { source: 'p.yaml' });
    expect(set.policies.map((p) => p.name)).toEqual(['prod', 'staging']);
    expect((await loadError(policyYaml() + '---\n' + policyYaml())).code).toBe('POLICY_INVALID');
  });

  it('image globs are read as image names are (Docker Hub spellings, policy-controller shorthands); tag and digest globs are refused', async () => {
    const matches = async (glob: string, ref: string): Promise<boolean> => {
      const set = await loadPolicyText(JSON.stringify({ apiVersion: 'provenant.dev/v1', kind: 'Policy', metadata: { name: 'p' }, spec: { images: [glob], authorities: [{ name: 'x', static: 'pass' }] } }), { source: 'p.json' });
      return set.policies[0]!.images.some((re) => re.test(imageName(ref)));
    };
    // [glob, image reference, matches]: policy-controller's own glob cases where they mean the same here,
    // and the Docker Hub spellings a reference may take.
    const cases: [string, string, boolean][] = [
      ['index.docker.io/library/foo', 'foo', true],
      ['index.docker.io/library/foo:**', 'foo', true],
      ['index.docker.io/library/foo:*', 'foo:1.2', true],
      ['index.docker.io/library/*', 'foo', true],
      ['index.docker.io/*/*', 'foo', true],
      ['index.docker.io/**', 'myuser/myapp', true],
      ['index.docker.io/myuser/*', 'myuser/myapp', true],
      ['docker.io/library/foo', 'index.docker.io/library/foo@sha256:' + 'a'.repeat(64), true],
      ['registry-1.docker.io/myuser/myapp', 'docker.io/myuser/myapp:v1', true],
      ['docker.io/foo', 'foo', true],
      ['docker.io/*', 'foo', true],
      ['docker.io/*', 'myuser/myapp', false],
      ['foo', 'docker.io/library/foo:latest', true],
      ['foo*', 'foobar', true],
      ['myuser/myapp', 'myuser/myapp', true],
      ['myuser/*', 'myuser/myapp', true],
      ['*', 'foo', true],
      ['*', 'myuser/myapp', false],
      ['*/*', 'myuser/myapp', true],
      ['*/*', 'ghcr.io/foo/bar', false],
      ['**', 'ghcr.io/foo', true],
      ['*/**', 'ghcr.io/foo', true],
      ['ghcr.io/*/*', 'ghcr.io/foo/bar', true],
      ['ghcr.io/*/*', 'ghcr.io/foo', false],
      ['ghcr.io/**', 'ghcr.io/foo', true],
      ['GHCR.IO/foo/**', 'ghcr.io/foo/bar', true],
      ['ghcr.io/foo', 'prefix-ghcr.io/foo', false],
      ['ghcr.io/foo', 'ghcr.io/foo-suffix', false],
      ['ghcr.io/**', 'ghcrxio/foo', false],
      ['ghcr.io/foo/app:**', 'ghcr.io/foo/app:v2', true],
      ['ghcr.io/foo/app:**', 'ghcr.io/foo/app@sha256:' + 'b'.repeat(64), true],
      ['localhost:5000/app', 'localhost:5000/app:dev', true],
      ['127.0.0.1:*/**', '127.0.0.1:5000/team/app', true],
    ];
    for (const [glob, ref, want] of cases) expect([glob, ref, await matches(glob, ref)]).toEqual([glob, ref, want]);
    for (const [glob, why] of [
      ['ghcr.io/foo/app:latest', 'names a tag (latest)'],
      ['ghcr.io/foo/app:v1.*', 'names a tag (v1.*)'],
      ['foo:latest', 'names a tag (latest)'],
      [`ghcr.io/foo/app@sha256:${'c'.repeat(64)}`, 'names a digest'],
      ['localhost:5000', 'names a registry but no repository'],
    ] as const) {
      const err = await loadError(policyYaml().replace('"registry.example.test/app/**"', `"registry.example.test/app/**", "${glob}"`));
      expect(err.code).toBe('POLICY_INVALID');
      expect(err.message).toContain(`p.yaml:6:`);
      expect(err.message).toContain(`spec.images[1]: ${glob} ${why}`);
    }
  });

  it('globs are literal apart from * ? **; noMatch disagreements fail closed', async () => {
    const dir = tempDir();
    const one = (name: string, glob: string, noMatch: string) =>
      writeFile(dir, `${name}.yaml`, JSON.stringify({ apiVersion: 'provenant.dev/v1', kind: 'PolicyList', noMatch, items: [{ apiVersion: 'provenant.dev/v1', kind: 'Policy', metadata: { name }, spec: { artifacts: [glob], authorities: [{ name: 'x', static: 'pass' }] } }] }));
    const set = await loadPolicy([one('a', 'dist/app.(tgz)', 'allow'), one('b', 'dist/v?/*.tgz', 'deny')]);
    expect(set.noMatch).toBe('deny');
    const [a, b] = set.policies;
    expect(a!.artifacts[0]!.test('dist/app.(tgz)')).toBe(true);
    expect(a!.artifacts[0]!.test('dist/appXtgz')).toBe(false);
    expect(b!.artifacts[0]!.test('dist/v1/app.tgz')).toBe(true);
    expect(b!.artifacts[0]!.test('dist/v10/app.tgz')).toBe(false);
    expect((await loadPolicy([one('c', 'x', 'allow'), one('d', 'y', 'allow')])).noMatch).toBe('allow');
  });
});
