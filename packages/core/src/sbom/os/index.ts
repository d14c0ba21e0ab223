// OS package databases and OS identity: dpkg/opkg status, apk installed db, Python core metadata, os-release.
export { parseDpkgStatus } from './dpkg.js';
export type { DpkgPackage } from './dpkg.js';
export { parseApkDb, apkDependencyEdges } from './apk.js';
export type { ApkPackage } from './apk.js';
export { parsePythonMetadata, normalizePythonName } from './python.js';
export type { PythonPackage } from './python.js';
export { parseOsRelease, distroQualifier } from './os-release.js';
export type { OsRelease } from './os-release.js';
export { dpkgPurl, apkPurl, pythonPurl } from './purl.js';
