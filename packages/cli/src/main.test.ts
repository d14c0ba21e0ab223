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
});
