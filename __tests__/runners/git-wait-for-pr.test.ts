import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { gitWaitForPrRunner } from '../../src/runners/git-wait-for-pr.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { captureLog, runStep } from '../helpers/step-context.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';

let gh: GitHubServer;

function capabilities(token?: string): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    github: { ...gh.settings, ...(token !== undefined ? { token } : {}) },
    secrets: {},
    mask: () => undefined
  };
}

function wait(config: Record<string, unknown>, token?: string) {
  return runStep(gitWaitForPrRunner, { repoURL: gh.repoURL, ...config }, { capabilities: capabilities(token) });
}

async function openPull(branch: string): Promise<number> {
  await gh.commitFiles(branch, { [`${branch}.txt`]: branch }, `change on ${branch}`, { from: 'main' });
  return (await gh.addPull(branch, 'main', { title: `PR for ${branch}` })).number;
}

beforeAll(async () => {
  gh = await startGitHubServer();
  await gh.commitFiles('main', { 'README.md': 'hello\n' }, 'initial commit');
});

afterAll(async () => {
  await gh.close();
});

describe('git-wait-for-pr config', () => {
  it.each([
    ['repoURL missing', { prNumber: 1 }, /repoURL/],
    ['repoURL empty', { repoURL: '', prNumber: 1 }, /repoURL/],
    ['prNumber missing', { repoURL: 'https://github.com/a/b.git' }, /prNumber/],
    ['prNumber below 1', { repoURL: 'https://github.com/a/b.git', prNumber: 0 }, /prNumber: must be >= 1/],
    ['prNumber not an integer', { repoURL: 'https://github.com/a/b.git', prNumber: 1.5 }, /prNumber: must be integer/],
    ['provider unknown', { repoURL: 'https://github.com/a/b.git', prNumber: 1, provider: 'svn' }, /provider: must be one of/],
    ['pollInterval not a duration', { repoURL: 'https://github.com/a/b.git', prNumber: 1, pollInterval: 'soon' }, /pollInterval: must match pattern/],
    ['unknown field', { repoURL: 'https://github.com/a/b.git', prNumber: 1, reviewers: ['x'] }, /unknown field 'reviewers'/]
  ])('%s is an invalid config', async (_name, config, message) => {
    const result = await runStep(gitWaitForPrRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid git-wait-for-pr config: /);
    expect((result.error as Error).message).toMatch(message);
  });
});

