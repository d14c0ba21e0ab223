// Help every command shares: one description per option name (the same flag means the same thing in
// every command), for options a command declares without one, and each command's examples.
import type { Argv } from 'yargs';

export const OPTION_HELP: Readonly<Record<string, string>> = {
  artifact: 'artifact file(s) the provenance must name as subjects',
  authfile: 'registry credentials file, docker config.json or podman auth.json format (default: PROVENANT_REGISTRY_USERNAME/PASSWORD, REGISTRY_AUTH_FILE, podman, then docker)',
  'builder-id': 'expected builder id (slsa-verifier semantics: with or without @vX.Y.Z / @refs/tags/vX.Y.Z)',
  'certificate-identity': "exact expected identity (SAN) of the signing certificate",
  'certificate-identity-regexp': 'regular expression the whole certificate identity must match (anchored)',
  'certificate-oidc-issuer': 'exact expected OIDC issuer of the signing certificate',
  'certificate-oidc-issuer-regexp': 'regular expression the whole OIDC issuer must match (anchored)',
  format: 'where signatures live: legacy = cosign .sig/.att tags; referrer = Sigstore bundle referrers (cosign v3); both',
  'fulcio-url': 'Fulcio URL for keyless signing (default https://fulcio.sigstore.dev)',
  'identity-token': 'OIDC token for keyless signing (else SIGSTORE_ID_TOKEN or the GitHub Actions token)',
  image: 'image reference; a tag is resolved to its digest once',
  'package-name': 'expected npm package name',
  'package-version': 'expected npm package version',
  'password-file': 'file holding the key password (else PROVENANT_PASSWORD or COSIGN_PASSWORD, else asked on a terminal)',
  'rekor-url': 'Rekor URL to log the signature in (keyless default: public Rekor)',
  'source-branch': 'expected source branch (refs/heads/<branch>)',
  'source-tag': 'expected source tag (refs/tags/<tag>)',
  'source-uri': 'expected source repository, github.com/org/repo',
  'source-versioned-tag': 'expected semver tag prefix: v1, v1.2 or v1.2.3',
  tarball: 'the npm package tarball (.tgz)',
  'tlog-upload': 'log the signature in Rekor (default: yes for keyless, only with --rekor-url for keys)',
  'trusted-root': 'Sigstore TrustedRoot JSON (default: $PROVENANT_TRUSTED_ROOT, else the cache `provenant trust update` fills)',
  'tsa-url': 'RFC 3161 timestamp authority URL to timestamp the signature with',
};

/** Examples of commands whose builders show none. */
export const EXAMPLES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  admission: [['provenant admission serve --policy policy.yaml --tls-cert tls.crt --tls-key tls.key', 'the validating/mutating webhook on :8443 (see deploy/kubernetes)']],
  attest: [
    ['provenant attest app.tgz --predicate sbom.cdx.json --type cyclonedx --key cosign.key --bundle app.att.sigstore.json', 'an SBOM attestation about a file (cosign attest-blob)'],
    ['provenant attest app.tgz --predicate vex.json --type openvex --bundle app.vex.sigstore.json', 'keyless in CI'],
  ],
  'attest-image': [['provenant attest-image registry.example.test/app:1.0 --predicate sbom.cdx.json --type cyclonedx --key cosign.key', 'attach an SBOM attestation (cosign attest)']],
  keygen: [
    ['COSIGN_PASSWORD=... provenant keygen', 'cosign.key (encrypted) and cosign.pub (cosign generate-key-pair)'],
    ['provenant keygen --import key.pem --output-key-prefix release', 'encrypt an existing PEM key (cosign import-key-pair)'],
  ],
  pipeline: [
    ['provenant pipeline', 'the whole job on the embedded sample, into ./evidence'],
    ['provenant pipeline . -o evidence --key cosign.key --image registry.example.test/app:1.0', 'this project, signed with a key, and its image signed and attested'],
  ],
  sign: [
    ['provenant sign app.tgz --key cosign.key --bundle app.tgz.sigstore.json', 'with a key (cosign sign-blob)'],
    ['provenant sign app.tgz --bundle app.tgz.sigstore.json', 'keyless: GitHub Actions token or SIGSTORE_ID_TOKEN, public Fulcio and Rekor'],
  ],
  'sign-bundle': [['provenant sign-bundle --identity-token "$TOKEN" --bundle out.sigstore.json file.txt', 'the sigstore-conformance client protocol']],
  'sign-image': [
    ['provenant sign-image registry.example.test/app:1.0 --key cosign.key', 'with a key (cosign sign)'],
    ['provenant sign-image registry.example.test/app@sha256:... --format referrer', 'keyless, as a Sigstore bundle referrer only'],
  ],
  verify: [
    ['provenant verify app.tgz --key cosign.pub --bundle app.tgz.sigstore.json --insecure-ignore-tlog', 'an offline key signature (cosign verify-blob)'],
    ['provenant verify app.tgz --bundle app.tgz.sigstore.json --certificate-identity-regexp "https://github.com/org/app/.*" --certificate-oidc-issuer https://token.actions.githubusercontent.com', 'keyless, against the cached trusted root'],
    ['provenant verify registry.example.test/app:1.0 --policy policy.yaml', 'decide by policy'],
  ],
  'verify-bundle': [['provenant verify-bundle --bundle b.sigstore.json --certificate-identity ID --certificate-oidc-issuer ISS --trusted-root trusted_root.json file.txt', 'the sigstore-conformance client protocol']],
  'verify-image': [
    ['provenant verify-image registry.example.test/app:1.0 --key cosign.pub --insecure-ignore-tlog', 'signatures by an offline key (cosign verify)'],
    ['provenant verify-image IMAGE --certificate-identity ID --certificate-oidc-issuer ISS --attestation-type slsaprovenance1', 'keyless, and require a verified SLSA v1 attestation'],
    ['provenant verify-image IMAGE --source-uri github.com/org/app --source-tag v1.2.3', 'SLSA provenance as slsa-verifier verify-image'],
  ],
  'verify-npm-package': [['provenant verify-npm-package pkg-1.0.0.tgz --attestations-path attestations.json --source-uri github.com/org/pkg', 'against the registry attestations, with the cached npm keys']],
};

/** Adds the shared descriptions and the command's examples to a command's builder. */
export function withHelp<T>(name: string, y: Argv<T>): Argv<T> {
  const internals = y as unknown as {
    getOptions(): { key: Record<string, unknown> };
    getInternalMethods(): { getUsageInstance(): { getDescriptions(): Record<string, string | undefined> } };
  };
  const descriptions = internals.getInternalMethods().getUsageInstance().getDescriptions();
  for (const key of Object.keys(internals.getOptions().key)) {
    const help = OPTION_HELP[key];
    if (help !== undefined && !descriptions[key]) y = y.describe(key, help);
  }
  for (const [cmd, what] of EXAMPLES[name] ?? []) y = y.example(cmd, what);
  return y;
}
