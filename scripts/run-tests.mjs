#!/usr/bin/env node
// Runs the whole vitest suite on the Node running this script, then again on Node 24 (the npm `node`
// package, through `npx -p node@24`), and ends with the plain summary line CI reads: `N passed, N failed`,
// summed over both runs. In the Node 24 run that node's directory comes first on PATH, so vitest, its
// workers, the CLI children and `npx` all run on it (test/node-version.test.ts checks this).
// A test file that fails to import (or whose hooks fail) has no failed test of its own, so it counts
// as one failure; so does a vitest run that fails without writing a report.
//   node scripts/run-tests.mjs [vitest args...]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const SECOND_NODE = '24';
const vitestArgs = process.argv.slice(2);

/** One vitest run on the node at `nodePath` (first on PATH); returns its counts. */
function runSuite(nodePath, version) {
  const dir = mkdtempSync(join(tmpdir(), 'provenant-tests-'));
  const report = join(dir, 'vitest.json');
  const env = {
    ...process.env,
    PATH: `${dirname(nodePath)}:${process.env.PATH ?? ''}`,
    // npm run-script names its own node in these; children that read them get this run's node.
    NODE: nodePath,
    npm_node_execpath: nodePath,
    PROVENANT_TEST_NODE_VERSION: version,
  };
  console.log(`run-tests: node ${version} (${nodePath})`);
  const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs];
  const res = spawnSync('npx', args, { stdio: 'inherit', env });
  let passed = 0;
  let failed = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    passed = json.numPassedTests ?? 0;
    failed = json.numFailedTests ?? 0;
    for (const file of json.testResults ?? []) {
      const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
      if (file.status === 'failed' && failedTests === 0) {
        failed += 1;
        console.error(`run-tests: ${file.name} failed outside any test: ${String(file.message ?? '').split('\n')[0]}`);
      }
    }
  } catch {
    console.error(`run-tests: node ${version}: no vitest JSON report was written`);
  }
  rmSync(dir, { recursive: true, force: true });
  // vitest failing for a reason the report does not show (unhandled error, crash) is still a failure.
  if (res.status !== 0 && failed === 0) failed = 1;
  console.log(`run-tests: node ${version}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

/** The path of Node `major`'s binary from the npm `node` package (npx caches it), or an error line. */
function nodeBinary(major) {
  const r = spawnSync('npx', ['-y', '-p', `node@${major}`, 'node', '-p', 'process.execPath + " " + process.version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [path, version] = String(r.stdout ?? '').trim().split(' ');
  if (r.status !== 0 || !path || !version?.startsWith(`v${major}.`)) return { error: `npx -p node@${major} failed (exit ${r.status})` };
  return { path, version };
}

const totals = [runSuite(process.execPath, process.version)];
if (process.version.startsWith(`v${SECOND_NODE}.`)) {
  console.log(`run-tests: this is already Node ${SECOND_NODE}: one run`);
} else {
  const second = nodeBinary(SECOND_NODE);
  if ('error' in second) {
    console.error(`run-tests: ${second.error}`);
    totals.push({ passed: 0, failed: 1 });
  } else {
    totals.push(runSuite(second.path, second.version));
  }
}
const passed = totals.reduce((n, t) => n + t.passed, 0);
const failed = totals.reduce((n, t) => n + t.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
