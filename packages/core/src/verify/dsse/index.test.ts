import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { verifyDsseWithKey } from './index.js';
import { preAuthEncoding } from './pae.js';

const type = 'application/vnd.in-toto+json';
const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : 'THROWN';
  }
};

describe('verifyDsseWithKey', () => {
  for (const [name, keys, hash] of [
    ['P-256', generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'sha256'],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }), 'sha384'],
    ['Ed25519', generateKeyPairSync('ed25519'), null],
  ] as const) {
    it(`verifies ${name} envelopes and returns the payload`, () => {
      const sig = sign(hash, preAuthEncoding(type, payload), keys.privateKey).toString('base64');
      const env = { payloadType: type, payload: payload.toString('base64'), signatures: [{ keyid: '', sig }] };
      expect(verifyDsseWithKey(JSON.stringify(env), keys.publicKey).payload.equals(payload)).toBe(true);
      const pem = keys.publicKey.export({ format: 'pem', type: 'spki' }).toString();
      expect(code(() => verifyDsseWithKey({ ...env, payloadType: 'text/plain' }, pem))).toBe('DSSE_SIGNATURE_INVALID');
      expect(code(() => verifyDsseWithKey(env, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey))).toBe('DSSE_SIGNATURE_INVALID');
      // any one signature verifying is enough (other keys' signatures may sit beside it)
      expect(code(() => verifyDsseWithKey({ ...env, signatures: [{ sig: 'AAAA' }, ...env.signatures] }, pem))).toBe('OK');
    });
  }

  it('rejects malformed envelopes and keys', () => {
    const k = generateKeyPairSync('ed25519').publicKey;
    expect(code(() => verifyDsseWithKey('{', k))).toBe('DSSE_INVALID');
    expect(code(() => verifyDsseWithKey({ payload: 'e30=' }, k))).toBe('DSSE_INVALID');
    expect(code(() => verifyDsseWithKey({ payload: 'e30=', payloadType: type, signatures: [] }, k))).toBe('DSSE_SIGNATURE_INVALID');
    expect(code(() => verifyDsseWithKey({ payload: 'e30=', payloadType: type, signatures: [{ sig: 'AAAA' }] }, 'not a key'))).toBe('KEY_INVALID');
  });
});
