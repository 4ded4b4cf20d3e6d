import { disposeGitPrivateDir } from '../../src/git/index.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { gitCloneRunner } from '../../src/runners/git-clone.js';
import { basicHeaderValue, startGitServer, type GitServer } from '../helpers/git-server.js';
import { loadWorkTree } from '../../src/git/index.js';
import {
  branchHead,
  createBareRepo,
  filesContaining,
  generateSigningKey,
  git,
  listTree,
  logOf,
  tagTarget
} from '../helpers/git-fixtures.js';
import { captureLog, makeTempDir, runStep } from '../helpers/step-context.js';

let server: GitServer;
let counter = 0;

beforeAll(async () => {
  server = await startGitServer();
});
afterAll(() => server.close());

function capabilities(extra: Partial<Capabilities> = {}): Capabilities {
  return {
    gitUser: { name: 'System User', email: 'system@example.com' },
    secrets: {
      gitops: { repoURL: `${server.baseURL}/org/`, repoURLIsRegex: 'false', username: server.username, password: server.password }
    },
    mask: () => undefined,
    ...extra
  };
}

/** A repository on the server whose secret matches it exactly. */
function serverRepo(spec?: Parameters<GitServer['createRepo']>[1]) {
  const name = `org/clone-${++counter}.git`;
  const dir = server.createRepo(name, spec);
  const url = server.url(name);
  const caps = capabilities({
    secrets: { gitops: { repoURL: url, username: server.username, password: server.password } }
  });
  return { name, dir, url, caps };
}

async function clone(config: Record<string, unknown>, caps: Capabilities = capabilities(), workDir = makeTempDir()) {
  const log = captureLog();
  const result = await runStep(gitCloneRunner, config, { workDir, capabilities: caps, logger: log.logger });
  return { result, workDir, log };
}

