import { describe, expect, it } from 'vitest';
import { main, type CliIO } from './main.js';

export function captureIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY: false,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

describe('main', () => {
  it('prints the version without loading commands', async () => {
    const io = captureIO();
    expect(await main(['--version'], io)).toBe(0);
    expect(io.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command', async () => {
    const io = captureIO();
    expect(await main(['no-such-command'], io)).toBe(2);
    expect(io.stderr).toMatch(/Unknown argument/);
  });

  it('exits 2 with no command', async () => {
    const io = captureIO();
    expect(await main([], io)).toBe(2);
  });

  it('lists commands in --help', async () => {
    const io = captureIO();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout).toMatch(/sbom/);
  });

  it('a usage error never runs the command: nothing on stdout, exit 2', async () => {
    const sample = new URL('../../../fixtures/sample-app', import.meta.url).pathname;
    for (const argv of [
      ['sbom', sample, '--bogus'],
      ['sbom', sample, '--format', 'yaml'],
      ['sbom', sample, 'extra-positional'],
    ]) {
      const io = captureIO();
      expect(await main(argv, io)).toBe(2);
      expect(io.stdout).toBe('');
      expect(io.stderr).toMatch(/^provenant: /);
    }
  });

  it('runs a command, and --json=false is the default', async () => {
    const sample = new URL('../../../fixtures/sample-app', import.meta.url).pathname;
    const plain = captureIO();
    expect(await main(['sbom', sample, '--reproducible'], plain)).toBe(0);
    const explicit = captureIO();
    expect(await main(['sbom', sample, '--reproducible', '--json=false'], explicit)).toBe(0);
    expect(plain.stdout).toBe(explicit.stdout);
    expect(JSON.parse(plain.stdout).components.length).toBeGreaterThan(0);
  });
});
