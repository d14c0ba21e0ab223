import { ProvenantError } from '@provenant/core/errors';

/** Where a command writes: results to `out` (stdout), logs and progress to `err` (stderr). */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars only then. */
  readonly isTTY: boolean;
}

// A reader that goes away (`provenant sbom ... | head`) closes the pipe: later output is dropped quietly
// and the command still ends with its own exit code (a denial stays a denial).
const closed = { stdout: false, stderr: false };
function writer(name: 'stdout' | 'stderr'): (text: string) => void {
  let watching = false;
  return (text) => {
    const stream = process[name];
    if (!watching) {
      watching = true;
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        closed[name] = true;
      });
    }
    if (!closed[name]) stream.write(text);
  };
}

export const processIO: CliIO = {
  out: writer('stdout'),
  err: writer('stderr'),
  get isTTY() {
    return Boolean(process.stderr.isTTY);
  },
};

/** Exit codes, per DESIGN.md. */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, DENIED: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Options every command accepts. */
export interface GlobalArgs {
  json: boolean;
  quiet: boolean;
}

/** Renders an error for a person (or as JSON with --json) and returns the exit code for it. */
export function reportError(io: CliIO, err: unknown, json: boolean): ExitCode {
  const pe =
    err instanceof ProvenantError
      ? err
      : new ProvenantError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  if (json) io.out(JSON.stringify({ ok: false, error: pe.toJSON() }) + '\n');
  io.err(`provenant: error [${pe.code}]: ${pe.message}\n`);
  if (pe.code === 'INTERNAL' && err instanceof Error && err.stack && process.env.PROVENANT_DEBUG) io.err(err.stack + '\n');
  return pe.code === 'USAGE' || pe.code === 'INVALID_ARGUMENT' || pe.code === 'TRUST_NOT_CACHED' ? EXIT.USAGE : EXIT.ERROR;
}
