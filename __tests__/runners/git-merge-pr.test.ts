import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { gitMergePrRunner } from '../../src/runners/git-merge-pr.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { runStep } from '../helpers/step-context.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';

let gh: GitHubServer;
let branchCounter = 0;

function capabilities(): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    github: gh.settings,
    secrets: {},
    mask: () => undefined
  };
}

function merge(config: Record<string, unknown>) {
  return runStep(gitMergePrRunner, { repoURL: gh.repoURL, ...config }, { capabilities: capabilities() });
}

/** A branch off main with one commit touching its own file, and an open PR for it. */
async function openPull(files?: Record<string, string>): Promise<{ number: number; head: string }> {
  const branch = `feature-${++branchCounter}`;
  const head = await gh.commitFiles(branch, files ?? { [`${branch}.txt`]: branch }, `change ${branch}`, { from: 'main' });
  return { number: (await gh.addPull(branch, 'main', { title: `Promote ${branch}` })).number, head };
}

beforeAll(async () => {
  gh = await startGitHubServer();
  await gh.commitFiles('main', { 'README.md': 'hello\n', 'shared.txt': 'base\n' }, 'initial commit');
});

afterAll(async () => {
  await gh.close();
});

describe('git-merge-pr config', () => {
  it.each([
    ['repoURL missing', { prNumber: 1 }, /repoURL/],
    ['prNumber below 1', { repoURL: 'https://github.com/a/b.git', prNumber: 0 }, /prNumber: must be >= 1/],
    ['pollInterval not a duration', { repoURL: 'https://github.com/a/b.git', prNumber: 1, pollInterval: 'later' }, /pollInterval: must match pattern/],
    ['mergeMethod empty', { repoURL: 'https://github.com/a/b.git', prNumber: 1, mergeMethod: '' }, /mergeMethod: must NOT have fewer than 1 characters/],
    ['wait not a boolean', { repoURL: 'https://github.com/a/b.git', prNumber: 1, wait: 'yes' }, /wait: must be boolean/],
    ['unknown field', { repoURL: 'https://github.com/a/b.git', prNumber: 1, draft: true }, /unknown field 'draft'/]
  ])('%s is an invalid config', async (_name, config, message) => {
    const result = await runStep(gitMergePrRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid git-merge-pr config: /);
    expect((result.error as Error).message).toMatch(message);
  });
});

