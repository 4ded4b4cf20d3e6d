import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { sortPullRequests, type PullRequest } from '../../src/github/index.js';
import { gitOpenPrRunner } from '../../src/runners/git-open-pr.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { runStep } from '../helpers/step-context.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';

let gh: GitHubServer;
let counter = 0;

function capabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    github: gh.settings,
    secrets: {},
    mask: () => undefined,
    ...overrides
  };
}

function open(config: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return runStep(gitOpenPrRunner, { repoURL: gh.repoURL, targetBranch: 'main', ...config }, { capabilities: capabilities(), ...overrides });
}

/** A new branch off main with one commit; returns its name and head. */
async function branch(message = 'Update image to v2\n\nBumps the image tag.'): Promise<{ name: string; head: string }> {
  const name = `promo-${++counter}`;
  const head = await gh.commitFiles(name, { [`${name}.yaml`]: 'tag: v2\n' }, message, { from: 'main' });
  return { name, head };
}

function createdPulls(): number {
  return gh.seen('POST', /\/pulls$/).filter((r) => r.status === 201).length;
}

beforeAll(async () => {
  gh = await startGitHubServer();
  await gh.commitFiles('main', { 'README.md': 'hello\n' }, 'initial commit');
});

afterAll(async () => {
  await gh.close();
});

describe('git-open-pr config', () => {
  const base = { repoURL: 'https://github.com/a/b.git', sourceBranch: 's', targetBranch: 't' };
  it.each([
    ['provider is an invalid value', { ...base, provider: 'svn' }, /provider: must be one of/],
    ['title is empty', { ...base, title: '' }, /title: must NOT have fewer than 1 characters/],
    ['description is empty', { ...base, description: '' }, /description: must NOT have fewer than 1 characters/],
    ['sourceBranch is empty', { ...base, sourceBranch: '' }, /sourceBranch: must NOT have fewer than 1 characters/],
    ['targetBranch missing', { repoURL: base.repoURL, sourceBranch: 's' }, /must have required property 'targetBranch'/],
    ['repoURL is not a URI', { ...base, repoURL: 'not a url' }, /repoURL: must match format "uri"/],
    ['a label is empty', { ...base, labels: [''] }, /labels\[0\]: must NOT have fewer than 1 characters/],
    ['reviewers is not a Kargo field', { ...base, reviewers: ['octocat'] }, /unknown field 'reviewers'/],
    ['draft is not a Kargo field', { ...base, draft: true }, /unknown field 'draft'/]
  ])('%s is an invalid config', async (_name, config, message) => {
    const result = await runStep(gitOpenPrRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid git-open-pr config: /);
    expect((result.error as Error).message).toMatch(message);
  });

  it('accepts the deprecated createTargetBranch and insecureSkipTLSVerify fields', async () => {
    const source = await branch();
    const result = await open({ sourceBranch: source.name, createTargetBranch: true, insecureSkipTLSVerify: false, provider: 'github' });
    expect(result.status).toBe('Succeeded');
  });
});

