// Streaming tar (ustar/pax/GNU) reading and writing, and gzip with bomb limits.
export { readTar } from './reader.js';
export type { TarEntry, TarEntryType, TarMember, TarReadOptions } from './reader.js';
export { writeTar, tarToBuffer } from './writer.js';
export type { TarWriteEntry } from './writer.js';
export { gunzipLimited, maybeDecompress, sniffCompression, DEFAULT_DECOMPRESS_LIMITS } from './gzip.js';
export type { Compression, DecompressLimits } from './gzip.js';
export { normalizeMemberPath, resolveLinkTarget, parentsOf, dirname, basename } from './paths.js';
