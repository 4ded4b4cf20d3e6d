// A tool we run (helm) follows symlinks wherever they lead. Before handing it a directory of the
// WorkDir, find any link inside that resolves outside the WorkDir.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isWithin } from './paths.js';

/** The first symlink under dir (relative to root) whose target is outside root, if any. */
export async function findEscapingLink(root: string, dir: string): Promise<string | undefined> {
  const realRoot = await fs.realpath(root);
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const target = await fs.realpath(full).catch(() => undefined);
      // A dangling link reads nothing; a link that resolves outside could read anything.
      if (target !== undefined && !isWithin(realRoot, target)) return path.relative(root, full);
    } else if (entry.isDirectory() && entry.name !== '.git') {
      const found = await findEscapingLink(root, full);
      if (found) return found;
    }
  }
  return undefined;
}
