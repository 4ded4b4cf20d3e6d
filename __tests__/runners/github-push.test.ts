import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitSettings } from '../../src/git/index.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { buildReplayCommit, githubPushRunner, resolveParents, type ComparedCommit } from '../../src/runners/github-push.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';
gitSettings.pushBackoff = { initialMs: 1, factor: 1.5, jitter: 0.5, capMs: 5 };

const LOCAL_AUTHOR = { name: 'Local Dev', email: 'local@example.com' };
let gh: GitHubServer;
let workDir: string;
let clone: string;

function env(): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) base[k] = v;
  return {
    ...base,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: LOCAL_AUTHOR.name,
    GIT_AUTHOR_EMAIL: LOCAL_AUTHOR.email,
    GIT_COMMITTER_NAME: LOCAL_AUTHOR.name,
    GIT_COMMITTER_EMAIL: LOCAL_AUTHOR.email,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${gh.token}`).toString('base64')}`
  };
}

// Async on purpose: the GitHub server runs in this process, so a synchronous git call that
// talks to it would wait forever.
async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd, env: env(), encoding: 'utf8' });
  return stdout.trim();
}

async function commitLocally(files: Record<string, string>, message: string): Promise<string> {
  for (const [name, contents] of Object.entries(files)) writeFileSync(path.join(clone, name), contents);
  await git(clone, ['add', '-A']);
  await git(clone, ['commit', '-q', '-m', message]);
  return git(clone, ['rev-parse', 'HEAD']);
}

function capabilities(overrides: Partial<Capabilities> = {}): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    github: gh.settings,
    secrets: {},
    mask: () => undefined,
    ...overrides
  };
}

function push(config: Record<string, unknown> = {}, caps?: Capabilities) {
  return runStep(githubPushRunner, { path: 'repo', ...config }, { workDir, capabilities: caps ?? capabilities() });
}

function tree(rev: string, cwd = gh.bareDir): string {
  return execFileSync('git', ['rev-parse', `${rev}^{tree}`], { cwd, encoding: 'utf8' }).trim();
}

function useServer(): void {
  beforeEach(async () => {
    gh = await startGitHubServer();
    await gh.commitFiles('main', { 'README.md': 'hello\n', 'values.yaml': 'tag: v1\n' }, 'initial commit');
    workDir = makeTempDir('github-push-');
    clone = path.join(workDir, 'repo');
    await git(workDir, ['clone', '-q', gh.repoURL, 'repo']);
  });

  afterEach(async () => {
    await gh.close();
    delete process.env['GITHUB_PUSH_VERIFY_UNTRUSTED_COMMITS'];
    delete process.env['GITHUB_PUSH_MAX_REVISIONS'];
    delete process.env['GIT_PUSH_INTEGRATION_POLICY'];
  });
}

describe('github-push config', () => {
  it.each([
    ['path missing', {}, /must have required property 'path'/],
    ['path empty', { path: '' }, /path: must NOT have fewer than 1 characters/],
    ['generateTargetBranch with targetBranch', { path: 'repo', generateTargetBranch: true, targetBranch: 'x' }, /must match exactly one schema in oneOf/],
    ['maxAttempts below 1', { path: 'repo', maxAttempts: 0 }, /maxAttempts: must be >= 1/],
    ['maxAttempts above 2147483647', { path: 'repo', maxAttempts: 2147483648 }, /maxAttempts: must be <= 2147483647/],
    ['unknown field', { path: 'repo', tag: 'v1' }, /unknown field 'tag'/]
  ])('%s is an invalid config', async (_name, config, message) => {
    const result = await runStep(githubPushRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid github-push config: /);
    expect((result.error as Error).message).toMatch(message);
  });

  describe('valid configs', () => {
  useServer();
  it.each([
    ['generateTargetBranch with an empty targetBranch', { generateTargetBranch: true, targetBranch: '' }],
    ['force', { force: true }],
    ['insecureSkipTLSVerify false', { insecureSkipTLSVerify: false }]
  ])('accepts %s', async (_name, config) => {
    await commitLocally({ 'values.yaml': 'tag: v2\n' }, 'bump');
    expect((await push(config)).status).toBe('Succeeded');
  });
  });
});

