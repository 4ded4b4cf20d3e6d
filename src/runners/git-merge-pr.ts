import { connectForStep, mergePullRequest, type MergeResult } from '../github/index.js';
import { TerminalError, wrapError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { resolvePollInterval } from './git-wait-for-pr.js';
import { gitMergePrSchema, type GitMergePrConfig } from './schemas/git-merge-pr.js';

const DEFAULT_POLL_INTERVAL_MS = 10_000;

/**
 * git-merge-pr: one merge attempt per run. Not mergeable yet: Running (wait: true) or Failed.
 * Any other problem is Failed and terminal, as in Kargo.
 */
export const gitMergePrRunner: StepRunner<GitMergePrConfig> = {
  name: 'git-merge-pr',
  schema: gitMergePrSchema,
  effects: 'writes-remote',
  run: async (ctx): Promise<StepResult> => {
    const cfg = ctx.config;
    const connected = await connectForStep(ctx, cfg);
    if ('result' in connected) return connected.result;
    const { connection } = connected;
    let result: MergeResult;
    try {
      result = await mergePullRequest(connection.octokit, connection.target, cfg.prNumber, cfg.mergeMethod);
    } catch (error) {
      return {
        status: 'Failed',
        error: new TerminalError(wrapError(`error merging pull request ${cfg.prNumber}`, error))
      };
    }
    if (!result.merged) {
      if (cfg.wait) {
        let retryAfterMs: number;
        try {
          retryAfterMs = resolvePollInterval(cfg.pollInterval, DEFAULT_POLL_INTERVAL_MS);
        } catch (error) {
          return { status: 'Errored', error };
        }
        ctx.logger.info(`pull request ${cfg.prNumber} is not ready to merge yet; will try again`);
        return { status: 'Running', retryAfterMs };
      }
      return {
        status: 'Failed',
        error: new TerminalError(`pull request ${cfg.prNumber} is not ready to merge and wait is disabled`)
      };
    }
    return { status: 'Succeeded', output: { commit: result.pr?.mergeCommitSHA ?? '' } };
  }
};
