import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO } from './helpers.js';

// bin/provenant.cjs is started by sh, which moves NODE_EXTRA_CA_CERTS aside so that Node 20 does not
// parse the file at start-up; packages/cli/src/deferred-ca.ts puts it back and has TLS trust the file
// from the first connection on. These run the built bin as a user does, against the TLS registries of
// test/setup/registry.ts (their own CA, in no trust store), so a file that is not read fails the TLS.
const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const DEFERRED_CA = join(REPO, 'packages/cli/dist/bundle/deferred-ca.cjs');
const regs = inject('ociRegistries');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-deferred-ca-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pub = join(tmp, 'key.pub');
writeFileSync(pub, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }));
const missingFile = join(tmp, 'no-such-ca.pem');
const IGNORED = /Warning: Ignoring extra certs from `[^`]+`, load failed/g;

/** The environment of a run: this one's, with NODE_EXTRA_CA_CERTS as given (undefined: unset). */
function envWith(extraCa: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS;
  if (extraCa !== undefined) env.NODE_EXTRA_CA_CERTS = extraCa;
  return env;
}

/** `provenant verify-image` of a tag the TLS registry does not have: MANIFEST_UNKNOWN once TLS works. */
function verifyMissing(extraCa: string | undefined, via: 'bin' | 'node' = 'bin'): { code: string; result: SpawnSyncReturns<string> } {
  const args = ['verify-image', `${regs.tls.host}/deferred-ca/none:v1`, '--key', pub, '--json'];
  const result = via === 'bin' ? spawnSync(BIN, args, { encoding: 'utf8', env: envWith(extraCa) }) : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: envWith(extraCa) });
  const report = JSON.parse(result.stdout) as { error?: { code: string } };
  return { code: report.error?.code ?? '(none)', result };
}

describe('the bin defers NODE_EXTRA_CA_CERTS to the first TLS connection', () => {
  it('does not read the file at start-up (Node 20 does, when started directly)', () => {
    const launched = spawnSync(BIN, ['--version'], { encoding: 'utf8', env: envWith(missingFile) });
    expect(launched.status, launched.stderr).toBe(0);
    expect(launched.stderr).not.toMatch(IGNORED);
    // The control: node started directly reads it before any JavaScript (Node 20; later Nodes defer it themselves).
    if (process.versions.node.startsWith('20.')) {
      const direct = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', env: envWith(missingFile) });
      expect(direct.status).toBe(0);
      expect(direct.stderr).toMatch(IGNORED);
    }
  });

  it('trusts the file for TLS: the registry answers, where without the variable TLS is refused', () => {
    expect(verifyMissing(undefined).code).toBe('TLS_ERROR');
    const deferred = verifyMissing(regs.tls.caFile);
    expect(deferred.code, deferred.result.stderr).toBe('MANIFEST_UNKNOWN');
    expect(deferred.result.stderr).not.toMatch(IGNORED);
    // The same as node started directly, which reads the file itself.
    expect(verifyMissing(regs.tls.caFile, 'node').code).toBe('MANIFEST_UNKNOWN');
  });

  it('reads a system-style bundle: the bundled roots the file repeats, then its own certificates', () => {
    const bundle = join(tmp, 'bundle.pem');
    writeFileSync(bundle, [...rootCertificates.slice(0, 20), readFileSync(regs.tls.caFile, 'utf8').replace(/\n/g, '\r\n')].join('\n'));
    expect(verifyMissing(bundle).code).toBe('MANIFEST_UNKNOWN');
  });

  it('an unreadable file is ignored with the warning Node gives, once, and TLS goes on with the bundled roots', () => {
    const r = verifyMissing(missingFile);
    expect(r.code).toBe('TLS_ERROR');
    expect(r.result.stderr.match(IGNORED)).toHaveLength(1);
    expect(r.result.stderr).toContain(missingFile);
  });

  it('a certificate that does not parse ends the file with the warning Node gives; those before it are kept, as by Node', () => {
    const ca = readFileSync(regs.tls.caFile, 'utf8');
    const junk = '-----BEGIN CERTIFICATE-----\nTUlJQm9ndXM=\n-----END CERTIFICATE-----\n';
    const after = join(tmp, 'bad-after.pem');
    writeFileSync(after, `${ca}${junk}`);
    const before = join(tmp, 'bad-before.pem');
    writeFileSync(before, `${junk}${ca}`);
    for (const [file, code] of [
      [after, 'MANIFEST_UNKNOWN'],
      [before, 'TLS_ERROR'],
    ] as const) {
      const r = verifyMissing(file);
      expect(r.code, file).toBe(code);
      expect(r.result.stderr.match(IGNORED), file).toHaveLength(1);
      expect(verifyMissing(file, 'node').code, file).toBe(code);
    }
  });
});

describe('restoreExtraCaCerts (in a fresh node process)', () => {
  // One script, run as node would run the bin after the launcher: the variable moved aside.
  const script = `
    const { restoreExtraCaCerts } = require(${JSON.stringify(DEFERRED_CA)});
    const https = require('node:https');
    const tls = require('node:tls');
    const fs = require('node:fs');
    const had = restoreExtraCaCerts(process.env);
    const out = { had, env: process.env.NODE_EXTRA_CA_CERTS ?? null, deferred: process.env.PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS ?? null };
    out.sharedDefault = tls.createSecureContext() === tls.createSecureContext({ servername: 'x', ALPNProtocols: ['http/1.1'] });
    const get = (host, opts) => new Promise((resolve) => {
      const req = https.get('https://' + host + '/v2/', { agent: false, ...opts }, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', (e) => resolve(e.code));
    });
    (async () => {
      out.defaultAgent = await get(${JSON.stringify(regs.tls.host)}, {});
      out.ownCa = await get(${JSON.stringify(regs.tls.host)}, { ca: tls.rootCertificates[0] });
      out.clientCertNoCa = await get(${JSON.stringify(regs.mtls.host)}, { cert: fs.readFileSync(${JSON.stringify(regs.mtls.clientCertFile)}), key: fs.readFileSync(${JSON.stringify(regs.mtls.clientKeyFile)}) });
      try { out.fetch = (await fetch('https://' + ${JSON.stringify(regs.tls.host)} + '/v2/')).status; } catch (e) { out.fetch = e.cause?.code ?? String(e); }
      console.log(JSON.stringify(out));
    })();`;
  const runScript = (deferred: string | undefined): Record<string, unknown> => {
    const env = envWith(undefined);
    if (deferred !== undefined) env.PROVENANT_DEFERRED_NODE_EXTRA_CA_CERTS = deferred;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it('puts the variable back for child processes and trusts the file on every TLS path without its own ca', () => {
    const out = runScript(regs.tls.caFile);
    expect(out).toMatchObject({ had: true, env: regs.tls.caFile, deferred: null, sharedDefault: true });
    expect([200, 401]).toContain(out.defaultAgent);
    expect([200, 401]).toContain(out.fetch);
    // A client certificate without a ca of its own: a context of its own, with the same roots.
    expect([200, 401]).toContain(out.clientCertNoCa);
    // A ca of its own replaces the roots and the file, as under Node's handling of the variable.
    expect(out.ownCa).toMatch(/CERT|SIGNATURE|ISSUER/);
  });

  it('without a deferred file it changes nothing (the control: every path refuses the unknown CA)', () => {
    const out = runScript(undefined);
    expect(out).toMatchObject({ had: false, env: null, deferred: null, sharedDefault: false });
    for (const path of ['defaultAgent', 'fetch', 'clientCertNoCa']) expect(out[path], path).toMatch(/CERT|SIGNATURE|ISSUER/);
  });
});
