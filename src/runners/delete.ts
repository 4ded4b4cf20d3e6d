import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError, isNotFound } from './files/fs-errors.js';
import { BadPatternError, globWorkDir } from './files/glob.js';
import { deleteSchema, type DeleteConfig } from './schemas/delete.js';

const TRAVERSAL = 'path attempts to traverse outside the working directory';

class TraversalError extends Error {}

function isSubPath(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Kargo's secureResolve: the absolute location of userPath inside root, or undefined if nothing
 * is there. The parent is resolved through symlinks and must stay inside root; the last
 * component is not followed, so a symlink is deleted as a link.
 */
async function secureResolve(root: string, userPath: string): Promise<string | undefined> {
  // Like Go's filepath.Join, a leading `/` does not make the path absolute.
  const absPath = path.join(root, userPath);
  if (!isSubPath(root, absPath)) throw new TraversalError(TRAVERSAL);
  let parent: string;
  try {
    parent = await fs.realpath(path.dirname(absPath));
  } catch (err) {
    if (isNotFound(err)) return undefined; // a missing parent: the target does not exist either
    throw new Error(describeFsError(err, root), { cause: err });
  }
  if (!isSubPath(root, parent)) throw new TraversalError(TRAVERSAL);
  const target = path.join(parent, path.basename(absPath));
  try {
    await fs.lstat(target);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw new Error(describeFsError(err, root), { cause: err });
  }
  return target;
}

async function resolveLiteralPaths(root: string, paths: string[], strict: boolean): Promise<string[]> {
  const resolved = new Set<string>();
  for (const p of paths) {
    let abs: string | undefined;
    try {
      abs = await secureResolve(root, p);
    } catch (err) {
      throw new Error(`could not resolve path ${JSON.stringify(p)}: ${(err as Error).message}`, { cause: err });
    }
    if (abs === undefined) {
      if (strict) throw new Error(`path ${JSON.stringify(p)} does not exist`);
      continue;
    }
    resolved.add(abs);
  }
  return [...resolved];
}

async function resolveGlobs(root: string, patterns: string[], strict: boolean): Promise<string[]> {
  const resolved = new Set<string>();
  for (const pattern of patterns) {
    let matches: string[];
    try {
      matches = await globWorkDir(root, pattern.startsWith('./') ? pattern.slice(2) : pattern);
    } catch (err) {
      if (err instanceof BadPatternError) {
        // A malformed pattern can never succeed on a retry.
        throw new TerminalError(`invalid glob pattern ${JSON.stringify(pattern)}: ${err.message}`);
      }
      throw err;
    }
    if (matches.length === 0) {
      if (strict) throw new Error(`no paths matched pattern ${JSON.stringify(pattern)}`);
      continue;
    }
    for (const match of matches) {
      let abs: string | undefined;
      try {
        abs = await secureResolve(root, match);
      } catch (err) {
        const where = `path ${JSON.stringify(match)} matched by pattern ${JSON.stringify(pattern)}`;
        throw new Error(`could not resolve ${where}: ${(err as Error).message}`, { cause: err });
      }
      if (abs !== undefined) resolved.add(abs);
    }
  }
  return [...resolved];
}

async function removePath(abs: string): Promise<void> {
  const stats = await fs.lstat(abs);
  if (stats.isDirectory()) await fs.rm(abs, { recursive: true, force: true });
  else await fs.unlink(abs);
}

/** delete: removes files, directories or symlinks (never their targets) inside the WorkDir. */
export const deleteRunner: StepRunner<DeleteConfig> = {
  name: 'delete',
  schema: deleteSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const config = ctx.config as { path?: string; paths?: string[]; pathsAreGlobs?: boolean; strict?: boolean };
    const paths = [...(config.path ? [config.path] : []), ...(config.paths ?? [])];
    const strict = config.strict ?? false;
    const root = await fs.realpath(ctx.workDir);
    let targets: string[];
    try {
      targets = config.pathsAreGlobs
        ? await resolveGlobs(root, paths, strict)
        : await resolveLiteralPaths(root, paths, strict);
    } catch (error) {
      return { status: 'Errored', error };
    }
    for (const target of targets) {
      try {
        await removePath(target);
      } catch (err) {
        // An earlier entry (a parent directory) may already have removed this one.
        if (isNotFound(err)) continue;
        return { status: 'Errored', error: new Error(`failed to delete: ${describeFsError(err, root)}`, { cause: err }) };
      }
    }
    return { status: 'Succeeded' };
  }
};
