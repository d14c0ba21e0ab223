import { ProvenantError } from '@provenant/core/errors';
import { EXIT } from '../io.js';
import type { EvidenceIndex } from '../pipeline/evidence.js';
import type { CommandModule } from './types.js';

interface PipelineArgs {
  dir?: string;
  out: string;
}

const mod: CommandModule<PipelineArgs> = {
  command: 'pipeline [dir]',
  describe: 'SBOM + provenance + signatures + verification of a project, written as an evidence directory',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'project directory (default: the embedded sample in fixtures/sample-app)' })
      .option('out', { type: 'string', default: './evidence', describe: 'evidence directory to write (replaced atomically)' }) as never,
  handler: async (args, io) => {
    // yargs keeps extra positionals in `_` (after the command name) instead of rejecting them.
    const extra = ((args as { _?: unknown[] })._ ?? []).slice(1);
    if (extra.length > 0) throw new ProvenantError('USAGE', `pipeline takes one project directory, got extra: ${extra.join(' ')}`);
    const [{ runPipeline }, { PIPELINE_STAGES }, { sampleAppDir }] = await Promise.all([
      import('../pipeline/run.js'),
      import('../pipeline/stages/index.js'),
      import('../pipeline/sample.js'),
    ]);
    const projectDir = args.dir ?? sampleAppDir();
    const log = args.quiet ? undefined : (m: string) => io.err(`provenant: ${m}\n`);
    const { outDir, index } = await runPipeline({ projectDir, outDir: args.out, stages: PIPELINE_STAGES, ...(log ? { log } : {}) });
    io.out(args.json ? JSON.stringify(index, null, 2) + '\n' : summary(outDir, index));
    return EXIT.OK;
  },
};

function summary(outDir: string, index: EvidenceIndex): string {
  const lines = [`evidence for ${index.subject.name}@${index.subject.version} written to ${outDir}`];
  for (const f of index.files) lines.push(`  ${f.path}  ${f.size} bytes  ${f.digest}`);
  const s = index.kpis.sbom;
  if (s.coverage !== null) lines.push(`  sbom: ${s.components} components, ${s.withPurl} with purl, ${s.withHashes} with hashes`);
  return lines.join('\n') + '\n';
}

export const { command, describe, builder, handler } = mod;
