import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { PathEscapeError, resolveStrictly } from '../fs/paths.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { fileWriteSchema, type FileWriteConfig } from './schemas/file-write.js';

const DEFAULT_MODE = 0o600;
const FORBIDDEN_BITS = 0o111 | 0o002 | 0o7000;

function refuse(message: string): StepResult {
  return { status: 'Failed', error: new TerminalError(message) };
}

function parseMode(permissions: string | undefined): number | string {
  if (permissions === undefined) return DEFAULT_MODE;
  const mode = parseInt(permissions, 8);
  if (mode & FORBIDDEN_BITS) {
    return `permissions ${permissions} are not allowed: no exec bits, no world-write, no special bits (e.g. use 0644)`;
  }
  return mode;
}

/** file-write: writes contents to a file inside the WorkDir, refusing any path that leaves it. */
export const fileWriteRunner: StepRunner<FileWriteConfig> = {
  name: 'file-write',
  schema: fileWriteSchema,
  effects: 'local',
  run: async (ctx) => {
    const { path: userPath, contents, overwrite = false } = ctx.config;
    const mode = parseMode(ctx.config.permissions);
    if (typeof mode === 'string') return refuse(mode);
    if (path.isAbsolute(userPath)) return refuse(`path ${JSON.stringify(userPath)} must be relative to the working directory`);
    let target: string;
    try {
      target = resolveStrictly(ctx.workDir, userPath);
    } catch (err) {
      if (err instanceof PathEscapeError) return refuse(err.message);
      throw err;
    }
    const relative = path.relative(ctx.workDir, target);
    if (relative.split(path.sep).includes('.git')) return refuse(`path ${JSON.stringify(userPath)} is inside a .git directory`);
    const intended = path.join(ctx.workDir, path.normalize(userPath));
    if (intended !== target) return refuse(`path ${JSON.stringify(userPath)} goes through a symlink`);
    const stats = await fs.lstat(target).catch(() => undefined);
    if (stats?.isDirectory()) throw new Error(`path ${JSON.stringify(userPath)} is a directory`);
    if (stats?.isSymbolicLink()) return refuse(`path ${JSON.stringify(userPath)} is a symlink`);
    if (stats && !overwrite) {
      return refuse(`file ${JSON.stringify(userPath)} already exists; set overwrite: true to replace it`);
    }
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await writeFileAtomic(target, contents, { mode });
    return { status: 'Succeeded' };
  }
};
