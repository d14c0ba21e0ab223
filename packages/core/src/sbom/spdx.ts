import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { ProvenantError } from '../errors.js';
import { PROVENANT_VERSION } from '../version.js';
import type { Inventory, InventoryPackage } from './inventory.js';
import { cycloneDxLibrary } from './cyclonedx-load.js';

const require = createRequire(import.meta.url);

/** The subset of SPDX 2.3 JSON that provenant writes, for readers of its documents and for tests; zod loads on first use. */
export function spdxDocumentSchema() {
  const { z } = require('zod') as typeof import('zod');
  const SpdxId = z.string().regex(/^SPDXRef-[A-Za-z0-9.-]+$/u);

  const SpdxChecksum = z.object({ algorithm: z.enum(['SHA1', 'SHA256', 'SHA384', 'SHA512']), checksumValue: z.string().regex(/^[0-9a-f]+$/u) }).strict();

  const SpdxPackage = z
    .object({
      name: z.string().min(1),
      SPDXID: SpdxId,
      versionInfo: z.string().optional(),
      downloadLocation: z.string().min(1),
      filesAnalyzed: z.literal(false),
      licenseConcluded: z.string().min(1),
      licenseDeclared: z.string().min(1),
      copyrightText: z.string().min(1),
      checksums: z.array(SpdxChecksum).optional(),
      externalRefs: z
        .array(z.object({ referenceCategory: z.literal('PACKAGE-MANAGER'), referenceType: z.literal('purl'), referenceLocator: z.string().startsWith('pkg:') }).strict())
        .optional(),
      primaryPackagePurpose: z.enum(['APPLICATION', 'LIBRARY']),
      comment: z.string().optional(),
    })
    .strict();

  const SpdxRelationship = z
    .object({
      spdxElementId: SpdxId.or(z.literal('SPDXRef-DOCUMENT')),
      relationshipType: z.enum(['DESCRIBES', 'DEPENDS_ON', 'DEV_DEPENDENCY_OF', 'OPTIONAL_DEPENDENCY_OF']),
      relatedSpdxElement: SpdxId,
    })
    .strict();

  return z
    .object({
      spdxVersion: z.literal('SPDX-2.3'),
      dataLicense: z.literal('CC0-1.0'),
      SPDXID: z.literal('SPDXRef-DOCUMENT'),
      name: z.string().min(1),
      documentNamespace: z.string().url(),
      creationInfo: z.object({ created: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/u), creators: z.array(z.string().min(1)).min(1) }).strict(),
      documentDescribes: z.array(SpdxId).min(1),
      packages: z.array(SpdxPackage),
      relationships: z.array(SpdxRelationship),
    })
    .strict();
}

export type SpdxDocument = import('zod').infer<ReturnType<typeof spdxDocumentSchema>>;

export interface SpdxOptions {
  reproducible?: boolean;
  timestamp?: Date;
  space?: number;
}

const ALGS = { 'SHA-1': 'SHA1', 'SHA-256': 'SHA256', 'SHA-384': 'SHA384', 'SHA-512': 'SHA512' } as const;

function spdxIdFor(ref: string, name: string, version: string): string {
  const slug = `${name}-${version}`.replace(/[^A-Za-z0-9.-]+/gu, '-').replace(/^-+|-+$/gu, '');
  // A short digest of the ref keeps ids unique when two refs slug alike.
  const tag = createHash('sha256').update(ref).digest('hex').slice(0, 8);
  return `SPDXRef-Package-${slug}-${tag}`;
}

