import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { secureJoin } from '../fs/paths.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError, isNotFound } from './files/fs-errors.js';
import { ignoreLines, ignoreMatcher, type IgnoreMatcher } from './files/ignore-rules.js';
import { copySchema, type CopyConfig } from './schemas/copy.js';

/**
 * The ignore rules apply relative to the input directory (or, for a single file, to its
 * parent). `.git` comes first so a user's `!.git/` can re-include it.
 */
async function loadIgnoreRules(inPath: string, rules: string | undefined): Promise<{ domain: string; matches: IgnoreMatcher }> {
  let stats: Stats;
  try {
    stats = await fs.lstat(inPath);
  } catch (err) {
    // A missing input fails the copy itself, with a clearer message.
    if (isNotFound(err)) return { domain: inPath, matches: () => false };
    throw err;
  }
  const domain = stats.isDirectory() ? inPath : path.dirname(inPath);
  return { domain, matches: ignoreMatcher(['.git', ...ignoreLines(rules)]) };
}

interface CopyJob {
  workDir: string;
  domain: string;
  ignored: IgnoreMatcher;
  /** The destination root: never copied into itself when it lies inside the input. */
  outRoot: string;
}

/**
 * Where to write dest: through secureJoin, so a symlink already in the destination tree is
 * followed only while it stays inside the WorkDir (one that points out is clamped back in).
 */
function confined(job: CopyJob, dest: string): string {
  return secureJoin(job.workDir, path.relative(job.workDir, dest));
}

async function copyFile(job: CopyJob, src: string, dest: string, stats: Stats): Promise<void> {
  const target = confined(job, dest);
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  await fs.copyFile(src, target);
  await fs.chmod(target, stats.mode & 0o7777);
}

async function copyDir(job: CopyJob, src: string, dest: string, stats: Stats): Promise<void> {
  const target = confined(job, dest);
  await fs.mkdir(target, { recursive: true, mode: 0o755 });
  for (const name of (await fs.readdir(src)).sort()) {
    const childSrc = path.join(src, name);
    if (childSrc === job.outRoot) continue;
    const childStats = await fs.lstat(childSrc);
    const rel = path.relative(job.domain, childSrc).split(path.sep).join('/');
    if (job.ignored(rel, childStats.isDirectory())) continue;
    await copyEntry(job, childSrc, path.join(target, name), childStats);
  }
  await fs.chmod(target, stats.mode & 0o7777);
}

async function copyEntry(job: CopyJob, src: string, dest: string, stats: Stats): Promise<void> {
  if (stats.isSymbolicLink()) return; // symlinks are never copied
  if (stats.isDirectory()) return copyDir(job, src, dest, stats);
  if (stats.isFile()) return copyFile(job, src, dest, stats);
  // sockets, pipes and devices are not copied either
}

/** copy: copies a file or a directory (merging into an existing one) inside the WorkDir. */
export const copyRunner: StepRunner<CopyConfig> = {
  name: 'copy',
  schema: copySchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const { inPath: userIn, outPath: userOut, ignore } = ctx.config;
    const workDir = path.resolve(ctx.workDir);
    const inPath = secureJoin(workDir, userIn);
    const outPath = secureJoin(workDir, userOut);
    let rules: { domain: string; matches: IgnoreMatcher };
    try {
      rules = await loadIgnoreRules(inPath, ignore);
    } catch (err) {
      return { status: 'Errored', error: new Error(`failed to load ignore rules: ${describeFsError(err, workDir)}`, { cause: err }) };
    }
    const job: CopyJob = { workDir, domain: rules.domain, ignored: rules.matches, outRoot: outPath };
    try {
      await copyEntry(job, inPath, outPath, await fs.lstat(inPath));
    } catch (err) {
      const what = `failed to copy ${JSON.stringify(userIn)} to ${JSON.stringify(userOut)}`;
      return { status: 'Errored', error: new Error(`${what}: ${describeFsError(err, workDir)}`, { cause: err }) };
    }
    return { status: 'Succeeded' };
  }
};
