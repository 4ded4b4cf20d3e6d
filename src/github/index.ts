// What a runner needs to talk to GitHub about one repository.

import { isTerminal, wrapError } from '../promotion/errors.js';
import type { StepContext, StepResult } from '../promotion/types.js';
import { checkProvider, createOctokit, resolveTarget, type GitHubTarget, type Octokit, type RetryPolicy } from './client.js';

export * from './client.js';
export * from './errors.js';
export * from './pulls.js';
export * from './repo-url.js';

export interface Connection {
  octokit: Octokit;
  target: GitHubTarget;
}

export interface ConnectOptions {
  repoURL: string;
  provider?: string | undefined;
  insecureSkipTLSVerify?: boolean | undefined;
  /** A token already chosen by the caller (e.g. from the work tree's git credentials). */
  token?: string;
  retry?: Partial<RetryPolicy>;
}

/**
 * An API client for the repository: provider checked, the API URL chosen (the workflow's
 * GitHub server, github.com, or `<server>/api/v3`), the token from the credentials, every call
 * bound to the step's abort signal. Throws a TerminalError for a provider this action cannot serve.
 */
export async function connect(ctx: StepContext<unknown>, options: ConnectOptions): Promise<Connection> {
  checkProvider(options.repoURL, options.provider, ctx.capabilities);
  const target = resolveTarget(options.repoURL, ctx.capabilities);
  if (options.token) target.token = options.token;
  if (target.token) ctx.capabilities.mask(target.token);
  const octokit = await createOctokit({
    apiUrl: target.apiUrl,
    ...(target.token ? { token: target.token } : {}),
    signal: ctx.signal,
    insecureSkipTLSVerify: options.insecureSkipTLSVerify === true,
    ...(options.retry ? { retry: options.retry } : {}),
    onRetry: (message) => ctx.logger.warning(message)
  });
  return { octokit, target };
}

/**
 * connect() for a runner: a connection, or the result Kargo's PR steps give when they cannot
 * build their provider (Failed for a terminal error, else a retryable Errored).
 */
export async function connectForStep(
  ctx: StepContext<unknown>,
  options: ConnectOptions
): Promise<{ connection: Connection } | { result: StepResult }> {
  try {
    return { connection: await connect(ctx, options) };
  } catch (error) {
    if (isTerminal(error)) return { result: { status: 'Failed', error } };
    return { result: { status: 'Errored', error: wrapError('error creating git provider service', error) } };
  }
}
