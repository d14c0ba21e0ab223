import { assertValidCycloneDxJson, catalogJavaScriptProject, toCycloneDx } from '@provenant/core/sbom';
import type { Kpis } from '../evidence.js';
import type { PipelineStage } from '../types.js';

export const SBOM_FILE = 'sbom.cdx.json';
export const CYCLONEDX_JSON_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

/** What later stages get from this one (ctx.outputs.get('sbom')). */
export interface SbomStageOutput {
  path: string;
  specVersion: '1.6';
  bytes: Buffer;
}

interface BomComponent {
  purl?: unknown;
  hashes?: unknown;
  licenses?: unknown;
}

/** Coverage figures read from the document as written, i.e. what a consumer of the SBOM sees. */
function sbomKpis(doc: { components?: BomComponent[] }): Kpis['sbom'] {
  const components = doc.components ?? [];
  const has = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
  const withPurl = components.filter((c) => typeof c.purl === 'string' && c.purl !== '').length;
  const withHashes = components.filter((c) => has(c.hashes)).length;
  const both = components.filter((c) => typeof c.purl === 'string' && c.purl !== '' && has(c.hashes)).length;
  return {
    components: components.length,
    withPurl,
    withHashes,
    withLicenses: components.filter((c) => has(c.licenses)).length,
    coverage: components.length === 0 ? 1 : Math.round((both / components.length) * 1000) / 1000,
  };
}

export const sbomStage: PipelineStage = {
  name: 'sbom',
  describe: 'CycloneDX 1.6 SBOM of the project from its lockfile',
  async run(ctx) {
    const inventory = catalogJavaScriptProject(ctx.projectDir);
    // Reproducible: no random serial or timestamp, so two runs on the same input give the same SBOM
    // (and the same digest in the provenance and attestations); evidence.json carries the times.
    const json = toCycloneDx(inventory, { specVersion: '1.6', format: 'json', reproducible: true });
    const doc = JSON.parse(json) as { components?: BomComponent[] };
    // Fail closed: evidence never carries an SBOM that does not validate against its own schema.
    assertValidCycloneDxJson(doc);
    const bytes = Buffer.from(json, 'utf8');
    await ctx.addFile(SBOM_FILE, bytes, { kind: 'sbom', mediaType: CYCLONEDX_JSON_MEDIA_TYPE });
    Object.assign(ctx.kpis.sbom, sbomKpis(doc));
    ctx.outputs.set('sbom', { path: SBOM_FILE, specVersion: '1.6', bytes } satisfies SbomStageOutput);
    return { detail: `${ctx.kpis.sbom.components} components from ${inventory.source.kind}` };
  },
};
