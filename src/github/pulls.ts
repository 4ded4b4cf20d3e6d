// Pull requests on GitHub, the way Kargo's gitprovider/github maps them: one PullRequest shape,
// Kargo's adoption rule for an existing PR, and its reading of mergeable_state before a merge.

import { TerminalError } from '../promotion/errors.js';
import type { Octokit } from './client.js';
import { githubMessage, githubStatus } from './errors.js';
import type { RepoCoordinates } from './repo-url.js';

export interface PullRequest {
  number: number;
  url: string;
  open: boolean;
  merged: boolean;
  mergeCommitSHA: string;
  headSHA: string;
  createdAt?: string;
}

interface GitHubPull {
  number: number;
  html_url: string;
  state: string;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head: { sha: string; ref: string };
  base: { ref: string };
  created_at?: string;
  draft?: boolean;
  mergeable?: boolean | null;
  mergeable_state?: string;
}

export function toPullRequest(pull: GitHubPull): PullRequest {
  return {
    number: pull.number,
    url: pull.html_url ?? '',
    open: pull.state === 'open',
    merged: pull.merged_at !== null && pull.merged_at !== undefined,
    mergeCommitSHA: pull.merge_commit_sha ?? '',
    headSHA: pull.head?.sha ?? '',
    ...(pull.created_at ? { createdAt: pull.created_at } : {})
  };
}

export async function getPull(octokit: Octokit, repo: RepoCoordinates, number: number): Promise<GitHubPull> {
  const { data } = await octokit.rest.pulls.get({ owner: repo.owner, repo: repo.repo, pull_number: number });
  return data as GitHubPull;
}

export async function getPullRequest(octokit: Octokit, repo: RepoCoordinates, number: number): Promise<PullRequest> {
  return toPullRequest(await getPull(octokit, repo, number));
}

export interface ListOptions {
  head: string;
  base: string;
  /** Keep only PRs whose head is at this commit. */
  headCommit?: string;
  state?: 'open' | 'closed' | 'all';
}

/** PRs from head to base (all pages). */
export async function listPullRequests(octokit: Octokit, repo: RepoCoordinates, options: ListOptions): Promise<PullRequest[]> {
  const pulls = (await octokit.paginate(octokit.rest.pulls.list, {
    owner: repo.owner,
    repo: repo.repo,
    // GitHub filters on head only in the owner:branch form.
    head: `${repo.owner}:${options.head}`,
    base: options.base,
    state: options.state ?? 'open',
    per_page: 100
  })) as GitHubPull[];
  return pulls
    .filter((pull) => pull.head?.ref === options.head && pull.base?.ref === options.base)
    .filter((pull) => !options.headCommit || pull.head.sha === options.headCommit)
    .map(toPullRequest);
}

/** Kargo's preference among PRs it could adopt: open first, then merged, then newest. */
export function sortPullRequests(prs: PullRequest[]): PullRequest[] {
  const rank = (pr: PullRequest): number => (pr.open ? 0 : pr.merged ? 1 : 2);
  const time = (pr: PullRequest): number => (pr.createdAt ? Date.parse(pr.createdAt) : 0);
  return [...prs].sort((a, b) => rank(a) - rank(b) || time(b) - time(a));
}

export interface CreateOptions {
  head: string;
  base: string;
  title: string;
  body: string;
  labels?: string[];
}

export async function createPullRequest(octokit: Octokit, repo: RepoCoordinates, options: CreateOptions): Promise<PullRequest> {
  const { data } = await octokit.rest.pulls.create({
    owner: repo.owner,
    repo: repo.repo,
    head: options.head,
    base: options.base,
    title: options.title,
    body: options.body,
    maintainer_can_modify: false
  });
  const pr = toPullRequest(data as GitHubPull);
  if (options.labels && options.labels.length > 0) {
    // Right after a PR's creation its issue can briefly answer 404/422: worth a few retries.
    await octokit.rest.issues.addLabels({
      owner: repo.owner,
      repo: repo.repo,
      issue_number: pr.number,
      labels: options.labels,
      request: { retryOn: [404, 422] }
    } as Parameters<typeof octokit.rest.issues.addLabels>[0]);
  }
  return pr;
}