describe('github-push credentials', () => {
  useServer();
  it('fails terminally when no credentials are found', async () => {
    const result = await push({}, capabilities({ github: undefined }));
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^no credentials found for http:\/\/127\.0\.0\.1:\d+\/acme\/gitops\.git/);
  });

  it('fails terminally when the credentials have no token', async () => {
    const caps = capabilities({ github: undefined, secrets: { gitops: { repoURL: gh.repoURL, username: 'bot', password: '' } } });
    const result = await push({}, caps);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^credentials for .* are missing a password\/token$/);
  });
});

describe('github-push', () => {
  useServer();
  it('replays local commits through the API, moves the branch and syncs the work tree', async () => {
    const first = await commitLocally({ 'values.yaml': 'tag: v2\n' }, 'bump to v2');
    const second = await commitLocally({ 'notes.txt': 'promoted\n' }, 'add notes');
    const before = await gh.branchHead('main');
    const result = await push();
    expect(result.status).toBe('Succeeded');
    const head = await gh.branchHead('main');
    expect(head).not.toBe(second);
    expect(result.output).toEqual({
      commit: head,
      branch: 'main',
      commitURL: `https://127.0.0.1:${new URL(gh.url).port}/acme/gitops/commit/${head}`
    });
    expect(gh.createdCommits.map((c) => c.message)).toEqual(['bump to v2', 'add notes']);
    expect(gh.createdCommits[0]?.parents).toEqual([before]);
    expect(gh.createdCommits[1]?.parents).toEqual([gh.createdCommits[0]?.sha]);
    expect(tree(head!)).toBe(tree(second, clone));
    expect(tree(`${head}~1`)).toBe(tree(first, clone));
    // Unsigned commits are untrusted: author kept, not verified (Kargo's default).
    expect(gh.createdCommits.every((c) => !c.verified && c.author?.email === LOCAL_AUTHOR.email)).toBe(true);
    expect(await git(clone, ['rev-parse', 'HEAD'])).toBe(head);
    expect(await git(clone, ['status', '--porcelain'])).toBe('');
    expect(await gh.refSha('refs/kargo/staging/test-promotion')).toBeUndefined();
  });

  it('lets GitHub sign every commit when GITHUB_PUSH_VERIFY_UNTRUSTED_COMMITS is true, crediting the author', async () => {
    process.env['GITHUB_PUSH_VERIFY_UNTRUSTED_COMMITS'] = 'true';
    await commitLocally({ 'values.yaml': 'tag: v2\n' }, 'bump to v2');
    expect((await push()).status).toBe('Succeeded');
    expect(gh.createdCommits).toHaveLength(1);
    expect(gh.createdCommits[0]).toMatchObject({
      verified: true,
      message: `bump to v2\n\nCo-authored-by: ${LOCAL_AUTHOR.name} <${LOCAL_AUTHOR.email}>`
    });
  });

  it('changes nothing when the branches are identical', async () => {
    const head = await gh.branchHead('main');
    const result = await push();
    expect(result).toMatchObject({ status: 'Succeeded', output: { commit: head, branch: 'main' } });
    expect(gh.seen('POST', /\/git\/commits$/)).toHaveLength(0);
    expect(gh.seen('PATCH', /\/git\/refs\//)).toHaveLength(0);
  });

  it('creates a target branch that does not exist yet', async () => {
    await commitLocally({ 'values.yaml': 'tag: v3\n' }, 'bump to v3');
    const result = await push({ targetBranch: 'env/prod' });
    expect(result.status).toBe('Succeeded');
    const head = await gh.branchHead('env/prod');
    expect(result.output).toMatchObject({ commit: head, branch: 'env/prod' });
    expect(gh.seen('POST', /\/git\/refs$/).at(-1)?.body).toEqual({ ref: 'refs/heads/env/prod', sha: head });
    expect(await gh.git(['rev-parse', `${head}~1`])).toBe(await gh.branchHead('main'));
  });

  it('compares a branch that exists only locally against the default branch', async () => {
    await git(clone, ['checkout', '-q', '-b', 'local-only']);
    await commitLocally({ 'values.yaml': 'tag: local\n' }, 'local change');
    const result = await push();
    expect(result.status).toBe('Succeeded');
    const head = await gh.branchHead('local-only');
    expect(result.output).toMatchObject({ commit: head, branch: 'local-only' });
    expect(await gh.git(['rev-parse', `${head}~1`])).toBe(await gh.branchHead('main'));
  });

  it('pushes to kargo/promotion/<promotion> with generateTargetBranch', async () => {
    await commitLocally({ 'values.yaml': 'tag: v4\n' }, 'bump to v4');
    const result = await push({ generateTargetBranch: true });
    expect(result.status).toBe('Succeeded');
    expect(result.output).toMatchObject({ branch: 'kargo/promotion/test-promotion', commit: await gh.branchHead('kargo/promotion/test-promotion') });
  });

  it('rebases onto commits someone else pushed first (AlwaysRebase)', async () => {
    const theirs = await gh.commitFiles('main', { 'other.txt': 'theirs\n' }, 'their change');
    await commitLocally({ 'values.yaml': 'tag: v5\n' }, 'bump to v5');
    const result = await push();
    expect(result.status).toBe('Succeeded');
    const head = await gh.branchHead('main');
    expect(await gh.git(['rev-parse', `${head}~1`])).toBe(theirs);
    expect(await gh.git(['show', `${head}:values.yaml`])).toBe('tag: v5');
  });

  it('fails terminally on a merge conflict with the remote branch', async () => {
    await gh.commitFiles('main', { 'values.yaml': 'tag: theirs\n' }, 'their bump');
    await commitLocally({ 'values.yaml': 'tag: mine\n' }, 'my bump');
    const result = await push();
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/merge conflict/);
  });

  it('answers a retryable Errored when the source is behind and force is off (policy None)', async () => {
    process.env['GIT_PUSH_INTEGRATION_POLICY'] = 'None';
    await gh.commitFiles('main', { 'other.txt': 'theirs\n' }, 'their change');
    const result = await push({ maxAttempts: 2 });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(/source branch is behind target branch and force pushing is not enabled/);
    expect(gh.seen('GET', /\/compare\//)).toHaveLength(2);
  });

  it('answers a retryable Errored when the branches diverged and force is off (policy None)', async () => {
    process.env['GIT_PUSH_INTEGRATION_POLICY'] = 'None';
    await gh.commitFiles('main', { 'other.txt': 'theirs\n' }, 'their change');
    await commitLocally({ 'values.yaml': 'tag: v6\n' }, 'bump to v6');
    const result = await push({ maxAttempts: 1 });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/source and target branches have diverged and force pushing is not enabled/);
  });

  it('overwrites diverged history with force', async () => {
    const before = await gh.branchHead('main');
    await gh.commitFiles('main', { 'other.txt': 'theirs\n' }, 'their change');
    await commitLocally({ 'values.yaml': 'tag: v7\n' }, 'bump to v7');
    const result = await push({ force: true });
    expect(result.status).toBe('Succeeded');
    const head = await gh.branchHead('main');
    expect(await gh.git(['rev-parse', `${head}~1`])).toBe(before);
    expect(gh.seen('PATCH', /\/git\/refs\/heads/).at(-1)?.body).toMatchObject({ force: true });
  });

  it('moves the branch back with force when the source is behind (zero-commit replay)', async () => {
    const before = await gh.branchHead('main');
    await gh.commitFiles('main', { 'other.txt': 'theirs\n' }, 'their change');
    const result = await push({ force: true });
    expect(result.status).toBe('Succeeded');
    expect(await gh.branchHead('main')).toBe(before);
    expect(gh.createdCommits).toHaveLength(0);
  });

  it('fails terminally on a comparison status it does not know', async () => {
    await commitLocally({ 'values.yaml': 'tag: odd\n' }, 'odd');
    gh.fail({ method: 'GET', path: /\/compare\//, status: 200, body: { status: 'sideways', commits: [], merge_base_commit: { sha: 'x' } } });
    const result = await push();
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/unexpected comparison status "sideways"/);
  });

  it('fails terminally when more commits need replaying than GITHUB_PUSH_MAX_REVISIONS', async () => {
    process.env['GITHUB_PUSH_MAX_REVISIONS'] = '1';
    await commitLocally({ 'a.txt': 'a\n' }, 'a');
    await commitLocally({ 'b.txt': 'b\n' }, 'b');
    const result = await push();
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/contains 2 commits, which exceeds the configured maximum of 1/);
  });

  it('retries when the ref update is not a fast forward (422)', async () => {
    await commitLocally({ 'values.yaml': 'tag: v8\n' }, 'bump to v8');
    gh.fail({ method: 'PATCH', path: /\/git\/refs\/heads/, status: 422, body: { message: 'Update is not a fast forward' } });
    const result = await push();
    expect(result.status).toBe('Succeeded');
    expect(gh.seen('PATCH', /\/git\/refs\/heads/)).toHaveLength(2);
  });

  it('says which permission is missing when GitHub refuses to create commits', async () => {
    await commitLocally({ 'values.yaml': 'tag: v9\n' }, 'bump to v9');
    gh.fail({ method: 'POST', path: /\/git\/commits$/, status: 403, body: { message: 'Resource not accessible by integration' } });
    const result = await push();
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/error replaying commits via GitHub API: .*answered 403.*`contents: write`/);
  });

  it('rides out a 502 from the API inside the client', async () => {
    await commitLocally({ 'values.yaml': 'tag: v10\n' }, 'bump to v10');
    gh.fail({ method: 'GET', path: /\/compare\//, status: 502, body: { message: 'Bad Gateway' } });
    expect((await push()).status).toBe('Succeeded');
  });

  it('answers Errored when the path is not a work tree', async () => {
    const result = await push({ path: 'nowhere' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error loading working tree from nowhere/);
  });
});

describe('buildReplayCommit', () => {
  const original: ComparedCommit = {
    sha: 'aaa',
    commit: {
      message: 'msg',
      tree: { sha: 'tree1' },
      author: { name: 'Alice', email: 'alice@example.com', date: '2024-01-01T00:00:00Z' },
      committer: { name: 'Kargo', email: 'kargo@example.com', date: '2024-01-01T00:00:00Z' }
    },
    parents: [{ sha: 'p1' }]
  };

  it.each([
    ['trusted commit with a different author', { trusted: true, signerName: 'Kargo', signerEmail: 'kargo@example.com' }, false, { message: 'msg\n\nCo-authored-by: Alice <alice@example.com>', tree: 'tree1' }],
    ['trusted commit with the same author', { trusted: true, signerName: 'Alice', signerEmail: 'alice@example.com' }, false, { message: 'msg', tree: 'tree1' }],
    ['untrusted commit', { trusted: false, signerName: '', signerEmail: '' }, false, { message: 'msg', tree: 'tree1', author: original.commit.author, committer: original.commit.committer }],
    ['untrusted commit, verification forced', { trusted: false, signerName: '', signerEmail: '' }, true, { message: 'msg\n\nCo-authored-by: Alice <alice@example.com>', tree: 'tree1' }]
  ])('%s', (_name, sig, verifyUntrusted, expected) => {
    expect(buildReplayCommit(original, sig, verifyUntrusted)).toEqual(expected);
  });

  it('maps each parent of a merge commit through the replayed shas', () => {
    const merge: ComparedCommit = { ...original, parents: [{ sha: 'old1' }, { sha: 'external' }] };
    expect(resolveParents(merge, new Map([['old1', 'new1']]), 'last')).toEqual(['new1', 'external']);
    expect(resolveParents(original, new Map(), 'last')).toEqual(['last']);
  });
});
