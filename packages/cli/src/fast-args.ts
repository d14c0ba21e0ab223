// The fast path of argument parsing: for a command that declares its arguments as data (ArgSpec), a
// plainly valid argv is parsed with node:util's parseArgs, without loading yargs (~20 ms of a cold
// start). Anything else (help, a usage error, negation, repeated or grouped flags, `--`) returns
// undefined and goes to yargs, which stays the one place usage errors and help are written. So the fast
// path accepts only argv that yargs accepts, and gives the handler the same values yargs would.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GLOBAL_OPTIONS, type ArgSpec } from './commands/types.js';

const NUMBER = /^-?\d+(\.\d+)?$/;
const camel = (s: string): string => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Parsed args with kebab and camelCase keys, as yargs gives them; undefined when yargs should decide. */
export function fastParse(command: string, argv: readonly string[], spec: ArgSpec): Record<string, unknown> | undefined {
  const all: ArgSpec['options'] = { ...GLOBAL_OPTIONS, ...spec.options };
  for (const a of argv) {
    // yargs reads a lone `-` as an empty string.
    if (a === '--' || a === '-' || a === '-h' || a === '--help' || a === '--version' || a.startsWith('--no-')) return undefined;
    if (/^-[^-]{2,}/.test(a)) return undefined;
  }
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(all)) {
    options[name] = { type: o.type === 'boolean' ? 'boolean' : 'string', ...(o.type === 'array' ? { multiple: true } : {}), ...(o.alias ? { short: o.alias } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true, tokens: true });
  } catch {
    return undefined;
  }
  const tokens = parsed.tokens ?? [];
  const seen = new Set<string>();
  let beforeCommand = true;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'positional') beforeCommand = false;
    if (t.kind !== 'option') continue;
    const o = all[t.name]!;
    // Before the command's name yargs knows only the global options.
    if (beforeCommand && !(t.name in GLOBAL_OPTIONS)) return undefined;
    // yargs collects a repeated scalar into an array, and lets an array option swallow the words after it.
    if (o.type !== 'array' && seen.has(t.name)) return undefined;
    seen.add(t.name);
    const next = tokens[i + 1];
    if (o.type === 'array' && (next?.kind === 'positional' || t.value === '')) return undefined;
    // yargs takes a `true` or `false` after a boolean flag as its value.
    if (o.type === 'boolean' && next?.kind === 'positional' && (next.value === 'true' || next.value === 'false')) return undefined;
  }
  if (parsed.positionals[0] !== command || parsed.positionals.length !== spec.positionals.length + 1) return undefined;
  const out: Record<string, unknown> = { _: [command], $0: 'provenant' };
  const set = (name: string, v: unknown): void => {
    out[name] = v;
    out[camel(name)] = v;
  };
  spec.positionals.forEach((p, i) => set(p.name, parsed.positionals[i + 1]));
  for (const [name, o] of Object.entries(all)) {
    const v = parsed.values[name];
    if (v === undefined) {
      if (o.default !== undefined) set(name, Array.isArray(o.default) ? [...(o.default as string[])] : o.default);
      continue;
    }
    const values = Array.isArray(v) ? v : [v];
    if (o.choices && !values.every((x) => typeof x === 'string' && o.choices!.includes(x))) return undefined;
    if (o.type === 'number') {
      if (typeof v !== 'string' || !NUMBER.test(v)) return undefined;
      set(name, Number(v));
    } else set(name, v);
  }
  return out;
}
