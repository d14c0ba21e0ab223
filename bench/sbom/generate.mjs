// Generated lockfiles of any size in every format provenant reads, for bench/sbom's scaling figures
// (time per package at 1,000 and 10,000 packages) and the same files through cdxgen.
//   import { writeProject, FORMATS } from './generate.mjs'; writeProject(dir, 'pnpm-9', 10000)
// Each project is a directory with package.json and one lockfile: N packages (a tenth scoped, a
// twentieth with capitals in their names, a twentieth in a second version nested or keyed apart), each
// depending on up to three others, the root on the first tenth, and two workspaces.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FORMATS = ['package-lock-v1', 'package-lock-v3', 'pnpm-5', 'pnpm-6', 'pnpm-9', 'yarn-v1', 'yarn-berry'];
const REGISTRY = 'https://registry.example.test';

function model(n) {
  const pkgs = [];
  for (let i = 0; i < n; i++) {
    const base = i % 20 === 7 ? `Pkg${i}Caps` : `pkg-${i}`;
    const name = i % 10 === 3 ? `@scope${i % 50}/${base}` : base;
    pkgs.push({ name, version: `1.${i % 7}.${i % 3}`, deps: [] });
  }
  for (let i = 0; i < n; i++) {
    const targets = new Set([(i + 1) % n, (i * 7 + 3) % n, (i * 13 + 5) % n]);
    targets.delete(i);
    // Only higher indexes: an acyclic graph, like most of a real tree.
    pkgs[i].deps = [...targets].filter((t) => t > i).map((t) => pkgs[t]);
  }
  // A second version of every twentieth package, used by the one before it.
  const dupes = [];
  for (let i = 20; i < n; i += 20) {
    const d = { name: pkgs[i].name, version: `2.0.${i % 5}`, deps: [], dupeOf: pkgs[i] };
    dupes.push(d);
    pkgs[i - 1].deps = pkgs[i - 1].deps.filter((x) => x.name !== d.name).concat(d);
  }
  const rootDeps = pkgs.slice(0, Math.max(1, Math.floor(n / 10)));
  return { pkgs, dupes, rootDeps };
}

const integrity = (p) => `sha512-${createHash('sha512').update(`${p.name}@${p.version}`).digest('base64')}`;
const checksum = (p) => createHash('sha512').update(`${p.name}@${p.version}`).digest('hex');
const tarball = (p) => `${REGISTRY}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`;
const range = (p) => `^${p.version}`;
const q = (s) => (/^[A-Za-z0-9._/-]+$/.test(s) && !s.startsWith('@') ? s : `'${s}'`);
const dq = (s) => `"${s}"`;

const workspaces = [
  { path: 'packages/ws-a', name: '@gen/ws-a', version: '3.1.0' },
  { path: 'packages/ws-b', name: '@gen/ws-b', version: '3.2.0' },
];

function packageJson(m) {
  return {
    name: 'generated-app',
    version: '1.0.0',
    private: true,
    workspaces: ['packages/*'],
    dependencies: Object.fromEntries([...m.rootDeps.map((p) => [p.name, range(p)]), ...workspaces.map((w) => [w.name, w.version])]),
  };
}

