import type { Argv, Options } from 'yargs';
import type { CliIO, ExitCode, GlobalArgs } from '../io.js';

/** Options every command accepts (GlobalArgs). */
export const GLOBAL_OPTIONS: Readonly<Record<'json' | 'quiet', Options>> = {
  json: { type: 'boolean', default: false, describe: 'machine-readable output on stdout' },
  quiet: { type: 'boolean', default: false, alias: 'q', describe: 'no progress or logs on stderr' },
};

/**
 * One file per command exports `command`, `describe`, `builder` and `handler`, as yargs command
 * modules do; the handler gets the parsed args and the IO and returns the exit code.
 */
export interface CommandModule<A extends object = Record<string, unknown>> {
  command: string | readonly string[];
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<GlobalArgs & A>;
  handler: (args: GlobalArgs & A, io: CliIO) => Promise<ExitCode>;
}

/** The registry entry: enough to route argv without importing the command's code. */
export interface CommandEntry {
  name: string;
  describe: string;
  load: () => Promise<LoadedCommand>;
}

/** A command module with its argument type erased, as the router sees it. */
export interface LoadedCommand {
  command: string | readonly string[];
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<unknown>;
  handler: (args: never, io: CliIO) => Promise<ExitCode>;
}
