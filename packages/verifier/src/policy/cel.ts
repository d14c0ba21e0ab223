import { celEnv, CelScalar, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { ProvenantError } from '@provenant/core/errors';

/** The variables a condition sees: the verified statement, its predicate and type, and the subject. */
export const CEL_VARIABLES = ['predicate', 'statement', 'predicateType', 'subject'] as const;
export type CelVariables = Record<(typeof CEL_VARIABLES)[number], unknown>;

// Identifiers CEL itself defines (type names usable in `type(x) == map`).
const CEL_TYPE_IDENTS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type', 'dyn']);

const env = celEnv({ variables: Object.fromEntries(CEL_VARIABLES.map((v) => [v, CelScalar.DYN])) });

type Expr = ReturnType<typeof parse>['expr'];

export type ConditionOutcome = { passed: true } | { passed: false; reason: string };
export type CompiledCel = (vars: CelVariables) => ConditionOutcome;

/** Rejects at load time what would only fail at evaluation: unknown variables and unknown functions. */
function checkNames(expr: Expr, scope: ReadonlySet<string>, problems: string[]): void {
  const k = expr.exprKind;
  switch (k.case) {
    case 'identExpr':
      if (!scope.has(k.value.name) && !CEL_TYPE_IDENTS.has(k.value.name)) problems.push(`unknown variable ${k.value.name} (use ${CEL_VARIABLES.join(', ')})`);
      return;
    case 'selectExpr':
      if (k.value.operand) checkNames(k.value.operand, scope, problems);
      return;
    case 'callExpr':
      if (!env.funcs.find(k.value.function)) problems.push(`unknown function ${k.value.function}`);
      if (k.value.target) checkNames(k.value.target, scope, problems);
      for (const a of k.value.args) checkNames(a, scope, problems);
      return;
    case 'listExpr':
      for (const e of k.value.elements) checkNames(e, scope, problems);
      return;
    case 'structExpr':
      for (const e of k.value.entries) {
        if (e.keyKind.case === 'mapKey') checkNames(e.keyKind.value, scope, problems);
        if (e.value) checkNames(e.value, scope, problems);
      }
      return;
    case 'comprehensionExpr': {
      const c = k.value;
      if (c.iterRange) checkNames(c.iterRange, scope, problems);
      if (c.accuInit) checkNames(c.accuInit, scope, problems);
      const inner = new Set([...scope, c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]);
      if (c.loopCondition) checkNames(c.loopCondition, inner, problems);
      if (c.loopStep) checkNames(c.loopStep, inner, problems);
      if (c.result) checkNames(c.result, new Set([...scope, c.accuVar]), problems);
      return;
    }
    default:
      return;
  }
}

/** Turns JSON values into CEL inputs: integral numbers stay doubles (CEL compares int and double). */
function toCel(value: unknown): CelInput {
  if (value === undefined) return null;
  return value as CelInput;
}

/** Compiles a condition once, at policy load; a bad expression is POLICY_CEL_INVALID, never a pass. */
export function compileCel(source: string, where: string): CompiledCel {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
  } catch (cause) {
    throw new ProvenantError('POLICY_CEL_INVALID', `${where}: CEL expression does not parse: ${(cause as Error).message}`, { cause, details: { expression: source } });
  }
  const problems: string[] = [];
  checkNames(parsed.expr, new Set(CEL_VARIABLES), problems);
  if (problems.length) throw new ProvenantError('POLICY_CEL_INVALID', `${where}: CEL expression ${JSON.stringify(source)}: ${problems.join('; ')}`, { details: { expression: source } });
  let run: (ctx: Record<string, CelInput>) => unknown;
  try {
    run = plan(env, parsed) as (ctx: Record<string, CelInput>) => unknown;
  } catch (cause) {
    throw new ProvenantError('POLICY_CEL_INVALID', `${where}: CEL expression cannot be planned: ${(cause as Error).message}`, { cause, details: { expression: source } });
  }
  return (vars) => {
    let result: unknown;
    try {
      result = run({ predicate: toCel(vars.predicate), statement: toCel(vars.statement), predicateType: toCel(vars.predicateType), subject: toCel(vars.subject) });
    } catch (err) {
      return { passed: false, reason: `evaluation error: ${(err as Error).message}` };
    }
    if (isCelError(result)) return { passed: false, reason: `evaluation error: ${result.message}` };
    if (result === true) return { passed: true };
    return { passed: false, reason: typeof result === 'boolean' ? 'evaluated to false' : `evaluated to a non-boolean (${typeof result})` };
  };
}
