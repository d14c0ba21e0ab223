import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ProvenantError } from '@provenant/core/errors';
import { dockerReference, simpleSigningPayload, verifyImageBundle } from '@provenant/core/cosign';
import { parseReference } from '@provenant/core/oci';
import { loadTrustedRoot } from '@provenant/core/verify';
import type { KindHandler } from '../types.js';

const AttParams = z.object({ identity_regexp: z.string(), issuer_regexp: z.string(), image_manifest_digest: z.string() });

/** cosign's OCI-referrer attestation bundle, verified offline against the image digest it must name. */
export const attestationHandler: KindHandler = async (c, file) => {
  const p = AttParams.parse(c.params);
  // A non-digest value stands for "some other image": any digest that is not the subject's.
  const digest = /^sha256:[0-9a-f]{64}$/.test(p.image_manifest_digest) ? p.image_manifest_digest : `sha256:${createHash('sha256').update(p.image_manifest_digest).digest('hex')}`;
  const r = verifyImageBundle(JSON.parse(await readFile(file('bundle'), 'utf8')), digest, { kind: 'identity', subjectAlternativeNameRegExp: p.identity_regexp, issuerRegExp: p.issuer_regexp }, loadTrustedRoot(JSON.parse(await readFile(file('trusted_root'), 'utf8'))));
  return { verdict: 'valid', detail: `attestation ${r.predicateType ?? '(signature)'} for ${digest}` };
};

const PayloadParams = z.object({ image_reference_input: z.string(), expected_docker_reference: z.string().optional(), expected_manifest_digest: z.string().optional() });

/** The simple-signing payload provenant writes must be cosign's, byte for byte. */
export const simpleSigningHandler: KindHandler = async (c, file) => {
  const p = PayloadParams.parse(c.params);
  const ref = parseReference(p.image_reference_input);
  if (!ref.digest) throw new ProvenantError('REFERENCE_INVALID', 'simple signing needs a digest reference');
  const ours = simpleSigningPayload(dockerReference(ref.registry, ref.repository), ref.digest);
  const theirs = await readFile(file('payload'));
  if (!ours.equals(theirs)) throw new ProvenantError('IMAGE_SIGNATURE_INVALID', `payload differs from cosign's: ${ours.toString()} vs ${theirs.toString()}`);
  return { verdict: 'valid', detail: 'byte-identical simple-signing payload' };
};
