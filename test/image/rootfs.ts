// A small two-layer sample root filesystem for image-SBOM tests (our own, smaller take on
// shared/realparts/sample-rootfs.sh): package databases of every kind, an os-release symlink, and a
// second layer with a file whiteout, a directory whiteout and an opaque whiteout.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function put(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

const dpkgStatus = `Package: base-files
Status: install ok installed
Priority: required
Installed-Size: 340
Architecture: amd64
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: bash
Status: install ok installed
Priority: required
Installed-Size: 7163
Architecture: amd64
Version: 5.2.15-2+b2
Depends: base-files (>= 2.1.12), debianutils (>= 5.6-0.1)
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.

Package: libssl3
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: openssl (3.0.11-1~deb12u2)
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0
Description: removed, only config files left
`;

const statusD = `Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data
`;

const apkDb = `C:Q1v4QhLje3kWlC8DJj+ZfJTjlJRSU=
P:musl
V:1.2.4-r2
A:x86_64
L:MIT
o:musl
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1

P:busybox
V:1.36.1-r5
A:x86_64
L:GPL-2.0-only
o:busybox
D:so:libc.musl-x86_64.so.1
`;

const osRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

function metadata(name: string, version: string, license: string): string {
  return `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\nSummary: sample\nLicense: ${license}\n\nLong description.\n`;
}

// debug, ms and @scope/pkg are installed; left-pad is only in the lockfile; vitest is dev-only.
const packageLock = {
  name: 'sample-app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'sample-app', version: '1.0.0', dependencies: { debug: '4.3.7', '@scope/pkg': '2.0.0', 'left-pad': '1.3.0' }, devDependencies: { vitest: '1.0.0' } },
    'node_modules/debug': { version: '4.3.7', resolved: 'https://registry.example.test/debug/-/debug-4.3.7.tgz', integrity: 'sha512-AAAA', dependencies: { ms: '^2.1.3' } },
    'node_modules/debug/node_modules/ms': { version: '2.1.3', resolved: 'https://registry.example.test/ms/-/ms-2.1.3.tgz', integrity: 'sha512-BBBB' },
    'node_modules/@scope/pkg': { version: '2.0.0', resolved: 'https://registry.example.test/@scope/pkg/-/pkg-2.0.0.tgz', integrity: 'sha512-CCCC' },
    'node_modules/left-pad': { version: '1.3.0', resolved: 'https://registry.example.test/left-pad/-/left-pad-1.3.0.tgz', integrity: 'sha512-DDDD' },
    'node_modules/vitest': { version: '1.0.0', resolved: 'https://registry.example.test/vitest/-/vitest-1.0.0.tgz', integrity: 'sha512-EEEE', dev: true },
  },
};

export interface SampleRootfs {
  layer1: string;
  layer2: string;
}

/** Writes layer1/ and layer2/ under `dir`. */
export function writeSampleRootfs(dir: string): SampleRootfs {
  const l1 = join(dir, 'layer1');
  const l2 = join(dir, 'layer2');
  put(l1, 'var/lib/dpkg/status', dpkgStatus);
  put(l1, 'var/lib/dpkg/status.d/tzdata', statusD);
  put(l1, 'var/lib/dpkg/status.d/tzdata.md5sums', 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n');
  put(l1, 'lib/apk/db/installed', apkDb);
  put(l1, 'usr/lib/os-release', osRelease);
  symlinkSync('../usr/lib/os-release', join(mkdirp(join(l1, 'etc')), 'os-release'));
  put(l1, 'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', metadata('requests', '2.31.0', 'Apache 2.0'));
  put(l1, 'usr/lib/python3/dist-packages/idna-3.6.dist-info/METADATA', metadata('idna', '3.6', 'BSD-3-Clause'));
  put(l1, 'usr/lib/python3/dist-packages/Six_Compat-1.16.0.egg-info/PKG-INFO', metadata('Six_Compat', '1.16.0', 'MIT'));
  put(l1, 'app/package.json', JSON.stringify({ name: 'sample-app', version: '1.0.0', private: true, dependencies: { debug: '4.3.7', '@scope/pkg': '2.0.0' } }));
  put(l1, 'app/package-lock.json', JSON.stringify(packageLock));
  put(l1, 'app/node_modules/debug/package.json', JSON.stringify({ name: 'debug', version: '4.3.7', license: 'MIT' }));
  put(l1, 'app/node_modules/debug/node_modules/ms/package.json', JSON.stringify({ name: 'ms', version: '2.1.3', license: 'MIT' }));
  put(l1, 'app/node_modules/debug/src/package.json', JSON.stringify({ name: 'not-a-package', version: '0.0.0' }));
  put(l1, 'app/node_modules/@scope/pkg/package.json', JSON.stringify({ name: '@scope/pkg', version: '2.0.0', license: 'ISC' }));
  put(l1, 'usr/share/doc/bash/copyright', 'bash copyright\n');
  put(l1, 'usr/share/doc/libssl3/copyright', 'openssl copyright\n');
  put(l1, 'opt/legacy/old-1.txt', 'old 1\n');
  put(l1, 'opt/legacy/old-2.txt', 'old 2\n');

  put(l2, 'usr/share/doc/bash/.wh.copyright', '');
  put(l2, 'usr/lib/python3/dist-packages/.wh.idna-3.6.dist-info', '');
  put(l2, 'opt/legacy/.wh..wh..opq', '');
  put(l2, 'opt/legacy/new.txt', 'new from layer2\n');
  put(l2, 'etc/layer2-file', 'added by layer2\n');
  return { layer1: l1, layer2: l2 };
}

function mkdirp(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

/** Paths the squashed view must and must not contain. */
export const EXPECTED = {
  present: [
    'usr/share/doc/libssl3/copyright',
    'usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA',
    'opt/legacy/new.txt',
    'etc/layer2-file',
    'etc/os-release',
    'var/lib/dpkg/status',
  ],
  absent: [
    'usr/share/doc/bash/copyright',
    'usr/lib/python3/dist-packages/idna-3.6.dist-info',
    'usr/lib/python3/dist-packages/idna-3.6.dist-info/METADATA',
    'opt/legacy/old-1.txt',
    'opt/legacy/old-2.txt',
  ],
};
