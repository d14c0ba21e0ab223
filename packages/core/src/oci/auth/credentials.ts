// Registry credentials: explicit options, environment variables, docker `config.json` (`auths`,
// `credHelpers`, `credsStore` via `docker-credential-<name> get`), found the way docker and podman do.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ProvenantError } from '../../errors.js';
import { DOCKER_HUB, normalizeRegistry } from '../reference.js';

/** Username + password, or an identity (refresh) token, or a ready bearer token. */
export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identityToken'; username?: string; token: string }
  | { kind: 'registryToken'; token: string };

/** Finds credentials for a normalized registry name; undefined means anonymous. */
export type CredentialResolver = (registry: string) => Promise<Credentials | undefined>;

const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const HELPER_TIMEOUT_MS = 30_000;
const HELPER_MAX_OUTPUT = 1024 * 1024;

const AuthEntrySchema = z
  .object({
    auth: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    identitytoken: z.string().optional(),
    registrytoken: z.string().optional(),
  })
  .passthrough();

const DockerConfigSchema = z
  .object({
    auths: z.record(z.string(), AuthEntrySchema).optional(),
    credsStore: z.string().optional(),
    credHelpers: z.record(z.string(), z.string()).optional(),
  })
  .passthrough();
export type DockerConfig = z.infer<typeof DockerConfigSchema>;

const HelperOutputSchema = z.object({ ServerURL: z.string().optional(), Username: z.string(), Secret: z.string() }).passthrough();

/** The registry name a config key denotes: `https://index.docker.io/v1/` -> `docker.io`, `host:5000/path` -> `host:5000`. */
export function configKeyRegistry(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return normalizeRegistry(k);
}

/** Parses docker config JSON (zod-checked); CREDENTIALS_ERROR when malformed. */
export function parseDockerConfig(text: string, source = 'docker config'): DockerConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ProvenantError('CREDENTIALS_ERROR', `${source} is not valid JSON`, { cause });
  }
  const r = DockerConfigSchema.safeParse(json);
  if (!r.success) throw new ProvenantError('CREDENTIALS_ERROR', `${source} is malformed at ${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''}`, { cause: r.error });
  return r.data;
}

function decodeAuthEntry(entry: z.infer<typeof AuthEntrySchema>, source: string): Credentials | undefined {
  if (entry.registrytoken) return { kind: 'registryToken', token: entry.registrytoken };
  let username = entry.username;
  let password = entry.password;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new ProvenantError('CREDENTIALS_ERROR', `${source}: an "auth" entry does not decode to user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) return { kind: 'identityToken', token: entry.identitytoken, ...(username ? { username } : {}) };
  if (username !== undefined && password !== undefined && (username !== '' || password !== '')) return { kind: 'basic', username, password };
  return undefined;
}

/** Runs `docker-credential-<helper> get` with the server URL on stdin. Undefined when it has none. */
export async function runCredentialHelper(helper: string, registry: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper)) throw new ProvenantError('CREDENTIALS_ERROR', `credential helper name ${JSON.stringify(helper)} is not a plain program name`);
  const program = `docker-credential-${helper}`;
  // Docker Hub's helpers store it under the legacy index URL.
  const serverUrl = registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
  const { stdout, failed, stderr } = await new Promise<{ stdout: string; stderr: string; failed: Error | undefined }>((resolve) => {
    // Loaded on first use: child_process (and the dgram it pulls in) costs every registry read at start-up otherwise.
    const { execFile } = process.getBuiltinModule('node:child_process');
    const child = execFile(program, ['get'], { env: options.env ?? process.env, timeout: options.timeoutMs ?? HELPER_TIMEOUT_MS, maxBuffer: HELPER_MAX_OUTPUT, encoding: 'utf8' }, (err, out, errOut) =>
      resolve({ stdout: out, stderr: errOut, failed: err ?? undefined }),
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(serverUrl);
  });
  if (failed) {
    // The helper protocol reports a missing entry as a failure with this text on stdout.
    if (/credentials not found/i.test(stdout) || /credentials not found/i.test(stderr)) return undefined;
    const enoent = (failed as { code?: unknown }).code === 'ENOENT';
    throw new ProvenantError('CREDENTIALS_ERROR', enoent ? `credential helper ${program} is not on PATH` : `credential helper ${program} failed: ${(stderr || stdout || failed.message).trim().slice(0, 300)}`, {
      cause: failed,
      details: { helper: program },
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (cause) {
    throw new ProvenantError('CREDENTIALS_ERROR', `credential helper ${program} printed something that is not JSON`, { cause });
  }
  const r = HelperOutputSchema.safeParse(json);
  if (!r.success) throw new ProvenantError('CREDENTIALS_ERROR', `credential helper ${program} answered without Username/Secret`, { cause: r.error });
  if (r.data.Username === '<token>') return { kind: 'identityToken', token: r.data.Secret };
  if (r.data.Username === '' && r.data.Secret === '') return undefined;
  return { kind: 'basic', username: r.data.Username, password: r.data.Secret };
}

/** Credentials for `registry` from one parsed config: credHelpers, then auths, then credsStore. */
export async function credentialsFromDockerConfig(config: DockerConfig, registry: string, options: { source?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Credentials | undefined> {
  const source = options.source ?? 'docker config';
  const want = normalizeRegistry(registry);
  const helpers = Object.entries(config.credHelpers ?? {}).find(([k]) => configKeyRegistry(k) === want);
  if (helpers) return runCredentialHelper(helpers[1], want, options.env ? { env: options.env } : {});
  const entries = Object.entries(config.auths ?? {});
  // An exact key beats a normalized match (`https://host/v1/` and `host` can both appear).
  const exact = entries.find(([k]) => k === registry) ?? entries.find(([k]) => configKeyRegistry(k) === want);
  if (exact) {
    const creds = decodeAuthEntry(exact[1], source);
    if (creds) return creds;
  }
  if (config.credsStore) return runCredentialHelper(config.credsStore, want, options.env ? { env: options.env } : {});
  return undefined;
}

/** Config files in the order docker/podman/skopeo consult them. */
export function dockerConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json'));
  return paths;
}

