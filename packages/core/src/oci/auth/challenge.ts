// `WWW-Authenticate` parsing (RFC 7235): one or more challenges, each a scheme plus auth-params.

export interface AuthChallenge {
  /** Lowercased scheme: `bearer`, `basic`, ... */
  scheme: string;
  /** Auth-params with lowercased names (`realm`, `service`, `scope`, `error`). */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/** Parses every challenge in a header value; malformed tails are dropped, never thrown. */
export function parseWwwAuthenticate(value: string | string[] | undefined): AuthChallenge[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  const out: AuthChallenge[] = [];
  for (const v of values) out.push(...parseOne(v.slice(0, 16 * 1024)));
  return out;
}

function parseOne(text: string): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  let current: AuthChallenge | undefined;
  while (i < text.length) {
    skipWs();
    if (text[i] === ',') {
      i++;
      continue;
    }
    const name = token();
    if (name === undefined) break;
    skipWs();
    if (text[i] === '=' && current !== undefined) {
      i++;
      skipWs();
      let value: string | undefined;
      if (text[i] === '"') {
        i++;
        let s = '';
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          s += text[i];
          i++;
        }
        if (text[i] !== '"') break;
        i++;
        value = s;
      } else {
        value = token();
        // token68 forms end with '=' padding; treat the rest as opaque.
        if (value === undefined) break;
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    if (text[i] === '=' && current === undefined) break;
    // A bare token starts a new challenge (its scheme); a token68 may follow it.
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}
