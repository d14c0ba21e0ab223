import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { loadTrustedRoot, trustMaterialFromKeys } from './material.js';

const VECTORS = process.env.PROVENANT_VECTORS ?? join(import.meta.dirname, '../../../../../fixtures/vectors');
// A fresh mutable copy of the production root per test.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const prodRoot = (): any => JSON.parse(readFileSync(join(VECTORS, 'sigstore-js/packages/tuf/seeds.decoded/tuf-repo-cdn.sigstore.dev/trusted_root.json'), 'utf8'));
const code = (fn: () => unknown): string => {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return e instanceof ProvenantError ? e.code : `THROWN ${String(e)}`;
  }
};

describe('loadTrustedRoot', () => {
  it('loads the production root: CAs, logs, CT logs and TSAs, parsed once', () => {
    const t = loadTrustedRoot(prodRoot());
    expect(t.certificateAuthorities.length).toBeGreaterThan(0);
    expect(t.tlogs.some((l) => l.name === 'rekor.sigstore.dev')).toBe(true);
    expect(t.ctlogs.length).toBeGreaterThan(0);
    expect(t.timestampAuthorities.length).toBeGreaterThan(0);
    // Same certificate bytes, same parsed object: trust parsed in one place is reused everywhere.
    expect(loadTrustedRoot(prodRoot()).certificateAuthorities[0]!.chain[0]).toBe(t.certificateAuthorities[0]!.chain[0]);
  });

  it('rejects a log key validity without a start, but reads an empty CA validity as unbounded', () => {
    const r = prodRoot();
    r.tlogs[0].publicKey.validFor = {};
    expect(code(() => loadTrustedRoot(r))).toBe('TRUSTED_ROOT_INVALID');
    const c = prodRoot();
    c.certificateAuthorities[0].validFor = {};
    const ca = loadTrustedRoot(c).certificateAuthorities[0]!;
    expect(ca.validFor).toEqual({ start: -Infinity, end: Infinity });
  });

  it('rejects malformed roots with TRUSTED_ROOT_INVALID', () => {
    const bad: unknown[] = [
      '{',
      '[]',
      { mediaType: 'application/json' },
      { ...prodRoot(), tlogs: [{ ...prodRoot().tlogs[0], publicKey: { rawBytes: 'AAAA' } }] },
      { ...prodRoot(), certificateAuthorities: [{ certChain: { certificates: [] } }] },
      { ...prodRoot(), certificateAuthorities: [{ certChain: { certificates: [{ rawBytes: 'MIIB' }] } }] },
      { ...prodRoot(), ctlogs: [{ ...prodRoot().ctlogs[0], publicKey: { ...prodRoot().ctlogs[0].publicKey, validFor: { start: 'yesterday' } } }] },
    ];
    for (const b of bad) expect(code(() => loadTrustedRoot(b)), JSON.stringify(b).slice(0, 80)).toBe('TRUSTED_ROOT_INVALID');
  });

  it('holds keys by hint for key-signed bundles', () => {
    expect(code(() => trustMaterialFromKeys({ hint: 'not a key' }))).toBe('KEY_INVALID');
  });
});
