export interface ReleaseCheck {
  check: string;
  tool: string;
  passed: boolean;
  detail?: unknown;
}
export interface ReleaseReport {
  out: string;
  release: string;
  passed: boolean;
  mode: 'key' | 'keyless';
  policy: { source: string; sha256: string };
  packages: Array<{ name: string; file: string; sha256: string; size: number; unpackedSize: number; files: number }>;
  image: { reference: string; tag: string; digest: string; layers: Array<{ digest: string; size: number; what: string }> };
  checks: ReleaseCheck[];
}
export declare function release(opts: {
  out?: string;
  registry: string;
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  trustedRoot?: string;
  fetch?: boolean;
  builderId?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ReleaseReport>;
