// `npm run conformance -- --manifest F [--root DIR] --out V [--kind K]`: one JSON line per case.
import { writeFile, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadManifest, runManifest } from './runner.js';

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: { manifest: { type: 'string' }, root: { type: 'string' }, out: { type: 'string' }, kind: { type: 'string', multiple: true } },
  });
  if (!values.manifest || !values.out) {
    process.stderr.write('usage: npm run conformance -- --manifest <manifest.json> [--root <dir>] --out <verdicts.jsonl> [--kind K]\n');
    return 2;
  }
  const manifest = resolve(values.manifest);
  const root = resolve(values.root ?? dirname(manifest));
  const cases = await loadManifest(manifest);
  const kinds = values.kind;
  const results = await runManifest(cases, root, kinds ? (c) => kinds.includes(c.kind) : undefined);
  const tmp = `${values.out}.tmp-${process.pid}`;
  await writeFile(tmp, results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await rename(tmp, values.out);
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  process.stderr.write(`conformance: ${results.length} cases: ${JSON.stringify(counts)} -> ${values.out}\n`);
  return 0;
}

run().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`conformance: error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
