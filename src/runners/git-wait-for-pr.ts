import { connectForStep, getPullRequest, type PullRequest } from '../github/index.js';
import { parseDuration } from '../promotion/duration.js';
import { TerminalError, wrapError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { gitWaitForPrSchema, type GitWaitForPrConfig } from './schemas/git-wait-for-pr.js';

const DEFAULT_POLL_INTERVAL_MS = 30_000;

/** The poll interval a polling step suggests: the configured one, else its default. */
export function resolvePollInterval(configured: string | undefined, defaultMs: number): number {
  if (configured === undefined || configured === '') return defaultMs;
  const ms = parseDuration(configured);
  if (ms === undefined) throw new Error(`error parsing pollInterval: invalid duration ${JSON.stringify(configured)}`);
  return ms;
}

function waiterOutput(pr: PullRequest): Record<string, unknown> {
  const output: Record<string, unknown> = {
    pr: { id: pr.number, url: pr.url, open: pr.open, merged: pr.merged }
  };
  if (pr.mergeCommitSHA) output['commit'] = pr.mergeCommitSHA;
  return output;
}

/** git-wait-for-pr: Running while the pull request is open; Succeeded once merged. */
export const gitWaitForPrRunner: StepRunner<GitWaitForPrConfig> = {
  name: 'git-wait-for-pr',
  schema: gitWaitForPrSchema,
  effects: 'reads-remote',
  run: async (ctx): Promise<StepResult> => {
    const cfg = ctx.config;
    const connected = await connectForStep(ctx, cfg);
    if ('result' in connected) return connected.result;
    const { connection } = connected;
    let pr: PullRequest;
    try {
      pr = await getPullRequest(connection.octokit, connection.target, cfg.prNumber);
    } catch (error) {
      return { status: 'Errored', error: wrapError(`error getting pull request ${cfg.prNumber}`, error) };
    }
    const output = waiterOutput(pr);
    if (pr.open) {
      let retryAfterMs: number;
      try {
        retryAfterMs = resolvePollInterval(cfg.pollInterval, DEFAULT_POLL_INTERVAL_MS);
      } catch (error) {
        return { status: 'Errored', error };
      }
      return { status: 'Running', output, retryAfterMs };
    }
    if (!pr.merged) {
      return {
        status: 'Failed',
        output,
        error: new TerminalError(`pull request ${cfg.prNumber} was closed without being merged`)
      };
    }
    ctx.logger.debug(`pull request ${cfg.prNumber} merged${pr.mergeCommitSHA ? ` as ${pr.mergeCommitSHA}` : ''}`);
    return { status: 'Succeeded', output };
  }
};
