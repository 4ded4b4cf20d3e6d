// How the GitHub API's failures are classified and told: which are worth another attempt (and
// after how long), and which need the user to change something (401, 403, 404), with a message
// that says what.

import { TerminalError } from '../promotion/errors.js';
import type { RetryPolicy } from './client.js';

interface RequestErrorLike {
  name?: string;
  status?: number;
  message: string;
  response?: { status?: number; headers?: Record<string, string | number | undefined>; data?: unknown };
  request?: { method?: string; url?: string };
}

function asRequestError(error: unknown): RequestErrorLike | undefined {
  if (error instanceof Error && typeof (error as RequestErrorLike).status === 'number') return error as RequestErrorLike;
  return undefined;
}

/** An API failure, with the status GitHub answered (0: no answer at all). */
export class GitHubAPIError extends Error {
  readonly status: number;
  readonly githubMessage: string;

  constructor(message: string, status: number, githubMessage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitHubAPIError';
    this.status = status;
    this.githubMessage = githubMessage;
  }
}

/** The HTTP status behind err (through TerminalError and cause chains), or undefined. */
export function githubStatus(err: unknown): number | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof GitHubAPIError) return current.status;
    current = current instanceof TerminalError && current.err instanceof Error ? current.err : current.cause;
  }
  return undefined;
}

/** GitHub's own message (`message` in the error body) behind err, or ''. */
export function githubMessage(err: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (current instanceof GitHubAPIError) return current.githubMessage;
    current = current instanceof TerminalError && current.err instanceof Error ? current.err : current.cause;
  }
  return '';
}

function header(error: RequestErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

function bodyMessage(error: RequestErrorLike): string {
  const data = error.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (!data || typeof data !== 'object' || typeof data.message !== 'string') return error.message;
  // 422s carry the reason in errors[]: "A pull request already exists for o:b", "No commits between ...".
  const details = Array.isArray(data.errors)
    ? data.errors
        .map((e: Record<string, unknown> | string) =>
          typeof e === 'string' ? e : typeof e.message === 'string' ? e.message : [e.resource, e.field, e.code].filter(Boolean).join(' ')
        )
        .filter((text) => text !== '')
    : [];
  return details.length > 0 ? `${data.message}: ${details.join('; ')}` : data.message;
}

function isRateLimited(error: RequestErrorLike): boolean {
  if (error.status === 429) return true;
  if (error.status !== 403) return false;
  return (
    header(error, 'retry-after') !== undefined ||
    header(error, 'x-ratelimit-remaining') === '0' ||
    /rate limit/i.test(bodyMessage(error))
  );
}

/** A failure that may clear on its own: no answer, 5xx, rate limits, or a status the caller named. */
export function isRetryable(error: unknown, extraStatuses: readonly number[] = []): boolean {
  const requestError = asRequestError(error);
  if (!requestError) return false;
  if (requestError.name === 'AbortError') return false;
  const status = requestError.status ?? 0;
  if (status === 500 && !requestError.response) {
    // No answer: a refused or reset connection may clear; a certificate the client rejects never will.
    return !isCertificateProblem(networkReason(error));
  }
  if (status >= 500) return true;
  if (isRateLimited(requestError)) return true;
  return extraStatuses.includes(status);
}

/** How long to wait before attempt `attempt + 1`, or undefined when waiting is not worth it. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy): number | undefined {
  const requestError = asRequestError(error);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.25);
  if (!requestError || !isRateLimited(requestError)) return backoff;
  const retryAfter = header(requestError, 'retry-after');
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) {
    const ms = Number(retryAfter) * 1000;
    return ms > policy.maxRetryAfterMs ? undefined : ms;
  }
  const reset = header(requestError, 'x-ratelimit-reset');
  if (header(requestError, 'x-ratelimit-remaining') === '0' && reset !== undefined && /^\d+$/.test(reset)) {
    const ms = Math.max(0, Number(reset) * 1000 - Date.now());
    return ms > policy.maxRetryAfterMs ? undefined : ms;
  }
  // A secondary rate limit without Retry-After: GitHub asks for at least a minute.
  return Math.min(policy.maxRetryAfterMs, Math.max(backoff, policy.maxRetryAfterMs));
}

function where(error: RequestErrorLike): string {
  const method = error.request?.method ?? 'request';
  let path = error.request?.url ?? '';
  try {
    path = new URL(path).pathname.replace(/^\/api\/v3(?=\/)/, '');
  } catch {
    // keep as given
  }
  return `${method} ${path}`.trim();
}

const HINTS: Record<number, string> = {
  401:
    'the token was refused (bad or expired credentials); check the github-token input, or the credentials secret whose repoURL matches the repository',
  403:
    'the token is not allowed to do this; give the workflow token `contents: write` and `pull-requests: write` (the job\'s `permissions:`), and for GITHUB_TOKEN to open or approve pull requests enable "Allow GitHub Actions to create and approve pull requests" in the repository or organization settings (Settings > Actions > General)',
  404:
    'not found: check the repository URL and the pull request number, branch or ref the step names; a private repository also answers 404 when the token cannot see it (give the token access to the repository)'
};

function isCertificateProblem(reason: string): boolean {
  return /certificate|CERT_|SELF_SIGNED/i.test(reason);
}

/**
 * The innermost reason a request got no answer (fetch wraps it: "fetch failed" → the socket's or
 * TLS layer's error, e.g. "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)"). Duck-typed:
 * errors from undici may come from another realm.
 */
function networkReason(error: unknown): string {
  let reason = '';
  const seen = new Set<unknown>();
  let current = (error as { cause?: unknown } | undefined)?.cause;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const { message, code } = current as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message) reason = typeof code === 'string' ? `${message} (${code})` : message;
    current = (current as { cause?: unknown }).cause;
  }
  return reason;
}

/**
 * The error to hand to a runner: a GitHubAPIError saying what was asked and what GitHub said,
 * wrapped in a TerminalError for 401, 403 (not a rate limit) and 404, which no retry fixes.
 */
export function describeRequestError(error: unknown, attempts: number): Error {
  const requestError = asRequestError(error);
  if (!requestError) return error instanceof Error ? error : new Error(String(error));
  const status = requestError.response ? (requestError.status ?? 0) : 0;
  const said = bodyMessage(requestError);
  const tried = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  if (status === 0) {
    const reason = networkReason(error) || said;
    const message = `GitHub API ${where(requestError)} got no answer: ${reason}${tried}`;
    if (isCertificateProblem(reason)) {
      return new TerminalError(
        new GitHubAPIError(
          `${message}; the server's TLS certificate was not accepted: give Node the CA (NODE_EXTRA_CA_CERTS) or, for a trusted GitHub Enterprise Server only, set insecureSkipTLSVerify: true`,
          0,
          reason,
          { cause: error }
        )
      );
    }
    return new GitHubAPIError(message, 0, reason, { cause: error });
  }
  let message = `GitHub API ${where(requestError)} answered ${status}: ${said}${tried}`;
  if (isRateLimited(requestError)) {
    const reset = header(requestError, 'x-ratelimit-reset');
    const when = reset && /^\d+$/.test(reset) ? ` until ${new Date(Number(reset) * 1000).toISOString()}` : '';
    message += `; the API rate limit is exhausted${when}: run the promotion later or use a token with a higher limit`;
    return new GitHubAPIError(message, status, said, { cause: error });
  }
  const hint = HINTS[status];
  if (hint) {
    return new TerminalError(new GitHubAPIError(`${message}; ${hint}`, status, said, { cause: error }));
  }
  return new GitHubAPIError(message, status, said, { cause: error });
}
