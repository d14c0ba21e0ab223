import { main, type CliIO } from '@provenant/cli';

/** A CliIO that records what a command writes, for running `main()` in process. */
export function captureIO(isTTY = false): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    isTTY,
    out(text: string) {
      io.stdout += text;
    },
    err(text: string) {
      io.stderr += text;
    },
  };
  return io;
}

/** Runs the CLI in process and returns its exit code and output. */
export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIO();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}
