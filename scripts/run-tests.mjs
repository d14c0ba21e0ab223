#!/usr/bin/env node
// Runs the whole vitest suite and ends with the plain summary line CI reads: `N passed, N failed`.
// A test file that fails to import (or whose hooks fail) has no failed test of its own, so it counts
// as one failure; so does a vitest run that fails without writing a report.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'provenant-tests-'));
const report = join(dir, 'vitest.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const res = spawnSync('npx', args, { stdio: 'inherit', env: process.env });
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
  console.error('run-tests: no vitest JSON report was written');
}
rmSync(dir, { recursive: true, force: true });
// vitest failing for a reason the report does not show (unhandled error, crash) is still a failure.
if (res.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && res.status === 0 ? 0 : 1;
