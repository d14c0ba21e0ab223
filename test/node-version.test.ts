import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// scripts/run-tests.mjs runs the suite once per Node version and names it in PROVENANT_TEST_NODE_VERSION;
// every process of that run (workers, the `node` CLI children start, npx) must be that Node.
const expected = process.env.PROVENANT_TEST_NODE_VERSION ?? process.version;

describe('the Node this suite runs on', () => {
  it('is the one the test runner chose, in the workers', () => {
    console.log(`test worker: node ${process.version} (${process.execPath})`);
    expect(process.version).toBe(expected);
  });

  it('is the node on PATH, which the CLI bin and its children start', () => {
    const r = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(expected);
  });

  it('is the node npx runs on', () => {
    const r = spawnSync('npx', ['--no-install', '-c', '"$npm_node_execpath" -p process.version'], {
      encoding: 'utf8',
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(expected);
  });
});
