import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCycloneDxJson } from '@provenant/core/sbom';
import { vectorsDir } from '../vectors.js';

interface VectorCase {
  id: string;
  kind: string;
  files: Record<string, string>;
  expect: string;
}

const dir = vectorsDir();
const cases = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as VectorCase[]).filter(
  (c) => c.kind === 'cyclonedx-valid' || c.kind === 'cyclonedx-invalid',
);

describe('validateCycloneDxJson on the CycloneDX specification vectors', () => {
  it('has the 73 vectors', () => {
    expect(cases.length).toBe(73);
  });
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const doc: unknown = JSON.parse(readFileSync(join(dir, c.files['document'] ?? ''), 'utf8'));
    const result = validateCycloneDxJson(doc);
    expect(result.valid ? 'valid' : 'invalid', result.errors.join('\n')).toBe(c.expect);
  });
  it('rejects non-objects and unknown spec versions without throwing', () => {
    expect(validateCycloneDxJson([]).valid).toBe(false);
    expect(validateCycloneDxJson({ bomFormat: 'CycloneDX', specVersion: '9.9' }).valid).toBe(false);
  });
  it('validates a minimal 1.2-1.7 document', () => {
    for (const v of ['1.2', '1.3', '1.4', '1.5', '1.6', '1.7']) {
      expect(validateCycloneDxJson({ bomFormat: 'CycloneDX', specVersion: v, version: 1 }).valid, v).toBe(true);
    }
  });
});
