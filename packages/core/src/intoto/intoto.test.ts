import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../errors.js';
import {
  SLSA_PROVENANCE_V1,
  createEnvelope,
  createStatement,
  envelopePayload,
  pae,
  parseEnvelope,
  parsePredicate,
  parseResourceDescriptor,
  parseStatement,
  statementFromEnvelope,
} from './index.js';

function codeOf(fn: () => unknown): { code: string; rule: unknown } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProvenantError) return { code: err.code, rule: err.details?.rule };
    throw err;
  }
  throw new Error('expected a ProvenantError');
}

const sha256 = 'a'.repeat(64);
const good = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'app.tgz', digest: { sha256 } }], predicateType: 'https://example.test/p', predicate: { a: 1 } };

describe('pae', () => {
  it('encodes lengths in bytes as the DSSE spec example', () => {
    expect(pae('http://example.com/HelloWorld', 'hello world').toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
  it('counts multi-byte characters as bytes', () => {
    expect(pae('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
    expect(pae('', new Uint8Array()).toString()).toBe('DSSEv1 0  0 ');
  });
});

describe('DSSE envelope', () => {
  it('round-trips a payload', () => {
    const env = createEnvelope('application/vnd.in-toto+json', JSON.stringify(good), [{ keyid: '', sig: 'AAAA' }]);
    const parsed = parseEnvelope(JSON.stringify(env));
    expect(envelopePayload(parsed).toString()).toBe(JSON.stringify(good));
    expect(statementFromEnvelope(parsed).subject[0]?.digest.sha256).toBe(sha256);
  });
  it('rejects unknown fields, bad base64, missing signatures', () => {
    expect(codeOf(() => parseEnvelope({ payload: '', payloadType: 't', signatures: [{ sig: 'AA==' }], extra: 1 })).code).toBe('DSSE_INVALID');
    expect(codeOf(() => parseEnvelope({ payload: '!!', payloadType: 't', signatures: [{ sig: 'AA==' }] })).code).toBe('DSSE_INVALID');
    expect(codeOf(() => parseEnvelope({ payload: '', payloadType: 't', signatures: [] })).code).toBe('DSSE_INVALID');
    expect(parseEnvelope({ payload: '', payloadType: 't', signatures: [] }, { allowUnsigned: true }).signatures).toEqual([]);
    expect(codeOf(() => parseEnvelope('{')).code).toBe('DSSE_INVALID');
  });
  it('refuses a non in-toto payload type as a statement', () => {
    expect(codeOf(() => statementFromEnvelope(createEnvelope('text/plain', '{}'))).code).toBe('STATEMENT_INVALID');
  });
  it('enforces the size limit', () => {
    expect(codeOf(() => parseEnvelope('x'.repeat(100), { maxBytes: 10 })).code).toBe('SIZE_LIMIT_EXCEEDED');
  });
});

describe('ResourceDescriptor', () => {
  it('accepts custom algorithms and git ids of 20 or 32 bytes', () => {
    expect(parseResourceDescriptor({ digest: { alg1: 'xyz' } }).digest).toEqual({ alg1: 'xyz' });
    parseResourceDescriptor({ digest: { gitCommit: 'a'.repeat(40) } });
    parseResourceDescriptor({ digest: { gitTree: 'a'.repeat(64) } });
    parseResourceDescriptor({ digest: { sha512: 'b'.repeat(128), sha1: 'c'.repeat(40) } });
  });
  it('reports the reference rule names', () => {
    expect(codeOf(() => parseResourceDescriptor({ digest: { sha256: 'zz' } }))).toEqual({ code: 'RESOURCE_DESCRIPTOR_INVALID', rule: 'ErrInvalidDigestEncoding' });
    expect(codeOf(() => parseResourceDescriptor({ digest: { sha256: 'abc123' } }))).toEqual({ code: 'RESOURCE_DESCRIPTOR_INVALID', rule: 'ErrIncorrectDigestLength' });
    expect(codeOf(() => parseResourceDescriptor({ digest: { gitBlob: 'a'.repeat(50) } })).rule).toBe('ErrIncorrectDigestLength');
    expect(codeOf(() => parseResourceDescriptor({ mediaType: 'x' })).rule).toBe('ErrRDRequiredField');
    expect(codeOf(() => parseResourceDescriptor({ name: '' })).rule).toBe('ErrRDRequiredField');
    expect(codeOf(() => parseResourceDescriptor({ name: 'a', bogus: 1 })).code).toBe('RESOURCE_DESCRIPTOR_INVALID');
  });
});

describe('Statement', () => {
  it('parses v1 and the legacy v0.1 type', () => {
    expect(parseStatement(JSON.stringify(good)).predicate).toEqual({ a: 1 });
    expect(parseStatement({ ...good, _type: 'https://in-toto.io/Statement/v0.1' })._type).toBe('https://in-toto.io/Statement/v0.1');
  });
  it.each([
    [{ ...good, _type: 'https://in-toto.io/Statement/v0.2' }, 'ErrInvalidStatementType'],
    [{ ...good, subject: [] }, 'ErrSubjectRequired'],
    [{ ...good, subject: [{ name: 'x' }] }, 'ErrDigestRequired'],
    [{ ...good, subject: [{ digest: {} }] }, 'ErrRDRequiredField'],
    [{ ...good, predicateType: '' }, 'ErrPredicateTypeRequired'],
    [{ _type: good._type, subject: good.subject, predicateType: 'p' }, 'ErrPredicateRequired'],
  ])('rejects %j with %s', (doc, rule) => {
    expect(codeOf(() => parseStatement(doc))).toEqual({ code: 'STATEMENT_INVALID', rule });
  });
  it('checks a required predicate type', () => {
    expect(codeOf(() => parseStatement(good, { predicateType: SLSA_PROVENANCE_V1 })).code).toBe('PREDICATE_TYPE_MISMATCH');
  });
  it('validates registered predicates', () => {
    expect(codeOf(() => createStatement(good.subject, SLSA_PROVENANCE_V1, { buildDefinition: {} })).code).toBe('PREDICATE_INVALID');
  });
});

describe('SLSA provenance v1 predicate', () => {
  const valid = { buildDefinition: { buildType: 'bt', externalParameters: {} }, runDetails: { builder: { id: 'b' }, metadata: { startedOn: '2024-01-02T03:04:05Z' } } };
  it('accepts the minimal predicate', () => {
    expect(parsePredicate(SLSA_PROVENANCE_V1, valid)).toEqual(valid);
  });
  it.each([
    [{ runDetails: valid.runDetails }, 'ErrBuildDefinitionRequired'],
    [{ ...valid, buildDefinition: { buildType: 'bt' } }, 'ErrExternalParamsRequired'],
    [{ ...valid, buildDefinition: { buildType: '', externalParameters: {} } }, 'ErrBuildTypeRequired'],
    [{ buildDefinition: valid.buildDefinition }, 'ErrRunDetailsRequired'],
    [{ ...valid, runDetails: {} }, 'ErrRunDetailsRequired'],
    [{ ...valid, runDetails: { metadata: {} } }, 'ErrBuilderRequired'],
    [{ ...valid, runDetails: { builder: {} } }, 'ErrBuilderRequired'],
    [{ ...valid, runDetails: { builder: { id: '' } } }, 'ErrBuilderIdRequired'],
  ])('rejects %j with %s', (doc, rule) => {
    expect(codeOf(() => parsePredicate(SLSA_PROVENANCE_V1, doc))).toEqual({ code: 'PREDICATE_INVALID', rule });
  });
  it('rejects bad timestamps and unknown fields', () => {
    expect(codeOf(() => parsePredicate(SLSA_PROVENANCE_V1, { ...valid, runDetails: { builder: { id: 'b' }, metadata: { startedOn: 'yesterday' } } })).code).toBe('PREDICATE_INVALID');
    expect(codeOf(() => parsePredicate(SLSA_PROVENANCE_V1, { ...valid, extra: true })).code).toBe('PREDICATE_INVALID');
  });
  it('refuses unknown predicate types', () => {
    expect(codeOf(() => parsePredicate('https://example.test/unknown', {})).code).toBe('PREDICATE_TYPE_UNSUPPORTED');
  });
});
