// A docker-registry (CNCF distribution, Debian package) on 127.0.0.1:0 for one test file, stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RunningRegistry {
  readonly host: string;
  stop(): Promise<void>;
}

export async function startRegistry(): Promise<RunningRegistry> {
  if (!existsSync(REGISTRY_BIN)) throw new Error(`${REGISTRY_BIN} is missing: install the docker-registry package (scripts/install-test-deps.sh)`);
  const dir = mkdtempSync(join(tmpdir(), 'provenant-registry-'));
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog: {level: info, formatter: text}\nstorage:\n  filesystem: {rootdirectory: "${dir}/data"}\n  delete: {enabled: true}\n  maintenance: {uploadpurging: {enabled: false}}\nhttp:\n  addr: 127.0.0.1:0\n  secret: provenant-test-not-secret\n`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const host = await new Promise<string>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`docker-registry did not report its port within 15 s:\n${log}`)), 15_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(`127.0.0.1:${m[1]}`);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`docker-registry exited with ${code}:\n${log}`));
    });
  });
  // Drain output so the registry never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    host,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