describe('git-clone config', () => {
  const valid = { repoURL: 'https://git.example.com/org/repo.git', checkout: [{ path: 'out' }] };
  it.each([
    ['repoURL missing', { checkout: [{ path: 'out' }] }, "(root): must have required property 'repoURL'"],
    ['repoURL empty', { ...valid, repoURL: '' }, 'repoURL: must NOT have fewer than 1 characters'],
    ['checkout missing', { repoURL: valid.repoURL }, "(root): must have required property 'checkout'"],
    ['checkout empty', { ...valid, checkout: [] }, 'checkout: must NOT have fewer than 1 items'],
    ['path missing', { ...valid, checkout: [{ branch: 'main' }] }, "checkout[0]: must have required property 'path'"],
    ['path empty', { ...valid, checkout: [{ path: '' }] }, 'checkout[0].path: must NOT have fewer than 1 characters'],
    ['branch and commit', { ...valid, checkout: [{ path: 'o', branch: 'main', commit: 'abc' }] }, 'checkout[0]: must match exactly one schema in oneOf'],
    ['branch and tag', { ...valid, checkout: [{ path: 'o', branch: 'main', tag: 'v1' }] }, 'checkout[0]: must match exactly one schema in oneOf'],
    ['commit and tag', { ...valid, checkout: [{ path: 'o', commit: 'abc', tag: 'v1' }] }, 'checkout[0]: must match exactly one schema in oneOf'],
    ['sparse empty', { ...valid, checkout: [{ path: 'o', sparse: [] }] }, 'checkout[0].sparse: must NOT have fewer than 1 items'],
    ['sparse item empty', { ...valid, checkout: [{ path: 'o', sparse: [''] }] }, 'checkout[0].sparse[0]: must NOT have fewer than 1 characters'],
    ['unknown checkout field', { ...valid, checkout: [{ path: 'o', fromFreight: true }] }, "checkout[0].fromFreight: unknown field 'fromFreight'"],
    ['unknown field', { ...valid, depth: 1 }, "depth: unknown field 'depth'"],
    ['author name missing', { ...valid, author: { email: 'a@example.com' } }, "author: must have required property 'name'"],
    ['author name empty', { ...valid, author: { name: '', email: 'a@example.com' } }, 'author.name: must NOT have fewer than 1 characters'],
    ['author email missing', { ...valid, author: { name: 'A' } }, "author: must have required property 'email'"],
    ['author email empty', { ...valid, author: { name: 'A', email: '' } }, 'author.email: must match format "email"'],
    ['author email invalid', { ...valid, author: { name: 'A', email: 'nope' } }, 'author.email: must match format "email"'],
    ['blobless not a boolean', { ...valid, blobless: 'yes' }, 'blobless: must be boolean']
  ])('%s is invalid', async (_name, config, message) => {
    const { result } = await clone(config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain('invalid git-clone config: ');
    expect((result.error as Error).message).toContain(message);
  });

  it('refuses duplicate aliases (Kargo: duplicate checkout alias)', async () => {
    const { result } = await clone({ ...valid, checkout: [{ path: 'a', as: 'x' }, { path: 'b', as: 'x' }] });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe('duplicate checkout alias "x" at checkout[1]');
  });

  it('accepts a kitchen-sink config (empty signingKey included)', async () => {
    const repo = serverRepo({ branches: { main: { 'a/x.txt': 'x\n', 'b/y.txt': 'y\n' } }, tags: { 'v1.0.0': 'main' } });
    const sha = branchHead(repo.dir, 'main') as string;
    const { result } = await clone(
      {
        repoURL: repo.url,
        insecureSkipTLSVerify: false,
        recurseSubmodules: false,
        blobless: true,
        author: { name: 'Kargo Bot', email: 'bot@example.com', signingKey: '' },
        checkout: [
          { path: 'main', branch: 'main', sparse: ['a'] },
          { path: 'pinned', commit: sha, as: 'src' },
          { path: 'released', tag: 'v1.0.0', branch: '', commit: '' },
          { path: 'new', branch: 'stage/prod', create: true }
        ]
      },
      repo.caps
    );
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('Succeeded');
  });
});

describe('git-clone run', () => {
  it("checks out a commit and creates a missing branch (Kargo's test)", async () => {
    const repo = serverRepo({ branches: { main: { 'test.txt': 'hello\n' } } });
    const sha = branchHead(repo.dir, 'main') as string;
    const { result, workDir } = await clone(
      { repoURL: repo.url, checkout: [{ commit: sha, path: 'src' }, { branch: 'stage/dev', create: true, path: 'out' }] },
      repo.caps
    );
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'src/test.txt'), 'utf8')).toBe('hello\n');
    expect(listTree(path.join(workDir, 'out'))).toEqual(['.git']);
    const created = branchHead(repo.dir, 'stage/dev') as string;
    expect(result.output).toEqual({ commits: { src: sha, out: created } });
    const [initial] = logOf(repo.dir, 'stage/dev');
    expect(initial.subject).toBe('Initial commit');
    expect(initial.parents).toEqual([]);
    expect(initial.author).toBe('System User <system@example.com>');
    expect(git(repo.dir, ['ls-tree', 'stage/dev'])).toBe('');
  });

  it.each([
    ['a branch', { branch: 'dev' }, 'dev', 'dev.txt'],
    ['the default branch (Kargo fails here; we check out the remote HEAD)', {}, 'trunk', 'trunk.txt'],
    ['a tag (detached)', { tag: 'v1.0.0' }, '', 'trunk.txt'],
    ['a commit (detached)', { commit: 'DEV_SHA' }, '', 'dev.txt']
  ])('checks out %s', async (_name, ref, expectedBranch, file) => {
    const repo = serverRepo({
      branches: { trunk: { 'trunk.txt': 't\n' }, dev: { 'dev.txt': 'd\n' } },
      tags: { 'v1.0.0': 'trunk' }
    });
    const devSha = branchHead(repo.dir, 'dev') as string;
    const checkoutRef = Object.fromEntries(Object.entries(ref).map(([k, v]) => [k, v === 'DEV_SHA' ? devSha : v]));
    const { result, workDir } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', ...checkoutRef }] }, repo.caps);
    expect(result.status).toBe('Succeeded');
    const out = path.join(workDir, 'out');
    expect(existsSync(path.join(out, file))).toBe(true);
    expect(git(out, ['branch', '--show-current'])).toBe(expectedBranch);
    const expectedSha = 'tag' in ref ? tagTarget(repo.dir, 'v1.0.0') : branchHead(repo.dir, file === 'dev.txt' ? 'dev' : 'trunk');
    expect(result.output).toEqual({ commits: { out: expectedSha } });
  });

  it('keys the output by `as` when given', async () => {
    const repo = serverRepo();
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', as: 'manifests' }] }, repo.caps);
    expect(Object.keys((result.output as { commits: object }).commits)).toEqual(['manifests']);
  });

  it('fails clearly on a missing branch without create', async () => {
    const repo = serverRepo();
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', branch: 'nope' }] }, repo.caps);
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toBe(
      `error ensuring existence of remote branch nope: remote branch "nope" of repo ${repo.url} does not exist; ` +
        "set create: true if you'd like a non-existent remote branch to be automatically created at checkout"
    );
  });

  it('creates a branch in an empty repository', async () => {
    const repo = serverRepo({ empty: true });
    const { result, workDir } = await clone(
      { repoURL: repo.url, checkout: [{ path: 'out', branch: 'main', create: true }] },
      repo.caps
    );
    expect(result.status).toBe('Succeeded');
    expect(git(path.join(workDir, 'out'), ['branch', '--show-current'])).toBe('main');
    expect(branchHead(repo.dir, 'main')).toBe((result.output as { commits: { out: string } }).commits.out);
  });

  it('fails clearly on an unknown commit', async () => {
    const repo = serverRepo();
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', commit: 'deadbeef' }] }, repo.caps);
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/cannot check out "deadbeef" .*: no branch, tag or commit of that name/);
  });

  it('checks out only the sparse directories', async () => {
    const repo = serverRepo({ branches: { main: { 'apps/a/x.yaml': 'a\n', 'apps/b/y.yaml': 'b\n', 'root.txt': 'r\n' } } });
    const { result, workDir } = await clone(
      { repoURL: repo.url, checkout: [{ path: 'out', sparse: ['apps/a'] }] },
      repo.caps
    );
    expect(result.status).toBe('Succeeded');
    const out = path.join(workDir, 'out');
    expect(existsSync(path.join(out, 'apps/a/x.yaml'))).toBe(true);
    expect(existsSync(path.join(out, 'apps/b/y.yaml'))).toBe(false);
  });

  it.each([
    ['/abs', 'sparse checkout pattern must be relative: /abs'],
    ['../up', 'sparse checkout pattern cannot escape repository: ../up'],
    ['apps/*', 'sparse checkout pattern cannot contain glob characters']
  ])('refuses the sparse pattern %s', async (pattern, message) => {
    const repo = serverRepo();
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', sparse: [pattern] }] }, repo.caps);
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toContain(message);
  });

  it('makes a blobless clone', async () => {
    const repo = serverRepo();
    const { result, workDir } = await clone({ repoURL: repo.url, blobless: true, checkout: [{ path: 'out' }] }, repo.caps);
    expect(result.status).toBe('Succeeded');
    expect(git(path.join(workDir, 'out'), ['config', 'remote.origin.partialclonefilter'])).toBe('blob:none');
  });

  it('records insecureSkipTLSVerify in the clone (for later pushes)', async () => {
    const repo = serverRepo();
    const { result, workDir } = await clone(
      { repoURL: repo.url, insecureSkipTLSVerify: true, checkout: [{ path: 'out' }] },
      repo.caps
    );
    expect(result.status).toBe('Succeeded');
    expect(git(path.join(workDir, 'out'), ['config', 'http.sslVerify'])).toBe('false');
  });

  it('initialises submodules with recurseSubmodules', async () => {
    const sub = serverRepo({ branches: { main: { 'sub.txt': 'sub\n' } } });
    const repo = serverRepo({ branches: { main: { 'top.txt': 'top\n' } } });
    // Add the submodule with plain git against the bare repos on disk, then point it at the server.
    const scratch = makeTempDir();
    git(scratch, ['clone', '-q', repo.dir, 'w']);
    const w = path.join(scratch, 'w');
    git(w, ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', sub.dir, 'sub']);
    git(w, ['config', '-f', '.gitmodules', 'submodule.sub.url', sub.url]);
    git(w, ['commit', '-qam', 'add submodule']);
    git(w, ['push', '-q', 'origin', 'HEAD:main']);
    const caps = capabilities(); // secret for the whole org/ prefix? use regex for both repos
    caps.secrets = {
      org: { repoURL: `^${server.baseURL}/org/.*$`, repoURLIsRegex: 'true', username: server.username, password: server.password }
    };
    const { result, workDir } = await clone({ repoURL: repo.url, recurseSubmodules: true, checkout: [{ path: 'src' }] }, caps);
    expect(result.error).toBeUndefined();
    expect(readFileSync(path.join(workDir, 'src/sub/sub.txt'), 'utf8')).toBe('sub\n');
  });

  it('clamps checkout paths into the WorkDir', async () => {
    const repo = serverRepo();
    const { result, workDir } = await clone({ repoURL: repo.url, checkout: [{ path: '../../escape' }] }, repo.caps);
    expect(result.status).toBe('Succeeded');
    expect(existsSync(path.join(workDir, 'escape/README.md'))).toBe(true);
  });

  it.each([
    ['the author config', { author: { name: 'Step Author', email: 'step@example.com' } }, 'Step Author <step@example.com>'],
    ['the system git user', {}, 'System User <system@example.com>']
  ])('sets the default identity from %s', async (_name, extra, identity) => {
    const repo = serverRepo();
    const { workDir } = await clone({ repoURL: repo.url, ...extra, checkout: [{ path: 'out' }] }, repo.caps);
    const out = path.join(workDir, 'out');
    expect(`${git(out, ['config', 'user.name'])} <${git(out, ['config', 'user.email'])}>`).toBe(identity);
  });

  it('clones a bare repository on disk (no server, no credentials)', async () => {
    const dir = createBareRepo(path.join(makeTempDir(), 'disk.git'), { branches: { main: { 'f.txt': 'f\n' } } });
    const { result, workDir } = await clone({ repoURL: dir, checkout: [{ path: 'out' }] }, capabilities({ secrets: {} }));
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'out/f.txt'), 'utf8')).toBe('f\n');
  });
});

