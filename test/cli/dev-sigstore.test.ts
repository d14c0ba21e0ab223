// `provenant dev sigstore` as a user runs it: the built bin in its own process, keyless signing against
// it, and Ctrl-C (SIGINT) stopping it cleanly.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { REPO } from './helpers.js';

const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-dev-sigstore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => /^export ([A-Z_]+)='(.*)'$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

describe('provenant dev sigstore', () => {
  it('serves Fulcio, Rekor and a TSA that keyless signing and verification use, and stops on SIGINT', async () => {
    const dir = join(tmp, 'dev');
    const child = spawn(process.execPath, [BIN, 'dev', 'sigstore', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const envFile = join(dir, 'env');
      while (!existsSync(envFile)) {
        if (child.exitCode !== null) throw new Error(`dev sigstore exited: ${stderr}`);
        await sleep(50);
      }
      const env = parseEnv(readFileSync(envFile, 'utf8'));
      expect(Object.keys(env).sort()).toEqual(['CERT_IDENTITY', 'CERT_OIDC_ISSUER', 'FULCIO_URL', 'REKOR_URL', 'SIGSTORE_ID_TOKEN', 'TRUSTED_ROOT', 'TSA_URL']);
      for (const k of ['FULCIO_URL', 'REKOR_URL', 'TSA_URL']) expect(env[k]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(stdout).toContain(env.FULCIO_URL);

      const file = join(tmp, 'app.txt');
      writeFileSync(file, 'app\n');
      const bundle = join(tmp, 'app.sigstore.json');
      const signed = await runCli('sign', file, '--identity-token', env.SIGSTORE_ID_TOKEN!, '--fulcio-url', env.FULCIO_URL!, '--rekor-url', env.REKOR_URL!, '--tsa-url', env.TSA_URL!, '--bundle', bundle);
      expect(signed.code, signed.stderr).toBe(0);
      const verified = await runCli('verify', file, '--bundle', bundle, '--trusted-root', env.TRUSTED_ROOT!, '--certificate-identity', env.CERT_IDENTITY!, '--certificate-oidc-issuer', env.CERT_OIDC_ISSUER!);
      expect(verified.code, verified.stderr).toBe(0);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');
    expect(existsSync(join(dir, 'env'))).toBe(false);
  });
});
