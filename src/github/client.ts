// The GitHub API client the pull-request steps and github-push share: Octokit from
// @actions/github, pointed at github.com or a GitHub Enterprise Server, with a retry policy for
// the API's transient failures and errors that say what to fix.
//
// Why our own retry hook rather than @octokit/plugin-retry / plugin-throttling: those wait in
// Bottleneck queues that an AbortSignal cannot interrupt, and their waits cannot be shortened
// for tests. This hook is small, honours the step's signal while it waits, and reads its base
// delay from an option (or KARGO_GITHUB_RETRY_BASE_MS).

import { getOctokit } from '@actions/github';
import { GitHub } from '@actions/github/lib/utils';
import { TerminalError } from '../promotion/errors.js';
import type { Capabilities } from '../promotion/types.js';
import { findCredentials, sameOrigin } from '../credentials/index.js';
import { parseRepoURL, type RepoCoordinates } from './repo-url.js';
import { describeRequestError, isRetryable, retryDelayMs } from './errors.js';

export type Octokit = ReturnType<typeof getOctokit>;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First back-off; doubles per attempt (with jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After or rate-limit reset further away than this is not waited for. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000
};

/** The retry policy, with the base delay from KARGO_GITHUB_RETRY_BASE_MS when it is set. */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const base = Number(env['KARGO_GITHUB_RETRY_BASE_MS']);
  if (env['KARGO_GITHUB_RETRY_BASE_MS'] === undefined || !Number.isFinite(base) || base < 0) {
    return DEFAULT_RETRY_POLICY;
  }
  // Scale the caps with the base so a short base (tests) never meets a long wait.
  return { ...DEFAULT_RETRY_POLICY, baseDelayMs: base, maxDelayMs: Math.max(base, 1) * 30, maxRetryAfterMs: Math.max(base, 1) * 60 };
}

export interface ClientOptions {
  token?: string;
  apiUrl: string;
  signal?: AbortSignal;
  insecureSkipTLSVerify?: boolean;
  retry?: Partial<RetryPolicy>;
  /** Told about each retry (the runner's logger). */
  onRetry?: (message: string) => void;
}

/** Per-request extras the hook understands, passed as `request: {retryOn: [422]}`. */
export interface RetryRequestOptions {
  /** Statuses worth retrying for this request only (e.g. 422 right after a PR's creation). */
  retryOn?: number[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('operation was aborted'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('operation was aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function insecureFetch(): Promise<typeof fetch> {
  // Only for insecureSkipTLSVerify (GitHub Enterprise with a private CA): a dispatcher that
  // skips certificate checks, used for this client alone, never process-wide.
  const undici = await import('undici');
  const dispatcher = new undici.Agent({ connect: { rejectUnauthorized: false } });
  return ((url: string, init: Record<string, unknown>) =>
    undici.fetch(url, { ...init, dispatcher } as Parameters<typeof undici.fetch>[1])) as unknown as typeof fetch;
}

/** An Octokit for apiUrl with the retry hook installed. */
export async function createOctokit(options: ClientOptions): Promise<Octokit> {
  const policy: RetryPolicy = { ...retryPolicyFromEnv(), ...options.retry };
  const request: Record<string, unknown> = {};
  if (options.signal) request['signal'] = options.signal;
  if (options.insecureSkipTLSVerify) request['fetch'] = await insecureFetch();
  const octokitOptions = {
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    request,
    // Octokit logs warnings on its own; keep them out of the step's output.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
  };
  // getOctokit insists on a token; without one (a public repository) the client goes anonymous.
  const octokit: Octokit = options.token ? getOctokit(options.token, octokitOptions) : new GitHub(octokitOptions);
  octokit.hook.wrap('request', async (send, requestOptions) => {
    const extra = (requestOptions.request ?? {}) as RetryRequestOptions;
    const signal = (requestOptions.request as { signal?: AbortSignal } | undefined)?.signal;
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(requestOptions);
      } catch (error) {
        if (signal?.aborted) throw error;
        const delay = isRetryable(error, extra.retryOn ?? []) ? retryDelayMs(error, attempt, policy) : undefined;
        if (delay === undefined || attempt >= policy.maxAttempts) {
          throw describeRequestError(error, attempt);
        }
        options.onRetry?.(
          `GitHub API ${requestOptions.method} ${requestOptions.url}: ${shortReason(error)}; retrying in ${Math.round(delay)} ms (attempt ${attempt + 1} of ${policy.maxAttempts})`
        );
        await sleep(delay, signal);
      }
    }
  });
  return octokit;
}

function shortReason(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return status ? `HTTP ${status} (${message})` : message;
}

/** Where and how to reach the API for a repository, and with which token. */
export interface GitHubTarget extends RepoCoordinates {
  apiUrl: string;
  token?: string;
  /** Which credential supplied the token, for messages (never the value). */
  tokenSource?: string;
}

/**
 * The API URL for repoURL: the workflow's API URL when the repository lives on the workflow's
 * GitHub server; api.github.com for github.com; `<origin>/api/v3` for another Enterprise server
 * (Kargo's rule for GitHub Enterprise).
 */
export function apiUrlFor(repoURL: string, caps: Capabilities): string {
  const coords = parseRepoURL(repoURL);
  if (caps.github && sameOrigin(caps.github.serverUrl, coords.origin)) return caps.github.apiUrl;
  if (coords.host.toLowerCase() === 'github.com') return 'https://api.github.com';
  return `${coords.origin}/api/v3`;
}

/**
 * Kargo picks a Git provider from the `provider` field or the URL. This action speaks only
 * GitHub, so anything else is refused with a message that says so.
 */
export function checkProvider(repoURL: string, provider: string | undefined, caps: Capabilities): void {
  if (provider !== undefined && provider !== 'github') {
    throw new TerminalError(
      `provider "${provider}" is not supported here: this action talks to GitHub only (github.com or GitHub Enterprise Server); use provider: github or leave provider unset`
    );
  }
  if (provider === 'github') return;
  const coords = parseRepoURL(repoURL);
  const host = coords.host.toLowerCase();
  const onWorkflowServer = caps.github !== undefined && sameOrigin(caps.github.serverUrl, coords.origin);
  if (onWorkflowServer || host.includes('github') || host.endsWith('.ghe.com')) return;
  throw new TerminalError(
    `cannot tell which Git provider serves ${repoURL}: it is not the workflow's GitHub server (${caps.github?.serverUrl ?? 'unknown'}) and its host does not name GitHub; set provider: github if it is a GitHub Enterprise Server`
  );
}

/** Coordinates, API URL and token for repoURL (credentials from the `secrets` input or github-token). */
export function resolveTarget(repoURL: string, caps: Capabilities): GitHubTarget {
  const coords = parseRepoURL(repoURL);
  const creds = findCredentials(caps, 'git', repoURL);
  return {
    ...coords,
    apiUrl: apiUrlFor(repoURL, caps),
    ...(creds?.password ? { token: creds.password, tokenSource: creds.source } : {})
  };
}

