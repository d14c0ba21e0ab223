import { describe, expect, it } from 'vitest';
import { ProvenantError } from '../../errors.js';
import { SquashedView, type FsNode } from './view.js';

const file = (layer: number, content?: string): FsNode => ({ type: 'file', layer, size: content?.length ?? 0, ...(content !== undefined ? { content: Buffer.from(content) } : {}) });
const dir = (layer: number): FsNode => ({ type: 'directory', layer, size: 0 });
const link = (layer: number, target: string, type: 'symlink' | 'hardlink' = 'symlink'): FsNode => ({ type, layer, size: 0, linkPath: target });

function paths(v: SquashedView): string[] {
  return [...v.walk()].map(([p]) => p);
}

describe('SquashedView', () => {
  it('replaces files from lower layers and counts files', () => {
    const v = new SquashedView();
    v.put('a/b.txt', file(0, 'one'));
    v.put('a/b.txt', file(1, 'two'));
    expect(v.read('a/b.txt')?.toString()).toBe('two');
    expect(v.lookup('a/b.txt')?.layer).toBe(1);
    expect(v.size).toBe(1);
  });

  it('whiteout removes a lower directory with everything below it', () => {
    const v = new SquashedView();
    v.put('d/x/y', file(0));
    v.put('d/z', file(0));
    v.whiteout('d/x', 1);
    expect(paths(v)).toEqual(['d/z']);
    expect(v.size).toBe(1);
  });

  it('opaque whiteout keeps what the same layer wrote, in either order', () => {
    for (const markerFirst of [true, false]) {
      const v = new SquashedView();
      v.put('o/old', file(0));
      v.put('o/sub/old', file(0));
      if (markerFirst) v.opaque('o', 1);
      v.put('o/sub/new', file(1));
      if (!markerFirst) v.opaque('o', 1);
      expect(paths(v)).toEqual(['o/sub/new']);
    }
  });

  it('a file replacing a lower directory hides its children; a directory entry over a directory merges', () => {
    const v = new SquashedView();
    v.put('p/child', file(0));
    v.put('q/child', file(0));
    v.put('p', file(1));
    v.put('q', dir(1));
    expect(paths(v)).toEqual(['p', 'q/child']);
    expect(v.size).toBe(2);
  });

  it('follows symlinks and hardlinks inside the root only, and survives loops', () => {
    const v = new SquashedView();
    v.put('usr/lib/os-release', file(0, 'ID=x'));
    v.put('etc/os-release', link(0, '../usr/lib/os-release'));
    v.put('abs', link(0, '/usr/lib/os-release'));
    v.put('up', link(0, '../../../../usr/lib/os-release'));
    v.put('hard', link(0, 'usr/lib/os-release', 'hardlink'));
    v.put('loop1', link(0, 'loop2'));
    v.put('loop2', link(0, 'loop1'));
    for (const p of ['etc/os-release', 'abs', 'up', 'hard']) expect(v.read(p)?.toString(), p).toBe('ID=x');
    expect(v.read('loop1')).toBeUndefined();
    expect(v.resolve('loop1/x')).toBeUndefined();
  });

  it('writes through a lower-layer directory symlink land inside the root', () => {
    const v = new SquashedView();
    v.put('usr/lib', dir(0));
    v.put('lib', link(0, '/usr/lib'));
    v.put('lib/x.so', file(1));
    expect(v.lookup('usr/lib/x.so')?.layer).toBe(1);
    v.put('f', file(0));
    v.put('bad', link(0, 'f'));
    expect(() => v.put('bad/y', file(1))).toThrow(ProvenantError);
  });

  it('refuses a hardlink to a path that does not exist', () => {
    const v = new SquashedView();
    expect(() => v.put('h', link(0, 'nowhere', 'hardlink'))).toThrow(expect.objectContaining({ code: 'TAR_INVALID' }));
  });
});
