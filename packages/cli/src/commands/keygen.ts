import { access } from 'node:fs/promises';
import { ProvenantError } from '@provenant/core/errors';
import { EXIT } from '../io.js';
import type { CommandModule } from './types.js';
import { readSmallFile, writeFileAtomic } from './sign.js';

interface KeygenArgs {
  outputKeyPrefix: string;
  algorithm: 'ecdsa-p256' | 'ecdsa-p384' | 'ed25519';
  import?: string | undefined;
  passwordFile?: string | undefined;
  force: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

// cosign generate-key-pair (and, with --import, cosign import-key-pair): <prefix>.key encrypted, <prefix>.pub PKIX.
const mod: CommandModule<KeygenArgs> = {
  command: 'keygen',
  describe: 'write a cosign-compatible key pair: cosign.key (encrypted) and cosign.pub',
  builder: (y) =>
    y
      .option('output-key-prefix', { type: 'string', default: 'cosign', describe: 'write <prefix>.key and <prefix>.pub' })
      .option('algorithm', { choices: ['ecdsa-p256', 'ecdsa-p384', 'ed25519'] as const, default: 'ecdsa-p256' as const, describe: 'key type' })
      .option('import', { type: 'string', describe: 'encrypt this existing PEM private key (PKCS#1, SEC1 or PKCS#8) instead of generating one' })
      .option('password-file', { type: 'string', describe: 'file holding the password (else PROVENANT_PASSWORD or COSIGN_PASSWORD, else asked twice on a terminal)' })
      .option('force', { type: 'boolean', default: false, describe: 'overwrite existing key files' }) as never,
  handler: async (args, io) => {
    const sign = await import('@provenant/core/sign');
    const keyPath = `${args.outputKeyPrefix}.key`;
    const pubPath = `${args.outputKeyPrefix}.pub`;
    if (!args.force) {
      for (const p of [keyPath, pubPath]) {
        if (await exists(p)) throw new ProvenantError('OUTPUT_WRITE_FAILED', `${p} already exists; pass --force to overwrite it`);
      }
    }
    const password = (await sign.resolveKeyPassword({ passwordFile: args.passwordFile })) ?? (await (await import('../prompt.js')).promptNewPassword());
    if (password === undefined) {
      throw new ProvenantError('KEY_PASSWORD_REQUIRED', 'give the password for the new key with --password-file, PROVENANT_PASSWORD or COSIGN_PASSWORD (an empty value means no password), or run on a terminal to be asked');
    }
    const privateKey = args.import !== undefined ? sign.importPrivateKey((await readSmallFile(args.import, 'private key')).toString('utf8')) : sign.generateKeyPair(args.algorithm).privateKey;
    const encrypted = await sign.encryptCosignKey(privateKey, password);
    const publicPem = sign.exportPublicKey(privateKey);
    await writeFileAtomic(keyPath, encrypted, 0o600);
    await writeFileAtomic(pubPath, publicPem, 0o644);
    const algorithm = sign.keyAlgorithm(privateKey);
    if (args.json) io.out(JSON.stringify({ ok: true, privateKey: keyPath, publicKey: pubPath, algorithm, hint: sign.publicKeyHint(privateKey) }) + '\n');
    else if (!args.quiet) io.err(`provenant: wrote ${keyPath} (${algorithm}, encrypted) and ${pubPath}\n`);
    return EXIT.OK;
  },
};
export const { command, describe, builder, handler } = mod;
