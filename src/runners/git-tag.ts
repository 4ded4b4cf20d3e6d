import type { StepRunner } from '../promotion/types.js';
import { TerminalError } from '../promotion/errors.js';
import { gitFailure, openStepWorkTree, type WorkTree } from '../git/index.js';
import { gitTagSchema, type GitTagConfig } from './schemas/git-tag.js';

/** git-tag: create an annotated tag at HEAD of a work tree (Kargo's git-tag). Output `commit`. */
export const gitTagRunner: StepRunner<GitTagConfig> = {
  name: 'git-tag',
  schema: gitTagSchema,
  effects: 'local',
  run: async (ctx) => {
    const cfg = ctx.config;
    let workTree: WorkTree;
    try {
      workTree = await openStepWorkTree(ctx, cfg.path);
    } catch (error) {
      return gitFailure('', error);
    }
    try {
      await workTree.createTag(cfg.tag, cfg.message, { force: cfg.force ?? false });
    } catch (error) {
      const result = gitFailure(`error creating tag ${cfg.tag}`, error);
      // An existing tag will still exist on a retry: say so at once.
      if (/already exists/.test((result.error as Error).message)) {
        return { status: 'Errored', error: new TerminalError(result.error) };
      }
      return result;
    }
    let commit: string;
    try {
      commit = await workTree.lastCommitId();
    } catch (error) {
      return gitFailure('error getting last commit ID', error);
    }
    return { status: 'Succeeded', output: { commit } };
  }
};
