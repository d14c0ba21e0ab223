import { createHash, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ProvenantError, type ProvenantErrorCode } from '@provenant/core/errors';
import { parseClaimableLevel } from '@provenant/core/slsa/levels';
import { loadPublicKey, loadTrustedRoot, type FulcioExtensions, type TrustMaterial } from '@provenant/core/verify';
import type { CompiledCel } from './cel.js';
import { compileGlob, impossibleArtifactGlob, impossibleImageGlob, normalizeImageGlob } from './glob.js';
import type { ParsedPolicy, ParsedPolicyFile } from './parse.js';
import type { AuthorityDocument } from './schema.js';

export interface CompiledCondition {
  readonly name: string;
  readonly expression: string;
  readonly evaluate: CompiledCel;
}

export interface CompiledAttestation {
  readonly name: string;
  readonly predicateType: string;
  readonly conditions: readonly CompiledCondition[];
}

/** Trust material plus a stable id for it, so verified results can be cached per trust. */
export interface TrustRef {
  readonly material: TrustMaterial;
  readonly id: string;
}

export type CompiledAuthority =
  | { readonly kind: 'static'; readonly name: string; readonly verdict: 'pass' | 'fail' }
  | { readonly kind: 'key'; readonly name: string; readonly publicKey: KeyObject; readonly keyId: string; readonly trust: TrustRef | undefined; readonly ignoreTlog: boolean }
  | {
      readonly kind: 'keyless';
      readonly name: string;
      readonly subject: string | undefined;
      readonly subjectRegExp: RegExp | undefined;
      readonly issuer: string;
      readonly extensions: FulcioExtensions;
      readonly trust: TrustRef | undefined;
      readonly ignoreTlog: boolean;
    };

export interface CompiledPolicy {
  readonly name: string;
  /** `file:line:col` of the policy, for reports. */
  readonly location: string;
  readonly mode: 'enforce' | 'warn';
  readonly images: readonly RegExp[];
  readonly artifacts: readonly RegExp[];
  readonly requireSignature: boolean;
  readonly authorities: readonly CompiledAuthority[];
  readonly attestations: readonly CompiledAttestation[];
  readonly verifiedLevels: readonly string[];
}

/** Everything a decision needs from policy files, compiled once. */
export interface PolicySet {
  readonly policies: readonly CompiledPolicy[];
  readonly noMatch: 'deny' | 'allow';
  /** The policy files and the sha256 of their bytes (a VSA names these). */
  readonly sources: readonly { readonly uri: string; readonly digest: { sha256: string } }[];
}

const KEY_FILE_LIMIT = 1024 * 1024;
const TRUSTED_ROOT_LIMIT = 16 * 1024 * 1024;

