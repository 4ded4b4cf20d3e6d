import { disposeGitPrivateDir } from '../../src/git/index.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gitSettings } from '../../src/git/index.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities, StepResult } from '../../src/promotion/types.js';
import { gitCloneRunner } from '../../src/runners/git-clone.js';
import { gitCommitRunner } from '../../src/runners/git-commit.js';
import { gitPushRunner } from '../../src/runners/git-push.js';
import { gitTagRunner } from '../../src/runners/git-tag.js';
import { basicHeaderValue, startGitServer, type GitServer } from '../helpers/git-server.js';
import {
  branchHead,
  checkoutForStep,
  commitToBare,
  filesContaining,
  git,
  isAncestor,
  logOf,
  readAt,
  tagTarget
} from '../helpers/git-fixtures.js';
import { captureLog, makeTempDir, runStep, type CapturedLog } from '../helpers/step-context.js';

let server: GitServer;
let counter = 0;
const savedBackoff = gitSettings.pushBackoff;

beforeAll(async () => {
  server = await startGitServer();
  gitSettings.pushBackoff = { initialMs: 10, factor: 1.5, jitter: 0.5, capMs: 50 };
});
afterAll(async () => {
  gitSettings.pushBackoff = savedBackoff;
  await server.close();
});
afterEach(() => {
  server.beforeReceivePack = undefined;
  delete process.env.GIT_PUSH_INTEGRATION_POLICY;
});

function caps(url: string, password = server.password, extra: Partial<Capabilities> = {}): Capabilities {
  return {
    gitUser: { name: 'System User', email: 'system@example.com' },
    secrets: { gitops: { repoURL: url, username: server.username, password } },
    mask: () => undefined,
    ...extra
  };
}

interface Promotion {
  workDir: string;
  dir: string;
  log: CapturedLog;
  run(config: Record<string, unknown>, runner?: typeof gitPushRunner): Promise<StepResult>;
  change(file: string, contents: string, message: string): Promise<string>;
}

/** A promotion in progress: git-clone through the runner, then steps in its WorkDir. */
async function promotion(url: string, options: { branch?: string; name?: string; password?: string; masks?: string[] } = {}): Promise<Promotion> {
  const workDir = makeTempDir();
  const log = captureLog();
  const capabilities = caps(url, options.password, options.masks ? { mask: (v) => options.masks?.push(v) } : {});
  const overrides = { workDir, capabilities, logger: log.logger, promotion: options.name ?? 'fake-promotion' };
  const cloned = await runStep(gitCloneRunner, { repoURL: url, checkout: [{ path: 'out', branch: options.branch ?? 'main' }] }, {
    ...overrides,
    capabilities: caps(url)
  });
  if (cloned.status !== 'Succeeded') throw cloned.error;
  const dir = path.join(workDir, 'out');
  return {
    workDir,
    dir,
    log,
    run: (config, runner = gitPushRunner) => runStep(runner, config, overrides),
    change: async (file, contents, message) => {
      writeFileSync(path.join(dir, file), contents);
      const result = await runStep(gitCommitRunner, { path: 'out', message }, overrides);
      return (result.output as { commit: string }).commit;
    }
  };
}

