// The subset of Go's golang.org/x/mod/semver that slsa-verifier relies on: `v` prefix, short forms
// (v1, v1.2) valid, canonical form fills in zeros, build metadata ignored for comparison.
const SEMVER = /^v(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?$/;

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  prerelease: string;
  build: string;
  short: boolean;
}

function parse(v: string): Parsed | undefined {
  const m = SEMVER.exec(v);
  if (!m) return undefined;
  // Numeric prerelease identifiers must not have leading zeros.
  if (m[4] && m[4].slice(1).split('.').some((p) => /^0\d+$/.test(p))) return undefined;
  return { major: m[1]!, minor: m[2] ?? '0', patch: m[3] ?? '0', prerelease: m[4] ?? '', build: m[5] ?? '', short: m[3] === undefined };
}

export const isValidSemver = (v: string): boolean => parse(v) !== undefined;

/** vMAJOR.MINOR.PATCH[-pre], build dropped; '' when invalid. */
export function canonicalSemver(v: string): string {
  const p = parse(v);
  return p ? `v${p.major}.${p.minor}.${p.patch}${p.prerelease}` : '';
}

export function semverMajor(v: string): string {
  const p = parse(v);
  return p ? `v${p.major}` : '';
}

export function semverPrerelease(v: string): string {
  return parse(v)?.prerelease ?? '';
}

export function semverBuild(v: string): string {
  return parse(v)?.build ?? '';
}
