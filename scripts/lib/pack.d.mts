export declare const PACKAGES: readonly ['core', 'verifier', 'cli'];
export interface Packed {
  name: string;
  dir: string;
  file: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  integrity: string;
  shasum: string;
  files: string[];
}
export declare function packAll(root: string, dest: string): Packed[];
export declare function installPacked(root: string, dir: string, packed: Packed[], devDependencies?: Record<string, string>): string;
export declare function writeConsumerProject(root: string, dir: string, packed: Packed[], devDependencies?: Record<string, string>, name?: string, direct?: string[]): void;
