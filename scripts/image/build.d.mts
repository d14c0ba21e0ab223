export interface ImageBuild {
  layout: string;
  tag: string;
  digest: string;
  size: number;
  layers: Array<{ digest: string; size: number; what: string }>;
  debian: Array<{ name: string; version: string; architecture: string; sha256: string }>;
  node: { package: string; version: string; integrity: string };
  npm: { runtime: string[]; bundled: string[] };
  sourceDateEpoch: number;
  entrypoint: string[];
  user: string;
}
export declare function defaultDebsDir(): string;
export declare function debianPackages(dir: string, fetch: boolean): string[];
export declare function fetchInputs(debs?: string): void;
export declare function buildImage(opts?: { out?: string; debs?: string; fetch?: boolean; tag?: string }): ImageBuild;