function newRepo(spec?: Parameters<GitServer['createRepo']>[1]) {
  const name = `org/push-${++counter}.git`;
  const dir = server.createRepo(name, spec ?? { branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
  return { name, dir, url: server.url(name) };
}

describe('git-push config', () => {
  it.each([
    ['maxAttempts < 1', { path: 'out', maxAttempts: 0 }, 'maxAttempts: must be >= 1'],
    ['maxAttempts > 2147483647', { path: 'out', maxAttempts: 2147483648 }, 'maxAttempts: must be <= 2147483647'],
    ['generateTargetBranch with targetBranch', { path: 'out', generateTargetBranch: true, targetBranch: 'x' }, '(root): must match exactly one schema in oneOf'],
    ['tag with generateTargetBranch', { path: 'out', tag: 'v1', generateTargetBranch: true }, '(root): must match exactly one schema in oneOf'],
    ['tag with targetBranch', { path: 'out', tag: 'v1', targetBranch: 'x' }, '(root): must match exactly one schema in oneOf'],
    ['tag with force', { path: 'out', tag: 'v1', force: true }, '(root): must match exactly one schema in oneOf'],
    ['path missing', {}, "(root): must have required property 'path'"],
    ['unknown provider', { path: 'out', provider: 'sourcehut' }, 'provider: must be one of "azure", "bitbucket", "gitea", "github", "gitlab"'],
    ['unknown field', { path: 'out', remote: 'upstream' }, "remote: unknown field 'remote'"]
  ])('%s is invalid', async (_name, config, message) => {
    const result = await runStep(gitPushRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid git-push config: /);
    expect((result.error as Error).message).toContain(message);
  });

  it.each([
    ['generateTargetBranch with an empty targetBranch', { generateTargetBranch: true, targetBranch: '' }],
    ['force', { force: true }],
    ['generateTargetBranch false with a targetBranch', { generateTargetBranch: false, targetBranch: 'main' }],
    ['nothing but path', {}]
  ])('%s is valid', async (_name, extra) => {
    // Validation passes; the run then stops at the missing work tree (no git needed here).
    const result = await runStep(gitPushRunner, { path: 'out', ...extra });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error loading working tree from out/);
  });
});

describe('git-push run', () => {
  it('pushes the current branch; outputs commit and branch', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const sha = await p.change('a.txt', 'A\n', 'promote');
    const result = await p.run({ path: 'out' });
    expect(result).toEqual({ status: 'Succeeded', output: { commit: sha, branch: 'main' } });
    expect(branchHead(repo.dir, 'main')).toBe(sha);
  });

  it('pushes to targetBranch, creating it', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const sha = await p.change('a.txt', 'A\n', 'promote');
    const result = await p.run({ path: 'out', targetBranch: 'env/prod' });
    expect(result.output).toEqual({ commit: sha, branch: 'env/prod' });
    expect(branchHead(repo.dir, 'env/prod')).toBe(sha);
    expect(branchHead(repo.dir, 'main')).not.toBe(sha);
  });

  it("pushes to kargo/promotion/<promotion> with generateTargetBranch, overwriting an earlier attempt's branch", async () => {
    const repo = newRepo();
    commitToBare(repo.dir, 'kargo/promotion/promo-123', { 'stale.txt': 's' }, 'stale attempt', { orphan: true });
    const p = await promotion(repo.url, { name: 'promo-123' });
    const sha = await p.change('a.txt', 'A\n', 'promote');
    const result = await p.run({ path: 'out', generateTargetBranch: true });
    expect(result.output).toEqual({ commit: sha, branch: 'kargo/promotion/promo-123' });
    expect(branchHead(repo.dir, 'kargo/promotion/promo-123')).toBe(sha);
  });

  it('pushes a tag (output commit: the tagged commit, branch: the current one)', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const sha = await p.change('a.txt', 'A\n', 'promote');
    await p.run({ path: 'out', tag: 'v1.0.0', message: 'release' }, gitTagRunner as never);
    const result = await p.run({ path: 'out', tag: 'v1.0.0' });
    expect(result).toEqual({ status: 'Succeeded', output: { commit: sha, branch: 'main' } });
    expect(tagTarget(repo.dir, 'v1.0.0')).toBe(sha);
    expect(branchHead(repo.dir, 'main')).not.toBe(sha); // only the tag went
  });

  it('errors when pushing a tag that does not exist locally', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const result = await p.run({ path: 'out', tag: 'v9' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error pushing commits to remote: pushing tag "v9" to/);
  });

  it('force-pushes over remote history with force: true (no integration)', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const theirs = commitToBare(repo.dir, 'main', { 'a.txt': 'theirs\n' }, 'theirs');
    const sha = await p.change('a.txt', 'ours\n', 'ours');
    const result = await p.run({ path: 'out', force: true });
    expect(result.status).toBe('Succeeded');
    expect(branchHead(repo.dir, 'main')).toBe(sha);
    expect(isAncestor(repo.dir, theirs, sha)).toBe(false);
  });

  it('outputs commitURL for an explicit provider (host not recognised otherwise)', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const sha = await p.change('a.txt', 'A\n', 'promote');
    const result = await p.run({ path: 'out', provider: 'gitlab' });
    expect((result.output as { commitURL?: string }).commitURL).toBe(
      `${repo.url.replace('http://', 'https://').replace(/\.git$/, '')}/-/commit/${sha}`
    );
  });

  it('infers github for the workflow GitHub server (GHES)', async () => {
    const repo = newRepo();
    const workDir = makeTempDir();
    await checkoutForStep(repo.url, workDir, { credentials: { username: server.username, password: server.password, source: 's' } });
    writeFileSync(path.join(workDir, 'out/a.txt'), 'A\n');
    const capabilities = caps(repo.url, server.password, {
      github: { serverUrl: server.baseURL, apiUrl: `${server.baseURL}/api/v3` }
    });
    await runStep(gitCommitRunner, { path: 'out', message: 'm' }, { workDir, capabilities });
    const result = await runStep(gitPushRunner, { path: 'out' }, { workDir, capabilities });
    expect((result.output as { commitURL: string }).commitURL).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:\\d+/org/${repo.name.split('/')[1].replace('.git', '')}/commit/[0-9a-f]{40}$`));
  });

  it('rebases onto remote changes by default (AlwaysRebase)', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const theirs = commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'theirs');
    await p.change('b.txt', 'B\n', 'ours');
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Succeeded');
    const log = logOf(repo.dir, 'main');
    expect(log.map((c) => c.subject)).toEqual(['ours', 'theirs', 'seed main']);
    expect(log[0].parents).toEqual([theirs]);
    expect((result.output as { commit: string }).commit).toBe(log[0].sha);
  });

  it('merges with GIT_PUSH_INTEGRATION_POLICY=AlwaysMerge', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'theirs');
    await p.change('b.txt', 'B\n', 'ours');
    process.env.GIT_PUSH_INTEGRATION_POLICY = 'AlwaysMerge';
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Succeeded');
    expect(logOf(repo.dir, 'main')[0].parents).toHaveLength(2);
  });

  it('errors terminally on an unknown GIT_PUSH_INTEGRATION_POLICY', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    process.env.GIT_PUSH_INTEGRATION_POLICY = 'Sometimes';
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/GIT_PUSH_INTEGRATION_POLICY="Sometimes" is not one of None, AlwaysRebase/);
  });

  it('fails terminally on a merge conflict, naming the file; the remote keeps its commit', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    const theirs = commitToBare(repo.dir, 'main', { 'a.txt': 'theirs\n' }, 'theirs');
    const ours = await p.change('a.txt', 'ours\n', 'ours');
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(
      /^error pushing commits to remote: merge conflict: remote branch "main" of .* conflict with the local commit\(s\) when rebasing them onto it: a\.txt\./
    );
    expect(branchHead(repo.dir, 'main')).toBe(theirs);
    expect(git(p.dir, ['rev-parse', 'HEAD'])).toBe(ours);
  });

  it('retries when another push lands between integration and push', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    await p.change('b.txt', 'B\n', 'ours');
    let injected = 0;
    server.beforeReceivePack = (name) => {
      if (name === repo.name && injected++ === 0) commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'racer');
    };
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Succeeded');
    expect(logOf(repo.dir, 'main').map((c) => c.subject)).toEqual(['ours', 'racer', 'seed main']);
    expect(p.log.lines.some((l) => /non-fast-forward.*attempt 2/.test(l))).toBe(true);
  });

  it('errors (retryable) when maxAttempts runs out', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url);
    await p.change('b.txt', 'B\n', 'ours');
    let n = 0;
    server.beforeReceivePack = (name) => {
      if (name === repo.name) commitToBare(repo.dir, 'main', { 'a.txt': `A${++n}\n` }, `racer ${n}`);
    };
    const result = await p.run({ path: 'out', maxAttempts: 1 });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(/non-fast-forward.*gave up after 1 attempt/);
  });

  it('errors clearly on a detached HEAD without targetBranch', async () => {
    const repo = newRepo();
    const workDir = makeTempDir();
    const sha = branchHead(repo.dir, 'main') as string;
    const cloned = await runStep(gitCloneRunner, { repoURL: repo.url, checkout: [{ path: 'out', commit: sha }] }, { workDir, capabilities: caps(repo.url) });
    expect(cloned.status).toBe('Succeeded');
    const result = await runStep(gitPushRunner, { path: 'out' }, { workDir, capabilities: caps(repo.url) });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/is not on a branch \(detached HEAD\); set targetBranch/);
  });

  it('fails terminally on a wrong token, naming the repo and the secret; the token is nowhere', async () => {
    const repo = newRepo();
    const p = await promotion(repo.url, { password: 'WRONG-push-token' });
    await p.change('a.txt', 'A\n', 'ours');
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    const message = (result.error as Error).message;
    expect(message).toContain(repo.url);
    expect(message).toContain('authentication failed with the credentials from secret "gitops"');
    expect(message).not.toContain('WRONG-push-token');
    expect(filesContaining(p.workDir, ['WRONG-push-token'])).toEqual([]);
  });

  it('keeps the token out of every file under the WorkDir and every log line; masks every form', async () => {
    const repo = newRepo();
    const masks: string[] = [];
    const p = await promotion(repo.url, { masks });
    await p.change('a.txt', 'A\n', 'ours');
    const result = await p.run({ path: 'out' });
    expect(result.status).toBe('Succeeded');
    const forms = [server.password, basicHeaderValue(server.username, server.password)];
    expect(masks).toEqual(expect.arrayContaining(forms));
    expect(filesContaining(p.workDir, forms)).toEqual([]);
    const logText = p.log.lines.join('\n');
    expect(logText).toContain('pushed');
    for (const form of forms) expect(logText).not.toContain(form);
  });
});

describe('git-push race between promotions', () => {
  it('two promotions push to one branch at once: both changes land, no commit lost', async () => {
    const repo = newRepo();
    const [p1, p2] = await Promise.all([promotion(repo.url, { name: 'p1' }), promotion(repo.url, { name: 'p2' })]);
    const [c1, c2] = await Promise.all([p1.change('a.txt', 'from p1\n', 'p1'), p2.change('b.txt', 'from p2\n', 'p2')]);
    void c1;
    void c2;
    const [r1, r2] = await Promise.all([p1.run({ path: 'out' }), p2.run({ path: 'out' })]);
    expect([r1.status, r2.status]).toEqual(['Succeeded', 'Succeeded']);
    const head = branchHead(repo.dir, 'main') as string;
    expect(readAt(repo.dir, 'main', 'a.txt')).toBe('from p1\n');
    expect(readAt(repo.dir, 'main', 'b.txt')).toBe('from p2\n');
    for (const r of [r1, r2]) expect(isAncestor(repo.dir, (r.output as { commit: string }).commit, head)).toBe(true);
    expect(logOf(repo.dir, 'main').map((c) => c.subject).sort()).toEqual(['p1', 'p2', 'seed main']);
  });

  it('two promotions change the same line: the loser fails with a merge conflict, the winner stays', async () => {
    const repo = newRepo({ branches: { main: { 'values.yaml': 'image:\n  tag: v0\n' } } });
    const [p1, p2] = await Promise.all([promotion(repo.url, { name: 'p1' }), promotion(repo.url, { name: 'p2' })]);
    const c1 = await p1.change('values.yaml', 'image:\n  tag: v1\n', 'p1');
    const c2 = await p2.change('values.yaml', 'image:\n  tag: v2\n', 'p2');
    const results = await Promise.all([p1.run({ path: 'out' }), p2.run({ path: 'out' })]);
    const winner = results.findIndex((r) => r.status === 'Succeeded');
    const loser = 1 - winner;
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(results[loser].status).toBe('Failed');
    expect((results[loser].error as Error).message).toMatch(/merge conflict: .*values\.yaml/);
    expect(branchHead(repo.dir, 'main')).toBe([c1, c2][winner]);
    expect(git([p1, p2][loser].dir, ['rev-parse', 'HEAD'])).toBe([c1, c2][loser]);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