export interface BranchHead {
  sha: string;
  message: string;
  treeSHA: string;
}

/** The head commit of a branch, or undefined when the branch does not exist. */
export async function getBranchHead(octokit: Octokit, repo: RepoCoordinates, branch: string): Promise<BranchHead | undefined> {
  try {
    const { data } = await octokit.rest.repos.getBranch({ owner: repo.owner, repo: repo.repo, branch });
    return { sha: data.commit.sha, message: data.commit.commit.message, treeSHA: data.commit.commit.tree.sha };
  } catch (error) {
    if (githubStatus(error) === 404) return undefined;
    throw error;
  }
}

// mergeable_state values GitHub reports (not formally documented, stable in practice).
const MERGEABLE_NOW = new Set(['clean', 'unstable', 'has_hooks']);
const POLICY_BLOCKED = new Set(['blocked', 'behind']);
const NOT_YET = new Set(['draft', 'unknown']);

/**
 * Whether a 405 from the merge endpoint may clear on its own (Kargo's reading of GitHub's
 * messages): a disallowed merge method never does; a moved base or a stale "not mergeable" may;
 * anything else only when the PR was already blocked by policy.
 */
export function isTransientMerge405(message: string, policyBlocked: boolean): boolean {
  if (message.includes('not allowed')) return false;
  if (message.includes('Base branch was modified')) return true;
  if (message.includes('Pull Request is not mergeable')) return true;
  return policyBlocked;
}

export interface MergeResult {
  merged: boolean;
  pr?: PullRequest;
}

/**
 * One merge attempt. `{merged: false}` means "not ready yet" (checks pending, mergeability still
 * being computed, a draft, a rule not yet satisfied); errors are conditions that will not clear.
 */
export async function mergePullRequest(
  octokit: Octokit,
  repo: RepoCoordinates,
  number: number,
  mergeMethod?: string
): Promise<MergeResult> {
  let pull: GitHubPull;
  try {
    pull = await getPull(octokit, repo, number);
  } catch (error) {
    throw new Error(`error getting pull request ${number}: ${(error as Error).message}`, { cause: error });
  }
  if (pull.merged_at) return { merged: true, pr: toPullRequest(pull) };
  if (pull.state !== 'open') throw new Error(`pull request ${number} is closed but not merged`);
  const state = pull.mergeable_state ?? '';
  let policyBlocked = false;
  if (state === 'dirty') {
    throw new Error(`pull request ${number} has conflicts and cannot be merged`);
  } else if (POLICY_BLOCKED.has(state)) {
    policyBlocked = true;
  } else if (NOT_YET.has(state)) {
    return { merged: false };
  } else if (!MERGEABLE_NOW.has(state)) {
    if (pull.draft || pull.mergeable !== true) return { merged: false };
  }
  let merged: boolean;
  try {
    const { data } = await octokit.rest.pulls.merge({
      owner: repo.owner,
      repo: repo.repo,
      pull_number: number,
      ...(mergeMethod ? { merge_method: mergeMethod as 'merge' | 'squash' | 'rebase' } : {})
    });
    merged = data.merged === true;
  } catch (error) {
    if (githubStatus(error) === 405 && isTransientMerge405(githubMessage(error), policyBlocked)) return { merged: false };
    if (githubStatus(error) === 422 && mergeMethod && !['merge', 'squash', 'rebase'].includes(mergeMethod)) {
      throw new TerminalError(
        new Error(`mergeMethod "${mergeMethod}" is not one GitHub knows; use merge, squash or rebase`, { cause: error })
      );
    }
    throw new Error(`error merging pull request ${number}: ${(error as Error).message}`, { cause: error });
  }
  if (!merged) throw new Error(`merge rejected for pull request ${number}`);
  try {
    return { merged: true, pr: await getPullRequest(octokit, repo, number) };
  } catch (error) {
    throw new Error(`error getting pull request ${number} after merge: ${(error as Error).message}`, { cause: error });
  }
}
