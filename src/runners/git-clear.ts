import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StepRunner } from '../promotion/types.js';
import { gitFailure, openStepWorkTree, type WorkTree } from '../git/index.js';
import { gitClearSchema, type GitClearConfig } from './schemas/git-clear.js';

/** git-clear: remove every file of a work tree but `.git` (Kargo's git-clear). */
export const gitClearRunner: StepRunner<GitClearConfig> = {
  name: 'git-clear',
  schema: gitClearSchema,
  effects: 'local',
  run: async (ctx) => {
    let workTree: WorkTree;
    try {
      workTree = await openStepWorkTree(ctx, ctx.config.path);
    } catch (error) {
      return gitFailure('', error);
    }
    try {
      // Stage everything first so that `git rm` also removes files git did not know yet.
      await workTree.addAll();
    } catch (error) {
      return gitFailure(`error adding all files to working tree at ${ctx.config.path}`, error);
    }
    try {
      await workTree.clear();
      // Kargo leaves files matched by .gitignore behind; remove them too (not symlink targets).
      for (const entry of await fs.readdir(workTree.dir)) {
        if (entry === '.git') continue;
        await fs.rm(path.join(workTree.dir, entry), { recursive: true, force: true });
      }
    } catch (error) {
      return gitFailure(`error clearing working tree at ${ctx.config.path}`, error);
    }
    return { status: 'Succeeded' };
  }
};
