import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import { catalogJavaScriptProject, parseLockfile, spdxDocumentSchema, toCycloneDx, toSpdxJson, validateCycloneDxJson, type Inventory } from '@provenant/core/sbom';
import { cyclonedxJsonValidator, cyclonedxXsdErrors, SPDX_FIXTURES, spdxValidator } from '../helpers/sbom-schemas.js';
import { vectorsDir } from '../vectors.js';

const fixtures = join(import.meta.dirname, '../../packages/core/src/sbom/__fixtures__');
const syft = join(vectorsDir(), 'syft/syft/pkg/cataloger/javascript/testdata');

const inventories: [string, () => Inventory][] = [
  ['npm v3 project', () => catalogJavaScriptProject(join(fixtures, 'npm-v3'))],
  ['npm v1', () => parseLockfile('package-lock.json', readFileSync(join(fixtures, 'npm-v1/package-lock.json'), 'utf8'))],
  ['pnpm 9', () => parseLockfile('pnpm-lock.yaml', readFileSync(join(fixtures, 'pnpm-v9/pnpm-lock.yaml'), 'utf8'))],
  ['pnpm 6 (syft)', () => parseLockfile('pnpm-lock.yaml', readFileSync(join(syft, 'pnpm-v6/pnpm-lock.yaml'), 'utf8'))],
  ['yarn classic', () => catalogJavaScriptProject(join(fixtures, 'yarn-classic'))],
  ['yarn berry (syft)', () => parseLockfile('yarn.lock', readFileSync(join(syft, 'yarn-berry/yarn.lock'), 'utf8'))],
  ['npm v2 (syft)', () => parseLockfile('package-lock.json', readFileSync(join(syft, 'pkg-lock/package-lock-2.json'), 'utf8'))],
];

describe('CycloneDX JSON validates against the official schemas', () => {
  const validators = { '1.5': cyclonedxJsonValidator('1.5'), '1.6': cyclonedxJsonValidator('1.6') };
  for (const [label, make] of inventories) {
    for (const specVersion of ['1.5', '1.6'] as const) {
      for (const reproducible of [false, true]) {
        it(`${label}, ${specVersion}${reproducible ? ', reproducible' : ''}`, () => {
          const inv = make();
          const doc = JSON.parse(toCycloneDx(inv, { specVersion, reproducible })) as Record<string, unknown> & { components: unknown[]; dependencies: unknown[] };
          const validate = validators[specVersion];
          expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
          expect(validateCycloneDxJson(doc).valid).toBe(true);
          expect(doc.specVersion).toBe(specVersion);
          expect(doc.components).toHaveLength(inv.packages.length);
          expect('serialNumber' in doc).toBe(!reproducible);
          expect(JSON.stringify(doc.metadata)).toContain('"provenant"');
        });
      }
    }
  }
  it('marks dev packages scope excluded and writes the dependency graph', () => {
    const doc = JSON.parse(toCycloneDx(inventories[0]![1]())) as { components: { name: string; scope?: string; licenses?: unknown[] }[]; dependencies: { ref: string; dependsOn?: string[] }[] };
    expect(doc.components.find((c) => c.name === 'testlib')?.scope).toBe('excluded');
    expect(doc.components.find((c) => c.name === 'left')?.scope).toBe('required');
    expect(doc.components.find((c) => c.name === 'fsevents-ish')?.scope).toBe('optional');
    expect(doc.dependencies.find((d) => d.ref === 'pkg:npm/left@1.2.0')?.dependsOn).toEqual(expect.arrayContaining(['pkg:npm/right@2.1.0']));
    expect(doc.dependencies.find((d) => d.ref === 'pkg:npm/%40acme/app@2.0.0')?.dependsOn?.length).toBeGreaterThan(3);
  });
});

describe('CycloneDX XML', () => {
  for (const [label, make] of inventories) {
    for (const specVersion of ['1.5', '1.6'] as const) {
      it(`${label}, ${specVersion} has every component and validates against the official XSD (xmllint)`, () => {
        const inv = make();
        const xml = toCycloneDx(inv, { specVersion, format: 'xml' });
        const doc = create(xml).end({ format: 'object' }) as { bom: { '@xmlns': string; components?: { component: unknown } } };
        expect(doc.bom['@xmlns']).toBe(`http://cyclonedx.org/schema/bom/${specVersion}`);
        const comps = doc.bom.components?.component;
        expect(Array.isArray(comps) ? comps.length : comps ? 1 : 0).toBe(inv.packages.length);
        expect(cyclonedxXsdErrors(xml, specVersion)).toBe('');
      });
    }
  }
  it('the XSD check refuses a document the schema forbids (a component without a name)', () => {
    const xml = toCycloneDx(inventories[0]![1](), { specVersion: '1.6', format: 'xml' }).replace(/<name>[^<]*<\/name>/u, '');
    expect(cyclonedxXsdErrors(xml, '1.6')).toMatch(/name/u);
  });
});

