import { randomUUID } from 'node:crypto';
import type * as Models from '@cyclonedx/cyclonedx-library/Models';
import type * as EnumsT from '@cyclonedx/cyclonedx-library/Enums';
import { ProvenantError } from '../errors.js';
import { PROVENANT_VERSION } from '../version.js';
import type { Inventory, InventoryPackage, InventoryRoot } from './inventory.js';
// Every part of the library comes through cyclonedx-load.ts (one set of module instances).
import { cycloneDxJsonSerializer, cycloneDxLibrary, cycloneDxSerialize } from './cyclonedx-load.js';

export type CycloneDxSpecVersion = '1.5' | '1.6';
export type CycloneDxFormat = 'json' | 'xml';

export interface CycloneDxOptions {
  specVersion?: CycloneDxSpecVersion;
  format?: CycloneDxFormat;
  /** No serialNumber, no timestamp, every list sorted: the same inventory gives the same bytes. */
  reproducible?: boolean;
  /** Fixed timestamp (ignored when reproducible). */
  timestamp?: Date;
  /** Indentation; default 2. */
  space?: number;
}

type HashAlg = EnumsT.HashAlgorithm;

// Property names from the CycloneDX npm taxonomy where one exists; provenant's own otherwise.
const PROPERTY_NAMES: Record<string, string> = {
  'npm:bundled': 'cdx:npm:package:bundled',
  'npm:extraneous': 'cdx:npm:package:extraneous',
  'npm:peer': 'provenant:npm:peer',
  'npm:alias': 'provenant:npm:alias',
};

function licenseRepository(licenses: string[]): Models.LicenseRepository {
  const { Models, SPDX } = cycloneDxLibrary();
  const repo = new Models.LicenseRepository();
  // A CycloneDX license list is either licenses or exactly one expression, never both.
  const expression = licenses.find((l) => /\s(OR|AND|WITH)\s|^\(/u.test(l));
  if (expression !== undefined) {
    repo.add(new Models.LicenseExpression(expression));
    return repo;
  }
  for (const l of licenses) {
    const id = SPDX.fixupSpdxId(l);
    repo.add(id !== undefined ? new Models.SpdxLicense(id) : new Models.NamedLicense(l));
  }
  return repo;
}

function splitName(fullName: string): { group?: string; name: string } {
  const slash = fullName.indexOf('/');
  return fullName.startsWith('@') && slash > 1 ? { group: fullName.slice(0, slash), name: fullName.slice(slash + 1) } : { name: fullName };
}

function componentOf(p: InventoryPackage): Models.Component {
  const { Enums, Models } = cycloneDxLibrary();
  const { group, name } = splitName(p.name);
  const hashes = new Models.HashDictionary();
  for (const h of p.hashes) hashes.set(h.alg as HashAlg, h.content);
  const properties = new Models.PropertyRepository();
  if (p.dev) properties.add(new Models.Property('cdx:npm:package:development', 'true'));
  for (const [k, v] of Object.entries(p.properties ?? {})) properties.add(new Models.Property(PROPERTY_NAMES[k] ?? k, v));
  const externalReferences = new Models.ExternalReferenceRepository();
  if (p.resolved && (p.source === 'git' || p.source === 'tarball')) {
    const type = p.source === 'git' ? Enums.ExternalReferenceType.VCS : Enums.ExternalReferenceType.Distribution;
    externalReferences.add(new Models.ExternalReference(p.resolved, type));
  }
  const op: Models.OptionalComponentProperties = {
    bomRef: p.ref,
    version: p.version,
    purl: p.purl,
    hashes,
    licenses: licenseRepository(p.licenses),
    properties,
    externalReferences,
    scope: p.dev ? Enums.ComponentScope.Excluded : p.optional ? Enums.ComponentScope.Optional : Enums.ComponentScope.Required,
  };
  if (group !== undefined) op.group = group;
  return new Models.Component(p.componentType === 'platform' ? Enums.ComponentType.Platform : Enums.ComponentType.Library, name, op);
}

function rootComponentOf(root: InventoryRoot): Models.Component {
  const { Enums, Models } = cycloneDxLibrary();
  const { group, name } = splitName(root.name || 'unnamed-project');
  const op: Models.OptionalComponentProperties = { bomRef: root.ref, licenses: licenseRepository(root.licenses) };
  if (root.version) op.version = root.version;
  if (root.purl) op.purl = root.purl;
  if (group !== undefined) op.group = group;
  if (root.description) op.description = root.description;
  return new Models.Component(Enums.ComponentType.Application, name, op);
}

/** Builds the library's Bom model from an inventory (refs become bom-refs, edges become dependencies). */
export function inventoryToBom(inv: Inventory, opts: CycloneDxOptions = {}): Models.Bom {
  const { Enums, Models } = cycloneDxLibrary();
  const bom = new Models.Bom();
  bom.version = 1;
  if (!opts.reproducible) {
    bom.serialNumber = `urn:uuid:${randomUUID()}`;
    bom.metadata.timestamp = opts.timestamp ?? new Date();
  }
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'provenant', { group: '@provenant', version: PROVENANT_VERSION }),
  );
  const rootComponent = rootComponentOf(inv.root);
  bom.metadata.component = rootComponent;
  const byRef = new Map<string, Models.Component>([[inv.root.ref, rootComponent]]);
  for (const p of inv.packages) {
    const c = componentOf(p);
    byRef.set(p.ref, c);
    bom.components.add(c);
  }
  for (const d of inv.dependencies) {
    const from = byRef.get(d.ref);
    if (!from) continue;
    for (const to of d.dependsOn) {
      const target = byRef.get(to);
      if (target) from.dependencies.add(target.bomRef);
    }
  }
  return bom;
}

/** Serializes an inventory as CycloneDX 1.5 or 1.6, JSON or XML, through the library's normalizers. */
export function toCycloneDx(inv: Inventory, opts: CycloneDxOptions = {}): string {
  const { Spec } = cycloneDxLibrary();
  const version = opts.specVersion ?? '1.6';
  const spec = version === '1.5' ? Spec.Spec1dot5 : version === '1.6' ? Spec.Spec1dot6 : undefined;
  if (!spec) throw new ProvenantError('SBOM_FORMAT_UNSUPPORTED', `CycloneDX spec version ${String(opts.specVersion)} is not supported (1.5, 1.6)`);
  const bom = inventoryToBom(inv, opts);
  const options = { sortLists: opts.reproducible === true, space: opts.space ?? 2 };
  try {
    if ((opts.format ?? 'json') === 'xml') {
      const Serialize = cycloneDxSerialize();
      return new Serialize.XmlSerializer(new Serialize.XML.Normalize.Factory(spec)).serialize(bom, options);
    }
    const { JsonSerializer, Factory } = cycloneDxJsonSerializer();
    return new JsonSerializer(new Factory(spec)).serialize(bom, options);
  } catch (err) {
    throw new ProvenantError('INTERNAL', `cannot serialize the CycloneDX ${spec.version} document`, { cause: err });
  }
}
