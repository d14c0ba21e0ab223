/**
 * Compiles a glob to an anchored RegExp: `*` and `?` stay within one path segment, `**` crosses `/`.
 * Everything else is literal, so a glob can never smuggle in regex syntax.
 */
export function compileGlob(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 'u');
}
