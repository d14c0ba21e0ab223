// The auth chain for one client: requests go out anonymously (or with what an earlier challenge
// taught us), a 401 challenge is answered with a bearer token (fetched with basic credentials,
// an identity token, or anonymously) or with basic credentials; tokens are cached per scope.
import { z } from 'zod';
import { ProvenantError } from '../../errors.js';
import { readBody, type HttpTransport } from '../http.js';
import type { AuthChallenge } from './challenge.js';
import type { CredentialResolver, Credentials } from './credentials.js';

const TOKEN_RESPONSE_LIMIT = 1024 * 1024;
const DEFAULT_TOKEN_LIFETIME_S = 60;

const TokenResponseSchema = z
  .object({
    token: z.string().optional(),
    access_token: z.string().optional(),
    expires_in: z.number().optional(),
  })
  .passthrough();

interface CachedToken {
  header: string;
  expiresAt: number;
}

interface RegistryAuthState {
  /** What the registry asked for last: a bearer realm, or basic. */
  challenge: AuthChallenge | undefined;
  credentials: Credentials | undefined;
  credentialsLoaded: boolean;
}

export interface AuthSessionOptions {
  credentials: CredentialResolver;
  /** May a token realm be plain http? (same rule as registries: asked for, or loopback) */
  allowPlainHttp: (url: URL) => boolean;
  now?: () => number;
}

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

export class AuthSession {
  private readonly states = new Map<string, RegistryAuthState>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(
    private readonly transport: HttpTransport,
    private readonly options: AuthSessionOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  private state(registry: string): RegistryAuthState {
    let s = this.states.get(registry);
    if (!s) {
      s = { challenge: undefined, credentials: undefined, credentialsLoaded: false };
      this.states.set(registry, s);
    }
    return s;
  }

  private async credentials(registry: string): Promise<Credentials | undefined> {
    const s = this.state(registry);
    if (!s.credentialsLoaded) {
      s.credentials = await this.options.credentials(registry);
      s.credentialsLoaded = true;
    }
    return s.credentials;
  }

  private tokenKey(registry: string, challenge: AuthChallenge, scopes: string[]): string {
    return `${registry}\n${challenge.params.realm ?? ''}\n${challenge.params.service ?? ''}\n${[...scopes].sort().join(' ')}`;
  }

  /** The Authorization header to send up front, if an earlier challenge told us what works. */
  async headerFor(registry: string, scopes: string[]): Promise<string | undefined> {
    const s = this.states.get(registry);
    if (!s?.challenge) return undefined;
    if (s.challenge.scheme === 'basic') {
      const c = await this.credentials(registry);
      return c?.kind === 'basic' ? basicHeader(c.username, c.password) : undefined;
    }
    const cached = this.tokens.get(this.tokenKey(registry, s.challenge, scopes));
    if (cached && cached.expiresAt > this.now()) return cached.header;
    // A known bearer realm: fetch the token now instead of sending a request bound to fail.
    return this.fetchToken(registry, s.challenge, scopes);
  }

  /** Answers a 401: returns the header to retry with, or throws REGISTRY_UNAUTHORIZED. */
  async answerChallenge(registry: string, challenges: AuthChallenge[], scopes: string[], what: string): Promise<string> {
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find((c) => c.scheme === 'basic');
    const s = this.state(registry);
    if (bearer) {
      s.challenge = bearer;
      if (bearer.params.error === 'insufficient_scope') {
        throw new ProvenantError('REGISTRY_DENIED', `${what}: the registry refused the token's scope (${bearer.params.scope ?? scopes.join(' ')})`, { details: { registry } });
      }
      return this.fetchToken(registry, bearer, scopes);
    }
    if (basic) {
      s.challenge = basic;
      const c = await this.credentials(registry);
      if (c?.kind === 'basic') return basicHeader(c.username, c.password);
      throw new ProvenantError('REGISTRY_UNAUTHORIZED', `${what}: ${registry} wants a username and password (docker login, an auth file, or PROVENANT_REGISTRY_USERNAME/PASSWORD)`, {
        details: { registry },
      });
    }
    throw new ProvenantError('REGISTRY_UNAUTHORIZED', `${what}: ${registry} answered 401 without a Bearer or Basic challenge we can answer`, { details: { registry } });
  }

  /** Forgets cached tokens for a registry (after a 401 despite a token). */
  invalidate(registry: string): void {
    for (const k of this.tokens.keys()) if (k.startsWith(`${registry}\n`)) this.tokens.delete(k);
  }

  /** True when the last 401 was answered with credentials we already had (so another 401 is final). */
  hasChallenge(registry: string): boolean {
    return this.states.get(registry)?.challenge !== undefined;
  }

  private fetchToken(registry: string, challenge: AuthChallenge, scopes: string[]): Promise<string> {
    const key = this.tokenKey(registry, challenge, scopes);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return Promise.resolve(cached.header);
    // Parallel requests (blob copies) share one token request per scope.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.requestToken(registry, challenge, scopes, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async requestToken(registry: string, challenge: AuthChallenge, scopes: string[], key: string): Promise<string> {
    const creds = await this.credentials(registry);
    if (creds?.kind === 'registryToken') return `Bearer ${creds.token}`;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch (cause) {
      throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${registry} sent a bearer challenge with an invalid realm`, { cause });
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.options.allowPlainHttp(realm))) {
      throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `${registry} sent token realm ${realm.origin}, which is not https (credentials are not sent in the clear)`);
    }
    const service = challenge.params.service;
    let res;
    if (creds?.kind === 'identityToken') {
      // OAuth2 refresh-token grant, as docker does for identity tokens.
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.token, client_id: 'provenant', ...(service ? { service } : {}) });
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.transport.send({ method: 'POST', url: realm, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) });
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.kind === 'basic') headers.authorization = basicHeader(creds.username, creds.password);
      res = await this.transport.send({ method: 'GET', url, headers });
    }
    const body = await readBody(res, TOKEN_RESPONSE_LIMIT, `token from ${realm.origin}`);
    if (res.status === 401 || res.status === 403) {
      throw new ProvenantError('REGISTRY_UNAUTHORIZED', `the token service ${realm.origin} refused ${creds ? 'the configured credentials' : 'anonymous access'} (HTTP ${res.status}) for ${scopes.join(' ')}`, {
        details: { registry, status: res.status },
      });
    }
    if (res.status !== 200) throw new ProvenantError('REGISTRY_ERROR', `the token service ${realm.origin} answered HTTP ${res.status}`, { details: { registry, status: res.status } });
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `the token service ${realm.origin} answered with something that is not JSON`, { cause });
    }
    const parsed = TokenResponseSchema.safeParse(json);
    const token = parsed.success ? (parsed.data.token ?? parsed.data.access_token) : undefined;
    if (!parsed.success || !token) throw new ProvenantError('REGISTRY_PROTOCOL_ERROR', `the token service ${realm.origin} answered without a token`);
    const lifetime = Math.max(parsed.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_S, 1);
    const header = `Bearer ${token}`;
    // Renew a little early so a request does not race the expiry.
    this.tokens.set(key, { header, expiresAt: this.now() + lifetime * 1000 - Math.min(10_000, lifetime * 100) });
    return header;
  }
}
