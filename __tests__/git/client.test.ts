import { disposeGitPrivateDir } from '../../src/git/index.js';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import {
  backoffDelays,
  cloneBare,
  commitURL,
  gitEnv,
  gitPrivateDir,
  gitSettings,
  GitAuthenticationError,
  GitTimeoutError,
  inferProvider,
  isNonFastForward,
  loadWorkTree,
  MergeConflictError,
  NonFastForwardError,
  pushWithRetries,
  redactText,
  runGit,
  splitUserInfo,
  withBranchLock,
  type WorkTree
} from '../../src/git/index.js';
import type { Credentials } from '../../src/credentials/index.js';
import { basicHeaderValue, startGitServer, type GitServer } from '../helpers/git-server.js';
import { branchHead, commitToBare, filesContaining, isAncestor, logOf, readAt } from '../helpers/git-fixtures.js';
import { makeTempDir } from '../helpers/step-context.js';

let server: GitServer;
let other: GitServer;
let creds: Credentials;

beforeAll(async () => {
  server = await startGitServer();
  other = await startGitServer({ username: 'someone-else', password: 'other-secret' });
  creds = { username: server.username, password: server.password, source: 'secret "gitops"' };
});

afterAll(async () => {
  await server.close();
  await other.close();
});

let counter = 0;
function newRepo(spec?: Parameters<GitServer['createRepo']>[1]): { name: string; url: string; dir: string } {
  const name = `org/repo-${++counter}.git`;
  const dir = server.createRepo(name, spec);
  return { name, url: server.url(name), dir };
}

async function checkout(url: string, branch = 'main', credentials: Credentials | undefined = creds): Promise<WorkTree> {
  const workDir = makeTempDir();
  const repo = await cloneBare(url, { baseDir: workDir, credentials, user: { name: 'Promoter', email: 'p@example.com' } });
  return repo.addWorkTree(path.join(workDir, 'out'), { ref: branch });
}

async function commitFile(workTree: WorkTree, file: string, contents: string, message: string): Promise<string> {
  writeFileSync(path.join(workTree.dir, file), contents);
  await workTree.addAll();
  return workTree.commit(message);
}