describe('git-clone signing', () => {
  it('signs commits and tags with author.signingKey; the key never lands in the WorkDir', async () => {
    const key = generateSigningKey('Signing Bot', 'signer@example.com');
    const repo = serverRepo();
    const masked: string[] = [];
    const caps = { ...repo.caps, mask: (v: string) => masked.push(v) };
    const { result, workDir } = await clone(
      { repoURL: repo.url, author: { name: 'Signing Bot', email: 'signer@example.com', signingKey: key }, checkout: [{ path: 'out' }] },
      caps
    );
    expect(result.status).toBe('Succeeded');
    expect(masked).toContain(key);
    const out = path.join(workDir, 'out');
    writeFileSync(path.join(out, 'signed.txt'), 's');
    const workTree = await loadWorkTree(out);
    await workTree.addAll();
    await workTree.commit('signed commit');
    await workTree.createTag('v1', 'signed tag');
    // Verified with the action's own GnuPG home, where the key is trusted.
    expect((await workTree.git(['log', '-1', '--format=%G?|%GS'])).stdout.trim()).toBe('G|Signing Bot <signer@example.com>');
    await expect(workTree.git(['tag', '-v', 'v1'])).resolves.toBeDefined();
    const secretLine = key.split('\n').find((l) => l.length > 40) as string;
    expect(filesContaining(workDir, [secretLine])).toEqual([]);
  }, 30_000);

  it('uses the system git user signing key when no author is given', async () => {
    const key = generateSigningKey('System Signer', 'system-signer@example.com');
    const repo = serverRepo();
    const caps = { ...repo.caps, gitUser: { name: 'System Signer', email: 'system-signer@example.com', signingKey: key } };
    const { result, workDir } = await clone({ repoURL: repo.url, checkout: [{ path: 'out', branch: 'fresh', create: true }] }, caps);
    expect(result.status).toBe('Succeeded');
    const out = path.join(workDir, 'out');
    expect(git(out, ['config', 'commit.gpgSign'])).toBe('true');
    expect(git(out, ['config', 'user.signingKey'])).toMatch(/^[0-9A-F]{40}$/);
  }, 30_000);

  it('refuses a signing key that is not an armored private key (terminal)', async () => {
    const repo = serverRepo();
    const { result } = await clone(
      { repoURL: repo.url, author: { name: 'A', email: 'a@example.com', signingKey: 'not a key' }, checkout: [{ path: 'out' }] },
      repo.caps
    );
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/error configuring the signing key: the signing key could not be read/);
  });
});

