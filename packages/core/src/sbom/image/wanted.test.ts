import { describe, expect, it } from 'vitest';
import { isCatalogedFile } from './wanted.js';

describe('isCatalogedFile', () => {
  it.each([
    ['var/lib/dpkg/status', true],
    ['var/lib/dpkg/status.d/base-files', true],
    ['var/lib/dpkg/status.d/base-files.md5sums', false],
    ['var/lib/dpkg/status.d/sub/x', false],
    ['lib/apk/db/installed', true],
    ['etc/os-release', true],
    ['usr/lib/os-release', true],
    ['usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', true],
    ['usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', true],
    ['usr/lib/python3/dist-packages/old-1.0.egg-info', true],
    ['usr/share/doc/METADATA', false],
    ['app/node_modules/debug/package.json', true],
    ['app/node_modules/@scope/pkg/package.json', true],
    ['app/node_modules/debug/src/package.json', false],
    ['app/node_modules/.bin/package.json', false],
    ['app/package-lock.json', true],
    ['app/yarn.lock', true],
    ['app/node_modules/x/package-lock.json', false],
    ['app/node_modules/.package-lock.json', false],
    ['usr/bin/bash', false],
  ])('%s -> %s', (path, want) => {
    expect(isCatalogedFile(path)).toBe(want);
  });
});