describe('reproducible output', () => {
  it('is byte-identical across runs and independent of input order', () => {
    for (const [, make] of inventories) {
      const a = make();
      const b = make();
      b.packages.reverse();
      b.dependencies.reverse();
      for (const d of b.dependencies) d.dependsOn.reverse();
      for (const opts of [{ specVersion: '1.6' as const }, { specVersion: '1.5' as const }, { format: 'xml' as const }]) {
        expect(toCycloneDx(b, { ...opts, reproducible: true })).toBe(toCycloneDx(a, { ...opts, reproducible: true }));
      }
      expect(toSpdxJson(b, { reproducible: true })).toBe(toSpdxJson(a, { reproducible: true }));
    }
  });
  it('differs between runs when not reproducible (serial number)', () => {
    const inv = inventories[0]![1]();
    expect(toCycloneDx(inv)).not.toBe(toCycloneDx(inv));
  });
});

describe('SPDX 2.3 JSON', () => {
  const validate = spdxValidator();
  it('the official schema accepts the specification\'s own example and refuses a document without its version', () => {
    const example = JSON.parse(readFileSync(join(SPDX_FIXTURES, 'SPDXJSONExample-v2.3.spdx.json'), 'utf8')) as Record<string, unknown>;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    delete example['spdxVersion'];
    expect(validate(example)).toBe(false);
  });
  for (const [label, inv] of inventories) {
    it(`${label} validates against the official SPDX 2.3 schema`, () => {
      const doc = JSON.parse(toSpdxJson(inv())) as unknown;
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    });
  }

  for (const [label, make] of inventories) {
    it(`${label} has the SPDX 2.3 shape and a closed relationship graph`, () => {
      const inv = make();
      const doc = spdxDocumentSchema().parse(JSON.parse(toSpdxJson(inv)));
      expect(doc.packages).toHaveLength(inv.packages.length + 1);
      const ids = new Set(doc.packages.map((p) => p.SPDXID));
      expect(ids.size).toBe(doc.packages.length);
      expect(doc.relationships[0]).toMatchObject({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES' });
      for (const r of doc.relationships) {
        expect(ids.has(r.relatedSpdxElement)).toBe(true);
        if (r.spdxElementId !== 'SPDXRef-DOCUMENT') expect(ids.has(r.spdxElementId)).toBe(true);
      }
      for (const p of inv.packages) {
        expect(doc.packages.some((s) => s.externalRefs?.[0]?.referenceLocator === p.purl)).toBe(true);
      }
    });
  }
  it('writes SPDX ids for licenses it recognizes and NOASSERTION otherwise', () => {
    const doc = spdxDocumentSchema().parse(JSON.parse(toSpdxJson(inventories[0]![1]())));
    expect(doc.packages.find((p) => p.name === 'left')?.licenseDeclared).toBe('MIT');
    expect(doc.packages.find((p) => p.name === 'testhelper')?.licenseDeclared).toBe('NOASSERTION');
    expect(doc.packages.find((p) => p.name === 'left')?.checksums?.[0]?.algorithm).toBe('SHA512');
  });
  it('refuses to write a package with no name, a checksum that is not hex or a purl that is not one (SBOM_INVALID)', () => {
    const base = inventories[0]![1]();
    const first = base.packages[0]!;
    const broken: Array<[string, Inventory['packages'][number]]> = [
      ['without a name', { ...first, name: '' }],
      ['checksum that is not hex', { ...first, hashes: [{ alg: 'SHA-256', content: 'not-hex' }] }],
      ['purl that does not start with pkg:', { ...first, purl: 'npm/left@1.0.0' }],
    ];
    for (const [why, pkg] of broken) {
      expect(() => toSpdxJson({ ...base, packages: [pkg, ...base.packages.slice(1)] }), why).toThrow(expect.objectContaining({ code: 'SBOM_INVALID', message: expect.stringContaining(why) }));
    }
  });
});