describe('git-merge-pr', () => {
  it('merges a mergeable PR and outputs the merge commit, which is the new head of the base branch', async () => {
    const { number, head } = await openPull();
    const result = await merge({ prNumber: number });
    expect(result.status).toBe('Succeeded');
    const mainHead = await gh.branchHead('main');
    expect(result.output).toEqual({ commit: mainHead });
    expect(await gh.git(['rev-parse', `${mainHead}^2`])).toBe(head);
  });

  it.each([
    ['squash', 1],
    ['rebase', 1],
    ['merge', 2]
  ])('merges with mergeMethod %s (%d parent(s))', async (mergeMethod, parents) => {
    const { number } = await openPull();
    const result = await merge({ prNumber: number, mergeMethod });
    expect(result.status).toBe('Succeeded');
    const mainHead = await gh.branchHead('main');
    expect(result.output).toEqual({ commit: mainHead });
    expect((await gh.git(['rev-list', '--parents', '-n', '1', mainHead as string])).split(' ')).toHaveLength(parents + 1);
    const put = gh.seen('PUT', new RegExp(`/pulls/${number}/merge$`));
    expect(put.at(-1)?.body).toEqual({ merge_method: mergeMethod });
  });

  it('sends no merge_method when none is configured (the repository default)', async () => {
    const { number } = await openPull();
    await merge({ prNumber: number });
    expect(gh.seen('PUT', new RegExp(`/pulls/${number}/merge$`)).at(-1)?.body).toBeUndefined();
  });

  it('succeeds without merging again when the PR is already merged', async () => {
    const { number } = await openPull();
    const sha = await gh.merge(number);
    const result = await merge({ prNumber: number });
    expect(result.status).toBe('Succeeded');
    expect(result.output).toEqual({ commit: sha });
    expect(gh.seen('PUT', new RegExp(`/pulls/${number}/merge$`))).toHaveLength(0);
  });

  it('outputs an empty commit when GitHub reports a merged PR without a merge commit sha', async () => {
    const { number } = await openPull();
    const merged = { number, html_url: 'x', state: 'closed', merged_at: '2024-01-01T00:00:00Z', merge_commit_sha: null, head: { sha: 'a', ref: 'b' }, base: { ref: 'main' } };
    gh.fail({ method: 'GET', path: new RegExp(`/pulls/${number}$`), status: 200, body: merged });
    const result = await merge({ prNumber: number });
    expect(result).toEqual({ status: 'Succeeded', output: { commit: '' } });
  });

  it.each([
    ['unknown', {}, 10_000],
    ['draft', {}, 10_000],
    ['unknown', { pollInterval: '45s' }, 45_000]
  ])('answers Running with no output while mergeable_state is %s and wait is true', async (state, extra, ms) => {
    const { number } = await openPull();
    gh.pulls.get(number)!.mergeableState = state;
    const result = await merge({ prNumber: number, wait: true, ...extra });
    expect(result.status).toBe('Running');
    expect(result.retryAfterMs).toBe(ms);
    expect(result.output).toBeUndefined();
    expect(result.error).toBeUndefined();
  });

  it('fails terminally when the PR is not ready and wait is disabled', async () => {
    const { number } = await openPull();
    gh.pulls.get(number)!.mergeableState = 'unknown';
    const result = await merge({ prNumber: number });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(`pull request ${number} is not ready to merge and wait is disabled`);
  });

  it('treats a policy-blocked PR that GitHub refuses to merge as not ready (Running)', async () => {
    const { number } = await openPull();
    gh.pulls.get(number)!.mergeableState = 'blocked';
    const result = await merge({ prNumber: number, wait: true });
    expect(result.status).toBe('Running');
    expect(gh.seen('PUT', new RegExp(`/pulls/${number}/merge$`))).toHaveLength(1);
  });

  it('treats "Base branch was modified" as not ready', async () => {
    const { number } = await openPull();
    gh.fail({ method: 'PUT', path: new RegExp(`/pulls/${number}/merge$`), status: 405, body: { message: 'Base branch was modified. Review and try the merge again.' } });
    const result = await merge({ prNumber: number, wait: true });
    expect(result.status).toBe('Running');
    const again = await merge({ prNumber: number, wait: true });
    expect(again.status).toBe('Succeeded');
    expect(again.output).toEqual({ commit: await gh.branchHead('main') });
  });

  it('fails terminally when the merge method is not allowed on the repository', async () => {
    const { number } = await openPull();
    gh.disallowedMergeMethods.add('squash');
    try {
      const result = await merge({ prNumber: number, mergeMethod: 'squash', wait: true });
      expect(result.status).toBe('Failed');
      expect(isTerminal(result.error)).toBe(true);
      expect((result.error as Error).message).toMatch(/Squash merges are not allowed on this repository/);
    } finally {
      gh.disallowedMergeMethods.clear();
    }
  });

  it('fails terminally for a merge method GitHub does not know', async () => {
    const { number } = await openPull();
    const result = await merge({ prNumber: number, mergeMethod: 'fast-forward' });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/mergeMethod "fast-forward" is not one GitHub knows; use merge, squash or rebase/);
  });

  it('fails terminally when the PR has conflicts', async () => {
    const { number } = await openPull({ 'shared.txt': 'from the PR\n' });
    await gh.commitFiles('main', { 'shared.txt': 'moved on main\n' }, 'conflicting change');
    const result = await merge({ prNumber: number, wait: true });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(`error merging pull request ${number}: pull request ${number} has conflicts and cannot be merged`);
  });

  it('fails terminally when the PR was closed without merging', async () => {
    const { number } = await openPull();
    gh.closePull(number);
    const result = await merge({ prNumber: number, wait: true });
    expect(result.status).toBe('Failed');
    expect((result.error as Error).message).toBe(`error merging pull request ${number}: pull request ${number} is closed but not merged`);
  });

  it('fails terminally when the PR does not exist, saying what to check', async () => {
    const result = await merge({ prNumber: 4242 });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^error merging pull request 4242: error getting pull request 4242: GitHub API GET \/repos\/acme\/gitops\/pulls\/4242 answered 404/);
  });

  it('names the permissions to grant when the merge is forbidden', async () => {
    const { number } = await openPull();
    gh.fail({ method: 'PUT', path: /\/merge$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    const result = await merge({ prNumber: number });
    expect(result.status).toBe('Failed');
    expect((result.error as Error).message).toMatch(/`contents: write`/);
  });

  it('retries a 502 on the merge call inside the client', async () => {
    const { number } = await openPull();
    gh.fail({ method: 'PUT', path: /\/merge$/, status: 502, body: { message: 'Bad Gateway' } });
    const result = await merge({ prNumber: number });
    expect(result.status).toBe('Succeeded');
    expect(gh.seen('PUT', new RegExp(`/pulls/${number}/merge$`))).toHaveLength(2);
  });
});