describe('git-wait-for-pr', () => {
  it('answers Running with the PR output and the default 30s poll interval while the PR is open', async () => {
    const number = await openPull('open-default');
    const result = await wait({ prNumber: number });
    expect(result.status).toBe('Running');
    expect(result.retryAfterMs).toBe(30_000);
    expect(result.output).toEqual({
      pr: { id: number, url: `${gh.url}/acme/gitops/pull/${number}`, open: true, merged: false }
    });
    expect(result.error).toBeUndefined();
  });

  it.each([
    ['90s', 90_000],
    ['1m30s', 90_000],
    ['500ms', 500]
  ])('uses pollInterval %s as the suggested wait', async (pollInterval, ms) => {
    const number = await openPull(`open-${ms}-${pollInterval.replace(/\W/g, '')}`);
    const result = await wait({ prNumber: number, pollInterval });
    expect(result.status).toBe('Running');
    expect(result.retryAfterMs).toBe(ms);
  });

  it('answers Errored for a pollInterval the schema lets through but Go cannot parse', async () => {
    const number = await openPull('open-badpoll');
    const result = await wait({ prNumber: number, pollInterval: 'x10s' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/error parsing pollInterval/);
  });

  it('succeeds with the merge commit once the PR is merged', async () => {
    const number = await openPull('merged');
    const sha = await gh.merge(number);
    const result = await wait({ prNumber: number });
    expect(result.status).toBe('Succeeded');
    expect(result.output).toEqual({
      pr: { id: number, url: `${gh.url}/acme/gitops/pull/${number}`, open: false, merged: true },
      commit: sha
    });
    expect(await gh.branchHead('main')).toBe(sha);
  });

  it('fails terminally when the PR was closed without being merged', async () => {
    const number = await openPull('closed');
    gh.closePull(number);
    const result = await wait({ prNumber: number });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(`pull request ${number} was closed without being merged`);
    expect(result.output).toEqual({
      pr: { id: number, url: `${gh.url}/acme/gitops/pull/${number}`, open: false, merged: false }
    });
  });

  it('answers Errored (terminal) with what to fix when the PR does not exist', async () => {
    const result = await wait({ prNumber: 999 });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^error getting pull request 999: GitHub API GET \/repos\/acme\/gitops\/pulls\/999 answered 404: Not Found; not found: check the repository URL/);
  });

  it('answers Errored (terminal) naming the token when the token is refused', async () => {
    const number = await openPull('badtoken');
    const result = await wait({ prNumber: number }, 'wrong-token');
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/answered 401: Bad credentials; the token was refused/);
    expect((result.error as Error).message).not.toContain('wrong-token');
  });

  it('names the permissions to grant on a 403', async () => {
    const number = await openPull('forbidden');
    gh.fail({ method: 'GET', path: /\/pulls\/\d+$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    const result = await wait({ prNumber: number });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/answered 403: Resource not accessible by integration; .*`pull-requests: write`/);
  });

  it.each([
    ['a 502', { status: 502, body: { message: 'Server Error' } }],
    ['a 503', { status: 503, body: { message: 'Service Unavailable' } }],
    ['a secondary rate limit (403 + retry-after)', { status: 403, body: { message: 'You have exceeded a secondary rate limit' }, headers: { 'retry-after': '0' } }],
    ['a 429', { status: 429, body: { message: 'Too Many Requests' }, headers: { 'retry-after': '0' } }]
  ])('retries %s inside the client and still answers', async (_name, fault) => {
    const number = await openPull(`blip-${fault.status}-${Object.keys(fault).length}`);
    const before = gh.seen('GET', new RegExp(`/pulls/${number}$`)).length;
    gh.fail({ method: 'GET', path: new RegExp(`/pulls/${number}$`), times: 2, ...fault });
    const log = captureLog();
    const result = await runStep(
      gitWaitForPrRunner,
      { repoURL: gh.repoURL, prNumber: number },
      { capabilities: capabilities(), logger: log.logger }
    );
    expect(result.status).toBe('Running');
    expect(gh.seen('GET', new RegExp(`/pulls/${number}$`)).length - before).toBe(3);
    expect(log.lines.filter((l) => l.startsWith('warning:') && l.includes('retrying'))).toHaveLength(2);
  });

  it('gives up after the bounded attempts with a retryable error', async () => {
    const number = await openPull('always-502');
    gh.fail({ method: 'GET', path: new RegExp(`/pulls/${number}$`), times: 10, status: 502, body: { message: 'Bad Gateway' } });
    const result = await wait({ prNumber: number });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(/answered 502: Bad Gateway \(after 5 attempts\)/);
  });

  it('stops waiting between retries when the step is cancelled', async () => {
    const number = await openPull('cancelled');
    process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '60000';
    try {
      gh.fail({ method: 'GET', path: new RegExp(`/pulls/${number}$`), times: 1, status: 503 });
      const controller = new AbortController();
      const pending = runStep(gitWaitForPrRunner, { repoURL: gh.repoURL, prNumber: number }, { capabilities: capabilities(), signal: controller.signal });
      setTimeout(() => controller.abort(new Error('job cancelled')), 50);
      const result = await pending;
      expect(result.status).toBe('Errored');
      expect((result.error as Error).message).toMatch(/cancel/);
    } finally {
      process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';
    }
  });

  it.each(['gitlab', 'azure', 'bitbucket', 'gitea'])('refuses provider %s with a clear error', async (provider) => {
    const result = await wait({ prNumber: 1, provider });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(new RegExp(`provider "${provider}" is not supported here: this action talks to GitHub only`));
  });

  it('refuses a repository on a server it cannot tell is GitHub', async () => {
    const result = await runStep(gitWaitForPrRunner, { repoURL: 'https://git.example.com/a/b.git', prNumber: 1 }, { capabilities: capabilities() });
    expect(result.status).toBe('Failed');
    expect((result.error as Error).message).toMatch(/cannot tell which Git provider serves .*set provider: github/);
  });

  it('talks to the workflow server through its API URL (GitHub Enterprise layout)', async () => {
    const number = await openPull('ghes');
    const before = gh.requests.length;
    await wait({ prNumber: number, provider: 'github' });
    expect(gh.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /repos/acme/gitops/pulls/${number}`]);
  });
});