export function sha256Hex(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readReferenced(path: string, limit: number, where: string, what: string): Promise<Buffer> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new ProvenantError('POLICY_INVALID', `${where}: ${what} ${path} is not a file`);
    if (s.size > limit) throw new ProvenantError('POLICY_INVALID', `${where}: ${what} ${path} is larger than ${limit} bytes`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    const code: ProvenantErrorCode = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new ProvenantError(code, `${where}: cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function compileRegExp(pattern: string, where: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (cause) {
    throw new ProvenantError('POLICY_REGEX_INVALID', `${where}: regular expression ${JSON.stringify(pattern)} does not compile: ${(cause as Error).message}`, { cause });
  }
}

/** Compiles, memoizing files so a trusted root named by many authorities is parsed once. */
export class PolicyCompiler {
  private readonly roots = new Map<string, Promise<TrustRef>>();

  constructor(private readonly baseDir: string) {}

  private path(p: string): string {
    return isAbsolute(p) ? p : resolve(this.baseDir, p);
  }

  private trustedRoot(file: string, where: string): Promise<TrustRef> {
    const path = this.path(file);
    let ref = this.roots.get(path);
    if (!ref) {
      ref = readReferenced(path, TRUSTED_ROOT_LIMIT, where, 'trusted root').then((bytes) => {
        try {
          return { material: loadTrustedRoot(bytes), id: `root:${sha256Hex(bytes)}` };
        } catch (cause) {
          const code = cause instanceof ProvenantError ? cause.code : 'TRUSTED_ROOT_INVALID';
          throw new ProvenantError(code, `${where}: trusted root ${path}: ${(cause as Error).message}`, { cause });
        }
      });
      this.roots.set(path, ref);
    }
    return ref;
  }

  private async authority(a: AuthorityDocument, p: ParsedPolicy, i: number): Promise<CompiledAuthority> {
    const where = (...field: (string | number)[]) => `${p.locate(['spec', 'authorities', i, ...field])}: spec.authorities[${i}]${field.length ? '.' + field.join('.') : ''}`;
    if (a.static !== undefined) return { kind: 'static', name: a.name, verdict: a.static };
    // Syntax first, files second: a bad regex is reported as such even when a file is missing too.
    const subjectRegExp = a.keyless?.subjectRegExp === undefined ? undefined : compileRegExp(a.keyless.subjectRegExp, where('keyless', 'subjectRegExp'));
    const trust = a.trustedRoot === undefined ? undefined : await this.trustedRoot(a.trustedRoot, where('trustedRoot'));
    const ignoreTlog = a.ignoreTlog ?? false;
    if (a.key) {
      const pem = a.key.pem ?? (await readReferenced(this.path(a.key.file!), KEY_FILE_LIMIT, where('key', 'file'), 'public key')).toString('utf8');
      let publicKey: KeyObject;
      try {
        publicKey = loadPublicKey(pem);
      } catch (cause) {
        throw new ProvenantError('POLICY_INVALID', `${where('key')}: public key cannot be read: ${(cause as Error).message}`, { cause });
      }
      const keyId = sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
      return { kind: 'key', name: a.name, publicKey, keyId, trust, ignoreTlog };
    }
    const k = a.keyless!;
    return {
      kind: 'keyless',
      name: a.name,
      subject: k.subject,
      subjectRegExp,
      issuer: k.issuer,
      extensions: k.extensions ?? {},
      trust,
      ignoreTlog,
    };
  }

  async policy(p: ParsedPolicy): Promise<CompiledPolicy> {
    const { metadata, spec } = p.document;
    const authorities: CompiledAuthority[] = [];
    const names = new Set<string>();
    for (const [i, a] of spec.authorities.entries()) {
      if (names.has(a.name)) throw new ProvenantError('POLICY_INVALID', `${p.locate(['spec', 'authorities', i, 'name'])}: spec.authorities[${i}].name: ${a.name} is used twice`);
      names.add(a.name);
      authorities.push(await this.authority(a, p, i));
    }
    // CEL loads only for policies that have conditions, and its RE2 engine only for those that use `matches`.
    const hasConditions = (spec.attestations ?? []).some((a) => (a.conditions?.length ?? 0) > 0);
    const cel = hasConditions ? await import('./cel.js') : undefined;
    if (cel && (spec.attestations ?? []).some((a) => (a.conditions ?? []).some((c) => cel.mentionsMatches(c.cel)))) await cel.loadRegexEngine();
    const attestations: CompiledAttestation[] = (spec.attestations ?? []).map((req, i) => ({
      name: req.name,
      predicateType: req.predicateType,
      conditions: (req.conditions ?? []).map((c, j) => ({
        name: c.name ?? `${req.name}[${j}]`,
        expression: c.cel,
        evaluate: cel!.compileCel(c.cel, `${p.locate(['spec', 'attestations', i, 'conditions', j, 'cel'])}: spec.attestations[${i}].conditions[${j}].cel`),
      })),
    }));
    return {
      name: metadata.name,
      location: p.locate([]),
      mode: spec.mode ?? 'enforce',
      images: (spec.images ?? []).map((glob, i) => {
        const normal = normalizeImageGlob(glob);
        const error = 'error' in normal ? normal.error : impossibleImageGlob(normal.glob);
        if (error !== undefined) throw new ProvenantError('POLICY_INVALID', `${p.locate(['spec', 'images', i])}: spec.images[${i}]: ${error}`, { details: { glob } });
        return compileGlob((normal as { glob: string }).glob);
      }),
      artifacts: (spec.artifacts ?? []).map((glob, i) => {
        const error = impossibleArtifactGlob(glob);
        if (error !== undefined) throw new ProvenantError('POLICY_INVALID', `${p.locate(['spec', 'artifacts', i])}: spec.artifacts[${i}]: ${error}`, { details: { glob } });
        return compileGlob(glob);
      }),
      requireSignature: spec.requireSignature ?? true,
      authorities,
      attestations,
      verifiedLevels: (spec.verifiedLevels ?? []).map((level, i) => {
        try {
          return parseClaimableLevel(level).text;
        } catch (cause) {
          throw new ProvenantError('POLICY_INVALID', `${p.locate(['spec', 'verifiedLevels', i])}: spec.verifiedLevels[${i}]: ${(cause as Error).message}`, { cause, details: { level } });
        }
      }),
    };
  }
}

/** Compiles parsed policy files into one PolicySet; every regex, CEL program, key and trusted root is checked here. */
export async function compilePolicies(files: readonly { parsed: ParsedPolicyFile; baseDir: string; digest: string }[], options: { noMatch?: 'deny' | 'allow' } = {}): Promise<PolicySet> {
  const policies: CompiledPolicy[] = [];
  const seen = new Set<string>();
  let noMatch: 'deny' | 'allow' | undefined = options.noMatch;
  for (const f of files) {
    const compiler = new PolicyCompiler(f.baseDir);
    for (const p of f.parsed.policies) {
      if (seen.has(p.document.metadata.name)) throw new ProvenantError('POLICY_INVALID', `${p.locate(['metadata', 'name'])}: policy name ${p.document.metadata.name} is used twice`);
      seen.add(p.document.metadata.name);
      policies.push(await compiler.policy(p));
    }
    // Files that disagree on noMatch: deny wins (fail closed).
    if (options.noMatch === undefined && f.parsed.noMatch !== undefined) noMatch = noMatch === 'deny' || f.parsed.noMatch === 'deny' ? 'deny' : 'allow';
  }
  return { policies, noMatch: noMatch ?? 'deny', sources: files.map((f) => ({ uri: f.parsed.source, digest: { sha256: f.digest } })) };
}