function packageLockV3(m, v1) {
  const packages = { '': { name: 'generated-app', version: '1.0.0', workspaces: ['packages/*'], dependencies: packageJson(m).dependencies } };
  const nestedOf = new Map(m.dupes.map((d) => [d, d]));
  const entry = (p) => {
    const e = { version: p.version, resolved: tarball(p), integrity: integrity(p) };
    if (p.deps.length) e.dependencies = Object.fromEntries(p.deps.map((d) => [d.name, range(d)]));
    return e;
  };
  const pathOf = new Map();
  for (const p of m.pkgs) pathOf.set(p, `node_modules/${p.name}`);
  for (const d of m.dupes) {
    const user = m.pkgs.find((p) => p.deps.includes(d));
    pathOf.set(d, `${pathOf.get(user)}/node_modules/${d.name}`);
  }
  for (const w of workspaces) {
    packages[w.path] = { name: w.name, version: w.version, dependencies: { [m.pkgs[0].name]: range(m.pkgs[0]) } };
    packages[`node_modules/${w.name}`] = { resolved: w.path, link: true };
  }
  for (const p of [...m.pkgs, ...nestedOf.keys()]) packages[pathOf.get(p)] = entry(p);
  if (!v1) return { name: 'generated-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
  // v1: the same tree as nested `dependencies` objects with `requires`.
  const tree = {};
  for (const p of m.pkgs) {
    const e = { version: p.version, resolved: tarball(p), integrity: integrity(p) };
    if (p.deps.length) e.requires = Object.fromEntries(p.deps.map((d) => [d.name, range(d)]));
    const nested = p.deps.filter((d) => d.dupeOf);
    if (nested.length) e.dependencies = Object.fromEntries(nested.map((d) => [d.name, { version: d.version, resolved: tarball(d), integrity: integrity(d) }]));
    tree[p.name] = e;
  }
  return { name: 'generated-app', version: '1.0.0', lockfileVersion: 1, requires: true, dependencies: tree };
}

function pnpm(m, major) {
  const key = (p) => (major === 5 ? `/${p.name}/${p.version}` : major === 6 ? `/${p.name}@${p.version}` : `${p.name}@${p.version}`);
  const all = [...m.pkgs, ...m.dupes];
  const out = [`lockfileVersion: ${major === 5 ? '5.4' : major === 6 ? "'6.0'" : "'9.0'"}`, ''];
  if (major !== 5) out.push('settings:', '  autoInstallPeers: true', '  excludeLinksFromLockfile: false', '');
  out.push('importers:', '', '  .:', '    dependencies:');
  const imp = (p) => (major === 5 ? [`      ${q(p.name)}: ${p.version}`] : [`      ${q(p.name)}:`, `        specifier: ${q(range(p))}`, `        version: ${p.version}`]);
  for (const p of m.rootDeps) out.push(...imp(p));
  for (const w of workspaces) {
    out.push(...(major === 5 ? [`      ${q(w.name)}: link:${w.path}`] : [`      ${q(w.name)}:`, `        specifier: workspace:*`, `        version: link:${w.path}`]));
  }
  for (const w of workspaces) {
    out.push('', `  ${w.path}:`, '    dependencies:', ...imp(m.pkgs[0]));
  }
  out.push('', 'packages:', '');
  const depLines = (p, indent) => (p.deps.length ? [`${indent}dependencies:`, ...p.deps.map((d) => `${indent}  ${q(d.name)}: ${d.version}`)] : []);
  for (const p of all) {
    out.push(`  ${q(key(p))}:`, `    resolution: {integrity: ${integrity(p)}}`);
    if (major !== 9) out.push(...depLines(p, '    '), '    dev: false');
    out.push('');
  }
  if (major === 9) {
    out.push('snapshots:', '');
    for (const p of all) {
      const deps = depLines(p, '    ');
      out.push(deps.length ? `  ${q(key(p))}:` : `  ${q(key(p))}: {}`, ...deps, '');
    }
  }
  return out.join('\n');
}

function yarnV1(m) {
  const out = ['# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.', '# yarn lockfile v1', '', ''];
  for (const p of [...m.pkgs, ...m.dupes]) {
    out.push(`${dq(`${p.name}@${range(p)}`)}:`, `  version ${dq(p.version)}`, `  resolved ${dq(`${tarball(p)}#${createHash('sha1').update(p.name + p.version).digest('hex')}`)}`, `  integrity ${integrity(p)}`);
    if (p.deps.length) out.push('  dependencies:', ...p.deps.map((d) => `    ${dq(d.name)} ${dq(range(d))}`));
    out.push('');
  }
  return out.join('\n');
}

function yarnBerry(m) {
  const out = ['# This file is generated by running "yarn install" inside your project.', '# Manual changes might be lost - proceed with caution!', '', '__metadata:', '  version: 8', '  cacheKey: 10c0', ''];
  const root = packageJson(m);
  const ws = [
    { key: 'generated-app@workspace:.', name: 'generated-app', path: '.', deps: Object.entries(root.dependencies).map(([n, r]) => [n, workspaces.some((w) => w.name === n) ? 'workspace:*' : `npm:${r}`]) },
    ...workspaces.map((w) => ({ key: `${w.name}@workspace:${w.path}`, name: w.name, path: w.path, deps: [[m.pkgs[0].name, `npm:${range(m.pkgs[0])}`]] })),
  ];
  const entries = [];
  for (const p of [...m.pkgs, ...m.dupes]) {
    entries.push([
      `${dq(`${p.name}@npm:${range(p)}`)}:`,
      `  version: ${p.version}`,
      `  resolution: ${dq(`${p.name}@npm:${p.version}`)}`,
      ...(p.deps.length ? ['  dependencies:', ...p.deps.map((d) => `    ${q(d.name)}: ${q(`npm:${range(d)}`)}`)] : []),
      `  checksum: 10c0/${checksum(p)}`,
      '  languageName: node',
      '  linkType: hard',
    ]);
  }
  for (const w of ws) {
    const aliases = w.path === '.' ? dq(w.key) : dq(`${w.name}@workspace:*, ${w.key}`);
    entries.push([
      `${aliases}:`,
      '  version: 0.0.0-use.local',
      `  resolution: ${dq(w.key)}`,
      '  dependencies:',
      ...w.deps.map(([n, r]) => `    ${q(n)}: ${q(r)}`),
      '  languageName: unknown',
      '  linkType: soft',
    ]);
  }
  for (const e of entries) out.push(...e, '');
  return out.join('\n');
}

/** Writes <dir>/package.json, the workspaces' package.json files and the lockfile of `format` with `n` packages. */
export function writeProject(dir, format, n) {
  const m = model(n);
  mkdirSync(dir, { recursive: true });
  const pj = packageJson(m);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pj, null, 2) + '\n');
  for (const w of workspaces) {
    mkdirSync(join(dir, w.path), { recursive: true });
    writeFileSync(join(dir, w.path, 'package.json'), JSON.stringify({ name: w.name, version: w.version, dependencies: { [m.pkgs[0].name]: range(m.pkgs[0]) } }, null, 2) + '\n');
  }
  if (format.startsWith('pnpm')) writeFileSync(join(dir, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
  const files = {
    'package-lock-v1': ['package-lock.json', () => JSON.stringify(packageLockV3(m, true), null, 2)],
    'package-lock-v3': ['package-lock.json', () => JSON.stringify(packageLockV3(m, false), null, 2)],
    'pnpm-5': ['pnpm-lock.yaml', () => pnpm(m, 5)],
    'pnpm-6': ['pnpm-lock.yaml', () => pnpm(m, 6)],
    'pnpm-9': ['pnpm-lock.yaml', () => pnpm(m, 9)],
    'yarn-v1': ['yarn.lock', () => yarnV1(m)],
    'yarn-berry': ['yarn.lock', () => yarnBerry(m)],
  };
  const [file, make] = files[format];
  writeFileSync(join(dir, file), make() + '\n');
  return { dir, lockfile: join(dir, file), packages: n + m.dupes.length };
}
