#!/usr/bin/env node
// npm run release:local: provenant releases itself with its own chain, into a release directory.
//
//   node scripts/release/release.mjs --registry HOST[:PORT]/REPO [--out release-out] [--key FILE]
//        [--keyless [--fulcio-url U] [--rekor-url U] [--tsa-url U] [--trusted-root F]] [--fetch]
//
// 1. packages/  npm pack of core, verifier and cli
// 2. image/     the OCI image (scripts/image/build.mjs), pushed to --registry with skopeo
// 3. sbom/      a CycloneDX SBOM of each package (its lockfile closure) and of the image
// 4. provenance.intoto.json: one SLSA v1 statement for the three tarballs and the image
// 5. signatures and attestations made by provenant: each tarball signed (signatures/*.sigstore.json),
//    its SBOM and the provenance attested; the image signed and attested (SBOM, provenance) in the
//    registry as cosign does. A key here (a fresh one unless --key; its public half is release.pub), or
//    keyless in CI (the Actions OIDC token, Fulcio, Rekor).
// 6. verification.json: provenant verify (by the checked-in release/policy.yaml, or policy-keyless.yaml)
//    for each tarball and provenant verify-image for the image; independent checks: @sigstore/verify on
//    each tarball signature bundle, skopeo on the pushed image (digest, signature and attestation tags).
// The directory is written beside --out and renamed into place only when everything passed.
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildImage } from '../image/build.mjs';
import { packAll, writeConsumerProject } from '../lib/pack.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'provenant.cjs');
const SLSA = 'https://slsa.dev/provenance/v1';
const CYCLONEDX = 'https://cyclonedx.org/bom';

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const isLoopback = (host) => /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/u.test(host);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw new Error(`release: ${cmd}: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd, args, opts = {}) {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`release: ${cmd === process.execPath ? 'provenant' : cmd} ${args.filter((a) => a !== BIN).join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Independent check: @sigstore/verify accepts a key-signed message-signature bundle over the file. */
async function sigstoreVerifyWithKey(bundlePath, file, publicKeyPem) {
  const { bundleFromJSON } = await import('@sigstore/bundle');
  const { toSignedEntity, toTrustMaterial, Verifier } = await import('@sigstore/verify');
  const { TrustedRoot, PublicKeyDetails } = await import('@sigstore/protobuf-specs');
  const bundle = bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8')));
  const hint = bundle.verificationMaterial.content.$case === 'publicKey' ? bundle.verificationMaterial.content.publicKey.hint : '';
  const key = createPublicKey(publicKeyPem);
  const details = { 'prime256v1': PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, secp384r1: PublicKeyDetails.PKIX_ECDSA_P384_SHA_384 }[key.asymmetricKeyDetails?.namedCurve ?? ''];
  const root = TrustedRoot.fromJSON({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
  const keys = { [hint]: { rawBytes: key.export({ format: 'der', type: 'spki' }), keyDetails: details ?? PublicKeyDetails.PUBLIC_KEY_DETAILS_UNSPECIFIED, validFor: { start: new Date(0) } } };
  new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(toSignedEntity(bundle, readFileSync(file)));
}

/** Independent check: @sigstore/verify accepts a keyless bundle under a TrustedRoot and identity. */
async function sigstoreVerifyKeyless(bundlePath, file, trustedRootPath, identity) {
  const { bundleFromJSON } = await import('@sigstore/bundle');
  const { toSignedEntity, toTrustMaterial, Verifier } = await import('@sigstore/verify');
  const { TrustedRoot } = await import('@sigstore/protobuf-specs');
  const bundle = bundleFromJSON(JSON.parse(readFileSync(bundlePath, 'utf8')));
  const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(trustedRootPath, 'utf8')));
  const signer = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 }).verify(toSignedEntity(bundle, readFileSync(file)));
  if (identity.subjectRegExp && !new RegExp(`^(?:${identity.subjectRegExp})$`, 'u').test(signer.identity?.subjectAlternativeName ?? '')) throw new Error(`signed by ${signer.identity?.subjectAlternativeName}`);
}

