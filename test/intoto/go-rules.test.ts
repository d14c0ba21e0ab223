import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../vectors.js';
import { ProvenantError } from '@provenant/core/errors';
import { SLSA_PROVENANCE_V1, parsePredicate, parseResourceDescriptor, parseStatement } from '@provenant/core/intoto';

// Beyond valid/invalid (the conformance test): for cases from the Go reference, the rule we report
// must be the error the Go reference returns.
const dir = vectorsDir();
interface Case {
  id: string;
  kind: string;
  files: Record<string, string>;
  expect: string;
  params: { expected_error?: string };
}
const cases = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Case[]).filter(
  (c) => c.id.includes('/go/') && ['intoto-statement', 'intoto-resource-descriptor', 'slsa-provenance-predicate'].includes(c.kind),
);

const parsers: Record<string, (text: string) => unknown> = {
  'intoto-statement': (t) => parseStatement(t),
  'intoto-resource-descriptor': (t) => parseResourceDescriptor(t),
  'slsa-provenance-predicate': (t) => parsePredicate(SLSA_PROVENANCE_V1, t),
};

function ruleOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof ProvenantError) return String(err.details?.rule);
    throw err;
  }
}

describe('in-toto Go reference rules', () => {
  it('has the Go cases', () => expect(cases.length).toBeGreaterThan(20));
  for (const c of cases) {
    it(c.id, () => {
      const text = readFileSync(join(dir, c.files.document!), 'utf8');
      const rule = ruleOf(() => parsers[c.kind]!(text));
      expect(rule).toBe(c.expect === 'valid' ? undefined : c.params.expected_error);
    });
  }
});
