// Runs a composite GitHub Action's steps as the Actions runner does, for tests: inputs with their
// defaults, `if:` and `${{ }}` expressions (the subset action.yml uses: contexts inputs, steps, runner,
// github, env; literals; == != && || !), each `run:` written to a file and started as
// `bash --noprofile --norc -eo pipefail FILE` with the step's env over the job's, a fresh GITHUB_OUTPUT
// file per step (both `name=value` and `name<<DELIMITER` forms read back), then the action's outputs.
// An expression outside the subset throws: the test must not pass on something it did not evaluate.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
  uses?: string;
}
interface ActionFile {
  inputs?: Record<string, { default?: string | number | boolean; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}
type Contexts = Record<string, Record<string, unknown>>;

export interface ActionRun {
  status: number;
  outputs: Record<string, string>;
  steps: Array<{ id: string | undefined; ran: boolean; status: number; stdout: string; stderr: string; outputs: Record<string, string> }>;
}

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  const re = /\s*('(?:[^']|'')*'|==|!=|&&|\|\||!|\(|\)|[A-Za-z_][A-Za-z0-9_.-]*|\d+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < expr.length && (m = re.exec(expr)) !== null) {
    tokens.push(m[1]!);
    at = re.lastIndex;
  }
  if (expr.slice(at).trim() !== '') throw new Error(`expression: cannot read "${expr.slice(at)}" in "${expr}"`);
  return tokens;
}

/** Evaluates a GitHub Actions expression of the subset above. */
export function evaluate(expr: string, ctx: Contexts): unknown {
  const t = tokenize(expr);
  let i = 0;
  const truthy = (v: unknown) => v !== '' && v !== false && v !== 0 && v !== null && v !== undefined;
  const primary = (): unknown => {
    const tok = t[i++];
    if (tok === undefined) throw new Error(`expression: unexpected end of "${expr}"`);
    if (tok === '(') {
      const v = or();
      if (t[i++] !== ')') throw new Error(`expression: missing ) in "${expr}"`);
      return v;
    }
    if (tok === '!') return !truthy(primary());
    if (tok.startsWith("'")) return tok.slice(1, -1).replaceAll("''", "'");
    if (/^\d+$/u.test(tok)) return Number(tok);
    if (tok === 'true' || tok === 'false') return tok === 'true';
    const [root, ...path] = tok.split('.');
    if (!(root! in ctx)) throw new Error(`expression: context ${root} is not supported here ("${expr}")`);
    let v: unknown = ctx[root!];
    for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
    return v ?? '';
  };
  const cmp = (): unknown => {
    const a = primary();
    if (t[i] === '==' || t[i] === '!=') {
      const op = t[i++];
      const b = primary();
      const eq = String(a).toLowerCase() === String(b).toLowerCase();
      return op === '==' ? eq : !eq;
    }
    return a;
  };
  const and = (): unknown => {
    let a = cmp();
    while (t[i] === '&&') {
      i++;
      const b = cmp();
      a = truthy(a) ? b : a;
    }
    return a;
  };
  const or = (): unknown => {
    let a = and();
    while (t[i] === '||') {
      i++;
      const b = and();
      a = truthy(a) ? a : b;
    }
    return a;
  };
  const v = or();
  if (i !== t.length) throw new Error(`expression: trailing "${t.slice(i).join(' ')}" in "${expr}"`);
  return v;
}

/** Replaces every `${{ expr }}` in a string. */
export function interpolate(text: string, ctx: Contexts): string {
  return text.replace(/\$\{\{(.*?)\}\}/gsu, (_m, e: string) => {
    const v = evaluate(e.trim(), ctx);
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/** Reads a GITHUB_OUTPUT (or GITHUB_ENV) file. */
export function readCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/u.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end === -1) throw new Error(`output file: no closing ${heredoc[2]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else {
      const eq = line.indexOf('=');
      if (eq === -1) throw new Error(`output file: cannot read "${line}"`);
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

/** Runs a script file with bash as the runner does, without blocking this process (it may serve the job's loopback parts). */
export function runBash(script: string, env: NodeJS.ProcessEnv, cwd: string | undefined): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? 1, stdout, stderr });
    });
  });
}

/** Runs the composite action at `actionDir` with `with` inputs in `env` (the job's environment). */
export async function runCompositeAction(actionDir: string, withInputs: Record<string, string>, env: NodeJS.ProcessEnv): Promise<ActionRun> {
  const action = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const given = withInputs[name];
    if (given === undefined && spec.required) throw new Error(`input ${name} is required`);
    inputs[name] = given ?? (spec.default === undefined ? '' : String(spec.default));
  }
  for (const name of Object.keys(withInputs)) if (!(name in inputs)) throw new Error(`unexpected input ${name}`);
  const temp = env.RUNNER_TEMP ?? mkdtempSync('/tmp/runner-temp-');
  const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
  const ctx = (): Contexts => ({ inputs, steps, runner: { temp, os: 'Linux', arch: 'X64' }, github: { action_path: actionDir, workspace: env.GITHUB_WORKSPACE ?? '' }, env: { ...env } });
  const result: ActionRun = { status: 0, outputs: {}, steps: [] };
  for (const [n, step] of action.runs.steps.entries()) {
    const cond = step.if === undefined ? true : evaluate(step.if.replace(/^\$\{\{(.*)\}\}$/su, '$1').trim(), ctx());
    const ok = result.status === 0;
    if (!ok || cond === false || cond === '' || cond === 0) {
      result.steps.push({ id: step.id, ran: false, status: 0, stdout: '', stderr: '', outputs: {} });
      if (step.id) steps[step.id] = { outputs: {}, outcome: 'skipped' };
      continue;
    }
    if (step.uses !== undefined || step.run === undefined) throw new Error(`step ${n}: only run steps are supported here`);
    if (step.shell !== 'bash') throw new Error(`step ${n}: shell ${step.shell} is not supported here`);
    const stepEnv: NodeJS.ProcessEnv = { ...env, GITHUB_ACTION_PATH: actionDir, RUNNER_TEMP: temp };
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx());
    const output = join(temp, `output-${n}-${Date.now()}`);
    writeFileSync(output, '');
    stepEnv.GITHUB_OUTPUT = output;
    const script = join(temp, `step-${n}.sh`);
    writeFileSync(script, interpolate(step.run, ctx()));
    const r = await runBash(script, stepEnv, env.GITHUB_WORKSPACE);
    const outputs = readCommandFile(readFileSync(output, 'utf8'));
    result.steps.push({ id: step.id, ran: true, status: r.status, stdout: r.stdout, stderr: r.stderr, outputs });
    if (step.id) steps[step.id] = { outputs, outcome: r.status === 0 ? 'success' : 'failure' };
    if (r.status !== 0) result.status = r.status;
  }
  for (const [name, spec] of Object.entries(action.outputs ?? {})) result.outputs[name] = interpolate(spec.value, ctx());
  return result;
}
