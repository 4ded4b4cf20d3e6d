import { randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { secureJoin } from '../fs/paths.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError, isNotFound } from './files/fs-errors.js';
import { ignoreLines, ignoreMatcher, type IgnoreMatcher } from './files/ignore-rules.js';
import { MAX_FILE_SIZE, MAX_TOTAL_SIZE } from './files/limits.js';
import { tarSchema, type TarConfig } from './schemas/tar.js';

/** With no (or only blank) rules, `.git` is left out; rules given replace that default. */
function buildIgnoreMatcher(rules: string | undefined): IgnoreMatcher {
  const trimmed = (rules ?? '').trim();
  if (trimmed === '') return ignoreMatcher(['.git']);
  return ignoreMatcher(ignoreLines(trimmed).map((line) => line.trim()).filter((line) => !line.startsWith('#')));
}

interface Walk {
  workDir: string;
  ignored: IgnoreMatcher;
  /** Paths never archived: the archive being written and its temp file. */
  skip: Set<string>;
  entries: string[];
  total: number;
}

function account(walk: Walk, abs: string, stats: Stats): void {
  if (!stats.isFile()) return;
  const where = path.relative(walk.workDir, abs);
  if (stats.size > MAX_FILE_SIZE) {
    throw new Error(
      `file ${JSON.stringify(where)} size (${stats.size} bytes) exceeds the maximum allowed single file size (${MAX_FILE_SIZE} bytes)`
    );
  }
  walk.total += stats.size;
  if (walk.total > MAX_TOTAL_SIZE) {
    throw new Error(`total tar archive source size exceeds the maximum allowed size (${MAX_TOTAL_SIZE} bytes)`);
  }
}

/** Collect the entries below dir in lexical order (as Go's WalkDir), skipping ignored ones. */
async function walkDir(walk: Walk, root: string, dir: string): Promise<void> {
  for (const name of (await fs.readdir(dir)).sort()) {
    const abs = path.join(dir, name);
    if (walk.skip.has(abs)) continue;
    const stats = await fs.lstat(abs);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (walk.ignored(rel, stats.isDirectory())) continue;
    if (!stats.isFile() && !stats.isDirectory() && !stats.isSymbolicLink()) continue;
    account(walk, abs, stats);
    walk.entries.push(rel);
    if (stats.isDirectory()) await walkDir(walk, root, abs);
  }
}

async function createTarball(workDir: string, absIn: string, absOut: string, gzip: boolean, rules: string | undefined): Promise<void> {
  const temp = path.join(path.dirname(absOut), `${path.basename(absOut)}.tmp${randomBytes(6).toString('hex')}`);
  const walk: Walk = { workDir, ignored: buildIgnoreMatcher(rules), skip: new Set([absOut, temp]), entries: [], total: 0 };
  const inStats = await fs.stat(absIn);
  let cwd = absIn;
  try {
    if (inStats.isDirectory()) {
      await walkDir(walk, absIn, absIn);
    } else {
      cwd = path.dirname(absIn);
      const name = path.basename(absIn);
      if (!walk.ignored(name, false)) {
        account(walk, absIn, inStats);
        walk.entries.push(name);
      }
    }
  } catch (err) {
    throw new Error(`failed during directory walk: ${describeFsError(err, workDir)}`, { cause: err });
  }
  try {
    await fs.writeFile(temp, '', { mode: 0o600 });
    if (walk.entries.length > 0) {
      await tar.c({ file: temp, cwd, gzip, noDirRecurse: true, follow: false }, walk.entries);
    } else {
      await writeEmptyArchive(temp, gzip);
    }
    await fs.rename(temp, absOut);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new Error(describeFsError(err, workDir), { cause: err });
  }
}

/** An archive with no entries: just the two zero blocks that end every tar stream. */
async function writeEmptyArchive(file: string, gzip: boolean): Promise<void> {
  const end = Buffer.alloc(1024);
  await fs.writeFile(file, gzip ? gzipSync(end) : end);
}

/** tar: archives a file or directory of the WorkDir into a (gzipped) tar file. */
export const tarRunner: StepRunner<TarConfig> = {
  name: 'tar',
  schema: tarSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const { inPath, outPath, gzip = false, ignore } = ctx.config;
    const workDir = path.resolve(ctx.workDir);
    const absIn = secureJoin(workDir, inPath);
    try {
      await fs.stat(absIn);
    } catch (err) {
      const message = isNotFound(err)
        ? `input path ${JSON.stringify(inPath)} does not exist`
        : `failed to stat input path ${JSON.stringify(inPath)}: ${describeFsError(err, workDir)}`;
      return { status: 'Errored', error: new Error(message, { cause: err }) };
    }
    const absOut = secureJoin(workDir, outPath);
    try {
      await fs.mkdir(path.dirname(absOut), { recursive: true, mode: 0o750 });
    } catch (err) {
      const message = `failed to create output directory for ${JSON.stringify(outPath)}: ${describeFsError(err, workDir)}`;
      return { status: 'Errored', error: new Error(message, { cause: err }) };
    }
    try {
      await createTarball(workDir, absIn, absOut, gzip, ignore);
    } catch (err) {
      const message = `failed to create the tar archive ${JSON.stringify(outPath)}: ${(err as Error).message}`;
      return { status: 'Errored', error: new Error(message, { cause: err }) };
    }
    return { status: 'Succeeded' };
  }
};
