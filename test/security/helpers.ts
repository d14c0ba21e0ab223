// Shared by the test/security suite: every refusal is asserted by its code, never by message text.
import { expect } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';

export interface CodedError extends Error {
  readonly code: string;
}

/** Runs fn and returns the error it throws, asserting its code. */
export function expectCode(fn: () => unknown, code: string): CodedError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${code}, nothing was thrown`).toBeDefined();
  expect((thrown as CodedError).code, (thrown as Error).message).toBe(code);
  return thrown as CodedError;
}

/** The same for a promise. */
export async function expectCodeAsync(p: Promise<unknown>, code: string): Promise<CodedError> {
  let thrown: unknown;
  try {
    await p;
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${code}, nothing was thrown`).toBeDefined();
  expect((thrown as CodedError).code, (thrown as Error).message).toBe(code);
  return thrown as CodedError;
}

// Mutable parsed JSON: security tests reach into arbitrary fields of bundles to change one at a time.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** 'VALID', or the code of the ProvenantError thrown; anything else thrown fails the test. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'VALID';
  } catch (err) {
    if (err instanceof ProvenantError) return err.code;
    throw err;
  }
}
