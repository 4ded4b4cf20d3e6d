// Every path a user gives resolves inside the WorkDir. Two flavours, as Kargo's runners have:
// - secureJoin clamps: `..` never climbs above the root and symlinks are resolved as if the
//   root were `/` (github.com/cyphar/filepath-securejoin semantics), so `../../etc/passwd`
//   quietly becomes `<root>/etc/passwd`;
// - resolveStrictly refuses any path that tries to leave the root (delete, file-write).

import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

const MAX_SYMLINK_HOPS = 255;

function readLinkIfAny(fullPath: string): string | undefined {
  try {
    const stats = lstatSync(fullPath);
    return stats.isSymbolicLink() ? readlinkSync(fullPath) : undefined;
  } catch {
    return undefined; // a missing component: nothing more to resolve on this branch
  }
}

/**
 * Join unsafePath onto root so that the result, symlinks included, stays inside root.
 * The root itself is taken as given (resolve it with realpath first if it may be a link).
 */
export function secureJoin(root: string, unsafePath: string): string {
  const rootAbs = path.resolve(root);
  const resolved: string[] = [];
  let pending = unsafePath.split(/[\\/]+/).filter((part) => part !== '');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = path.join(rootAbs, ...resolved, part);
    const target = readLinkIfAny(candidate);
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINK_HOPS) throw new Error(`too many symlinks while resolving ${unsafePath}`);
    const targetParts = target.split(/[\\/]+/).filter((p) => p !== '');
    if (path.isAbsolute(target)) resolved.length = 0;
    pending = [...targetParts, ...pending];
  }
  return path.join(rootAbs, ...resolved);
}

export class PathEscapeError extends Error {
  constructor(userPath: string) {
    super(`path ${JSON.stringify(userPath)} attempts to traverse outside the working directory`);
    this.name = 'PathEscapeError';
  }
}

export function isWithin(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The real path of p's deepest existing ancestor, joined with the rest of p. */
function realpathOfExistingPrefix(p: string): string {
  const missing: string[] = [];
  let current = p;
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return p;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Resolve userPath inside root or throw PathEscapeError: absolute paths, `..` that climbs out,
 * and symlinks (in the parents) that lead out are all refused. The last component is not
 * followed, so a link itself can be removed without touching its target.
 */
export function resolveStrictly(root: string, userPath: string): string {
  const rootReal = realpathOfExistingPrefix(path.resolve(root));
  if (path.isAbsolute(userPath)) throw new PathEscapeError(userPath);
  const joined = path.resolve(rootReal, userPath);
  if (!isWithin(rootReal, joined)) throw new PathEscapeError(userPath);
  const parentReal = realpathOfExistingPrefix(path.dirname(joined));
  if (!isWithin(rootReal, parentReal)) throw new PathEscapeError(userPath);
  return path.join(parentReal, path.basename(joined));
}

/** A path relative to root, for messages (never leaks the runner's temp layout). */
export function displayPath(root: string, absolute: string): string {
  return path.relative(root, absolute) || '.';
}