/**
 * Runs the release. Returns the verification report.
 * @param {{ out?: string, registry: string, key?: string, keyless?: boolean, fulcioUrl?: string, rekorUrl?: string, tsaUrl?: string, trustedRoot?: string, fetch?: boolean, builderId?: string, env?: NodeJS.ProcessEnv }} opts
 */
export async function release(opts) {
  if (!opts.registry || !/^[^/\s]+\/[a-z0-9._/-]+$/u.test(opts.registry)) throw new Error('release: --registry HOST[:PORT]/REPOSITORY is required (where the image and its signatures go)');
  const out = resolve(opts.out ?? join(ROOT, 'release-out'));
  const stage = mkdtempSync(join(dirname(out), `.${basename(out)}-`));
  const secrets = mkdtempSync(join(dirname(out), `.${basename(out)}-keys-`));
  const env = { ...(opts.env ?? process.env) };
  const registryHost = opts.registry.slice(0, opts.registry.indexOf('/'));
  const loopback = isLoopback(registryHost);
  try {
    const provenant = (args, { cwd = stage, check = true } = {}) => (check ? must : run)(process.execPath, [BIN, ...args], { cwd, env });
    for (const d of ['packages', 'sbom', 'signatures', 'attestations', 'projects']) mkdirSync(join(stage, d));

    // Signing identity: a key (fresh unless given), or keyless.
    let signer;
    let publicKeyPem = '';
    if (opts.keyless) {
      signer = [...(opts.fulcioUrl ? ['--fulcio-url', opts.fulcioUrl] : []), ...(opts.rekorUrl ? ['--rekor-url', opts.rekorUrl] : []), ...(opts.tsaUrl ? ['--tsa-url', opts.tsaUrl] : [])];
      if (!opts.trustedRoot) throw new Error('release: --keyless needs --trusted-root (provenant trust update writes one) to verify the release');
      copyFileSync(opts.trustedRoot, join(stage, 'trusted_root.json'));
    } else {
      let keyFile = opts.key;
      if (!keyFile) {
        env.PROVENANT_PASSWORD = randomBytes(24).toString('base64url');
        provenant(['keygen', '--output-key-prefix', join(secrets, 'release')]);
        keyFile = join(secrets, 'release.key');
        copyFileSync(join(secrets, 'release.pub'), join(stage, 'release.pub'));
      } else {
        const pub = keyFile.replace(/\.key$/u, '.pub');
        if (!existsSync(pub)) throw new Error(`release: --key ${keyFile} needs its public key beside it (${pub})`);
        copyFileSync(pub, join(stage, 'release.pub'));
      }
      publicKeyPem = readFileSync(join(stage, 'release.pub'), 'utf8');
      signer = ['--key', resolve(keyFile)];
    }

    // 1. Packages.
    const packed = packAll(ROOT, join(stage, 'packages'));
    // 2. The image, then pushed.
    const image = buildImage({ out: join(stage, 'image'), fetch: opts.fetch === true });
    const ref = `${opts.registry}:${image.tag}`;
    const tlsFlag = loopback ? ['--dest-tls-verify=false'] : [];
    must('skopeo', ['copy', '--quiet', ...tlsFlag, `oci:${image.layout}:${image.tag}`, `docker://${ref}`], { env });
    const imageRef = `${opts.registry}@${image.digest}`;

    // 3. SBOMs: each package's lockfile closure, and the image.
    const sboms = {};
    for (const p of packed) {
      const project = join(stage, 'projects', basename(p.file, '.tgz'));
      mkdirSync(project);
      // The package and the workspace packages it depends on, as a user's install has them.
      const withDeps = packed.filter((q) => q === p || Object.keys(JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8')).dependencies ?? {}).includes(q.name));
      writeConsumerProject(ROOT, project, withDeps, {}, `${p.name.replace('@provenant/', 'provenant-')}-release`, [p.name]);
      const file = join(stage, 'sbom', `${basename(p.file, '.tgz')}.cdx.json`);
      provenant(['sbom', project, '--output', file, '--reproducible']);
      sboms[p.name] = file;
    }
    const imageSbom = join(stage, 'sbom', 'image.cdx.json');
    provenant(['sbom', `oci:${image.layout}:${image.tag}`, '--output', imageSbom, '--reproducible']);
    rmSync(join(stage, 'projects'), { recursive: true });

    // 4. Provenance: one statement for the three tarballs and the image.
    const tarballs = packed.map((p) => relative(stage, p.file));
    const builder = opts.builderId ? ['--builder-id', opts.builderId] : [];
    const statementFile = join(stage, 'provenance.intoto.json');
    provenant(['provenance', ...tarballs, `${opts.registry}@${image.digest}`, ...builder, '--output', statementFile]);
    const predicateFile = join(stage, 'attestations', 'provenance.predicate.json');
    writeFileSync(predicateFile, JSON.stringify(JSON.parse(readFileSync(statementFile, 'utf8')).predicate));

    // 5. Signatures and attestations.
    const provenanceBundle = join(stage, 'attestations', 'provenance.sigstore.json');
    // provenance --sign takes no --fulcio-url: keyless, it signs with Sigstore's public Fulcio.
    const fulcioAt = signer.indexOf('--fulcio-url');
    const provenanceSigner = fulcioAt === -1 ? signer : [...signer.slice(0, fulcioAt), ...signer.slice(fulcioAt + 2)];
    provenant(['provenance', ...tarballs, `${opts.registry}@${image.digest}`, ...builder, '--sign', '--output', provenanceBundle, ...provenanceSigner]);
    for (const p of packed) {
      const name = basename(p.file);
      provenant(['sign', p.file, '--bundle', join(stage, 'signatures', `${name}.sigstore.json`), ...signer]);
      provenant(['attest', p.file, '--predicate', sboms[p.name], '--type', CYCLONEDX, '--bundle', join(stage, 'attestations', `${name}.sbom.sigstore.json`), ...signer]);
    }
    provenant(['sign-image', imageRef, ...signer]);
    provenant(['attest-image', imageRef, '--predicate', imageSbom, '--type', CYCLONEDX, ...signer]);
    provenant(['attest-image', imageRef, '--predicate', predicateFile, '--type', SLSA, ...signer]);

    // 6. Verification under the checked-in policy, then the independent checks.
    const policySource = join(ROOT, 'release', opts.keyless ? 'policy-keyless.yaml' : 'policy.yaml');
    let policy = readFileSync(policySource, 'utf8');
    if (opts.keyless) policy = policy.replace('REPOSITORY', (env.GITHUB_REPOSITORY ?? '').replace(/[.*+?^${}()|[\]\\]/gu, '\\\\$&'));
    writeFileSync(join(stage, 'policy.yaml'), policy);
    const checks = [];
    const check = (what, tool, fn) => {
      try {
        const detail = fn();
        checks.push({ check: what, tool, passed: true, ...(detail ? { detail } : {}) });
      } catch (err) {
        checks.push({ check: what, tool, passed: false, detail: err instanceof Error ? err.message : String(err) });
      }
    };
    for (const p of packed) {
      const name = basename(p.file);
      const evidence = [join('signatures', `${name}.sigstore.json`), join('attestations', `${name}.sbom.sigstore.json`), join('attestations', 'provenance.sigstore.json')];
      check(`${name}: policy`, 'provenant verify --policy', () => {
        const r = provenant(['verify', relative(stage, p.file), '--policy', 'policy.yaml', '--evidence', ...evidence, '--json'], { check: false });
        if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stdout.slice(0, 2000)} ${r.stderr.slice(-1000)}`);
        return JSON.parse(r.stdout);
      });
    }
    const verifyImage = opts.keyless
      ? ['--certificate-identity-regexp', /subjectRegExp: "(.*)"/u.exec(policy)?.[1]?.replaceAll('\\\\', '\\') ?? '', '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com', '--trusted-root', 'trusted_root.json']
      : ['--key', 'release.pub', '--ignore-tlog'];
    check('image: signature and SLSA provenance', 'provenant verify-image', () => {
      const r = provenant(['verify-image', imageRef, ...verifyImage, '--attestation-type', SLSA, '--json'], { check: false });
      if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stdout.slice(0, 2000)} ${r.stderr.slice(-1000)}`);
      return JSON.parse(r.stdout);
    });
    for (const p of packed) {
      const name = basename(p.file);
      const bundle = join(stage, 'signatures', `${name}.sigstore.json`);
      try {
        if (opts.keyless) await sigstoreVerifyKeyless(bundle, p.file, join(stage, 'trusted_root.json'), { subjectRegExp: /subjectRegExp: "(.*)"/u.exec(policy)?.[1]?.replaceAll('\\\\', '\\') });
        else await sigstoreVerifyWithKey(bundle, p.file, publicKeyPem);
        checks.push({ check: `${name}: signature`, tool: '@sigstore/verify', passed: true });
      } catch (err) {
        checks.push({ check: `${name}: signature`, tool: '@sigstore/verify', passed: false, detail: err instanceof Error ? err.message : String(err) });
      }
    }
    const skopeoTls = loopback ? ['--tls-verify=false'] : [];
    check('image: pushed manifest digest', 'skopeo inspect', () => {
      const digest = must('skopeo', ['inspect', ...skopeoTls, '--format', '{{.Digest}}', `docker://${ref}`], { env }).trim();
      if (digest !== image.digest) throw new Error(`${ref} is ${digest}, built ${image.digest}`);
      return { digest };
    });
    check('image: signature and attestation tags', 'skopeo list-tags', () => {
      const tags = JSON.parse(must('skopeo', ['list-tags', ...skopeoTls, `docker://${opts.registry}`], { env })).Tags;
      const hex = image.digest.slice(7);
      for (const t of [`sha256-${hex}.sig`, `sha256-${hex}.att`]) if (!tags.includes(t)) throw new Error(`no ${t} tag`);
      return { tags: tags.filter((t) => t.startsWith(`sha256-${hex}`)) };
    });

    const files = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const full = join(dir, e.name);
        if (e.isDirectory()) {
          if (full !== join(stage, 'image')) walk(full);
        } else files.push({ path: relative(stage, full), sha256: sha256(full), size: statSync(full).size });
      }
    };
    const report = {
      release: image.tag,
      passed: checks.every((c) => c.passed),
      mode: opts.keyless ? 'keyless' : 'key',
      policy: { source: relative(ROOT, policySource), sha256: sha256(join(stage, 'policy.yaml')) },
      packages: packed.map((p) => ({ name: p.name, file: relative(stage, p.file), sha256: sha256(p.file), size: p.size, unpackedSize: p.unpackedSize, files: p.entryCount })),
      image: { reference: imageRef, tag: ref, digest: image.digest, layers: image.layers, debian: image.debian, node: image.node },
      checks,
    };
    writeFileSync(join(stage, 'verification.json'), `${JSON.stringify(report, null, 2)}\n`);
    walk(stage);
    writeFileSync(join(stage, 'SHA256SUMS'), files.map((f) => `${f.sha256}  ${f.path}`).join('\n') + '\n');
    if (!report.passed) throw Object.assign(new Error(`release: verification failed: ${checks.filter((c) => !c.passed).map((c) => `${c.check} (${c.tool}): ${c.detail}`).join('; ')}`), { report });
    rmSync(out, { recursive: true, force: true });
    renameSync(stage, out);
    return { ...report, out };
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(secrets, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      registry: { type: 'string' },
      key: { type: 'string' },
      keyless: { type: 'boolean', default: false },
      'fulcio-url': { type: 'string' },
      'rekor-url': { type: 'string' },
      'tsa-url': { type: 'string' },
      'trusted-root': { type: 'string' },
      'builder-id': { type: 'string' },
      fetch: { type: 'boolean', default: false },
    },
  });
  const inCi = process.env.GITHUB_ACTIONS === 'true' || process.env.GITLAB_CI === 'true';
  release({
    out: values.out,
    registry: values.registry ?? '',
    key: values.key,
    keyless: values.keyless,
    fulcioUrl: values['fulcio-url'],
    rekorUrl: values['rekor-url'],
    tsaUrl: values['tsa-url'],
    trustedRoot: values['trusted-root'],
    fetch: values.fetch,
    builderId: values['builder-id'] ?? (inCi ? undefined : 'https://provenant.dev/release/local'),
  }).then(
    (r) => {
      console.error(`release: ${r.checks.length} checks passed`);
      console.log(`${r.out} ${r.image.reference}`);
    },
    (err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
