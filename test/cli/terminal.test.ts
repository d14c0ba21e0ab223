// The CLI on a real terminal (a pseudo-terminal from python's pty): password prompts without echo.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.js';

const BIN = join(REPO, 'packages/cli/bin/provenant.cjs');
const tmp = mkdtempSync(join(tmpdir(), 'provenant-tty-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'COSIGN_PASSWORD' && k !== 'PROVENANT_PASSWORD'));

function onTerminal(args: string[], answers: string[]): { status: number | null; shown: string } {
  const r = spawnSync('python3', [join(REPO, 'test/cli/pty_run.py'), JSON.stringify([process.execPath, BIN, ...args]), JSON.stringify(answers)], { cwd: tmp, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, shown: r.stdout + r.stderr };
}

describe('on a terminal', () => {
  it('keygen asks for the password twice, without echo, and sign asks for it', () => {
    const keygen = onTerminal(['keygen', '--output-key-prefix', 'tty'], ['s3cret-pw', 's3cret-pw']);
    expect(keygen.status, keygen.shown).toBe(0);
    expect(keygen.shown).toMatch(/password/i);
    expect(keygen.shown).not.toContain('s3cret-pw');
    writeFileSync(join(tmp, 'a.txt'), 'a\n');
    const sign = onTerminal(['sign', 'a.txt', '--key', 'tty.key', '--bundle', 'a.json'], ['s3cret-pw']);
    expect(sign.status, sign.shown).toBe(0);
    expect(sign.shown).not.toContain('s3cret-pw');
    // The password the prompt took is the key's: a file with it works too, a wrong one does not.
    writeFileSync(join(tmp, 'pw'), 's3cret-pw');
    writeFileSync(join(tmp, 'bad'), 'nope');
    expect(spawnSync(process.execPath, [BIN, 'sign', 'a.txt', '--key', 'tty.key', '--password-file', 'pw', '--bundle', 'b.json'], { cwd: tmp, env }).status).toBe(0);
    expect(spawnSync(process.execPath, [BIN, 'sign', 'a.txt', '--key', 'tty.key', '--password-file', 'bad', '--bundle', 'c.json'], { cwd: tmp, env }).status).toBe(1);
  });

  it('keygen refuses two passwords that differ', () => {
    const r = onTerminal(['keygen', '--output-key-prefix', 'differ'], ['one', 'two']);
    expect(r.status).toBe(1);
    expect(r.shown).toContain('KEY_PASSWORD_INCORRECT');
  });

  it('without a terminal nothing is asked: the password is required', () => {
    const r = spawnSync(process.execPath, [BIN, 'keygen', '--output-key-prefix', 'piped'], { cwd: tmp, env, encoding: 'utf8', input: '' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('KEY_PASSWORD_REQUIRED');
  });
});

describe('a closed pipe', () => {
  it('ends the command quietly, with its own exit code', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, 'sbom', join(REPO, 'fixtures/lockfiles/npm-v1-mocha/package-lock.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Read one chunk, then go away as `head -c` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    expect(stderr).not.toContain('EPIPE');
    expect(status).toBe(0);
  });
});
