import { z } from 'zod';
import { ProvenantError } from '../errors.js';

const JWT = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/;
const MAX_TOKEN_BYTES = 64 * 1024;
const ClaimsSchema = z.looseObject({ iss: z.string().min(1), sub: z.string().optional(), email: z.string().optional(), email_verified: z.unknown().optional() });

export interface IdentityTokenClaims {
  iss: string;
  sub?: string | undefined;
  email?: string | undefined;
  /** True only when the issuer says so (`email_verified: true`). */
  emailVerified: boolean;
}

/**
 * The identity Fulcio certifies and the proof of possession signs: a verified email when the token has
 * an email claim, else the subject.
 */
export function tokenSubject(claims: IdentityTokenClaims): string {
  if (claims.email !== undefined) {
    if (!claims.emailVerified) throw new ProvenantError('OIDC_TOKEN_INVALID', 'the identity token has an email the issuer has not verified');
    return claims.email;
  }
  if (claims.sub === undefined) throw new ProvenantError('OIDC_TOKEN_INVALID', 'the identity token has no subject');
  return claims.sub;
}

/** Checks the shape of an OIDC token (a JWT with an issuer); Fulcio checks its signature. Returns the claims. */
export function checkIdentityToken(token: string): IdentityTokenClaims {
  const m = token.length <= MAX_TOKEN_BYTES ? JWT.exec(token.trim()) : null;
  if (!m || m[1] === undefined) throw new ProvenantError('OIDC_TOKEN_INVALID', 'the identity token is not a JWT (header.payload.signature)');
  let claims: z.infer<typeof ClaimsSchema>;
  try {
    claims = ClaimsSchema.parse(JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')));
  } catch (cause) {
    throw new ProvenantError('OIDC_TOKEN_INVALID', 'the identity token payload is not JSON with an `iss` claim', { cause });
  }
  if (claims.sub === undefined && claims.email === undefined) throw new ProvenantError('OIDC_TOKEN_INVALID', 'the identity token has neither `sub` nor `email`');
  return { iss: claims.iss, sub: claims.sub, email: claims.email, emailVerified: claims.email_verified === true };
}

export interface ResolveIdentityTokenOptions {
  /** An explicit token (--identity-token) wins over everything else. */
  token?: string | undefined;
  /** Environment (default process.env): SIGSTORE_ID_TOKEN, then ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN. */
  env?: Record<string, string | undefined>;
  /** Audience asked of GitHub Actions (default `sigstore`, what Fulcio expects). */
  audience?: string;
  /** Timeout of the GitHub Actions token request in ms (default 10 000). */
  timeoutMs?: number;
}

const GithubTokenResponse = z.object({ value: z.string().min(1) });

/**
 * The OIDC token for keyless signing: --identity-token, else SIGSTORE_ID_TOKEN, else one requested from
 * GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL + ACTIONS_ID_TOKEN_REQUEST_TOKEN, `permissions: id-token: write`).
 */
export async function resolveIdentityToken(options: ResolveIdentityTokenOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const explicit = options.token ?? env.SIGSTORE_ID_TOKEN;
  if (explicit !== undefined && explicit.trim() !== '') {
    checkIdentityToken(explicit.trim());
    return explicit.trim();
  }
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer) return requestGithubActionsToken(url, bearer, options.audience ?? 'sigstore', options.timeoutMs ?? 10_000);
  throw new ProvenantError(
    'OIDC_TOKEN_MISSING',
    'no OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write`',
  );
}

async function requestGithubActionsToken(requestURL: string, bearer: string, audience: string, timeoutMs: number): Promise<string> {
  const url = new URL(requestURL);
  url.searchParams.set('audience', audience);
  let text: string;
  try {
    const res = await fetch(url, { headers: { Authorization: `bearer ${bearer}`, Accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    if (!res.ok) throw new ProvenantError('OIDC_TOKEN_MISSING', `GitHub Actions token request answered HTTP ${res.status}; does the job have \`permissions: id-token: write\`?`);
    text = await readLimited(res, MAX_TOKEN_BYTES + 1024);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw new ProvenantError('OIDC_TOKEN_MISSING', `GitHub Actions token request to ${url.origin} failed`, { cause: err });
  }
  let value: string;
  try {
    value = GithubTokenResponse.parse(JSON.parse(text)).value;
  } catch (cause) {
    throw new ProvenantError('OIDC_TOKEN_INVALID', 'GitHub Actions token response is not JSON with a `value`', { cause });
  }
  checkIdentityToken(value);
  return value;
}

/** Reads a response body, stopping with SIZE_LIMIT_EXCEEDED past `limit` bytes. */
async function readLimited(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new ProvenantError('SIZE_LIMIT_EXCEEDED', `GitHub Actions token response exceeds ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
