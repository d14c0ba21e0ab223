// Image references as docker and ORAS read them: `[registry[:port]/]repository[:tag][@digest]`,
// normalized once (`docker.io/library/...`) so every later step compares canonical names.
import { isDigest, type Digest } from '../digest/index.js';
import { ProvenantError } from '../errors.js';

/** The registry name Docker Hub references normalize to. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's distribution API actually answers. */
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** A registry plus a repository in it: what blob and tag operations address. */
export interface RepositoryRef {
  /** Normalized registry host[:port], e.g. `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  readonly registry: string;
  /** Repository path, lowercase, e.g. `library/alpine`. */
  readonly repository: string;
}

/** A parsed, normalized image reference. At least one of tag and digest may be absent (then `latest`). */
export interface ImageReference extends RepositoryRef {
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;
}

const MAX_NAME_LENGTH = 255;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOMAIN_LABEL = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const PORT = /^[0-9]{1,5}$/;
const IPV6_BRACKETED = /^\[[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?\]$/;

function invalid(ref: string, why: string): ProvenantError {
  return new ProvenantError('REFERENCE_INVALID', `image reference ${JSON.stringify(ref.length > 300 ? ref.slice(0, 300) + '...' : ref)} is invalid: ${why}`, {
    details: { reference: ref },
  });
}

/** True when `text` is a valid `host[:port]` registry name (a DNS name, IPv4 or bracketed IPv6). */
export function isRegistryHost(text: string): boolean {
  let host = text;
  let port: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return false;
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return false;
      port = rest.slice(1);
    }
    if (!IPV6_BRACKETED.test(host)) return false;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
    if (host === '' || !host.split('.').every((l) => DOMAIN_LABEL.test(l))) return false;
  }
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535)) return false;
  return true;
}

/** Docker's rule: the first path part is a registry if it has a dot or colon, is localhost, or has uppercase. */
export function looksLikeRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[') || first !== first.toLowerCase();
}

/**
 * The one canonical spelling of a registry: DNS names lowercased, the default port 443 dropped
 * (`ghcr.io:443` is `ghcr.io`: https's port, so the same registry), and Docker Hub's aliases, with or
 * without :443, as `docker.io`. Policy globs and subjects are both read through this, so no spelling of
 * a registry escapes a glob written with another. A dotless host keeps its port (`myhost:443`), since
 * without it the name would read as a Docker Hub repository.
 */
export function normalizeRegistry(registry: string): string {
  let lower = registry.toLowerCase();
  if (lower.endsWith(':443')) {
    const host = lower.slice(0, -':443'.length);
    if (host.includes('.') || host === 'localhost' || host.startsWith('[')) lower = host;
  }
  if (DOCKER_HUB_ALIASES.has(lower)) return DOCKER_HUB;
  // A dotless host is a registry only because of its uppercase letters (docker's rule): keep them, so it stays one.
  return looksLikeRegistry(lower) ? lower : registry;
}

/**
 * Parses and normalizes an image reference. Throws REFERENCE_INVALID for every malformed case:
 * empty parts, uppercase repositories, bad tags, bad or unsupported digests, over-long names.
 */
export function parseReference(ref: string): ImageReference {
  if (typeof ref !== 'string' || ref === '') throw invalid(String(ref), 'it is empty');
  if (/\s/.test(ref)) throw invalid(ref, 'it contains whitespace');
  let rest = ref;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d)) throw invalid(ref, `digest ${JSON.stringify(d)} is not <algorithm>:<hex>`);
    if (!isDigest(d)) throw invalid(ref, `digest ${JSON.stringify(d)} is not a sha256 (64 hex) or sha512 (128 hex) digest`);
    digest = d;
  }
  if (rest === '') throw invalid(ref, 'the name is empty');
  let tag: string | undefined;
  // A tag colon comes after the last slash; a colon before it belongs to a registry port.
  const lastSlash = rest.lastIndexOf('/');
  const tagColon = rest.indexOf(':', lastSlash + 1);
  if (tagColon >= 0) {
    tag = rest.slice(tagColon + 1);
    rest = rest.slice(0, tagColon);
    if (!TAG.test(tag)) throw invalid(ref, `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (rest.length > MAX_NAME_LENGTH) throw invalid(ref, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  if (parts.length > 1 && looksLikeRegistry(parts[0]!)) {
    const host = parts.shift()!;
    if (!isRegistryHost(host)) throw invalid(ref, `registry ${JSON.stringify(host)} is not a valid host[:port]`);
    registry = normalizeRegistry(host);
  }
  for (const p of parts) {
    if (p === '') throw invalid(ref, 'the repository has an empty path component');
    if (!PATH_COMPONENT.test(p)) {
      throw invalid(ref, p !== p.toLowerCase() ? 'repository names must be lowercase' : `repository component ${JSON.stringify(p)} must match [a-z0-9]+ separated by '.', '_', '__' or '-'`);
    }
  }
  let repository = parts.join('/');
  if (registry === DOCKER_HUB && parts.length === 1) repository = `library/${repository}`;
  return { registry, repository, tag, digest };
}

/** Checks a repository path given directly (not parsed from a reference); REFERENCE_INVALID otherwise. */
export function assertRepository(repository: string): void {
  if (repository.length === 0 || repository.length > MAX_NAME_LENGTH || !repository.split('/').every((p) => PATH_COMPONENT.test(p))) {
    throw new ProvenantError('REFERENCE_INVALID', `repository ${JSON.stringify(repository.slice(0, 300))} is not a valid lowercase repository path`, { details: { repository } });
  }
}

/** The canonical string: `registry/repository[:tag][@digest]` (no `latest` added). */
export function formatReference(ref: RepositoryRef & { tag?: string | undefined; digest?: string | undefined }): string {
  return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** What goes after `/manifests/`: the digest when known, else the tag, else `latest`. */
export function manifestReference(ref: ImageReference): string {
  // References built by hand (not parsed) are checked here, before they become URL paths.
  if (ref.digest !== undefined) {
    if (!isDigest(ref.digest)) throw new ProvenantError('REFERENCE_INVALID', `digest ${JSON.stringify(String(ref.digest).slice(0, 200))} is not a sha256/sha512 digest`);
    return ref.digest;
  }
  if (ref.tag !== undefined && !TAG.test(ref.tag)) throw new ProvenantError('REFERENCE_INVALID', `tag ${JSON.stringify(ref.tag.slice(0, 200))} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  return ref.tag ?? 'latest';
}

/** The same repository with another tag or digest. */
export function withReference(repo: RepositoryRef, reference: { tag?: string | undefined; digest?: Digest | undefined }): ImageReference {
  return { registry: repo.registry, repository: repo.repository, tag: reference.tag, digest: reference.digest };
}

/** The host the distribution API answers on for a normalized registry name. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry;
}

/** True for 127.0.0.0/8, ::1 and localhost, with or without a port: plain HTTP is allowed there. */
export function isLoopbackRegistry(registry: string): boolean {
  let host = registry;
  if (host.startsWith('[')) host = host.slice(1, host.indexOf(']'));
  else if (host.includes(':')) host = host.slice(0, host.lastIndexOf(':'));
  host = host.toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
