import type { z } from 'zod';

/** One zod issue as `path: message`, for error messages a person can act on. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** The in-toto rule a failed check corresponds to (the Go reference's error name), carried in error details. */
export function ruleOf(error: z.ZodError): string | undefined {
  for (const i of error.issues) {
    const params = (i as { params?: { rule?: unknown } }).params;
    if (params && typeof params.rule === 'string') return params.rule;
  }
  return undefined;
}
