import { ProvenantError, type ProvenantErrorCode } from '../../errors.js';

/** Milliseconds since the epoch, inclusive bounds; unbounded ends are ±Infinity. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

export const UNBOUNDED: TimeRange = { start: -Infinity, end: Infinity };

/** A `validFor` as trust material writes it (TrustedRoot, npm registry keys): RFC 3339 start and end. */
export interface ValidForJSON {
  readonly start?: string | undefined;
  readonly end?: string | undefined;
}

function parseTime(value: string, where: string, code: ProvenantErrorCode): number {
  // RFC 3339 only: Date.parse alone also reads "2030", "March 7" and locale forms.
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) throw new ProvenantError(code, `${where}: "${value}" is not an RFC 3339 timestamp`);
  return t;
}

/** Reads a key's validity window; no `validFor` at all is unbounded, a missing end is open-ended. */
export function parseValidFor(v: ValidForJSON | undefined, where: string, code: ProvenantErrorCode, requireStart: boolean): TimeRange {
  if (!v) return UNBOUNDED;
  if (v.start === undefined && requireStart) throw new ProvenantError(code, `${where}.validFor has no start`);
  const range = {
    start: v.start === undefined ? -Infinity : parseTime(v.start, where, code),
    end: v.end === undefined ? Infinity : parseTime(v.end, where, code),
  };
  if (range.end < range.start) throw new ProvenantError(code, `${where}.validFor ends before it starts`);
  return range;
}

/**
 * The one validity check for every key that comes from trust material (Fulcio and TSA CAs, Rekor and CT
 * logs, trusted and npm registry keys, keys given with a window): each verified signing time lies inside
 * the key's window. A window bounded at either end with no verified time to hold it against fails, since
 * nothing shows the key was valid when it signed; the wall clock is never used.
 */
export function keyValidAt(window: TimeRange, timesMs: readonly number[]): boolean {
  if (timesMs.length === 0) return window.start === -Infinity && window.end === Infinity;
  return timesMs.every((t) => window.start <= t && t <= window.end);
}
