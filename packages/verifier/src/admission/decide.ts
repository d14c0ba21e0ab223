// One image's admission decision: policy match first (no registry read for images no policy covers),
// then tag -> digest, then the verified decision for that digest, cached, shared between concurrent
// reviews, with a bound on concurrent registry work. Every decision is the verifier's (decide/evaluate).
import { createHash } from 'node:crypto';
import { isProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import type { Digest } from '@provenant/core/digest';
import { formatReference, parseReference, type ImageReference, type RegistryClient } from '@provenant/core/oci';
import type { TrustMaterial } from '@provenant/core/verify';
import { evaluate, matchPolicies } from '../decide/evaluate.js';
import { VerificationCache } from '../decide/verify.js';
import type { PolicySet, TrustRef } from '../policy/compile.js';
import { fetchImageEvidence } from '../registry/evidence.js';

export interface ImageVerdict {
  /** The image as the object names it. */
  readonly image: string;
  readonly allowed: boolean;
  /** The digest that was verified (absent when no registry was read). */
  readonly digest?: Digest | undefined;
  /** Policies that matched the image. */
  readonly policies: readonly string[];
  readonly reason: string;
  /** Why it was denied. */
  readonly code?: ProvenantErrorCode | 'POLICY_CONDITION_FAILED' | undefined;
  /** Warn-mode policy failures. */
  readonly warnings: readonly string[];
  /** How it was decided: from the cache, by verification, or by policy match alone. */
  readonly source: 'cache' | 'verified' | 'match' | 'error';
}

/** What decisions depend on besides the image: swapped as a whole when files are reloaded. */
export interface DecisionInputs {
  readonly policies: PolicySet;
  readonly trust?: TrustMaterial | TrustRef | undefined;
  /** sha256 of the trust material's bytes (part of the cache key); 'none' when there is none. */
  readonly trustDigest?: string | undefined;
}

export interface ImageDeciderOptions {
  client: RegistryClient;
  /** Verified decisions kept (default 10,000). */
  cacheSize?: number;
  /** How long a verified decision is reused (default 5 min). */
  cacheTtlMs?: number;
  /** How long a tag's resolved digest is reused (default 10 s; 0: resolve every time). */
  tagTtlMs?: number;
  /** Images verified at once; more wait (default 16). */
  maxConcurrentVerifications?: number;
  /** Called on every registry error (metrics). */
  onRegistryError?: (code: string) => void;
  onCache?: (hit: boolean) => void;
  onVerifying?: (delta: 1 | -1) => void;
  now?: () => number;
}

/** sha256 over the policy files' digests and the noMatch setting: a policy set's identity in cache keys. */
export function policySetDigest(policies: PolicySet): string {
  const h = createHash('sha256');
  for (const s of policies.sources) h.update(`${s.uri}\0${s.digest.sha256}\n`);
  h.update(`noMatch=${policies.noMatch}`);
  return h.digest('hex');
}

/** A map bounded in size (least recently used dropped first) whose entries expire. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}
  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= this.now()) return undefined;
    this.entries.set(key, e); // most recently used last
    return e.value;
  }
  set(key: string, value: V): void {
    if (this.maxEntries <= 0 || this.ttlMs <= 0) return;
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }
  clear(): void {
    this.entries.clear();
  }
  get size(): number {
    return this.entries.size;
  }
}

/** A counting semaphore whose waiters can give up (a review past its deadline stops waiting). */
export class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  /** Resolves with a release function, or with undefined when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<(() => void) | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal.removeEventListener('abort', abandon);
        this.active++;
        resolve(this.releaser());
      };
      const abandon = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(undefined);
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', abandon, { once: true });
    });
  }
  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      this.waiters.shift()?.();
    };
  }
  get running(): number {
    return this.active;
  }
}

const deny = (image: string, code: ImageVerdict['code'], reason: string, extra: Partial<ImageVerdict> = {}): ImageVerdict => ({ image, allowed: false, code, reason, policies: [], warnings: [], source: 'error', ...extra });

function errorVerdict(image: string, err: unknown, digest?: Digest): ImageVerdict {
  if (isProvenantError(err)) return deny(image, err.code, err.message, digest ? { digest } : {});
  return deny(image, 'INTERNAL', err instanceof Error ? err.message : String(err), digest ? { digest } : {});
}

type Inputs = DecisionInputs & { readonly policyDigest: string; readonly trustDigest: string };

export class ImageDecider {
  private inputs: Inputs;
  private readonly decisions: TtlCache<ImageVerdict>;
  private readonly tags: TtlCache<Digest>;
  private readonly inflight = new Map<string, Promise<ImageVerdict>>();
  private readonly resolving = new Map<string, Promise<Digest>>();
  private readonly slots: Semaphore;
  private verification = new VerificationCache();
  private readonly o: ImageDeciderOptions;

  constructor(inputs: DecisionInputs, options: ImageDeciderOptions) {
    this.o = options;
    const now = options.now ?? Date.now;
    this.decisions = new TtlCache(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 5 * 60_000, now);
    this.tags = new TtlCache(options.cacheSize ?? 10_000, options.tagTtlMs ?? 10_000, now);
    this.slots = new Semaphore(Math.max(1, options.maxConcurrentVerifications ?? 16));
    this.inputs = this.withDigests(inputs);
  }

  private withDigests(inputs: DecisionInputs): Inputs {
    return { ...inputs, policyDigest: policySetDigest(inputs.policies), trustDigest: inputs.trustDigest ?? 'none' };
  }

  /** New policies or trust: later decisions use them; cached decisions made under the old ones are dropped. */
  update(inputs: Partial<DecisionInputs>): void {
    this.inputs = this.withDigests({ ...this.inputs, ...inputs });
    this.decisions.clear();
    this.verification = new VerificationCache();
  }

  get policies(): PolicySet {
    return this.inputs.policies;
  }
  get cacheEntries(): number {
    return this.decisions.size;
  }

  /**
   * Decides one image before `signal` aborts (the review's deadline). Never throws: a registry that is
   * down, slow or lying, or a reference that does not parse, is a denial with the reason.
   */
  async decide(image: string, signal: AbortSignal): Promise<ImageVerdict> {
    let ref: ImageReference;
    try {
      ref = parseReference(image);
    } catch (err) {
      return errorVerdict(image, err);
    }
    const inputs = this.inputs;
    // Match before any registry read: an image no policy covers is decided by noMatch alone.
    const matched = matchPolicies(inputs.policies, { kind: 'image', ref: image, digest: '' });
    if (matched.length === 0) {
      const allowed = inputs.policies.noMatch === 'allow';
      const reason = `no policy matches ${ref.registry}/${ref.repository}; noMatch is ${inputs.policies.noMatch}`;
      return { image, allowed, reason, policies: [], warnings: [], source: 'match', ...(allowed ? {} : { code: 'POLICY_NO_MATCH' as const }) };
    }
    const policyNames = matched.map((p) => p.name);
    const work = (async (): Promise<ImageVerdict> => {
      let digest: Digest;
      try {
        digest = ref.digest ?? (await this.resolveTag(ref, signal));
      } catch (err) {
        if (isProvenantError(err)) this.o.onRegistryError?.(err.code);
        return { ...errorVerdict(image, err), policies: policyNames };
      }
      const key = `${ref.registry}/${ref.repository}@${digest}|${inputs.policyDigest}|${inputs.trustDigest}`;
      const hit = this.decisions.get(key);
      this.o.onCache?.(hit !== undefined);
      if (hit) return { ...hit, image, source: 'cache' };
      let shared = this.inflight.get(key);
      if (!shared) {
        shared = this.verify(ref, digest, key, inputs, policyNames, signal).finally(() => this.inflight.delete(key));
        this.inflight.set(key, shared);
      }
      return { ...(await shared), image };
    })();
    return Promise.race([work, aborted(signal, image, policyNames)]);
  }

  private async resolveTag(ref: ImageReference, signal: AbortSignal): Promise<Digest> {
    const name = formatReference(ref);
    const known = this.tags.get(name);
    if (known) return known;
    let p = this.resolving.get(name);
    if (!p) {
      p = this.withSlot(signal, async () => (await this.o.client.resolve(ref)).digest as Digest).then((d) => {
        this.tags.set(name, d);
        return d;
      });
      p = p.finally(() => this.resolving.delete(name));
      this.resolving.set(name, p);
    }
    return p;
  }

  private async withSlot<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const release = await this.slots.acquire(signal);
    if (!release) throw Object.assign(new Error('deadline passed while waiting for a registry slot'), { deadline: true });
    this.o.onVerifying?.(1);
    try {
      return await fn();
    } finally {
      this.o.onVerifying?.(-1);
      release();
    }
  }

  private async verify(ref: ImageReference, digest: Digest, key: string, inputs: Inputs, policyNames: string[], signal: AbortSignal): Promise<ImageVerdict> {
    const image = formatReference({ ...ref, digest });
    try {
      const evidence = await this.withSlot(signal, () => fetchImageEvidence(this.o.client, { ...ref, tag: undefined, digest }, digest));
      const subject = { kind: 'image' as const, ref: formatReference({ ...ref, tag: undefined, digest: undefined }), digest };
      const d = evaluate(subject, evidence, inputs.policies, { trust: inputs.trust, cache: this.verification });
      const failed = d.policies.find((p) => !p.passed && p.mode === 'enforce');
      const code = failed?.authorities.flatMap((a) => a.checks).find((c) => !c.passed)?.code;
      const verdict: ImageVerdict = {
        image,
        allowed: d.allowed,
        digest,
        policies: d.policies.map((p) => p.name),
        reason: d.reason,
        ...(d.allowed ? {} : { code: code ?? 'POLICY_DENIED' }),
        warnings: d.warnings,
        source: 'verified',
      };
      // Only what verified is kept: a denial or an error is decided again next time, never reused.
      if (verdict.allowed && this.inputs === inputs) this.decisions.set(key, verdict);
      return verdict;
    } catch (err) {
      if (isProvenantError(err)) this.o.onRegistryError?.(err.code);
      return { ...errorVerdict(image, err, digest), policies: policyNames };
    }
  }
}

/** Resolves with a denial when the review's deadline passes; stays pending otherwise. */
function aborted(signal: AbortSignal, image: string, policies: string[]): Promise<ImageVerdict> {
  return new Promise((resolve) => {
    const fire = () => resolve(deny(image, 'TIMEOUT', `no decision within the review deadline (the registry is slow or unreachable)`, { policies }));
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
}
