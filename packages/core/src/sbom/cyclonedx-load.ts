// @cyclonedx/cyclonedx-library, loaded on first use and from this one place, so every model, normalizer
// and serializer comes from the same module instances (the normalizers test models with instanceof).
//
// Under Node the library is required with createRequire, and the JSON path requires only the JSON
// serializer's own two modules: the public `Serialize` entry also loads the XML side and xmlbuilder2
// (~4x the cost). The CLI bundle keeps these requires: the library loads from node_modules there too
// (measured, bundling it made the main thread do more work, not less).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface CycloneDxLibrary {
  Enums: typeof import('@cyclonedx/cyclonedx-library/Enums');
  Models: typeof import('@cyclonedx/cyclonedx-library/Models');
  Spec: typeof import('@cyclonedx/cyclonedx-library/Spec');
  SPDX: typeof import('@cyclonedx/cyclonedx-library/SPDX');
}

export type CycloneDxSerialize = typeof import('@cyclonedx/cyclonedx-library/Serialize');

export interface CycloneDxJsonSerializer {
  JsonSerializer: CycloneDxSerialize['JsonSerializer'];
  Factory: CycloneDxSerialize['JSON']['Normalize']['Factory'];
}

const require = createRequire(import.meta.url);
let library: CycloneDxLibrary | undefined;
let json: CycloneDxJsonSerializer | undefined;

/** Enums, Models, Spec and SPDX. */
export function cycloneDxLibrary(): CycloneDxLibrary {
  library ??= {
    Enums: require('@cyclonedx/cyclonedx-library/Enums') as CycloneDxLibrary['Enums'],
    Models: require('@cyclonedx/cyclonedx-library/Models') as CycloneDxLibrary['Models'],
    Spec: require('@cyclonedx/cyclonedx-library/Spec') as CycloneDxLibrary['Spec'],
    SPDX: require('@cyclonedx/cyclonedx-library/SPDX') as CycloneDxLibrary['SPDX'],
  };
  return library;
}

/** The whole `Serialize` entry, XML side included. */
export function cycloneDxSerialize(): CycloneDxSerialize {
  return require('@cyclonedx/cyclonedx-library/Serialize') as CycloneDxSerialize;
}

/** The JSON serializer and normalizer factory, without the XML side when the library's layout allows. */
export function cycloneDxJsonSerializer(): CycloneDxJsonSerializer {
  if (json) return json;
  const dist = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'dist.node', 'serialize');
  const serializerFile = join(dist, 'jsonSerializer.js');
  const normalizeFile = join(dist, 'json', 'normalize.js');
  if (existsSync(serializerFile) && existsSync(normalizeFile)) {
    const s = require(serializerFile) as { JsonSerializer?: CycloneDxJsonSerializer['JsonSerializer'] };
    const n = require(normalizeFile) as { Factory?: CycloneDxJsonSerializer['Factory'] };
    if (typeof s.JsonSerializer === 'function' && typeof n.Factory === 'function') return (json = { JsonSerializer: s.JsonSerializer, Factory: n.Factory });
  }
  const Serialize = cycloneDxSerialize();
  return (json = { JsonSerializer: Serialize.JsonSerializer, Factory: Serialize.JSON.Normalize.Factory });
}
