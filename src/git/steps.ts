// What the git steps (and the pull-request steps) share: open the work tree a step names,
// with the credentials for its remote, and turn git failures into Kargo's step results.

import { secureJoin } from '../fs/paths.js';
import { isTerminal, messageOf, TerminalError, wrapError } from '../promotion/errors.js';
import type { StepContext, StepResult } from '../promotion/types.js';
import { gitCredentialsFor } from './credentials.js';
import { MergeConflictError, RebaseUnsafeError, loadWorkTree, type WorkTree } from './repo.js';

/**
 * Open the work tree at the step's path (clamped into the WorkDir). With credentials: true
 * the credentials for its remote are looked up (and masked), as git-push does.
 */
export async function openStepWorkTree(
  ctx: StepContext<unknown>,
  userPath: string,
  options: { credentials?: boolean } = {}
): Promise<WorkTree> {
  const dir = secureJoin(ctx.workDir, userPath);
  try {
    const probe = await loadWorkTree(dir, { signal: ctx.signal, fallbackUser: ctx.capabilities.gitUser });
    if (!options.credentials) return probe;
    return probe.withCredentials(gitCredentialsFor(ctx.capabilities, probe.url));
  } catch (error) {
    throw wrapError(`error loading working tree from ${userPath}`, error);
  }
}

/**
 * A git failure as a step result: merge conflicts and unsafe rebases are Failed + terminal
 * (they need a human); refused credentials are Errored + terminal; anything else is Errored
 * and may be retried. An empty context keeps the error's own message.
 */
export function gitFailure(context: string, error: unknown): StepResult {
  if (error instanceof MergeConflictError || error instanceof RebaseUnsafeError) {
    return { status: 'Failed', error: new TerminalError(context ? `${context}: ${messageOf(error)}` : error) };
  }
  const wrapped = context ? wrapError(context, error) : error instanceof Error ? error : new Error(messageOf(error));
  return { status: 'Errored', error: isTerminal(error) ? new TerminalError(wrapped) : wrapped };
}