describe('credentials', () => {
  it('clones with the right token, sending exactly one Authorization header per request', async () => {
    const repo = newRepo();
    const before = server.requests.length;
    const workTree = await checkout(repo.url);
    expect(await workTree.lastCommitId()).toBe(branchHead(repo.dir, 'main'));
    const requests = server.requests.slice(before);
    expect(requests.some((r) => r.status === 200)).toBe(true);
    for (const request of requests) expect(request.authorizations.length).toBeLessThanOrEqual(1);
  });

  it.each([
    ['a wrong token', { username: 'kargo-bot', password: 'wrong-token', source: 'secret "gitops"' }, /authentication failed with the credentials from secret "gitops" \(username "kargo-bot"\)/],
    ['no credentials', undefined, /requires authentication and no credentials were found for this URL/]
  ])('refuses %s with a terminal error naming the repository', async (_name, credentials, message) => {
    const repo = newRepo();
    const error = await cloneBare(repo.url, { baseDir: makeTempDir(), credentials }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitAuthenticationError);
    expect(isTerminal(error)).toBe(true);
    expect((error as Error).message).toContain(repo.url);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('wrong-token');
  });

  it('treats 403 (a token without access) as a terminal authentication error', async () => {
    const forbidding = await startGitServer({ refusedStatus: 403 });
    try {
      forbidding.createRepo('org/x.git');
      const error = await cloneBare(forbidding.url('org/x.git'), {
        baseDir: makeTempDir(),
        credentials: { username: 'kargo-bot', password: 'nope', source: 'the github-token input' }
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitAuthenticationError);
      expect((error as Error).message).toContain('the github-token input');
    } finally {
      await forbidding.close();
    }
  });

  it('hands the credentials only to their own origin (askpass refuses any other host)', async () => {
    other.createRepo('org/y.git');
    const before = other.requests.length;
    const error = await runGit(['ls-remote', other.url('org/y.git')], {
      cwd: makeTempDir(),
      credentials: { username: 'someone-else', password: 'other-secret', source: 'secret "a"' },
      remoteURL: server.url('org/whatever.git')
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/could not read Username/);
    expect(other.requests.slice(before).every((r) => r.authorizations.length === 0)).toBe(true);
  });

  it('ignores an extraheader in the global config (GIT_CONFIG_GLOBAL) and one in the repository config', async () => {
    const repo = newRepo();
    const globalConfig = path.join(makeTempDir(), 'gitconfig');
    const bogus = `AUTHORIZATION: basic ${basicHeaderValue('persisted', 'checkout-token')}`;
    writeFileSync(globalConfig, `[http]\n\textraheader = ${bogus}\n[http "${server.baseURL}/"]\n\textraheader = ${bogus}\n`);
    const saved = process.env.GIT_CONFIG_GLOBAL;
    process.env.GIT_CONFIG_GLOBAL = globalConfig;
    const before = server.requests.length;
    try {
      const workTree = await checkout(repo.url);
      // As if something persisted a header into the clone's own config (actions/checkout does so
      // in its repository): our calls reset it for the remote.
      await workTree.git(['config', `http.${server.baseURL}/.extraheader`, bogus]);
      await commitFile(workTree, 'pushed.txt', 'x\n', 'push through an extraheader');
      await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase' });
      expect(readAt(repo.dir, 'main', 'pushed.txt')).toBe('x\n');
    } finally {
      if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
      else process.env.GIT_CONFIG_GLOBAL = saved;
    }
    const requests = server.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(request.authorizations.length).toBeLessThanOrEqual(1);
      expect(request.authorizations.join()).not.toContain(basicHeaderValue('persisted', 'checkout-token'));
      expect(request.status).not.toBe(400);
    }
  });

  it('is not affected by credentials actions/checkout persisted in an enclosing workspace repository', async () => {
    const repo = newRepo();
    const workspace = makeTempDir();
    const bogus = `AUTHORIZATION: basic ${basicHeaderValue('x-access-token', 'persisted-checkout-token')}`;
    await runGit(['init', '-q', workspace], { cwd: workspace });
    await runGit(['config', `http.${server.baseURL}/.extraheader`, bogus], { cwd: workspace });
    const before = server.requests.length;
    const repoInWorkspace = await cloneBare(repo.url, { baseDir: path.join(workspace, 'workdir'), credentials: creds });
    const workTree = await repoInWorkspace.addWorkTree(path.join(workspace, 'workdir', 'out'), { ref: 'main' });
    await commitFile(workTree, 'w.txt', 'w\n', 'from inside a workspace');
    await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase' });
    expect(readAt(repo.dir, 'main', 'w.txt')).toBe('w\n');
    for (const request of server.requests.slice(before)) {
      expect(request.authorizations.length).toBeLessThanOrEqual(1);
      expect(request.authorizations.join()).not.toContain(basicHeaderValue('x-access-token', 'persisted-checkout-token'));
    }
  });

  it('never puts the token in argv, in a file of the clone, or in the private helper files', async () => {
    const repo = newRepo();
    const workDir = makeTempDir();
    const cloned = await cloneBare(repo.url, { baseDir: workDir, credentials: creds });
    const workTree = await cloned.addWorkTree(path.join(workDir, 'out'), { ref: 'main' });
    await commitFile(workTree, 'f.txt', 'f\n', 'f');
    await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase' });
    const forms = [creds.password, basicHeaderValue(creds.username, creds.password)];
    expect(filesContaining(workDir, forms)).toEqual([]);
    expect(filesContaining(gitPrivateDir().dir, forms)).toEqual([]);
    expect(readFileSync(path.join(cloned.dir, 'config'), 'utf8')).not.toContain(creds.username + ':');

    // While git is blocked on a hung server, no process's command line shows the token.
    if (process.platform === 'linux') {
      server.hang = true;
      process.env.KARGO_GIT_TIMEOUT_SECONDS = '2';
      const before = server.requests.length;
      const pending = cloneBare(repo.url, { baseDir: makeTempDir(), credentials: creds }).catch((e: unknown) => e);
      try {
        for (let i = 0; i < 100 && !server.requests.slice(before).some((r) => r.path.includes(repo.name)); i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        let sawGit = false;
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          let cmdline = '';
          try {
            cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          } catch {
            continue;
          }
          if (cmdline.includes(repo.url)) sawGit = true;
          for (const form of forms) expect(cmdline).not.toContain(form);
        }
        expect(sawGit).toBe(true);
      } finally {
        server.hang = false;
        delete process.env.KARGO_GIT_TIMEOUT_SECONDS;
      }
      // The hung clone dies by its own bound.
      expect(await pending).toBeInstanceOf(GitTimeoutError);
    }
  }, 20_000);

  it('registers no credential in the environment of a call without credentials', () => {
    const env = gitEnv(undefined, server.url('x.git'));
    expect(env.KARGO_GIT_PASSWORD).toBeUndefined();
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_CONFIG_NOSYSTEM).toBe('1');
    expect(env.GIT_CONFIG_GLOBAL).toBe(path.join(gitPrivateDir().dir, 'gitconfig'));
  });
});

