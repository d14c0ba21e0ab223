// Kept in step with package.json by the release process; read without touching the file system.
export const PROVENANT_VERSION = '0.1.0';
