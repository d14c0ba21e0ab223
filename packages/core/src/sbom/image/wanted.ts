/** Files whose contents the image catalogers read; everything else is kept as a path only. */
export function isCatalogedFile(path: string): boolean {
  switch (path) {
    case 'var/lib/dpkg/status':
    case 'lib/apk/db/installed':
    case 'etc/os-release':
    case 'usr/lib/os-release':
      return true;
  }
  if (path.startsWith('var/lib/dpkg/status.d/')) return !path.endsWith('.md5sums') && path.indexOf('/', 'var/lib/dpkg/status.d/'.length) === -1;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'METADATA') return path.endsWith('.dist-info/METADATA');
  if (base === 'PKG-INFO') return path.endsWith('.egg-info/PKG-INFO');
  if (base.endsWith('.egg-info')) return true; // older setuptools writes egg-info as a single file
  if (base === 'package.json') return isInstalledPackageJson(path);
  if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json' || base === 'yarn.lock' || base === 'pnpm-lock.yaml') {
    return !path.includes('node_modules/'); // lockfiles of installed dependencies describe their dev setup, not the image
  }
  return false;
}

/** `.../node_modules/<name>/package.json` or `.../node_modules/@scope/<name>/package.json`, and project roots. */
export function isInstalledPackageJson(path: string): boolean {
  const segs = path.split('/');
  const n = segs.length;
  if (n >= 3 && segs[n - 3] === 'node_modules') return !segs[n - 2]!.startsWith('.');
  if (n >= 4 && segs[n - 4] === 'node_modules' && segs[n - 3]!.startsWith('@')) return true;
  return false;
}

/** Largest cataloged file kept in memory. */
export const MAX_CATALOGED_FILE_BYTES = 64 * 1024 * 1024;
