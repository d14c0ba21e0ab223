import type { Argv, Options } from 'yargs';
import type { CliIO, ExitCode, GlobalArgs } from '../io.js';

/** One option of a command, as data: yargs builds its parser and help from it, and so does the fast path. */
export interface OptionSpec {
  type: 'string' | 'boolean' | 'number' | 'array';
  describe: string;
  /** A one-letter short form (`-o`). */
  alias?: string;
  choices?: readonly string[];
  default?: string | boolean | readonly string[];
}

/** Options every command accepts (GlobalArgs), for yargs and for the fast path alike. */
export const GLOBAL_OPTIONS: Readonly<Record<'json' | 'quiet', OptionSpec>> = {
  json: { type: 'boolean', default: false, describe: 'machine-readable output on stdout' },
  quiet: { type: 'boolean', default: false, alias: 'q', describe: 'no progress or logs on stderr' },
};

/** One OptionSpec as yargs takes it. */
export function yargsOption(o: OptionSpec): Options {
  return {
    type: o.type === 'array' ? 'string' : o.type,
    ...(o.type === 'array' ? { array: true } : {}),
    describe: o.describe,
    ...(o.alias !== undefined ? { alias: o.alias } : {}),
    ...(o.choices !== undefined ? { choices: [...o.choices] } : {}),
    ...(o.default !== undefined ? { default: Array.isArray(o.default) ? [...(o.default as string[])] : o.default } : {}),
  };
}

/** A command's arguments as data: required positionals in order, then options by their kebab-case name. */
export interface ArgSpec {
  positionals: readonly { name: string; describe: string }[];
  options: Readonly<Record<string, OptionSpec>>;
}

/**
 * One file per command exports `command`, `describe`, `builder` and `handler`, as yargs command
 * modules do; the handler gets the parsed args and the IO and returns the exit code. A command that
 * also exports `args` (its arguments as data) runs without loading yargs when argv is plainly valid.
 */
export interface CommandModule<A extends object = Record<string, unknown>> {
  command: string | readonly string[];
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<GlobalArgs & A>;
  handler: (args: GlobalArgs & A, io: CliIO) => Promise<ExitCode>;
  args?: ArgSpec;
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
  args?: ArgSpec | undefined;
}

/** The yargs builder for an ArgSpec: positionals (all required), then the options, in spec order. */
export function builderFor(spec: ArgSpec): (y: Argv<GlobalArgs>) => never {
  return (y) => {
    let b = y as Argv<unknown>;
    for (const p of spec.positionals) b = b.positional(p.name, { type: 'string', demandOption: true, describe: p.describe });
    for (const [name, o] of Object.entries(spec.options)) {
      b = b.option(name, yargsOption(o));
    }
    return b as never;
  };
}
