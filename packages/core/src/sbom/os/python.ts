/** A Python distribution from `*.dist-info/METADATA` or `*.egg-info/PKG-INFO`. */
export interface PythonPackage {
  name: string;
  version: string;
  license?: string;
  summary?: string;
  author?: string;
  homepage?: string;
}

/** Reads the RFC 822 header block of core metadata; returns undefined without Name and Version. */
export function parsePythonMetadata(text: string): PythonPackage | undefined {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the body (long description) follows the first blank line
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      fields.set(last, `${fields.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).toLowerCase();
    if (!fields.has(last)) fields.set(last, line.slice(colon + 1).trim());
  }
  const name = fields.get('name');
  const version = fields.get('version');
  if (!name || !version) return undefined;
  const pkg: PythonPackage = { name, version };
  const lic = fields.get('license-expression') ?? fields.get('license');
  if (lic && lic !== 'UNKNOWN' && !lic.includes('\n')) pkg.license = lic;
  const summary = fields.get('summary');
  if (summary && summary !== 'UNKNOWN') pkg.summary = summary;
  const author = fields.get('author');
  if (author && author !== 'UNKNOWN') pkg.author = author;
  const home = fields.get('home-page');
  if (home && home !== 'UNKNOWN') pkg.homepage = home;
  return pkg;
}

/** PEP 503 name normalization, as the pypi purl type requires. */
export function normalizePythonName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
