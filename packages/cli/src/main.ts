import { PROVENANT_VERSION } from '@provenant/core/version';
import { commands } from './commands/registry.js';
import { GLOBAL_OPTIONS } from './commands/types.js';
import { EXIT, processIO, reportError, type CliIO, type ExitCode, type GlobalArgs } from './io.js';

export { EXIT, type CliIO, type ExitCode } from './io.js';

/** A usage error yargs found (unknown argument, missing positional, bad choice): exit 2, the command never runs. */
class UsageError extends Error {}

/**
 * Runs the CLI on argv (without node and script) and returns the exit code; never calls process.exit,
 * so tests run it in process with captured IO.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<ExitCode> {
  // Fast path: no yargs, no command modules.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(PROVENANT_VERSION + '\n');
    return EXIT.OK;
  }
  const json = argv.includes('--json');
  // Only the command named in argv is loaded (and registered with its options); --help without one lists them all.
  const first = argv.find((a) => !a.startsWith('-'));
  const entry = commands.find((c) => c.name === first);

  const { default: yargs } = await import('yargs');
  let code: ExitCode = EXIT.OK;
  let usageError: string | undefined;
  const y = yargs([...argv])
    .scriptName('provenant')
    .version(PROVENANT_VERSION)
    .options(GLOBAL_OPTIONS)
    .strict()
    .demandCommand(1, 'name a command (provenant --help lists them)')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      // Thrown, not recorded: yargs runs the command's handler after a fail callback that returns.
      throw new UsageError(msg);
    });
  y.parserConfiguration({ 'camel-case-expansion': true, 'strip-aliased': true });
  y.showHelpOnFail(false);
  y.help().alias('help', 'h');

  for (const c of commands) {
    if (entry && c !== entry) continue;
    if (entry) {
      const mod = await c.load();
      y.command({
        command: mod.command as string | string[],
        describe: mod.describe,
        builder: (b) => mod.builder(b as never),
        handler: async (args) => {
          code = await mod.handler(args as never, io);
        },
      });
    } else {
      y.command(c.name, c.describe);
    }
  }

  let output = '';
  try {
    await y.parseAsync([...argv], {}, (_err, _argv, out) => {
      output = out;
    });
  } catch (err) {
    if (err instanceof UsageError) usageError = err.message;
    else return reportError(io, err, json);
  }
  if (output) io.out(output.endsWith('\n') ? output : output + '\n');
  if (usageError) {
    io.err(`provenant: ${usageError}\n`);
    return EXIT.USAGE;
  }
  return code;
}

export type { GlobalArgs };
