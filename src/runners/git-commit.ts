import type { StepRunner } from '../promotion/types.js';
import { gitFailure, maskSigningKey, openStepWorkTree, type WorkTree } from '../git/index.js';
import { gitCommitSchema, type GitCommitConfig } from './schemas/git-commit.js';

/**
 * git-commit: stage every change in a work tree and commit it (Kargo's git-commit). Nothing to
 * commit: Skipped, with `commit` still set to HEAD.
 */
export const gitCommitRunner: StepRunner<GitCommitConfig> = {
  name: 'git-commit',
  schema: gitCommitSchema,
  effects: 'local',
  run: async (ctx) => {
    const cfg = ctx.config;
    maskSigningKey(ctx.capabilities, cfg.author?.signingKey);
    let workTree: WorkTree;
    try {
      workTree = await openStepWorkTree(ctx, cfg.path);
    } catch (error) {
      return gitFailure('', error);
    }
    try {
      await workTree.addAll();
    } catch (error) {
      return gitFailure('error adding all changes to working tree', error);
    }
    let hasDiffs: boolean;
    try {
      hasDiffs = await workTree.hasDiffs();
    } catch (error) {
      return gitFailure('error checking for diffs in working tree', error);
    }
    if (hasDiffs) {
      try {
        await workTree.commit(cfg.message, {
          author: cfg.author
            ? { name: cfg.author.name, email: cfg.author.email, signingKey: cfg.author.signingKey || undefined }
            : undefined
        });
      } catch (error) {
        return gitFailure('error committing to working tree', error);
      }
    }
    let commit: string;
    try {
      commit = await workTree.lastCommitId();
    } catch (error) {
      return gitFailure('error getting last commit ID', error);
    }
    if (hasDiffs) ctx.logger.info(`committed ${commit} in ${cfg.path}`);
    else ctx.logger.info(`nothing to commit in ${cfg.path}; HEAD stays at ${commit}`);
    return { status: hasDiffs ? 'Succeeded' : 'Skipped', output: { commit } };
  }
};
