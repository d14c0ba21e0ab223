// CEL conditions, evaluated with @marcbachmann/cel-js (a maintained CEL implementation with no
// dependencies), except `matches`, which runs on @bufbuild/re2 (RE2 semantics, linear time): the
// engine's own `matches` is a JavaScript RegExp, which can backtrack for seconds on a crafted string,
// and a predicate's strings are the attester's to choose. The global form, `matches(s, p)`, is ours (the
// engine has only the receiver form), and each `s.matches(p)` is rewritten to it in the parsed expression.
import { Environment, serialize } from '@marcbachmann/cel-js';
import type { RE2JS } from '@bufbuild/re2';
import { ProvenantError } from '@provenant/core/errors';

/** The variables a condition sees: the verified statement, its predicate and type, and the subject. */
export const CEL_VARIABLES = ['predicate', 'statement', 'predicateType', 'subject'] as const;
export type CelVariables = Record<(typeof CEL_VARIABLES)[number], unknown>;

export type ConditionOutcome = { passed: true } | { passed: false; reason: string };
export type CompiledCel = (vars: CelVariables) => ConditionOutcome;

/** The global function every `matches` call becomes: ours, on RE2. */
const RE2_MATCHES = 'matches';
/** Patterns compiled once per process (conditions run per decision; the admission webhook runs many). */
const PATTERN_CACHE_LIMIT = 256;

let re2: typeof RE2JS | undefined;
const patterns = new Map<string, RE2JS>();

/** Loads the RE2 engine; compileCel needs it first for any expression that calls `matches`. */
export async function loadRegexEngine(): Promise<void> {
  re2 ??= (await import('@bufbuild/re2')).RE2JS;
}

/** Whether an expression might call `matches` (a cheap text test; the AST decides). */
export function mentionsMatches(source: string): boolean {
  return source.includes('matches');
}

function compilePattern(pattern: string): RE2JS {
  let compiled = patterns.get(pattern);
  if (compiled === undefined) {
    if (re2 === undefined) throw new Error('the RE2 engine is not loaded (call loadRegexEngine first)');
    compiled = re2.compile(pattern);
    if (patterns.size >= PATTERN_CACHE_LIMIT) patterns.delete(patterns.keys().next().value!);
    patterns.set(pattern, compiled);
  }
  return compiled;
}

let environment: Environment | undefined;
function celEnvironment(): Environment {
  if (!environment) {
    const env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
    for (const v of CEL_VARIABLES) env.registerVariable(v, 'dyn');
    env.registerFunction(`${RE2_MATCHES}(string, string): bool`, (text: string, pattern: string) => {
      let compiled: RE2JS;
      try {
        compiled = compilePattern(pattern);
      } catch (err) {
        throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
      }
      return compiled.test(text);
    });
    environment = env;
  }
  return environment;
}

/** A node of the engine's AST: `op` and its `args` (nodes, arrays of nodes, names or literal values). */
interface AstNode {
  op: string;
  args: unknown;
  [k: string]: unknown;
}
const isNode = (v: unknown): v is AstNode => typeof v === 'object' && v !== null && typeof (v as AstNode).op === 'string';

/** Rewrites `s.matches(p)` to RE2_MATCHES(s, p) (global calls already are); collects the literal patterns. */
function rewriteMatches(node: AstNode, literals: string[]): AstNode {
  const walk = (v: unknown): unknown => (isNode(v) ? rewriteMatches(v, literals) : Array.isArray(v) ? v.map(walk) : v);
  const args = node.args;
  if (!Array.isArray(args)) return isNode(args) ? { ...node, args: walk(args) } : node;
  // The arguments of a `matches` call in either form: receiver first, then the pattern.
  const matchesArgs =
    node.op === 'rcall' && args[0] === 'matches' && Array.isArray(args[2]) ? [args[1], ...(args[2] as unknown[])]
    : node.op === 'call' && args[0] === RE2_MATCHES && Array.isArray(args[1]) ? (args[1] as unknown[])
    : undefined;
  if (matchesArgs === undefined) return { ...node, args: args.map(walk) };
  const call = matchesArgs.map(walk);
  notePattern(call[1], literals);
  return { ...node, op: 'call', args: [RE2_MATCHES, call] };
}

function notePattern(arg: unknown, literals: string[]): void {
  if (isNode(arg) && arg.op === 'value' && typeof arg.args === 'string') literals.push(arg.args);
}

const invalid = (where: string, source: string, problem: string, cause?: unknown): ProvenantError =>
  new ProvenantError('POLICY_CEL_INVALID', `${where}: CEL expression ${JSON.stringify(source)}: ${problem}`, { ...(cause !== undefined ? { cause } : {}), details: { expression: source } });

/** The engine's message without the source excerpt it appends. */
const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();

/**
 * Compiles a condition once, at policy load: it must parse, name only the four variables and CEL's
 * functions, and type-check; a literal `matches` pattern must be valid RE2. A bad expression is
 * POLICY_CEL_INVALID, never a pass.
 */
export function compileCel(source: string, where: string): CompiledCel {
  const env = celEnvironment();
  // Checked as written, so every message speaks of the policy's own text.
  const checked = env.check(source);
  if (!checked.valid) throw invalid(where, source, firstLine(checked.error), checked.error);
  let program: (context: Record<string, unknown>) => unknown;
  try {
    const parsed = env.parse(source);
    if (!mentionsMatches(source)) program = parsed;
    else {
      const literals: string[] = [];
      const rewritten = rewriteMatches(parsed.ast as unknown as AstNode, literals);
      for (const p of literals) {
        try {
          compilePattern(p);
        } catch (err) {
          throw invalid(where, source, `invalid regular expression ${JSON.stringify(p)}: ${firstLine(err)}`, err);
        }
      }
      program = env.parse(serialize(rewritten as never));
    }
  } catch (err) {
    if (err instanceof ProvenantError) throw err;
    throw invalid(where, source, firstLine(err), err);
  }
  return (vars) => {
    let result: unknown;
    try {
      result = program({ predicate: vars.predicate ?? null, statement: vars.statement ?? null, predicateType: vars.predicateType ?? null, subject: vars.subject ?? null });
    } catch (err) {
      return { passed: false, reason: `evaluation error: ${firstLine(err)}` };
    }
    if (result === true) return { passed: true };
    return { passed: false, reason: typeof result === 'boolean' ? 'evaluated to false' : `evaluated to a non-boolean (${typeof result})` };
  };
}
