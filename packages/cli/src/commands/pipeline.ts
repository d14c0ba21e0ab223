import { ProvenantError } from '@provenant/core/errors';
import { EXIT, type CliIO } from '../io.js';
import type { EvidenceIndex } from '../pipeline/evidence.js';
import type { StageEvent } from '../pipeline/run.js';
import type { CommandModule } from './types.js';

interface PipelineArgs {
  dir?: string;
  output: string;
  image?: string;
  authfile?: string;
  key?: string;
  passwordFile?: string;
  identityToken?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  trustedRoot?: string;
}

const mod: CommandModule<PipelineArgs> = {
  command: 'pipeline [dir]',
  describe: 'SBOM + provenance + signatures + verification of a project, written as an evidence directory',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'project directory (default: the embedded sample in fixtures/sample-app)' })
      .option('output', { type: 'string', alias: ['o', 'out'], default: './evidence', describe: 'evidence directory to write (replaced atomically); --out is an alias' })
      .option('image', { type: 'string', describe: 'also sign and attest this image in its registry (a tag is resolved to its digest once)' })
      .option('authfile', { type: 'string', describe: 'docker-format auth file for --image' })
      .option('key', { type: 'string', describe: 'sign with this private key instead of an ephemeral one' })
      .option('password-file', { type: 'string' })
      .option('identity-token', { type: 'string', describe: 'sign keyless (Fulcio) with this OIDC token; needs --trusted-root to verify' })
      .option('fulcio-url', { type: 'string' })
      .option('rekor-url', { type: 'string' })
      .option('tsa-url', { type: 'string' })
      .option('trusted-root', { type: 'string', describe: 'TrustedRoot the keyless signatures are verified against' }) as never,
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
    // --image adds the registry stage (packages/cli/src/pipeline/stages/image.ts) before verification.
    const { imageStage } = await import('../pipeline/stages/image.js');
    const { withImageStage } = await import('../pipeline/stages/verification.js');
    const { signerSourceFromArgs } = await import('../pipeline/stages/signer-args.js');
    const source = await signerSourceFromArgs(args);
    const withSigner = source ? PIPELINE_STAGES.map((s) => (s.name === 'sign' ? source : s)) : PIPELINE_STAGES;
    const stages = args.image ? withImageStage(withSigner, imageStage(args.image, args.authfile ? { authFile: args.authfile } : {})) : withSigner;
    const onStage = io.isTTY && !args.quiet && !args.json ? progressBar(io) : undefined;
    const { outDir, index } = await runPipeline({ projectDir, outDir: args.output, stages, ...(log ? { log } : {}), ...(onStage ? { onStage } : {}) });
    io.out(args.json ? JSON.stringify(index, null, 2) + '\n' : summary(outDir, index));
    return EXIT.OK;
  },
};

/** One redrawn stderr line per stage: `[####------] 2/5 sign: ...`; only on a TTY. */
function progressBar(io: CliIO): (e: StageEvent) => void {
  const width = 20;
  return (e) => {
    const done = e.phase === 'done' ? e.index + 1 : e.index;
    const filled = Math.round((done / e.total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const text = `[${bar}] ${done}/${e.total} ${e.name}${e.phase === 'start' ? `: ${e.describe}` : ' done'}`;
    io.err(`\r\x1b[2K${text.slice(0, (process.stderr.columns ?? 100) - 1)}`);
    if (e.phase === 'done' && done === e.total) io.err('\n');
  };
}

function summary(outDir: string, index: EvidenceIndex): string {
  const lines = [`evidence for ${index.subject.name}@${index.subject.version} written to ${outDir}`];
  for (const f of index.files) lines.push(`  ${f.path}  ${f.size} bytes  ${f.digest}`);
  const s = index.kpis.sbom;
  if (s.coverage !== null) lines.push(`  sbom: ${s.components} components, ${s.withPurl} with purl, ${s.withHashes} with hashes`);
  return lines.join('\n') + '\n';
}

export const { command, describe, builder, handler } = mod;
