import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, type CliIO } from '../../packages/cli/src/main.js';

const tmp = mkdtempSync(join(tmpdir(), 'provenant-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ttyIO(isTTY: boolean): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', isTTY, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

describe('pipeline progress', () => {
  it('draws a progress bar on a TTY, one redrawn line ending at n/n', async () => {
    const io = ttyIO(true);
    expect(await main(['pipeline', '--out', join(tmp, 'a')], io)).toBe(0);
    expect(io.stderr).toMatch(/\r\x1b\[2K\[-{20}\] 0\/\d+ sbom: /);
    const total = /0\/(\d+) sbom/.exec(io.stderr)?.[1];
    expect(io.stderr).toContain(`[${'#'.repeat(20)}] ${total}/${total} `);
    expect(io.stderr.endsWith('\n')).toBe(true);
  });

  it('prints plain log lines, no bar, when stderr is not a TTY', async () => {
    const io = ttyIO(false);
    expect(await main(['pipeline', '--out', join(tmp, 'b')], io)).toBe(0);
    expect(io.stderr).not.toContain('\r');
    expect(io.stderr).toMatch(/provenant: \[sbom\]/);
  });

  it('writes the same SBOM bytes on two runs of the same input', () => {
    const a = readFileSync(join(tmp, 'a', 'sbom.cdx.json'));
    const b = readFileSync(join(tmp, 'b', 'sbom.cdx.json'));
    expect(a.equals(b)).toBe(true);
  });
});
