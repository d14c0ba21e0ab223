// A StrykerJS ignorer: mutants inside the text of an error message are not run. Tests assert error
// codes, never message text (see mutation/README.md), so such a mutant could only survive. The code
// argument and everything outside the message stay mutated.
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

/** Callee name -> which arguments are message text (by argument count where a name has two forms). */
const MESSAGE_ARGS = {
  ProvenantError: () => [1], // new ProvenantError(code, message, { cause, details })
  slsaError: () => [1], // slsaError(upstreamName, message)
  Error: () => [0],
  ShapeError: () => [0, 1], // (path, expected): both only build the message
  fail: () => [0], // DerReader.fail(reason), merkle's fail(why): fixed code, reason is text
  invalid: (n) => (n === 1 ? [0] : [0, 2]), // invalid(why); cel's invalid(where, source, problem, cause)
  where: (n) => Array.from({ length: n }, (_, i) => i), // policy/compile: a location for messages
};

function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

/** Object properties and variables that hold report text for people (a check's `reason`), never branched on. */
const MESSAGE_NAMES = new Set(['reason', 'firstFailure']);

function keyName(node) {
  if (node.type === 'ObjectProperty' && !node.computed) return node.key.type === 'Identifier' ? node.key.name : node.key.value;
  if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier') return node.id.name;
  if (node.type === 'AssignmentExpression' && node.left.type === 'Identifier') return node.left.name;
  return undefined;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'error-messages', {
    shouldIgnore(path) {
      const holder = path.parent;
      if ((path.key === 'value' || path.key === 'init' || path.key === 'right') && holder && MESSAGE_NAMES.has(keyName(holder))) {
        return `report text (${keyName(holder)}): tests assert codes and verdicts, not wording`;
      }
      if (path.listKey !== 'arguments' || typeof path.key !== 'number') return undefined;
      const call = path.parent;
      if (call.type !== 'CallExpression' && call.type !== 'NewExpression') return undefined;
      const name = calleeName(call.callee);
      const args = name !== undefined && Object.hasOwn(MESSAGE_ARGS, name) ? MESSAGE_ARGS[name](call.arguments.length) : [];
      return args.includes(path.key) ? `message text of ${name}(): tests assert error codes, not messages` : undefined;
    },
  }),
];