describe('time bounds', () => {
  it('stops a call to a hung server and reports a retryable (non-terminal) error', async () => {
    const repo = newRepo();
    server.hang = true;
    try {
      const error = await runGit(['ls-remote', repo.url], {
        cwd: makeTempDir(),
        credentials: creds,
        remoteURL: repo.url,
        timeoutMs: 500
      }).catch((e: unknown) => e);
      expect((error as { timedOut?: boolean }).timedOut).toBe(true);
      const { classifyRemoteError } = await import('../../src/git/index.js');
      const classified = classifyRemoteError(error, 'listing', repo.url, creds);
      expect(classified).toBeInstanceOf(GitTimeoutError);
      expect(isTerminal(classified)).toBe(false);
      expect(classified.message).toMatch(/did not answer in time/);
    } finally {
      server.hang = false;
    }
  });

  it('honours KARGO_GIT_TIMEOUT_SECONDS for clones', async () => {
    const repo = newRepo();
    server.hang = true;
    process.env.KARGO_GIT_TIMEOUT_SECONDS = '0.5';
    try {
      const error = await cloneBare(repo.url, { baseDir: makeTempDir(), credentials: creds }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitTimeoutError);
      expect((error as Error).message).toContain(repo.url);
    } finally {
      delete process.env.KARGO_GIT_TIMEOUT_SECONDS;
      server.hang = false;
    }
  });

  it('stops a call when the abort signal fires', async () => {
    const repo = newRepo();
    server.hang = true;
    const controller = new AbortController();
    try {
      const pending = runGit(['ls-remote', repo.url], { cwd: makeTempDir(), remoteURL: repo.url, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const error = await pending.catch((e: unknown) => e);
      expect((error as { aborted?: boolean }).aborted).toBe(true);
      expect((error as Error).message).toMatch(/was canceled/);
    } finally {
      server.hang = false;
    }
  });
});

describe('push integration and retries', () => {
  const fast = { initialMs: 10, factor: 1.5, jitter: 0.5, capMs: 50 };
  let saved: typeof gitSettings.pushBackoff;
  beforeAll(() => {
    saved = gitSettings.pushBackoff;
    gitSettings.pushBackoff = fast;
  });
  afterAll(() => {
    gitSettings.pushBackoff = saved;
  });

  it('rebases onto remote changes and keeps both commits', async () => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
    const workTree = await checkout(repo.url);
    const theirs = commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'theirs');
    await commitFile(workTree, 'b.txt', 'B\n', 'ours');
    await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase' });
    const log = logOf(repo.dir, 'main');
    expect(log.map((c) => c.subject)).toEqual(['ours', 'theirs', 'seed main']);
    expect(log[0].parents).toEqual([theirs]);
    expect(readAt(repo.dir, 'main', 'a.txt')).toBe('A\n');
    expect(readAt(repo.dir, 'main', 'b.txt')).toBe('B\n');
  });

  it('merges instead with AlwaysMerge', async () => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
    const workTree = await checkout(repo.url);
    commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'theirs');
    await commitFile(workTree, 'b.txt', 'B\n', 'ours');
    await pushWithRetries(workTree, { integrationPolicy: 'AlwaysMerge' });
    const head = logOf(repo.dir, 'main')[0];
    expect(head.parents).toHaveLength(2);
    expect(head.committer).toBe('Promoter <p@example.com>');
  });

  it.each(['RebaseOrMerge', 'RebaseOrFail'] as const)('%s rebases unsigned commits when signing is off', async (policy) => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
    const workTree = await checkout(repo.url);
    commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'theirs');
    await commitFile(workTree, 'b.txt', 'B\n', 'ours');
    await pushWithRetries(workTree, { integrationPolicy: policy });
    expect(logOf(repo.dir, 'main').map((c) => c.subject)).toEqual(['ours', 'theirs', 'seed main']);
  });

  it('stops at once on a real conflict, leaves the local commit intact and the remote untouched', async () => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'line\n' } } });
    const workTree = await checkout(repo.url);
    const theirs = commitToBare(repo.dir, 'main', { 'a.txt': 'theirs\n' }, 'theirs');
    const ours = await commitFile(workTree, 'a.txt', 'ours\n', 'ours');
    const error = await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase', maxAttempts: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect((error as MergeConflictError).files).toEqual(['a.txt']);
    expect((error as Error).message).toMatch(/merge conflict: remote branch "main" of .* conflict .*: a\.txt/);
    expect(branchHead(repo.dir, 'main')).toBe(theirs);
    expect(await workTree.lastCommitId()).toBe(ours);
    expect(await workTree.hasDiffs()).toBe(false);
  });

  it('retries when the branch moves between integration and push (non-fast-forward)', async () => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
    const workTree = await checkout(repo.url);
    await commitFile(workTree, 'b.txt', 'B\n', 'ours');
    let injected = 0;
    server.beforeReceivePack = (name) => {
      if (name === repo.name && injected++ === 0) commitToBare(repo.dir, 'main', { 'a.txt': 'A\n' }, 'racer');
    };
    const retries: number[] = [];
    try {
      await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase', onRetry: (n) => retries.push(n) });
    } finally {
      server.beforeReceivePack = undefined;
    }
    expect(retries).toEqual([2]);
    expect(logOf(repo.dir, 'main').map((c) => c.subject)).toEqual(['ours', 'racer', 'seed main']);
  });

  it('gives up after maxAttempts with a non-fast-forward error', async () => {
    const repo = newRepo({ branches: { main: { 'a.txt': 'a\n', 'b.txt': 'b\n' } } });
    const workTree = await checkout(repo.url);
    await commitFile(workTree, 'b.txt', 'B\n', 'ours');
    let n = 0;
    server.beforeReceivePack = (name) => {
      if (name === repo.name) commitToBare(repo.dir, 'main', { 'a.txt': `A${n++}\n` }, `racer ${n}`);
    };
    try {
      const error = await pushWithRetries(workTree, { integrationPolicy: 'AlwaysRebase', maxAttempts: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NonFastForwardError);
      expect((error as Error).message).toMatch(/gave up after 2 attempt\(s\)/);
    } finally {
      server.beforeReceivePack = undefined;
    }
  });

  it('race: concurrent pushers to one branch all land, no commit lost', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 4; i++) files[`app-${i}.txt`] = 'v0\n';
    const repo = newRepo({ branches: { main: files } });
    const trees = await Promise.all([0, 1, 2, 3].map(() => checkout(repo.url)));
    const shas = await Promise.all(trees.map((wt, i) => commitFile(wt, `app-${i}.txt`, `v${i + 1}\n`, `promote app-${i}`)));
    void shas;
    // No in-process lock: as if four runners (or controllers) pushed at once.
    await Promise.all(trees.map((wt) => pushWithRetries(wt, { integrationPolicy: 'AlwaysRebase', lock: false, maxAttempts: 20 })));
    const head = branchHead(repo.dir, 'main') as string;
    const subjects = logOf(repo.dir, 'main').map((c) => c.subject).sort();
    expect(subjects).toEqual(['promote app-0', 'promote app-1', 'promote app-2', 'promote app-3', 'seed main']);
    for (let i = 0; i < 4; i++) {
      expect(readAt(repo.dir, 'main', `app-${i}.txt`)).toBe(`v${i + 1}\n`);
      expect(isAncestor(repo.dir, await trees[i].lastCommitId(), head)).toBe(true);
    }
  });

  it('race on the same line: one wins, the other fails with a merge conflict, nothing is lost', async () => {
    const repo = newRepo({ branches: { main: { 'values.yaml': 'tag: v0\n' } } });
    const [a, b] = await Promise.all([checkout(repo.url), checkout(repo.url)]);
    const shaA = await commitFile(a, 'values.yaml', 'tag: v1\n', 'promote v1');
    const shaB = await commitFile(b, 'values.yaml', 'tag: v2\n', 'promote v2');
    const results = await Promise.allSettled([
      pushWithRetries(a, { integrationPolicy: 'AlwaysRebase', lock: false }),
      pushWithRetries(b, { integrationPolicy: 'AlwaysRebase', lock: false })
    ]);
    const won = results.findIndex((r) => r.status === 'fulfilled');
    const lost = 1 - won;
    expect(won).toBeGreaterThanOrEqual(0);
    expect(results[lost].status).toBe('rejected');
    expect((results[lost] as PromiseRejectedResult).reason).toBeInstanceOf(MergeConflictError);
    expect(branchHead(repo.dir, 'main')).toBe([shaA, shaB][won]);
    expect(readAt(repo.dir, 'main', 'values.yaml')).toBe(['tag: v1\n', 'tag: v2\n'][won]);
    // The loser still has its commit, checked out and clean.
    expect(await [a, b][lost].lastCommitId()).toBe([shaA, shaB][lost]);
  });

  it('serialises work under the per-branch lock', async () => {
    const order: string[] = [];
    const slow = (name: string) => async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name}:end`);
    };
    await Promise.all([withBranchLock('u', 'main', slow('a')), withBranchLock('u', 'main', slow('b'))]);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end']);
  });
});

describe('work trees', () => {
  it('reports changed paths, commits and messages as git has them (non-ASCII names, no redaction of data)', async () => {
    const repo = newRepo({ branches: { main: { 'gone.txt': 'g\n', 'keep.txt': 'k\n' } } });
    const workTree = await checkout(repo.url);
    writeFileSync(path.join(workTree.dir, 'dépôt.yaml'), 'url: https://user:pass@example.com/x\n');
    writeFileSync(path.join(workTree.dir, 'keep.txt'), 'K\n');
    await workTree.git(['rm', '-q', 'gone.txt']);
    await workTree.addAll();
    const sha = await workTree.commit('Subject line\n\nBody line\n');
    expect((await workTree.diffPathsForCommit(sha)).sort()).toEqual(['dépôt.yaml', 'gone.txt', 'keep.txt']);
    expect(await workTree.commitMessage(sha)).toBe('Subject line\n\nBody line\n');
    const [latest] = await workTree.listCommits({ limit: 1 });
    expect(latest).toMatchObject({ id: sha, subject: 'Subject line', author: 'Promoter <p@example.com>' });
    expect((await workTree.git(['show', `${sha}:dépôt.yaml`])).stdout).toBe('url: https://user:pass@example.com/x\n');
    expect((await workTree.git(['cat-file', 'blob', `${sha}:keep.txt`])).stdoutBytes).toEqual(Buffer.from('K\n'));
  });

  it('refuses a directory that is not the root of a work tree', async () => {
    const repo = newRepo({ branches: { main: { 'sub/x.txt': 'x\n' } } });
    const workTree = await checkout(repo.url);
    await expect(loadWorkTree(path.join(workTree.dir, 'sub'))).rejects.toThrow(/not the root of a git work tree/);
    await expect(loadWorkTree(makeTempDir())).rejects.toThrow(/not the root of a git work tree/);
  });
});

describe('helpers', () => {
  it.each([
    ['https://user:pa%40ss@example.com/org/r.git', { url: 'https://example.com/org/r.git', username: 'user', password: 'pa@ss' }],
    ['https://user@example.com/org/r.git', { url: 'https://example.com/org/r.git', username: 'user', password: undefined }],
    ['https://example.com/org/r.git', { url: 'https://example.com/org/r.git' }],
    ['git@github.com:org/r.git', { url: 'git@github.com:org/r.git' }]
  ])('splitUserInfo(%s)', (input, expected) => {
    expect(splitUserInfo(input)).toEqual(expected);
  });

  it('redacts URL passwords and every form of a credential', () => {
    const c = { username: 'bot', password: 'tok/en', source: 's' };
    const text = `https://bot:tok%2Fen@h/x tok/en tok%2Fen ${basicHeaderValue('bot', 'tok/en')}`;
    expect(redactText(text, c)).toBe('https://bot:***@h/x *** *** ***');
  });

  it.each([
    ['https://github.com/org/repo.git', undefined, 'github', 'https://github.com/org/repo/commit/abc'],
    ['https://gitlab.com/group/sub/repo', undefined, 'gitlab', 'https://gitlab.com/group/sub/repo/-/commit/abc'],
    ['https://bitbucket.org/ws/repo.git', undefined, 'bitbucket', 'https://bitbucket.org/ws/repo/commits/abc'],
    ['https://gitea.example.com/org/repo.git', undefined, 'gitea', 'https://gitea.example.com/org/repo/commit/abc'],
    ['https://dev.azure.com/org/proj/_git/repo', undefined, 'azure', 'https://dev.azure.com/org/proj/_git/repo/commit/abc'],
    ['https://git.corp.example/org/repo.git', 'https://git.corp.example', 'github', 'https://git.corp.example/org/repo/commit/abc'],
    ['https://git.example.com/org/repo.git', undefined, undefined, undefined]
  ])('commit URL of %s', (url, server, provider, expected) => {
    const inferred = inferProvider(url, server);
    expect(inferred).toBe(provider);
    expect(commitURL(url, 'abc', inferred)).toBe(expected);
  });

  it.each([
    [' ! [rejected]        HEAD -> main (fetch first)', true],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', true],
    ["!\tHEAD:refs/heads/main\t[remote rejected] (cannot lock ref 'refs/heads/main': is at 1 but expected 2)", true],
    ["remote: error: cannot lock ref 'refs/heads/main': is at 1a but expected 2b\n!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)", true],
    ['!\tHEAD:refs/heads/main\t[remote rejected] (failed to update ref)', false],
    [' ! [remote rejected] HEAD -> main (pre-receive hook declined)', false]
  ])('isNonFastForward(%j) = %s', (output, expected) => {
    expect(isNonFastForward(output)).toBe(expected);
  });

  it('backs off like Kargo: growing, jittered, capped', () => {
    const delays = backoffDelays(12, { initialMs: 1000, factor: 1.5, jitter: 0.5, capMs: 30000 });
    expect(delays).toHaveLength(11);
    expect(delays[0]).toBeGreaterThanOrEqual(1000);
    expect(delays[0]).toBeLessThanOrEqual(1500);
    expect(delays[1]).toBeGreaterThanOrEqual(1500);
    for (const d of delays) expect(d).toBeLessThanOrEqual(30000);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
