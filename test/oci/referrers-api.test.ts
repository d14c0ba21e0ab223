// Behaviour the Debian registry does not have: the referrers API (with artifactType filtering and
// pagination), OCI-Subject on push, and Link-paginated tag lists, served by a tiny loopback registry.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvenantError } from '@provenant/core/errors';
import { RegistryClient, staticCredentials, type RepositoryRef } from '@provenant/core/oci';
import { startTinyServer } from '../helpers/fault-proxy.js';
import { OCI_INDEX, OCI_MANIFEST, sha256 } from './fixtures.js';

const SUBJECT = sha256(Buffer.from('subject'));
const refs = [
  { mediaType: OCI_MANIFEST, digest: sha256(Buffer.from('r1')), size: 10, artifactType: 'application/vnd.example.sig' },
  { mediaType: OCI_MANIFEST, digest: sha256(Buffer.from('r2')), size: 11, artifactType: 'application/vnd.example.sbom' },
  { mediaType: OCI_MANIFEST, digest: sha256(Buffer.from('r3')), size: 12, artifactType: 'application/vnd.example.sig' },
];
const TAGS = ['a', 'b', 'c', 'd', 'e'];

let server: { host: string; close(): Promise<void> };
let honourFilter = true;
let linkElsewhere = false;
const puts: string[] = [];
let client: RegistryClient;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers });
  res.end(bytes);
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/v2/') return json(res, 200, {});
  if (url.pathname === '/v2/api/app/tags/list') {
    const n = Number(url.searchParams.get('n') ?? TAGS.length);
    const last = url.searchParams.get('last');
    const start = last ? TAGS.indexOf(last) + 1 : 0;
    const page = TAGS.slice(start, start + n);
    const more = start + n < TAGS.length;
    const next = linkElsewhere ? `http://registry.example.test/v2/api/app/tags/list?n=${n}&last=${page.at(-1)}` : `/v2/api/app/tags/list?n=${n}&last=${page.at(-1)}`;
    return json(res, 200, { name: 'api/app', tags: page }, more ? { link: `<${next}>; rel="next"` } : {});
  }
  if (url.pathname === `/v2/api/app/referrers/${SUBJECT}`) {
    const want = url.searchParams.get('artifactType');
    const pageNo = Number(url.searchParams.get('page') ?? '0');
    let list = pageNo === 0 ? refs.slice(0, 2) : refs.slice(2);
    const headers: Record<string, string> = {};
    if (want && honourFilter) {
      list = list.filter((d) => d.artifactType === want);
      headers['oci-filters-applied'] = 'artifactType';
    }
    if (pageNo === 0) headers.link = `</v2/api/app/referrers/${SUBJECT}?page=1${want ? `&artifactType=${encodeURIComponent(want)}` : ''}>; rel="next"`;
    return json(res, 200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: list }, { ...headers, 'content-type': OCI_INDEX });
  }
  if (req.method === 'PUT' && url.pathname.startsWith('/v2/api/app/manifests/')) {
    puts.push(url.pathname);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const doc = JSON.parse(body.toString()) as { subject?: { digest: string } };
      res.writeHead(201, { 'docker-content-digest': sha256(body), 'content-length': '0', ...(doc.subject ? { 'oci-subject': doc.subject.digest } : {}) });
      res.end();
    });
    return;
  }
  json(res, 404, { errors: [{ code: 'NOT_FOUND', message: url.pathname }] });
}

beforeAll(async () => {
  server = await startTinyServer(handler);
  client = new RegistryClient({ credentials: staticCredentials({}), insecure: true, retries: 0 });
});
afterAll(async () => {
  client.close();
  await server.close();
});

const repo = (): RepositoryRef => ({ registry: server.host, repository: 'api/app' });

describe('referrers API', () => {
  it('lists every page', async () => {
    expect((await client.listReferrers(repo(), SUBJECT)).map((d) => d.digest)).toEqual(refs.map((d) => d.digest));
  });

  it('filters by artifactType on the server (OCI-Filters-Applied) or on the client', async () => {
    honourFilter = true;
    const server1 = await client.listReferrers(repo(), SUBJECT, { artifactType: 'application/vnd.example.sig' });
    honourFilter = false;
    const client1 = await client.listReferrers(repo(), SUBJECT, { artifactType: 'application/vnd.example.sig' });
    honourFilter = true;
    expect(server1.map((d) => d.digest)).toEqual([refs[0]!.digest, refs[2]!.digest]);
    expect(client1).toEqual(server1);
  });

  it('a push the registry acknowledges with OCI-Subject writes no fallback tag', async () => {
    puts.length = 0;
    const empty = Buffer.from('{}');
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        artifactType: 'application/vnd.example.sig',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
        layers: [],
        subject: { mediaType: OCI_MANIFEST, digest: SUBJECT, size: 7 },
      }),
    );
    const pushed = await client.putManifest({ ...repo(), tag: undefined, digest: sha256(manifest) }, manifest);
    expect(pushed.referrers).toBe('registry');
    expect(puts).toEqual([`/v2/api/app/manifests/${sha256(manifest)}`]);
  });
});

describe('tag list pagination', () => {
  it('follows Link rel="next" pages', async () => {
    expect(await client.listTags(repo(), { pageSize: 2 })).toEqual(TAGS);
    expect(await client.listTags(repo())).toEqual(TAGS);
  });

  it('stops at maxPages and refuses links to another origin', async () => {
    await expect(client.listTags(repo(), { pageSize: 1, maxPages: 2 })).rejects.toMatchObject({ code: 'REGISTRY_PROTOCOL_ERROR' });
    linkElsewhere = true;
    try {
      const err = await client.listTags(repo(), { pageSize: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProvenantError);
      expect((err as ProvenantError).code).toBe('REGISTRY_PROTOCOL_ERROR');
    } finally {
      linkElsewhere = false;
    }
  });
});
