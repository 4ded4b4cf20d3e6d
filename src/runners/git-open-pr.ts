import {
  connectForStep,
  createPullRequest,
  getBranchHead,
  githubMessage,
  githubStatus,
  listPullRequests,
  sortPullRequests,
  type BranchHead,
  type Connection,
  type PullRequest
} from '../github/index.js';
import { wrapError } from '../promotion/errors.js';
import type { StepContext, StepResult, StepRunner } from '../promotion/types.js';
import { gitOpenPrSchema, type GitOpenPrConfig } from './schemas/git-open-pr.js';

function prOutput(pr: PullRequest): Record<string, unknown> {
  return { pr: { id: pr.number, url: pr.url } };
}

/**
 * The output of an earlier run of this step (a resumed promotion), when it holds a PR id.
 * Kargo accepts the id as an integer or a float (JSON numbers come back as floats).
 */
function earlierOutput(ctx: StepContext<GitOpenPrConfig>): Record<string, unknown> | undefined {
  if (!Object.prototype.hasOwnProperty.call(ctx.sharedState, ctx.alias)) return undefined;
  const output = ctx.sharedState[ctx.alias];
  if (output === null || output === undefined) return undefined;
  if (typeof output !== 'object' || Array.isArray(output)) {
    throw new Error(`output from step with alias "${ctx.alias}" is not a map`);
  }
  const pr = (output as Record<string, unknown>)['pr'];
  if (pr === null || typeof pr !== 'object' || Array.isArray(pr)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(pr, 'id')) return undefined;
  if (typeof (pr as Record<string, unknown>)['id'] !== 'number') {
    throw new Error(`PR ID in output from step with alias "${ctx.alias}" is not a number`);
  }
  return output as Record<string, unknown>;
}

/** A PR from source to target at the source's head commit that Kargo would adopt. */
async function adoptablePR(connection: Connection, cfg: GitOpenPrConfig, sourceHead: string): Promise<PullRequest | undefined> {
  const prs = await listPullRequests(connection.octokit, connection.target, {
    head: cfg.sourceBranch,
    base: cfg.targetBranch,
    headCommit: sourceHead,
    state: 'all'
  });
  const best = sortPullRequests(prs)[0];
  return best && (best.open || best.merged) ? best : undefined;
}

function titleAndBody(ctx: StepContext<GitOpenPrConfig>, commitMessage: string): { title: string; body: string } {
  const cfg = ctx.config;
  let title = cfg.title ?? '';
  let body = cfg.description ?? commitMessage;
  if (!title) {
    const newline = commitMessage.indexOf('\n');
    title = newline === -1 ? commitMessage : commitMessage.slice(0, newline);
    if (!cfg.description) body = newline === -1 ? '' : commitMessage.slice(newline + 1);
  }
  if (ctx.uiBaseURL) {
    body = `${body}\n\n[View in Kargo UI](${ctx.uiBaseURL}/project/${ctx.project}/stage/${ctx.stage})`;
  }
  return { title, body };
}

function errored(context: string, error: unknown): StepResult {
  return { status: 'Errored', error: wrapError(context, error) };
}

/**
 * git-open-pr: opens a pull request from sourceBranch to targetBranch, or adopts one already
 * open (or merged) for the same head commit. Nothing to merge: Skipped.
 */
export const gitOpenPrRunner: StepRunner<GitOpenPrConfig> = {
  name: 'git-open-pr',
  schema: gitOpenPrSchema,
  effects: 'writes-remote',
  run: async (ctx): Promise<StepResult> => {
    const cfg = ctx.config;
    let earlier: Record<string, unknown> | undefined;
    try {
      earlier = earlierOutput(ctx);
    } catch (error) {
      return errored('error getting PR number from shared state', error);
    }
    if (earlier) return { status: 'Succeeded', output: earlier };

    const connected = await connectForStep(ctx, cfg);
    if ('result' in connected) return connected.result;
    const { connection } = connected;
    const { octokit, target } = connection;
    const where = `${target.owner}/${target.repo}`;

    let source: BranchHead | undefined;
    try {
      source = await getBranchHead(octokit, target, cfg.sourceBranch);
    } catch (error) {
      return errored(`error reading source branch "${cfg.sourceBranch}" of ${where}`, error);
    }
    if (!source) {
      return errored(
        `error reading source branch "${cfg.sourceBranch}" of ${where}`,
        new Error('it does not exist; push it first (e.g. with git-push) and check its name')
      );
    }

    try {
      const existing = await adoptablePR(connection, cfg, source.sha);
      if (existing) {
        ctx.logger.info(`adopting existing pull request #${existing.number} (${existing.url})`);
        return { status: 'Succeeded', output: prOutput(existing) };
      }
    } catch (error) {
      return errored('error determining if pull request already exists', error);
    }

    let targetHead: BranchHead | undefined;
    try {
      targetHead = await getBranchHead(octokit, target, cfg.targetBranch);
    } catch (error) {
      return errored(`error checking if remote branch "${cfg.targetBranch}" of ${where} exists`, error);
    }
    if (!targetHead) {
      return { status: 'Errored', error: new Error(`target branch "${cfg.targetBranch}" does not exist`) };
    }
    // The same tree on both branches: GitHub would refuse a PR with nothing to merge.
    if (source.treeSHA === targetHead.treeSHA) {
      ctx.logger.info(`branches "${cfg.sourceBranch}" and "${cfg.targetBranch}" have no differences; no pull request opened`);
      return { status: 'Skipped' };
    }

    const { title, body } = titleAndBody(ctx, source.message);
    try {
      const pr = await createPullRequest(octokit, target, {
        head: cfg.sourceBranch,
        base: cfg.targetBranch,
        title,
        body,
        ...(cfg.labels ? { labels: cfg.labels } : {})
      });
      ctx.logger.info(`opened pull request #${pr.number} (${pr.url})`);
      return { status: 'Succeeded', output: prOutput(pr) };
    } catch (error) {
      // Another run opened it between our look and our create: adopt that one.
      if (githubStatus(error) === 422 && /already exists/i.test(githubMessage(error) + (error as Error).message)) {
        try {
          const existing = await adoptablePR(connection, cfg, source.sha);
          if (existing) return { status: 'Succeeded', output: prOutput(existing) };
        } catch {
          // fall through to the original error
        }
      }
      return errored('error creating pull request', error);
    }
  }
};
