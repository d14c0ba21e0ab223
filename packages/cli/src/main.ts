import { PROVENANT_VERSION } from '@provenant/core/version';
import { commands } from './commands/registry.js';
import { GLOBAL_OPTIONS } from './commands/types.js';
import { FOREIGN_COMMANDS, nearest } from './suggest.js';
import { withHelp } from './help.js';
import { EXIT, processIO, reportError, type CliIO, type ExitCode, type GlobalArgs } from './io.js';

export { EXIT, type CliIO, type ExitCode } from './io.js';

/** A usage error yargs found (unknown argument, missing positional, bad choice): exit 2, the command never runs. */
class UsageError extends Error {}

/**
 * Runs the CLI on argv (without node and script) and returns the exit code; never calls process.exit,
 * so tests run it in process with captured IO.
 */
export async function main(args: readonly string[], io: CliIO = processIO): Promise<ExitCode> {
  let argv = args;
  // Fast path: no yargs, no command modules.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(PROVENANT_VERSION + '\n');
    return EXIT.OK;
  }
  if (argv.length === 2 && argv.includes('--json') && (argv.includes('--version') || argv.includes('-V'))) {
    io.out(JSON.stringify(await (await import('./commands/version.js')).versionInfo()) + '\n');
    return EXIT.OK;
  }
  // yargs reads `--no-match allow` as `--match false` and a stray `allow`: give it the value's form.
  argv = argv.flatMap((a, i) => (a === '--no-match' && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-') ? [] : i > 0 && argv[i - 1] === '--no-match' && !a.startsWith('-') ? [`--no-match=${a}`] : [a]));
  const json = argv.includes('--json');
  // Shell completion (provenant completion) asks with `--get-yargs-completions provenant <words...>`.
  const completing = argv[0] === '--get-yargs-completions';
  // Only the command named in argv is loaded (and registered with its options); --help without one lists them all.
  const first = completing ? argv[2] : argv.find((a) => !a.startsWith('-'));
  const entry = commands.find((c) => c.name === first);
  if (!entry && first !== undefined && !completing) {
    const known = commands.map((c) => c.name);
    const instead = FOREIGN_COMMANDS[first] ?? nearest(first, known);
    if (instead !== undefined) {
      io.err(`provenant: unknown command ${first}; did you mean \`provenant ${instead}\`? (provenant --help lists the commands)\n`);
      return EXIT.USAGE;
    }
  }

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
    // Wrapped to the terminal; piped help keeps each option on one line.
    .wrap(process.stdout.isTTY ? Math.min(110, process.stdout.columns ?? 100) : null)
    .completion('__complete', false)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      const unknown = /^Unknown arguments?: (.+)$/.exec(msg ?? '');
      if (unknown) msg = unknownArguments(unknown[1]!, (y as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions(), argv);
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
        builder: (b) => withHelp(c.name, mod.builder(b as never)),
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

/** "Unknown argument: sing" -> the dashed names, each with the nearest option this command has. */
function unknownArguments(list: string, options: { key: Record<string, unknown> }, argv: readonly string[]): string {
  const known = Object.keys(options.key).filter((k) => k.includes('-') || k === k.toLowerCase());
  const names = list.split(', ').filter((n) => !/[A-Z]/.test(n) || !list.includes(n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())));
  return names
    .map((n) => {
      // A word given without dashes is a stray argument, not an option.
      if (argv.includes(n)) return `Unknown argument: ${n} (--help lists what the command takes)`;
      const flag = n.length === 1 ? `-${n}` : `--${n}`;
      const near = nearest(n, known);
      return near === undefined ? `unknown option ${flag}` : `unknown option ${flag}; did you mean --${near}?`;
    })
    .join('\n');
}

export type { GlobalArgs };
