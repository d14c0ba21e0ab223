// A password asked on the terminal, without echo, when no file or variable gives one (as cosign does).
import { ProvenantError } from '@provenant/core/errors';

interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

/** Reads a line from the terminal with echo off; undefined when stdin or stderr is not a terminal. */
export async function promptPassword(question: string, input: TtyInput = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string | undefined> {
  if (!input.isTTY || !output.isTTY || input.setRawMode === undefined) return undefined;
  // Echo goes off before the question is shown, so an answer typed at once is never echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  output.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = () => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new ProvenantError('KEY_PASSWORD_REQUIRED', 'password prompt interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

/** keygen's prompt: the password twice, which must agree. */
export async function promptNewPassword(): Promise<string | undefined> {
  const first = await promptPassword('Enter password for private key: ');
  if (first === undefined) return undefined;
  const again = await promptPassword('Enter password for private key again: ');
  if (again !== first) throw new ProvenantError('KEY_PASSWORD_INCORRECT', 'the two passwords differ');
  return first;
}
