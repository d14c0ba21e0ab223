// Item 7 of issue #20: nothing from a registry is read without a bound. `verify --policy` and the
// admission webhook read `.sig` layers, attestation layers and referrer manifests with the size the
// registry declared as the only limit: a fake registry declaring a 2 GB `.sig` layer took `verify` to
// 1.9 GiB RSS. Every read now goes through core/oci's size policy (per kind, never the declared size),
// and one decision's registry work has a request bound and a byte budget (RegistryWork).
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryWork } from '@provenant/core/oci';
import { readImageSignatures } from '@provenant/core/cosign';
import { fetchImageEvidence, loadPolicyText, promote, registryEvidence } from '@provenant/verifier';
import { ImageDecider } from '@provenant/verifier/admission';
import { main } from '@provenant/cli';
import { captureIO } from '../helpers/cli.js';
import { makeKey, tempDir, writeFile } from '../verifier/helpers.js';
import { startHostileRegistry, type HostileRegistry } from './hostile-registry.js';
import { expectCodeAsync } from './helpers.js';

const GB2 = 2 * 1024 * 1024 * 1024;
const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE = 'application/vnd.dsse.envelope.v1+json';
const key = makeKey();
const indent = (s: string, n: number) => s.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
const policyText = `apiVersion: provenant.dev/v1
kind: Policy
metadata: { name: all }
spec:
  images: ["**"]
  authorities:
    - name: release-key
      key:
        pem: |
${indent(key.publicKeyPem, 10)}
      ignoreTlog: true
`;

/** A DSSE envelope of about `size` bytes (what a `.att` layer holds; the signature need not verify to be read). */
function dsseOf(size: number, fill: number): Buffer {
  const payload = Buffer.alloc(Math.floor((size * 3) / 4), fill).toString('base64');
  return Buffer.from(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload, signatures: [{ keyid: '', sig: 'AAAA' }] }));
}
const SIGNATURE = { 'dev.cosignproject.cosign/signature': 'AAAA' };

let registry: HostileRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function hostile(): Promise<HostileRegistry> {
  registry = await startHostileRegistry();
  return registry;
}

describe('registry reads are bounded (issue #20 item 7)', () => {
  it('verify --policy refuses a 2 GB .sig layer with BLOB_TOO_LARGE, reading none of it', async () => {
    const r = await hostile();
    r.sig = [{ mediaType: SIMPLE_SIGNING, size: GB2, body: 'endless' }];
    const policy = writeFile(tempDir(), 'policy.yaml', policyText);
    const rssBefore = process.memoryUsage().rss;
    const io = captureIO();
    const code = await main(['verify', `${r.host}/app:v1`, '--policy', policy, '--json'], io);
    expect(code).toBe(3);
    expect(JSON.parse(io.stdout).error.code).toBe('BLOB_TOO_LARGE');
    // The declared size is refused before the blob is asked for: nothing of it crossed the socket.
    expect(r.blobBytesSent).toBe(0);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('the admission webhook denies the same image with BLOB_TOO_LARGE', async () => {
    const r = await hostile();
    r.sig = [{ mediaType: SIMPLE_SIGNING, size: GB2, body: 'endless' }];
    const client = new RegistryClient();
    try {
      const decider = new ImageDecider({ policies: await loadPolicyText(policyText) }, { client });
      const verdict = await decider.decide(`${r.host}/app:v1`, new AbortController().signal);
      expect(verdict.allowed).toBe(false);
      expect(verdict.code).toBe('BLOB_TOO_LARGE');
      expect(r.blobBytesSent).toBe(0);
    } finally {
      client.close();
    }
  });

  it('promote refuses it too, before copying anything', async () => {
    const r = await hostile();
    r.att = [{ mediaType: DSSE, size: GB2, body: 'endless' }];
    await expectCodeAsync(promote(`${r.host}/app:v1`, `${r.host}/app-promoted:v1`, await loadPolicyText(policyText)), 'BLOB_TOO_LARGE');
    expect(r.blobBytesSent).toBe(0);
  });

  it('verify-image (core/cosign readImageSignatures) goes through the same policy', async () => {
    const r = await hostile();
    r.sig = [{ mediaType: SIMPLE_SIGNING, size: 5 * 1024 * 1024, body: 'endless' }];
    const client = new RegistryClient();
    try {
      await expectCodeAsync(readImageSignatures(client, { registry: r.host, repository: 'app', tag: undefined, digest: r.imageDigest as `sha256:${string}` }, 'legacy'), 'BLOB_TOO_LARGE');
      expect(r.blobBytesSent).toBe(0);
    } finally {
      client.close();
    }
  });

  it('a smaller declared size is the bound a stream is held to, and limits are per kind and overridable', async () => {
    const r = await hostile();
    r.sig = [{ mediaType: SIMPLE_SIGNING, size: 100, body: Buffer.alloc(100, 1), annotations: SIGNATURE }];
    const client = new RegistryClient({ limits: { signatureLayer: 99 } });
    try {
      await expectCodeAsync(registryEvidence(`${r.host}/app:v1`, { client }), 'BLOB_TOO_LARGE');
      expect(r.blobRequests).toBe(0);
      // The default (4 MiB for a .sig layer) reads it.
      const ok = await registryEvidence(`${r.host}/app:v1`);
      expect(ok.evidence.signatures).toHaveLength(1);
      ok.client.close();
    } finally {
      client.close();
    }
  });

  const envelopeSize = 256 * 1024;
  async function hostileWith40Attestations(): Promise<HostileRegistry> {
    const r = await hostile();
    r.att = Array.from({ length: 40 }, (_, i) => {
      const body = dsseOf(envelopeSize, i + 1);
      return { mediaType: DSSE, size: body.length, body };
    });
    return r;
  }

  it('one decision holds at most its evidence budget, with at most `concurrency` blob reads in flight', async () => {
    const r = await hostileWith40Attestations();
    const client = new RegistryClient();
    try {
      const image = { registry: r.host, repository: 'app', tag: undefined, digest: r.imageDigest as `sha256:${string}` };
      await expectCodeAsync(fetchImageEvidence(client, image, image.digest, { concurrency: 3, maxBytes: 10 * envelopeSize }), 'BLOB_TOO_LARGE');
      expect(r.blobRequests).toBeLessThanOrEqual(10); // the budget holds 9 of these envelopes; none is fetched past it
      expect(r.maxBlobsInFlight).toBeLessThanOrEqual(3);
    } finally {
      client.close();
    }
  });

  it('within the budget, a decision reads all its evidence, still at most `concurrency` blobs at a time', async () => {
    // A registry of its own: reads the refused decision above had in flight cannot reach it.
    const r = await hostileWith40Attestations();
    const client = new RegistryClient();
    try {
      const image = { registry: r.host, repository: 'app', tag: undefined, digest: r.imageDigest as `sha256:${string}` };
      const work = new RegistryWork({ concurrency: 3, maxBytes: 64 * envelopeSize });
      const evidence = await fetchImageEvidence(client, image, image.digest, work);
      expect(evidence.attestations.length + evidence.signatures.length).toBe(40);
      expect(r.maxBlobsInFlight).toBeLessThanOrEqual(3);
    } finally {
      client.close();
    }
  });
});
