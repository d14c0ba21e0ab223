// The code of the ProvenantError a promise rejects with ('no error' when it resolves); anything else
// it rejects with fails the test.
import { expect } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ProvenantError);
    return (err as ProvenantError).code;
  }
  return 'no error';
}
