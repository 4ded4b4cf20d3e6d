import type { StepRunner } from '../promotion/types.js';
import { TerminalError } from '../promotion/errors.js';
import {
  commitURL,
  gitFailure,
  inferProvider,
  openStepWorkTree,
  pushWithRetries,
  PUSH_INTEGRATION_POLICIES,
  redactURL,
  type PushIntegrationPolicy,
  type WorkTree
} from '../git/index.js';
import { gitPushSchema, type GitPushConfig } from './schemas/git-push.js';

/**
 * The integration policy, from GIT_PUSH_INTEGRATION_POLICY like Kargo's controller (default
 * AlwaysRebase).
 */
export function pushIntegrationPolicy(): PushIntegrationPolicy {
  const raw = process.env.GIT_PUSH_INTEGRATION_POLICY?.trim();
  if (!raw) return 'AlwaysRebase';
  const match = PUSH_INTEGRATION_POLICIES.find((policy) => policy.toLowerCase() === raw.toLowerCase());
  if (!match) {
    throw new TerminalError(
      `GIT_PUSH_INTEGRATION_POLICY=${JSON.stringify(raw)} is not one of ${PUSH_INTEGRATION_POLICIES.join(', ')}`
    );
  }
  return match;
}

/**
 * git-push: push a work tree's branch (or a tag) with the credentials for its remote, bringing
 * in remote changes first and retrying when another push got there first (Kargo's git-push).
 */
export const gitPushRunner: StepRunner<GitPushConfig> = {
  name: 'git-push',
  schema: gitPushSchema,
  effects: 'writes-remote',
  run: async (ctx) => {
    const cfg = ctx.config;
    let policy: PushIntegrationPolicy;
    try {
      policy = pushIntegrationPolicy();
    } catch (error) {
      return { status: 'Errored', error };
    }
    let workTree: WorkTree;
    try {
      workTree = await openStepWorkTree(ctx, cfg.path, { credentials: true });
    } catch (error) {
      return gitFailure('', error);
    }
    let targetBranch = cfg.targetBranch ?? '';
    let force = cfg.force ?? false;
    if (cfg.generateTargetBranch) {
      // The promotion's name is unique: a branch of that name can only be ours from an earlier
      // attempt of this same promotion, so overwriting it is safe (Kargo forces too).
      targetBranch = `kargo/promotion/${ctx.promotion}`;
      force = true;
    }
    if (cfg.tag || force) policy = 'None';
    if (!targetBranch) {
      try {
        targetBranch = await workTree.currentBranch();
      } catch (error) {
        return gitFailure('error getting current branch', error);
      }
    }
    const url = redactURL(workTree.url);
    try {
      await pushWithRetries(workTree, {
        targetBranch: targetBranch || undefined,
        tag: cfg.tag || undefined,
        force,
        integrationPolicy: policy,
        maxAttempts: cfg.maxAttempts ?? 10,
        onRetry: (attempt, delayMs, error) =>
          ctx.logger.info(`${error.message}; attempt ${attempt} in ${(delayMs / 1000).toFixed(1)}s`)
      });
    } catch (error) {
      return gitFailure('error pushing commits to remote', error);
    }
    let commit: string;
    try {
      commit = await workTree.lastCommitId();
    } catch (error) {
      return gitFailure('error getting last commit ID', error);
    }
    const output: Record<string, unknown> = { commit };
    if (targetBranch) output.branch = targetBranch;
    const provider = cfg.provider ?? inferProvider(workTree.url, ctx.capabilities.github?.serverUrl);
    const link = commitURL(workTree.url, commit, provider);
    if (link) output.commitURL = link;
    ctx.logger.info(
      cfg.tag ? `pushed tag ${cfg.tag} to ${url}` : `pushed ${commit} to branch ${targetBranch} of ${url}`
    );
    return { status: 'Succeeded', output };
  }
};