describe('git-clone credentials', () => {
  it('uses the github token for the workflow GitHub server, masking every form', async () => {
    const masked: string[] = [];
    const caps = capabilities({ secrets: {}, mask: (v) => masked.push(v) });
    // GitHub takes its installation token as user x-access-token.
    const gh = await startGitServer({ username: 'x-access-token', password: 'ghs_tokenvalue123' });
    try {
      gh.createRepo('org/app.git');
      caps.github = { serverUrl: gh.baseURL, apiUrl: `${gh.baseURL}/api`, token: 'ghs_tokenvalue123' };
      const log = captureLog();
      const workDir = makeTempDir();
      const result = await runStep(gitCloneRunner, { repoURL: gh.url('org/app.git'), checkout: [{ path: 'out' }] }, {
        workDir,
        capabilities: caps,
        logger: log.logger
      });
      expect(result.status).toBe('Succeeded');
      expect(masked).toEqual(expect.arrayContaining(['ghs_tokenvalue123', basicHeaderValue('x-access-token', 'ghs_tokenvalue123')]));
      expect(filesContaining(workDir, masked)).toEqual([]);
      expect(log.lines.join('\n')).not.toContain('ghs_tokenvalue123');
      expect(log.lines.join('\n')).toContain('the github-token input');
    } finally {
      await gh.close();
    }
  });

  it('fails terminally on a wrong token, naming the repository and the secret, never the value', async () => {
    const repo = serverRepo();
    const log = captureLog();
    const caps = capabilities({ secrets: { gitops: { repoURL: repo.url, username: server.username, password: 'WRONG-value-42' } } });
    const workDir = makeTempDir();
    const result = await runStep(gitCloneRunner, { repoURL: repo.url, checkout: [{ path: 'out' }] }, {
      workDir,
      capabilities: caps,
      logger: log.logger
    });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    const message = (result.error as Error).message;
    expect(message).toContain(`error cloning ${repo.url}`);
    expect(message).toContain('secret "gitops"');
    expect(message).not.toContain('WRONG-value-42');
    expect(filesContaining(workDir, ['WRONG-value-42'])).toEqual([]);
    expect(log.lines.join('\n')).not.toContain('WRONG-value-42');
  });

  it('fails terminally when the server wants credentials and none match the URL', async () => {
    const repo = serverRepo();
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out' }] }, capabilities({ secrets: {} }));
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(
      /^error cloning http:\/\/127\.0\.0\.1:\d+\/org\/clone-\d+\.git: the server requires authentication and no credentials were found for this URL/
    );
  });

  it('errors (retryably) when a checkout path is already taken', async () => {
    const repo = serverRepo();
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'out'), 'a file in the way');
    const { result } = await clone({ repoURL: repo.url, checkout: [{ path: 'out' }] }, repo.caps, workDir);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(/^error adding work tree out to repo .*already exists/);
  });

  it('uses a password given in repoURL without writing it anywhere', async () => {
    const repo = serverRepo();
    const withPassword = repo.url.replace('http://', `http://${server.username}:${server.password}@`);
    const masked: string[] = [];
    const workDir = makeTempDir();
    const { result } = await clone(
      { repoURL: withPassword, checkout: [{ path: 'out' }] },
      capabilities({ secrets: {}, mask: (v) => masked.push(v) }),
      workDir
    );
    expect(result.status).toBe('Succeeded');
    expect(masked).toContain(server.password);
    expect(filesContaining(workDir, [server.password])).toEqual([]);
    expect(git(path.join(workDir, 'out'), ['config', 'remote.origin.url'])).toBe(repo.url);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
