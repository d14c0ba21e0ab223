// The floor under `provenant sbom`: a fresh node that loads the CLI's bundle as the bin does (its V8
// code cache installed) and writes the CycloneDX JSON of an inventory catalogued beforehand, through
// @cyclonedx/cyclonedx-library, without reading a lockfile or parsing arguments. What any lockfile
// costs on top of this is its reading and cataloguing.
//   node bench/sbom/floor.cjs <core sbom chunk of dist/bundle> <inventory.json> <out.cdx.json>
// bench/sbom/run.mjs runs it; the chunk's file name carries a content hash, so run.mjs finds it.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const [chunk, inventoryFile, out] = process.argv.slice(2);
const dist = join(chunk, '..', '..');
require(join(dist, 'bundle', 'compile-cache.cjs')).installCompileCache(process.env, { shipped: join(dist, 'compile-cache') });
const sbom = require(chunk).t;
const inventory = JSON.parse(readFileSync(inventoryFile, 'utf8'));
writeFileSync(out, sbom.toCycloneDx(inventory, { specVersion: '1.6', format: 'json' }) + '\n');
