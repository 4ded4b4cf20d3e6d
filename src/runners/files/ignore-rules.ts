// gitignore-style rules for copy, tar and untar. Kargo parses each line of the `ignore` string
// with go-git's gitignore package; `ignore` (the npm package) implements the same spec.

import ignoreFactory from 'ignore';

/** Decides whether a path (relative, `/`-separated) is ignored. */
export type IgnoreMatcher = (relPath: string, isDir: boolean) => boolean;

/** The pattern lines of a multi-line ignore string: blank lines and `#` comments dropped. */
export function ignoreLines(rules: string | undefined): string[] {
  if (rules === undefined) return [];
  return rules
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => !line.startsWith('#') && line.trim() !== '');
}

/** A matcher over patterns; the last matching pattern wins, `!` re-includes, as in git. */
export function ignoreMatcher(patterns: string[]): IgnoreMatcher {
  const rules = ignoreFactory({ allowRelativePaths: true }).add(patterns);
  return (relPath, isDir) => {
    if (relPath === '' || relPath === '.') return false;
    return rules.ignores(isDir ? `${relPath}/` : relPath);
  };
}