function declaredLicense(licenses: string[]): string {
  const { fixupSpdxId } = cycloneDxLibrary().SPDX;
  const ids = licenses.map((l) => (/\s(OR|AND|WITH)\s|^\(/u.test(l) ? l : fixupSpdxId(l)));
  if (ids.length === 0 || ids.some((i) => i === undefined)) return 'NOASSERTION';
  return ids.length === 1 ? (ids[0] as string) : ids.map((i) => `(${i as string})`).join(' AND ');
}

function packageOf(p: InventoryPackage, id: string): SpdxDocument['packages'][number] {
  const pkg: SpdxDocument['packages'][number] = {
    name: p.name,
    SPDXID: id,
    versionInfo: p.version,
    downloadLocation: p.resolved ?? 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declaredLicense(p.licenses),
    copyrightText: 'NOASSERTION',
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
    primaryPackagePurpose: 'LIBRARY',
  };
  if (p.hashes.length > 0) pkg.checksums = p.hashes.map((h) => ({ algorithm: ALGS[h.alg], checksumValue: h.content }));
  if (p.dev) pkg.comment = 'development dependency';
  return pkg;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Writes an inventory as SPDX 2.3 JSON. Reproducible documents derive namespace and time from the content. */
export function toSpdxJson(inv: Inventory, opts: SpdxOptions = {}): string {
  const rootId = spdxIdFor(inv.root.ref, inv.root.name || 'root', inv.root.version);
  const idByRef = new Map<string, string>([[inv.root.ref, rootId]]);
  const packages = opts.reproducible ? [...inv.packages].sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0)) : inv.packages;
  for (const p of packages) idByRef.set(p.ref, spdxIdFor(p.ref, p.name, p.version));

  const rootPkg: SpdxDocument['packages'][number] = {
    name: inv.root.name || 'unnamed-project',
    SPDXID: rootId,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: declaredLicense(inv.root.licenses),
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'APPLICATION',
  };
  if (inv.root.version) rootPkg.versionInfo = inv.root.version;
  if (inv.root.purl) rootPkg.externalRefs = [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: inv.root.purl }];

  const relationships: SpdxDocument['relationships'] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId }];
  const deps = opts.reproducible ? [...inv.dependencies].sort((a, b) => (a.ref < b.ref ? -1 : 1)) : inv.dependencies;
  for (const d of deps) {
    const from = idByRef.get(d.ref);
    if (!from) continue;
    const targets = opts.reproducible ? [...d.dependsOn].sort() : d.dependsOn;
    for (const t of targets) {
      const to = idByRef.get(t);
      if (to) relationships.push({ spdxElementId: from, relationshipType: 'DEPENDS_ON', relatedSpdxElement: to });
    }
  }
  const body = { packages: [rootPkg, ...packages.map((p) => packageOf(p, idByRef.get(p.ref) as string))], relationships };
  const uuid = opts.reproducible ? uuidFromContent(stableJson(body)) : randomUUID();
  const created = opts.reproducible ? '1970-01-01T00:00:00Z' : (opts.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/u, 'Z');
  const name = inv.root.name ? `${inv.root.name}${inv.root.version ? `@${inv.root.version}` : ''}` : 'unnamed-project';
  const doc: SpdxDocument = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `https://provenant.invalid/spdxdocs/${encodeURIComponent(name)}-${uuid}`,
    creationInfo: { created, creators: [`Tool: provenant-${PROVENANT_VERSION}`] },
    documentDescribes: [rootId],
    ...body,
  };
  checkPackages(doc.packages);
  return JSON.stringify(doc, null, opts.space ?? 2);
}

const HEX = /^[0-9a-f]+$/u;

/**
 * The parts of the document that come from catalogued data rather than from this writer, checked before
 * anything is written: a name, hex checksums, purls. (The rest is this module's own constants and ids.)
 * Tests parse every writer path with spdxDocumentSchema() and the official SPDX 2.3 schema; doing that
 * here too cost more than the rest of the command (zod's load and a parse of thousands of objects).
 */
function checkPackages(packages: SpdxDocument['packages']): void {
  for (const p of packages) {
    let why: string | undefined;
    if (p.name === '') why = 'a package without a name';
    else if (p.checksums?.some((c) => !HEX.test(c.checksumValue))) why = `package ${p.name}: a checksum that is not hex`;
    else if (p.externalRefs?.some((r) => !r.referenceLocator.startsWith('pkg:'))) why = `package ${p.name}: a purl that does not start with pkg:`;
    if (why !== undefined) throw new ProvenantError('SBOM_INVALID', `cannot write this SPDX document: ${why}`);
  }
}

function uuidFromContent(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
