import { ProvenantError } from '@provenant/core/errors';
import { parseReference } from '@provenant/core/oci';

/** What is being decided on: always pinned by digest; the ref or URI is what policies match. */
export type Subject =
  | { readonly kind: 'image'; readonly ref: string; readonly digest: string }
  | { readonly kind: 'artifact'; readonly uri: string; readonly digest: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function checkSubject(subject: Subject): void {
  if (!DIGEST.test(subject.digest)) throw new ProvenantError('DIGEST_INVALID', `subject digest must be sha256:<64 lowercase hex>, got ${subject.digest}`);
}

/**
 * The name an image policy glob matches: `registry/repository`, without tag or digest, normalized by
 * core/oci's reference parser (`alpine` → `docker.io/library/alpine`), so a policy cannot be sidestepped
 * by spelling.
 */
export function imageName(ref: string): string {
  const r = parseReference(ref);
  return `${r.registry}/${r.repository}`;
}

/** The string a subject is matched and reported by. */
export function subjectName(subject: Subject): string {
  return subject.kind === 'image' ? imageName(subject.ref) : subject.uri;
}
