// @cyclonedx/cyclonedx-library through its public entry points, from this one place, so every model,
// normalizer and serializer comes from the same module instances (the normalizers test models with
// instanceof). Static imports let the CLI bundle include the library (one file to load, not ~240).
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';

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

const library: CycloneDxLibrary = { Enums, Models, Spec, SPDX };

/** Enums, Models, Spec and SPDX. */
export function cycloneDxLibrary(): CycloneDxLibrary {
  return library;
}

/** The `Serialize` entry: JSON and XML serializers and normalizers. */
export function cycloneDxSerialize(): CycloneDxSerialize {
  return Serialize;
}

/** The JSON serializer and normalizer factory. */
export function cycloneDxJsonSerializer(): CycloneDxJsonSerializer {
  return { JsonSerializer: Serialize.JsonSerializer, Factory: Serialize.JSON.Normalize.Factory };
}
