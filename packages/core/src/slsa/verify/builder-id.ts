import { slsaError } from './errors.js';
import { canonicalSemver, isValidSemver, semverBuild, semverMajor, semverPrerelease } from './semver.js';

/** A builder id split at '@': `https://github.com/org/repo/.github/workflows/x.yml` and `refs/tags/v1.2.3`. */
export class BuilderId {
  constructor(
    readonly name: string,
    readonly version: string,
  ) {}

  static parse(id: string, needVersion: boolean): BuilderId {
    const parts = id.split('@');
    if (parts.length === 2) {
      if (parts[1] === '') throw slsaError('ErrorInvalidFormat', `builder id ${id} has an empty version`);
      return new BuilderId(parts[0]!, parts[1]!);
    }
    if (parts.length === 1 && !needVersion) return new BuilderId(parts[0]!, '');
    throw slsaError('ErrorInvalidFormat', `builder id ${JSON.stringify(id)} is not name@version`);
  }

  toString(): string {
    return this.version ? `${this.name}@${this.version}` : this.name;
  }

  /** Names equal; versions too when `expected` has one (`v1.2.3` also matches `refs/tags/v1.2.3` with allowRef). */
  matchesLoose(expected: string, allowRef: boolean): void {
    const e = BuilderId.parse(expected, false);
    if (e.name !== this.name) throw slsaError('ErrorMismatchBuilderID', `builder is ${this.name}, expected ${e.name}`);
    if (e.version !== '' && e.version !== this.version && !(allowRef && `refs/tags/${e.version}` === this.version)) {
      throw slsaError('ErrorMismatchBuilderID', `builder version is ${this.version}, expected ${e.version}`);
    }
  }

  /** Names and versions always equal (`v1.2.3` matches `refs/tags/v1.2.3` with allowRef). */
  matchesFull(expected: string, allowRef: boolean): void {
    const e = BuilderId.parse(expected, false);
    if (e.name !== this.name) throw slsaError('ErrorMismatchBuilderID', `builder is ${this.name}, expected ${e.name}`);
    if (e.version !== this.version && !(allowRef && `refs/tags/${e.version}` === this.version)) {
      throw slsaError('ErrorMismatchBuilderID', `builder version is ${this.version}, expected ${e.version}`);
    }
  }
}

/** `refs/<type>/<name>` -> name, when the type matches. */
export function refName(type: 'tags' | 'heads', ref: string): string {
  const parts = ref.split('/');
  const t = parts.length >= 3 && parts[0] === 'refs' ? parts[1] : '';
  const name = parts.length >= 3 && parts[0] === 'refs' ? parts.slice(2).join('/') : ref;
  if (t !== type) throw slsaError('ErrorInvalidRef', `${JSON.stringify(ref)} is not a refs/${type}/ ref`);
  if (name === '') throw slsaError('ErrorInvalidRef', `${JSON.stringify(ref)} has an empty name`);
  return name;
}

/**
 * Builders must be referenced at a release tag `refs/tags/vX.Y.Z` (no prerelease, no build metadata);
 * in testing mode a prerelease is accepted too.
 */
export function checkBuilderTag(ref: string, testing: boolean): void {
  const pin = refName('tags', ref);
  if (testing) {
    const core = pin.split('-')[0]!;
    if (!isValidSemver(pin) || core.split('.').length !== 3 || semverBuild(pin) !== '') throw slsaError('ErrorInvalidRef', `${pin}: version tag not valid`);
    return;
  }
  if (!isValidSemver(pin) || pin.split('.').length !== 3 || semverPrerelease(pin) !== '' || semverBuild(pin) !== '') {
    throw slsaError('ErrorInvalidRef', `builder ref ${pin} is not of the form vX.Y.Z`);
  }
}

/** JReleaser's builder tags carry a language: vX.Y.Z-java. */
export function checkJreleaserTag(ref: string): void {
  const pin = refName('tags', ref);
  if (!isValidSemver(pin) || pin.split('.').length !== 3 || semverPrerelease(pin) !== '-java' || semverBuild(pin) !== '') {
    throw slsaError('ErrorInvalidRef', `builder ref ${pin} is not of the form vX.Y.Z-<language>`);
  }
}

/**
 * `--source-versioned-tag`: the provenance tag must be semver with the same major, and the same minor
 * and patch when the expected tag names them (v1 matches v1.4.2; v1.4 matches v1.4.0-rc; build ignored).
 */
export function checkVersionedTag(provenanceTag: string, expected: string): void {
  if (!isValidSemver(expected)) throw slsaError('ErrorInvalidSemver', `${expected} is not a semantic version`);
  const sem = canonicalSemver(provenanceTag);
  if (!isValidSemver(sem)) throw slsaError('ErrorInvalidSemver', `provenance tag ${provenanceTag} is not a semantic version`);
  if (semverMajor(sem) !== semverMajor(expected)) {
    throw slsaError('ErrorMismatchVersionedTag', `major version expected ${semverMajor(expected)}, got ${semverMajor(sem)}`);
  }
  const part = (v: string, i: number): string | undefined => v.split('.')[i];
  const wantMinor = part(expected, 1);
  if (wantMinor !== undefined && part(sem, 1) !== wantMinor) throw slsaError('ErrorMismatchVersionedTag', `minor version expected ${wantMinor}, got ${part(sem, 1)}`);
  const wantPatch = part(expected, 2);
  if (wantPatch !== undefined) {
    const strip = (p: string | undefined, v: string): string | undefined => (p === undefined ? p : p.endsWith(semverBuild(v)) ? p.slice(0, p.length - semverBuild(v).length) : p);
    const gotPatch = strip(part(sem, 2), sem);
    if (gotPatch !== strip(wantPatch, expected)) throw slsaError('ErrorMismatchVersionedTag', `patch version expected ${strip(wantPatch, expected)}, got ${gotPatch}`);
  }
}