describe('git-open-pr', () => {
  it('opens a PR titled and described from the source head commit and outputs its number and URL', async () => {
    const source = await branch();
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Succeeded');
    const pull = [...gh.pulls.values()].find((p) => p.head === source.name)!;
    expect(result.output).toEqual({ pr: { id: pull.number, url: `${gh.url}/acme/gitops/pull/${pull.number}` } });
    expect(pull).toMatchObject({ base: 'main', title: 'Update image to v2', body: '\nBumps the image tag.', state: 'open' });
    expect(gh.seen('POST', /\/pulls$/).at(-1)?.body).toMatchObject({ maintainer_can_modify: false });
  });

  it.each([
    ['title only', { title: 'Promote to prod' }, 'Promote to prod', 'Update image to v2\n\nBumps the image tag.'],
    ['description only', { description: 'Hand-written body' }, 'Update image to v2', 'Hand-written body'],
    ['both', { title: 'T', description: 'D' }, 'T', 'D']
  ])('uses the configured %s', async (_name, extra, title, body) => {
    const source = await branch();
    expect((await open({ sourceBranch: source.name, ...extra })).status).toBe('Succeeded');
    expect([...gh.pulls.values()].find((p) => p.head === source.name)).toMatchObject({ title, body });
  });

  it('leaves the body empty when the commit message is a single line', async () => {
    const source = await branch('One line only');
    await open({ sourceBranch: source.name });
    expect([...gh.pulls.values()].find((p) => p.head === source.name)).toMatchObject({ title: 'One line only', body: '' });
  });

  it('links the Kargo UI when uiBaseURL is set', async () => {
    const source = await branch();
    await open({ sourceBranch: source.name, description: 'Body' }, { uiBaseURL: 'https://kargo.example.com', project: 'shop', stage: 'prod' });
    expect([...gh.pulls.values()].find((p) => p.head === source.name)?.body).toBe(
      'Body\n\n[View in Kargo UI](https://kargo.example.com/project/shop/stage/prod)'
    );
  });

  it('adds the labels', async () => {
    const source = await branch();
    await open({ sourceBranch: source.name, labels: ['kargo', 'env/prod'] });
    expect([...gh.pulls.values()].find((p) => p.head === source.name)?.labels).toEqual(['kargo', 'env/prod']);
  });

  it('retries the 422 that adding labels can meet right after the PR is created', async () => {
    const source = await branch();
    gh.fail({ method: 'POST', path: /\/issues\/\d+\/labels$/, status: 422, body: { message: 'Validation Failed' } });
    const result = await open({ sourceBranch: source.name, labels: ['kargo'] });
    expect(result.status).toBe('Succeeded');
    expect([...gh.pulls.values()].find((p) => p.head === source.name)?.labels).toEqual(['kargo']);
  });

  it('adopts an open PR for the same head and base instead of opening another', async () => {
    const source = await branch();
    const existing = await gh.addPull(source.name, 'main', { title: 'opened earlier' });
    const before = createdPulls();
    const result = await open({ sourceBranch: source.name });
    expect(result).toEqual({ status: 'Succeeded', output: { pr: { id: existing.number, url: `${gh.url}/acme/gitops/pull/${existing.number}` } } });
    expect(createdPulls()).toBe(before);
  });

  it('adopts a PR already merged at the same head commit', async () => {
    const source = await branch();
    const existing = await gh.addPull(source.name, 'main');
    await gh.merge(existing.number);
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Succeeded');
    expect(result.output).toEqual({ pr: { id: existing.number, url: `${gh.url}/acme/gitops/pull/${existing.number}` } });
  });

  it('opens a new PR when the only earlier one was closed without merging', async () => {
    const source = await branch();
    const closed = await gh.addPull(source.name, 'main');
    gh.closePull(closed.number);
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Succeeded');
    expect((result.output as { pr: { id: number } }).pr.id).not.toBe(closed.number);
  });

  it('adopts the PR another run opened between its look and its create', async () => {
    const source = await branch();
    const existing = await gh.addPull(source.name, 'main');
    gh.fail({ method: 'GET', path: /\/pulls$/, status: 200, body: [] });
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Succeeded');
    expect((result.output as { pr: { id: number } }).pr.id).toBe(existing.number);
    expect(gh.seen('POST', /\/pulls$/).at(-1)?.status).toBe(422);
  });

  it.each([
    ['an integer', 7],
    ['a float (state after a JSON round trip)', 7.0]
  ])('returns its earlier output without calling GitHub when shared state holds a PR id as %s', async (_name, id) => {
    const before = gh.requests.length;
    const earlier = { pr: { id, url: 'https://github.com/acme/gitops/pull/7' } };
    const result = await open({ sourceBranch: 'anything' }, { alias: 'open-pr', sharedState: { 'open-pr': earlier } });
    expect(result).toEqual({ status: 'Succeeded', output: earlier });
    expect(gh.requests.length).toBe(before);
  });

  it.each([
    ['not a map', 'oops', /output from step with alias "open-pr" is not a map/],
    ['a PR id that is not a number', { pr: { id: '7' } }, /PR ID in output from step with alias "open-pr" is not a number/]
  ])('answers Errored when its earlier output is %s', async (_name, earlier, message) => {
    const result = await open({ sourceBranch: 'anything' }, { alias: 'open-pr', sharedState: { 'open-pr': earlier } });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error getting PR number from shared state: /);
    expect((result.error as Error).message).toMatch(message);
  });

  it('skips when the branches have no differences', async () => {
    const name = `same-${++counter}`;
    await gh.git(['update-ref', `refs/heads/${name}`, (await gh.branchHead('main'))!]);
    await gh.commitFiles(name, { 'README.md': 'hello\n' }, 'no-op change');
    const before = gh.seen('POST', /\/pulls$/).length;
    const result = await open({ sourceBranch: name });
    expect(result).toEqual({ status: 'Skipped' });
    expect(gh.seen('POST', /\/pulls$/).length).toBe(before);
  });

  it('answers Errored when the target branch does not exist', async () => {
    const source = await branch();
    const result = await open({ sourceBranch: source.name, targetBranch: 'target' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toBe('target branch "target" does not exist');
  });

  it('answers Errored when the source branch does not exist', async () => {
    const result = await open({ sourceBranch: 'no-such-branch' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/source branch "no-such-branch" of acme\/gitops: it does not exist; push it first/);
  });

  it('tells how to let GITHUB_TOKEN open PRs when the create is forbidden', async () => {
    const source = await branch();
    gh.fail({ method: 'POST', path: /\/pulls$/, status: 403, body: { message: 'GitHub Actions is not permitted to create or approve pull requests.' } });
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(
      /^error creating pull request: GitHub API POST \/repos\/acme\/gitops\/pulls answered 403: GitHub Actions is not permitted.*"Allow GitHub Actions to create and approve pull requests"/
    );
  });

  it('retries a 502 on create and keeps to one PR', async () => {
    const source = await branch();
    gh.fail({ method: 'POST', path: /\/pulls$/, status: 502, body: { message: 'Bad Gateway' } });
    const result = await open({ sourceBranch: source.name });
    expect(result.status).toBe('Succeeded');
    expect([...gh.pulls.values()].filter((p) => p.head === source.name)).toHaveLength(1);
  });

  it('uses a token from the secrets input whose repoURL matches, before github-token', async () => {
    const source = await branch();
    const caps = capabilities({
      github: { ...gh.settings, token: 'workflow-token-without-access' },
      secrets: { gitops: { repoURL: gh.repoURL, username: 'bot', password: gh.token } }
    });
    const result = await runStep(gitOpenPrRunner, { repoURL: gh.repoURL, sourceBranch: source.name, targetBranch: 'main' }, { capabilities: caps });
    expect(result.status).toBe('Succeeded');
  });

  it('masks the token it uses', async () => {
    const source = await branch();
    const masked: string[] = [];
    await runStep(
      gitOpenPrRunner,
      { repoURL: gh.repoURL, sourceBranch: source.name, targetBranch: 'main' },
      { capabilities: capabilities({ mask: (v) => masked.push(v) }) }
    );
    expect(masked).toContain(gh.token);
  });
});

describe('sortPullRequests', () => {
  it('puts open PRs first, then merged ones, then the rest, newest first within each', () => {
    const pr = (number: number, open: boolean, merged: boolean, createdAt: string): PullRequest => ({
      number, url: '', open, merged, mergeCommitSHA: '', headSHA: '', createdAt
    });
    const sorted = sortPullRequests([
      pr(1, false, false, '2024-01-03T00:00:00Z'),
      pr(2, false, true, '2024-01-01T00:00:00Z'),
      pr(3, true, false, '2024-01-01T00:00:00Z'),
      pr(4, false, true, '2024-01-02T00:00:00Z'),
      pr(5, true, false, '2024-01-02T00:00:00Z')
    ]);
    expect(sorted.map((p) => p.number)).toEqual([5, 3, 4, 2, 1]);
  });
});
