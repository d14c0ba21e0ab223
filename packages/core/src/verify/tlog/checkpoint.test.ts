import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import type { LogAuthority } from '../trust/material.js';
import { verifyCheckpoint } from './checkpoint.js';

function log(name: string, key: KeyObject): LogAuthority {
  const spki = key.export({ format: 'der', type: 'spki' });
  return { baseUrl: `https://${name}`, name, logId: createHash('sha256').update(spki).digest(), checkpointKeyId: undefined, key, validFor: { start: -Infinity, end: Infinity } };
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const witness = generateKeyPairSync('ed25519');
const root = Buffer.alloc(32, 7).toString('base64');

function line(name: string, hint: Buffer, sig: Buffer): string {
  return `\u2014 ${name} ${Buffer.concat([hint.subarray(0, 4), sig]).toString('base64')}\n`;
}

function note(origin: string, extra = ''): string {
  return `${origin}\n42\n${root}\n${extra}`;
}

const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('verifyCheckpoint (signed note)', () => {
  const ecLog = log('rekor.example.test', ec.publicKey);
  const edLog = log('log2025.rekor.example.test', ed.publicKey);

  it('accepts a Rekor v1 style checkpoint (origin with tree id, ECDSA)', () => {
    const text = note('rekor.example.test - 123456', 'Timestamp: 1\n');
    const env = `${text}\n${line('rekor.example.test', ecLog.logId, sign('sha256', Buffer.from(text), ec.privateKey))}`;
    expect(verifyCheckpoint(env, ecLog)).toMatchObject({ origin: 'rekor.example.test - 123456', size: 42n });
  });

  it('accepts Ed25519 with witness cosignatures before and after the log signature', () => {
    const text = note('log2025.rekor.example.test');
    const mine = line('log2025.rekor.example.test', edLog.logId, sign(null, Buffer.from(text), ed.privateKey));
    const cosig = line('witness.example.test', Buffer.alloc(4, 9), sign(null, Buffer.from(text), witness.privateKey));
    expect(code(() => verifyCheckpoint(`${text}\n${cosig}${mine}${cosig}`, edLog))).toBe('OK');
  });

  // Flip bits rather than set a byte: a set byte may already hold that value (1 run in 256).
  const flipFirstByte = (sig: Uint8Array): Buffer => {
    const out = Buffer.from(sig);
    out[0] = (out[0] ?? 0) ^ 0xff;
    return out;
  };
  it('rejects: no log signature, wrong key hint, wrong name, bad signature, other origin, malformed body', () => {
    const text = note('log2025.rekor.example.test');
    const good = sign(null, Buffer.from(text), ed.privateKey);
    const cosig = line('witness.example.test', Buffer.alloc(4, 9), sign(null, Buffer.from(text), witness.privateKey));
    const cases = [
      `${text}\n${cosig}`,
      `${text}\n${line('log2025.rekor.example.test', Buffer.alloc(4), good)}`,
      `${text}\n${line('other.example.test', edLog.logId, good)}`,
      `${text}\n${line('log2025.rekor.example.test', edLog.logId, flipFirstByte(good))}`,
      `${note('other.example.test')}\n${line('log2025.rekor.example.test', edLog.logId, sign(null, Buffer.from(note('other.example.test')), ed.privateKey))}`,
      `log2025.rekor.example.test\n${root}\n\n${line('log2025.rekor.example.test', edLog.logId, good)}`,
      `log2025.rekor.example.test\n42\n\n${line('log2025.rekor.example.test', edLog.logId, good)}`,
      `${text}\n`,
      text,
      `${text}\n${line('log2025.rekor.example.test', edLog.logId, good).trimEnd()}`,
    ];
    for (const env of cases) expect(code(() => verifyCheckpoint(env, edLog)), env).toBe('TLOG_CHECKPOINT_INVALID');
  });
});
