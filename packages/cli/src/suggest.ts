// Suggestions for what a person probably meant: cosign's command names, and the nearest option name.

/** cosign (and slsa-verifier) command names, and the provenant command that does that job. */
export const FOREIGN_COMMANDS: Readonly<Record<string, string>> = {
  'sign-blob': 'sign',
  'verify-blob': 'verify',
  'attest-blob': 'attest',
  'verify-blob-attestation': 'verify',
  'generate-key-pair': 'keygen',
  'import-key-pair': 'keygen --import',
  'verify-attestation': 'verify-image',
  initialize: 'trust update',
  copy: 'promote',
  'verify-npm': 'verify-npm-package',
  scan: 'sbom',
};

/** Levenshtein distance, for the nearest known name. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known name nearest to `word` (a prefix counts as near), if any is near enough to suggest. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const score = k.startsWith(word) || word.startsWith(k) ? Math.abs(k.length - word.length) / 2 : distance(word, k);
    if (score < bestScore) {
      best = k;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