async function readConfigFile(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    const buf = await readFile(path);
    if (buf.length > MAX_CONFIG_BYTES) throw new ProvenantError('CREDENTIALS_ERROR', `${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    if ((err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR') return undefined;
    throw new ProvenantError('CREDENTIALS_ERROR', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseDockerConfig(text, path);
}

export interface DefaultCredentialOptions {
  env?: NodeJS.ProcessEnv;
  /** Explicit docker-format auth file (like `--authfile`); consulted first. */
  authFile?: string;
}

/**
 * The default chain: `PROVENANT_REGISTRY_USERNAME`/`_PASSWORD` (limited to `PROVENANT_REGISTRY_HOST`
 * when set), then the explicit auth file, `REGISTRY_AUTH_FILE`, podman's auth.json, docker's config.json.
 */
export function defaultCredentials(options: DefaultCredentialOptions = {}): CredentialResolver {
  const env = options.env ?? process.env;
  return async (registry) => {
    const user = env.PROVENANT_REGISTRY_USERNAME;
    const pass = env.PROVENANT_REGISTRY_PASSWORD;
    const onlyHost = env.PROVENANT_REGISTRY_HOST;
    if (user !== undefined && pass !== undefined && (onlyHost === undefined || normalizeRegistry(onlyHost) === normalizeRegistry(registry))) {
      return { kind: 'basic', username: user, password: pass };
    }
    const paths = [...(options.authFile ? [options.authFile] : []), ...dockerConfigPaths(env)];
    for (const path of paths) {
      const config = await readConfigFile(path);
      if (!config) continue;
      const creds = await credentialsFromDockerConfig(config, registry, { source: path, env });
      if (creds) return creds;
    }
    return undefined;
  };
}

/** A resolver with fixed credentials per registry (tests, CLI flags like `--creds`). */
export function staticCredentials(map: Record<string, Credentials>): CredentialResolver {
  const normalized = new Map(Object.entries(map).map(([k, v]) => [normalizeRegistry(k), v]));
  return async (registry) => normalized.get(normalizeRegistry(registry));
}

/** Tries resolvers in order; the first answer wins. */
export function chainCredentials(...resolvers: CredentialResolver[]): CredentialResolver {
  return async (registry) => {
    for (const r of resolvers) {
      const c = await r(registry);
      if (c) return c;
    }
    return undefined;
  };
}
