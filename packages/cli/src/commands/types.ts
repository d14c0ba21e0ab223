import type { Argv } from 'yargs';
import type { CliIO, ExitCode, GlobalArgs } from '../io.js';

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
