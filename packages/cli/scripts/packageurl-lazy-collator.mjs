// A rolldown plugin for the CLI bundle: packageurl-js makes an Intl.Collator when it loads, and loading
// ICU's root collation data costs a cold `provenant sbom` about 60M instructions (~10 ms), a tenth of
// its own work on a pnpm or yarn lockfile. packageurl-js compares with it in one place only: at load, to
// sort its component names, which it first maps to their order (the digits 0-7), so it never needs the
// collator for purls at all. The bundle gets the same behaviour without paying for it:
//  - strings.js makes the collator on the first comparison instead of at load;
//  - purl-component.js compares two single-digit orders as numbers, the order the collator gives
//    "0".."7" (anything else still goes to the collator).
// Each rewrite must find its exact text: if packageurl-js changes, the build fails here rather than
// bundling code this plugin has not been checked against.
const REWRITES = [
  {
    file: /[\\/]packageurl-js[\\/]src[\\/]strings\.js$/,
    from: 'const { compare: localeCompare } = new Intl.Collator()',
    to: 'let collator_\nconst localeCompare = (a, b) => (collator_ ??= new Intl.Collator()).compare(a, b)',
  },
  {
    file: /[\\/]packageurl-js[\\/]src[\\/]purl-component\.js$/,
    from: 'return localeCompare(componentSortOrder(compA), componentSortOrder(compB))',
    to: 'const a_ = componentSortOrder(compA), b_ = componentSortOrder(compB)\n    return isDigit_(a_) && isDigit_(b_) ? a_ - b_ : localeCompare(a_, b_)',
    append: '\nfunction isDigit_(v) { return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 9 }\n',
  },
];

export function packageurlLazyCollator() {
  const applied = new Set();
  return {
    name: 'provenant:packageurl-lazy-collator',
    transform(code, id) {
      const rewrite = REWRITES.find((r) => r.file.test(id));
      if (!rewrite) return null;
      if (code.split(rewrite.from).length !== 2) this.error(`packageurl-lazy-collator: ${id} no longer contains exactly one ${JSON.stringify(rewrite.from)}; check the rewrite against the new packageurl-js`);
      applied.add(rewrite);
      return { code: code.replace(rewrite.from, rewrite.to) + (rewrite.append ?? ''), map: null };
    },
    buildEnd(err) {
      if (!err && applied.size !== REWRITES.length) this.error('packageurl-lazy-collator: packageurl-js was not bundled as expected (a rewrite found no file)');
    },
  };
}
