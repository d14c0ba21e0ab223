// SLSA levels as the VSA v1 spec spells them (SlsaResult): `SLSA_<TRACK>_LEVEL_<n>` for the tracks the
// spec defines, `SLSA_<TRACK>_LEVEL_UNEVALUATED`, `FAILED`, or a custom value that does not start with
// `SLSA_`. One parser for every place a level is read (policy files, VSAs, expectations), so a level is
// never read with Number(): `SLSA_BUILD_LEVEL_0x10`, `_1e1`, `_03` or ` 3` are errors, not 16, 10 or 3.
import { ProvenantError } from '../errors.js';

/** The tracks and their levels: Build L0-L3 (L4 reserved by the spec's future directions), Source L1-L4 (SLSA 1.1+). */
export const SLSA_TRACK_LEVELS = { BUILD: [0, 1, 2, 3, 4], SOURCE: [1, 2, 3, 4] } as const;
export type SlsaTrack = keyof typeof SLSA_TRACK_LEVELS;

export type SlsaResult =
  | { readonly kind: 'level'; readonly track: SlsaTrack; readonly level: number; readonly text: string }
  | { readonly kind: 'unevaluated'; readonly track: SlsaTrack; readonly text: string }
  | { readonly kind: 'failed'; readonly text: 'FAILED' }
  | { readonly kind: 'custom'; readonly text: string };

const LEVEL = /^SLSA_([A-Z]+)_LEVEL_(UNEVALUATED|[0-9])$/;
// Custom values (`BCID_L1`): the spec sets no alphabet; no whitespace or control characters, at most 256.
const CUSTOM = /^[^\s\p{Cc}\p{Cf}]{1,256}$/u;

function invalid(text: unknown, why: string): ProvenantError {
  const shown = typeof text === 'string' ? JSON.stringify(text.length > 80 ? text.slice(0, 80) + '...' : text) : String(typeof text);
  return new ProvenantError('SLSA_LEVEL_INVALID', `${shown} is not a SLSA level: ${why}`, { details: { level: typeof text === 'string' ? text.slice(0, 200) : undefined } });
}

/** Parses one SlsaResult strictly; SLSA_LEVEL_INVALID for anything else. */
export function parseSlsaResult(text: unknown): SlsaResult {
  if (typeof text !== 'string') throw invalid(text, 'not a string');
  if (text === 'FAILED') return { kind: 'failed', text };
  if (text.slice(0, 5).toUpperCase() === 'SLSA_') {
    const m = LEVEL.exec(text);
    if (!m) throw invalid(text, 'SLSA levels are SLSA_<TRACK>_LEVEL_<digit> (e.g. SLSA_BUILD_LEVEL_3), and custom values must not start with SLSA_');
    const track = m[1]! as SlsaTrack;
    if (!Object.hasOwn(SLSA_TRACK_LEVELS, track)) throw invalid(text, `the SLSA spec defines no ${m[1]} track (tracks: ${Object.keys(SLSA_TRACK_LEVELS).join(', ')})`);
    if (m[2] === 'UNEVALUATED') return { kind: 'unevaluated', track, text };
    const level = m[2]!.charCodeAt(0) - 48;
    if (!(SLSA_TRACK_LEVELS[track] as readonly number[]).includes(level)) throw invalid(text, `the ${track} track has levels ${SLSA_TRACK_LEVELS[track].join(', ')}`);
    return { kind: 'level', track, level, text };
  }
  if (!CUSTOM.test(text)) throw invalid(text, 'custom values (e.g. BCID_L1) have no whitespace or control characters and at most 256 characters');
  return { kind: 'custom', text };
}

/** A level a policy may vouch for: a track level, UNEVALUATED or a custom value (not FAILED, which only a failed VSA says). */
export function parseClaimableLevel(text: unknown): SlsaResult {
  const r = parseSlsaResult(text);
  if (r.kind === 'failed') throw invalid(text, 'FAILED is what a failed verification records, not a level to claim');
  return r;
}

/** The highest level per track among results (a level implies the ones below it). */
export function highestLevels(results: readonly SlsaResult[]): Map<SlsaTrack, number> {
  const out = new Map<SlsaTrack, number>();
  for (const r of results) if (r.kind === 'level') out.set(r.track, Math.max(out.get(r.track) ?? -1, r.level));
  return out;
}

/**
 * Levels as a VSA writes them: one level per track (the highest; the spec says a level implies those
 * below it, and allows one per track), UNEVALUATED only for tracks with no level, custom values once; sorted.
 */
export function summarizeLevels(levels: readonly string[]): string[] {
  const parsed = levels.map(parseClaimableLevel);
  const highest = highestLevels(parsed);
  const out = new Set<string>();
  for (const [track, level] of highest) out.add(`SLSA_${track}_LEVEL_${level}`);
  for (const r of parsed) {
    if (r.kind === 'unevaluated' && !highest.has(r.track)) out.add(r.text);
    if (r.kind === 'custom') out.add(r.text);
  }
  return [...out].sort();
}
