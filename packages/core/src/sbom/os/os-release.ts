/** The OS identity of an image, from os-release(5). */
export interface OsRelease {
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  name?: string;
  idLike: string[];
}

function unquote(v: string): string {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) {
    return t.slice(1, -1).replace(/\\(["'\\$`])/g, '$1');
  }
  return t;
}

export function parseOsRelease(text: string): OsRelease | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, unquote(m[2]!));
  }
  const id = vars.get('ID');
  if (!id) return undefined;
  const out: OsRelease = { id: id.toLowerCase(), idLike: (vars.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean) };
  const v = vars.get('VERSION_ID');
  if (v) out.versionId = v;
  const c = vars.get('VERSION_CODENAME');
  if (c) out.versionCodename = c;
  const p = vars.get('PRETTY_NAME');
  if (p) out.prettyName = p;
  const n = vars.get('NAME');
  if (n) out.name = n;
  return out;
}

/** The `distro` purl qualifier: `debian-12`, `alpine-3.19.1`, `ubuntu-24.04`. */
export function distroQualifier(os: OsRelease | undefined): string | undefined {
  if (!os) return undefined;
  return os.versionId ? `${os.id}-${os.versionId}` : os.id;
}
