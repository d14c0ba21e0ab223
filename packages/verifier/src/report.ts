import type { Decision } from './decide/evaluate.js';

function subjectLabel(d: Decision): string {
  return d.subject.kind === 'image' ? `${d.subject.ref.split('@')[0]}@${d.subject.digest}` : `${d.subject.uri} (${d.subject.digest})`;
}

/** A report a person reads: the verdict first, then for each policy and authority what was checked. */
export function formatDecision(d: Decision): string {
  const lines: string[] = [];
  lines.push(`${d.allowed ? 'ALLOWED' : 'DENIED'}: ${subjectLabel(d)}`);
  lines.push(`  ${d.reason}`);
  for (const w of d.warnings) lines.push(`  warning: ${w}`);
  for (const p of d.policies) {
    lines.push(`policy ${p.name} (${p.mode}, ${p.location}): ${p.passed ? 'passed' : 'FAILED'}`);
    for (const a of p.authorities) {
      lines.push(`  authority ${a.name}: ${a.passed ? 'passed' : 'FAILED'}`);
      for (const c of a.checks) lines.push(`    ${c.passed ? 'pass' : 'FAIL'} ${c.check}: ${c.reason}${c.code && !c.passed ? ` [${c.code}]` : ''}`);
    }
    if (p.firstFailure) lines.push(`  first failure: ${p.firstFailure}`);
  }
  return lines.join('\n') + '\n';
}

/** The same report as JSON: the Decision itself, with a stable field order. */
export function decisionToJSON(d: Decision): Record<string, unknown> {
  return {
    allowed: d.allowed,
    mode: d.mode,
    subject: d.subject,
    reason: d.reason,
    warnings: d.warnings,
    timeVerified: d.timeVerified,
    policies: d.policies,
    inputs: d.inputs,
  };
}
