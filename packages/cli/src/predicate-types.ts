import { ProvenantError } from '@provenant/core/errors';

/** cosign's predicate type short names (attest --type); anything else must be the predicate type URI itself. */
export const PREDICATE_TYPE_ALIASES: Readonly<Record<string, string>> = {
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  cyclonedx: 'https://cyclonedx.org/bom',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
  link: 'https://in-toto.io/Link/v1',
  custom: 'https://cosign.sigstore.dev/attestation/v1',
};

/** The predicate type a short name stands for, or the URI given; anything else is USAGE naming `flag`. */
export function predicateTypeFor(type: string, flag = '--type'): string {
  const alias = PREDICATE_TYPE_ALIASES[type.toLowerCase()];
  if (alias) return alias;
  try {
    new URL(type);
  } catch {
    throw new ProvenantError('USAGE', `${flag} ${type} is neither a predicate type URI nor one of ${Object.keys(PREDICATE_TYPE_ALIASES).join(', ')}`);
  }
  return type;
}

/** The help text of a predicate type flag. */
export const PREDICATE_TYPE_HELP = `predicate type URI, or a short name: ${Object.keys(PREDICATE_TYPE_ALIASES).join(', ')}`;
