import { ProvenantError } from '../../errors.js';
import { resolveLinkTarget } from '../../oci/index.js';

export type NodeType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One path of the squashed filesystem: which layer it came from, and its content when a cataloger wants it. */
export interface FsNode {
  type: NodeType;
  /** Index of the layer that last wrote this path. */
  layer: number;
  size: number;
  linkPath?: string;
  content?: Buffer;
  children?: Map<string, FsNode>;
}

const MAX_LINK_HOPS = 40;

function newDir(layer: number): FsNode {
  return { type: 'directory', layer, size: 0, children: new Map() };
}

/**
 * The squashed root filesystem of an image as an in-memory tree of paths (no file data except the
 * few files catalogers read). Later layers replace earlier ones; whiteouts delete from lower layers.
 */
export class SquashedView {
  readonly root: FsNode = newDir(-1);
  private fileCount = 0;

  get size(): number {
    return this.fileCount;
  }

  /**
   * The directory that holds `path`'s last segment, creating missing parents (as layer `layer`).
   * A parent that is a symlink from a lower layer is followed inside the root, as extraction would.
   */
  private parentDir(path: string, layer: number, create: boolean, hops = 0): { dir: FsNode; name: string } | undefined {
    if (hops > MAX_LINK_HOPS) throw new ProvenantError('TAR_INVALID', `too many levels of symlinks resolving ${path}`);
    const segs = path.split('/');
    const name = segs.pop()!;
    let dir = this.root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      let next = dir.children!.get(seg);
      if (next?.type === 'symlink') {
        const here = segs.slice(0, i + 1).join('/');
        const resolved = this.resolve(resolveLinkTarget(here, next.linkPath ?? ''), hops + 1);
        if (resolved?.type === 'directory') next = resolved;
        else if (!create) return undefined;
        else throw new ProvenantError('TAR_INVALID', `layer ${layer} writes ${path} through ${here}, which is not a directory`);
      }
      if (!next || next.type !== 'directory') {
        if (!create) return undefined;
        if (next && next.type !== 'directory') this.fileCount--;
        next = newDir(layer);
        dir.children!.set(seg, next);
      }
      dir = next;
    }
    return { dir, name };
  }

  /** Adds or replaces a path written by `layer`. */
  put(path: string, node: FsNode): void {
    if (path === '') return; // the root itself
    const { dir, name } = this.parentDir(path, node.layer, true)!;
    const old = dir.children!.get(name);
    if (node.type === 'hardlink' && !this.lookup(node.linkPath ?? '')) {
      throw new ProvenantError('TAR_INVALID', `layer ${node.layer}: hardlink ${path} points at ${node.linkPath}, which does not exist`);
    }
    if (node.type === 'directory') {
      if (old?.type === 'directory') {
        old.layer = node.layer; // a directory entry over a directory merges
        return;
      }
      node.children = new Map();
    }
    if (old && old.type !== 'directory') this.fileCount--;
    if (node.type !== 'directory') this.fileCount++;
    if (old?.type === 'directory') this.countRemoved(old);
    dir.children!.set(name, node);
  }

  private countRemoved(node: FsNode): void {
    for (const c of node.children?.values() ?? []) {
      if (c.type === 'directory') this.countRemoved(c);
      else this.fileCount--;
    }
  }

  /** `.wh.<name>`: hides `path` and everything under it from layers below `layer`. */
  whiteout(path: string, layer: number): void {
    const p = this.parentDir(path, layer, false);
    const node = p?.dir.children?.get(p.name);
    if (!p || !node) return;
    if (node.layer < layer && !this.pruneBelow(node, layer)) {
      p.dir.children!.delete(p.name);
      if (node.type === 'directory') this.countRemoved(node);
      else this.fileCount--;
    }
  }

  /** `.wh..wh..opq`: hides everything lower layers put in directory `dir`. */
  opaque(dir: string, layer: number): void {
    const node = dir === '' ? this.root : this.lookup(dir);
    if (node?.type === 'directory') this.pruneChildren(node, layer);
  }

  /** Removes lower-layer descendants; returns true when something written by `layer` remains. */
  private pruneBelow(node: FsNode, layer: number): boolean {
    if (node.type !== 'directory') return node.layer >= layer;
    const keep = this.pruneChildren(node, layer);
    return keep || node.layer >= layer;
  }

  private pruneChildren(dir: FsNode, layer: number): boolean {
    let keep = false;
    for (const [name, child] of dir.children!) {
      if (this.pruneBelow(child, layer)) keep = true;
      else {
        dir.children!.delete(name);
        if (child.type === 'directory') this.countRemoved(child);
        else this.fileCount--;
      }
    }
    return keep;
  }

  /** The node at `path` without following a final symlink (parents are followed). */
  lookup(path: string, hops = 0): FsNode | undefined {
    if (path === '') return this.root;
    const p = this.parentDir(path, 0, false, hops);
    return p?.dir.children?.get(p.name);
  }

  /** The node at `path` following symlinks and hardlinks, always inside the root. */
  resolve(path: string, hops = 0): FsNode | undefined {
    if (hops > MAX_LINK_HOPS) return undefined;
    let n: FsNode | undefined;
    try {
      n = this.lookup(path, hops);
    } catch {
      return undefined; // a symlink loop reads as absent
    }
    if (n?.type === 'symlink') return this.resolve(resolveLinkTarget(path, n.linkPath ?? ''), hops + 1);
    if (n?.type === 'hardlink') return this.resolve(n.linkPath ?? '', hops + 1);
    return n;
  }

  /** The captured content of a file, following links; undefined when absent or not captured. */
  read(path: string): Buffer | undefined {
    const n = this.resolve(path);
    return n?.type === 'file' ? n.content : undefined;
  }

  /** Every non-directory path, depth first, in name order. */
  *walk(dir: FsNode = this.root, prefix = ''): Generator<[string, FsNode]> {
    const names = [...dir.children!.keys()].sort();
    for (const name of names) {
      const node = dir.children!.get(name)!;
      const path = prefix ? `${prefix}/${name}` : name;
      if (node.type === 'directory') yield* this.walk(node, path);
      else yield [path, node];
    }
  }

  /** True when `path` exists (without following a final symlink). */
  has(path: string): boolean {
    return this.lookup(path) !== undefined;
  }
}
