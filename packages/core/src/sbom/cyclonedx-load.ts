// @cyclonedx/cyclonedx-library, loaded on first use and from this one place, so every model, normalizer
// and serializer comes from the same module instances (the normalizers test models with instanceof).
//
// The library is read from dist/vendor/cyclonedx-library.cjs when the build made it
// (scripts/pack-cyclonedx.mjs): the library's own CommonJS modules, unchanged, packed into one file,
// so a process loads one file instead of ~60 (each a resolution, a read and a code-cache lookup).
// Without the pack (a source checkout before its first build) it is required from node_modules as
// published, and the JSON path requires only the JSON serializer's own two modules: the public
// `Serialize` entry also loads the XML side and xmlbuilder2 (~4x the cost). One process uses one
// source or the other, never both. The CLI bundle keeps these requires (measured, bundling the library
// with rolldown made the main thread do more work, not less).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** What dist/vendor/cyclonedx-library.cjs exports. */
interface LibraryPack {
  readonly version: string;
  requireModule(path: string): unknown;
}

const require = createRequire(import.meta.url);
let pack: LibraryPack | null | undefined;
let library: CycloneDxLibrary | undefined;
let json: CycloneDxJsonSerializer | undefined;

function loadPack(): LibraryPack | null {
  // PROVENANT_CYCLONEDX_PACK=0: the library from node_modules, as published (tests compare the two).
  if (process.env.PROVENANT_CYCLONEDX_PACK === '0') return null;
  // Beside this module's directory (core's dist/vendor, or the CLI's copy beside its bundle: both one
  // level up), found without package-exports resolution; else through core's exports map.
  const beside = join(dirname(fileURLToPath(import.meta.url)), '..', 'vendor', 'cyclonedx-library.cjs');
  try {
    const p = (existsSync(beside) ? require(beside) : require('@provenant/core/vendor/cyclonedx-library')) as Partial<LibraryPack>;
    return typeof p.requireModule === 'function' && typeof p.version === 'string' ? (p as LibraryPack) : null;
  } catch {
    return null;
  }
}

function packed(): LibraryPack | undefined {
  pack ??= loadPack();
  return pack ?? undefined;
}

/** One of the library's public entry points: from the pack (its file, e.g. `dist.node/models/index.js`) or node_modules. */
function entry<T>(publicId: string, packPath: string): T {
  const p = packed();
  return (p ? p.requireModule(packPath) : require(publicId)) as T;
}

/** Enums, Models, Spec and SPDX. */
export function cycloneDxLibrary(): CycloneDxLibrary {
  library ??= {
    Enums: entry('@cyclonedx/cyclonedx-library/Enums', 'dist.node/enums/index.js'),
    Models: entry('@cyclonedx/cyclonedx-library/Models', 'dist.node/models/index.js'),
    Spec: entry('@cyclonedx/cyclonedx-library/Spec', 'dist.node/spec/index.js'),
    SPDX: entry('@cyclonedx/cyclonedx-library/SPDX', 'dist.node/spdx.js'),
  };
  return library;
}

/** The whole `Serialize` entry, XML side included. */
export function cycloneDxSerialize(): CycloneDxSerialize {
  return entry('@cyclonedx/cyclonedx-library/Serialize', 'dist.node/serialize/index.node.js');
}

/** The JSON serializer and normalizer factory, without the XML side when the library's layout allows. */
export function cycloneDxJsonSerializer(): CycloneDxJsonSerializer {
  if (json) return json;
  const p = packed();
  let s: { JsonSerializer?: CycloneDxJsonSerializer['JsonSerializer'] } | undefined;
  let n: { Factory?: CycloneDxJsonSerializer['Factory'] } | undefined;
  if (p) {
    s = p.requireModule('dist.node/serialize/jsonSerializer.js') as typeof s;
    n = p.requireModule('dist.node/serialize/json/normalize.js') as typeof n;
  } else {
    const dist = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'dist.node', 'serialize');
    const serializerFile = join(dist, 'jsonSerializer.js');
    const normalizeFile = join(dist, 'json', 'normalize.js');
    if (existsSync(serializerFile) && existsSync(normalizeFile)) {
      s = require(serializerFile) as typeof s;
      n = require(normalizeFile) as typeof n;
    }
  }
  if (typeof s?.JsonSerializer === 'function' && typeof n?.Factory === 'function') return (json = { JsonSerializer: s.JsonSerializer, Factory: n.Factory });
  const Serialize = cycloneDxSerialize();
  return (json = { JsonSerializer: Serialize.JsonSerializer, Factory: Serialize.JSON.Normalize.Factory });
}
