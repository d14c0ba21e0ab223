import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ProvenantError } from '@provenant/core/errors';
import type { ImageSbomWriter, SbomDocumentOptions } from '@provenant/core/sbom';
import { EXIT } from '../io.js';
import type { Options } from 'yargs';
import type { CommandModule } from './types.js';

interface SbomArgs {
  target: string;
  format: SbomDocumentOptions['format'];
  specVersion: SbomDocumentOptions['specVersion'];
  output: string | undefined;
  omit: string[];
  reproducible: boolean;
  platform: string | undefined;
}

/** Writes next to the destination, then renames: a failed run never leaves a partial file. */
function writeAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw new ProvenantError('OUTPUT_WRITE_FAILED', `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
}

async function projectSbom(target: string, opts: SbomDocumentOptions): Promise<{ document: string; components: number; source: string }> {
  const sbom = await import('@provenant/core/sbom');
  const inventory = sbom.catalogJavaScriptProject(target, { omitDev: opts.omitDev });
  const document =
    opts.format === 'spdx-json'
      ? sbom.toSpdxJson(inventory, { reproducible: opts.reproducible })
      : sbom.toCycloneDx(inventory, { specVersion: opts.specVersion, format: opts.format === 'cyclonedx-xml' ? 'xml' : 'json', reproducible: opts.reproducible });
  return { document, components: inventory.packages.length, source: inventory.source.path ?? target };
}

async function imageSbom(target: string, opts: SbomDocumentOptions): Promise<{ document: string; components: number; source: string }> {
  const sbom = (await import('@provenant/core/sbom')) as Record<string, unknown>;
  const writer = sbom['writeImageSbom'] as ImageSbomWriter | undefined;
  if (typeof writer !== 'function') throw new ProvenantError('UNSUPPORTED', `image targets (${target}) are not supported by this build yet`);
  return { ...(await writer(target, opts)), source: target };
}

const FORMATS: readonly SbomArgs['format'][] = ['cyclonedx-json', 'cyclonedx-xml', 'spdx-json'];
const SPEC_VERSIONS: readonly SbomArgs['specVersion'][] = ['1.5', '1.6'];

const options: Record<string, Options> = {
  format: { type: 'string', choices: FORMATS, default: 'cyclonedx-json', describe: 'output format' },
  'spec-version': { type: 'string', choices: SPEC_VERSIONS, default: '1.6', describe: 'CycloneDX spec version' },
  output: { type: 'string', alias: 'o', describe: 'write the SBOM to this file (atomically) instead of stdout; syft\'s -o FORMAT=FILE works too' },
  omit: { type: 'string', array: true, choices: ['dev'], default: [], describe: 'leave out dev dependencies (default: kept, scope excluded)' },
  reproducible: { type: 'boolean', default: false, describe: 'no serial number or timestamp, sorted: byte-identical across runs' },
  platform: { type: 'string', describe: 'image targets: os/arch[/variant] to pick from an index, or "all" (default: this host, linux/<arch>)' },
};

/** Format names syft users write after -o, by the --format they mean. */
const FORMAT_NAMES: Readonly<Record<string, SbomArgs['format']>> = {
  'cyclonedx-json': 'cyclonedx-json',
  'cyclonedx-xml': 'cyclonedx-xml',
  'spdx-json': 'spdx-json',
};

const mod: CommandModule<SbomArgs> = {
  command: 'sbom <target>',
  describe: 'generate an SBOM for a project dir, a lockfile or an image',
  builder: (y) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'project dir, lockfile, oci:<layout>[:tag], docker-archive:<file> or an image ref' })
      .options(options)
      .example('provenant sbom . -o sbom.cdx.json', 'CycloneDX 1.6 JSON of the project in this directory, from its lockfile')
      .example('provenant sbom pnpm-lock.yaml --format spdx-json -o sbom.spdx.json', 'SPDX 2.3 of a lockfile')
      .example('provenant sbom registry.example.test/app:1.0 -o cyclonedx-json=image.cdx.json', "an image in a registry (syft's -o FORMAT=FILE)")
      .example('provenant sbom oci:./layout:1.0 --platform linux/arm64', 'one platform of an OCI layout') as never,
  handler: async (args, io) => {
    // yargs leaves a missing positional undefined and lets some choices through: check here, as usage errors.
    if (typeof args.target !== 'string' || args.target === '') throw new ProvenantError('USAGE', 'name a target: a project dir, a lockfile or an image');
    if (args.output !== undefined) {
      // syft's `-o FORMAT=FILE`; a format name alone where a file is expected is refused, not written to a file of that name.
      const eq = args.output.indexOf('=');
      const named = eq > 0 ? args.output.slice(0, eq) : args.output;
      const format = FORMAT_NAMES[named.toLowerCase()];
      if (format !== undefined && eq > 0) {
        args.format = format;
        args.output = args.output.slice(eq + 1);
      } else if (format !== undefined || /^(json|xml|table|text|syft-json|spdx|spdx-tag-value|cyclonedx)$/i.test(named)) {
        throw new ProvenantError('USAGE', `-o takes a file; ${args.output} is a format name: write --format ${format ?? 'cyclonedx-json'} -o FILE (or -o ${format ?? 'cyclonedx-json'}=FILE)`);
      }
    }
    if (!FORMATS.includes(args.format)) throw new ProvenantError('USAGE', `--format must be one of ${FORMATS.join(', ')}`);
    if (!SPEC_VERSIONS.includes(String(args.specVersion) as SbomArgs['specVersion'])) throw new ProvenantError('USAGE', `--spec-version must be one of ${SPEC_VERSIONS.join(', ')}`);
    const opts: SbomDocumentOptions = {
      format: args.format,
      specVersion: String(args.specVersion) as SbomArgs['specVersion'],
      reproducible: args.reproducible,
      omitDev: args.omit.includes('dev'),
    };
    const { isImageTarget } = await import('@provenant/core/sbom');
    const imageOpts = { ...opts, ...(args.platform ? { platform: args.platform } : {}) };
    const result = isImageTarget(args.target) ? await imageSbom(args.target, imageOpts) : await projectSbom(args.target, opts);
    const text = result.document.endsWith('\n') ? result.document : result.document + '\n';
    if (args.output === undefined) {
      io.out(text);
      return EXIT.OK;
    }
    const output = resolve(args.output);
    writeAtomically(output, text);
    const summary = { ok: true, output, format: opts.format, specVersion: opts.format === 'spdx-json' ? undefined : opts.specVersion, components: result.components, source: result.source };
    if (args.json) io.out(JSON.stringify(summary) + '\n');
    else if (!args.quiet) io.err(`provenant: wrote ${opts.format} SBOM with ${result.components} components to ${output}\n`);
    return EXIT.OK;
  },
};
export const { command, describe, builder, handler } = mod;
