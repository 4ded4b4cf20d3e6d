import { disposeGitPrivateDir } from '../../src/git/index.js';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { gitCommitRunner } from '../../src/runners/git-commit.js';
import { loadWorkTree } from '../../src/git/index.js';
import { checkoutForStep, createBareRepo, generateSigningKey, git, logOf } from '../helpers/git-fixtures.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

async function setup(files: Record<string, string> = { 'README.md': '# r\n', 'old.txt': 'old\n' }) {
  const bare = createBareRepo(path.join(makeTempDir(), 'r.git'), { branches: { main: files } });
  const workDir = makeTempDir();
  const dir = await checkoutForStep(bare, workDir);
  return { bare, workDir, dir };
}

describe('git-commit config', () => {
  it.each([
    ['path missing', { message: 'm' }, "(root): must have required property 'path'"],
    ['path empty', { path: '', message: 'm' }, 'path: must NOT have fewer than 1 characters'],
    ['message missing', { path: 'out' }, "(root): must have required property 'message'"],
    ['message empty', { path: 'out', message: '' }, 'message: must NOT have fewer than 1 characters'],
    ['author email missing', { path: 'out', message: 'm', author: { name: 'A' } }, "author: must have required property 'email'"],
    ['author name empty', { path: 'out', message: 'm', author: { name: '', email: 'a@example.com' } }, 'author.name: must NOT have fewer than 1 characters'],
    ['author email invalid', { path: 'out', message: 'm', author: { name: 'A', email: 'x' } }, 'author.email: must match format "email"'],
    ['unknown field', { path: 'out', message: 'm', sign: true }, "sign: unknown field 'sign'"]
  ])('%s is invalid', async (_name, config, message) => {
    const result = await runStep(gitCommitRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain(`invalid git-commit config: ${message}`);
  });

  it('accepts an author without signingKey', async () => {
    const { workDir } = await setup();
    const result = await runStep(gitCommitRunner, { path: 'out', message: 'm', author: { name: 'A', email: 'a@example.com' } }, { workDir });
    expect(result.error).toBeUndefined();
  });
});

describe('git-commit run', () => {
  it("commits, then is Skipped with the same commit when nothing changed (Kargo's test)", async () => {
    const { workDir, dir } = await setup();
    writeFileSync(path.join(dir, 'test.txt'), 'hello\n');
    const first = await runStep(gitCommitRunner, { path: 'out', message: 'Initial commit' }, { workDir });
    expect(first.status).toBe('Succeeded');
    const head = git(dir, ['rev-parse', 'HEAD']);
    expect(first.output).toEqual({ commit: head });
    expect(git(dir, ['log', '-1', '--format=%B'])).toBe('Initial commit');
    expect(git(dir, ['status', '--porcelain'])).toBe('');

    const second = await runStep(gitCommitRunner, { path: 'out', message: 'Again' }, { workDir });
    expect(second.status).toBe('Skipped');
    expect(second.output).toEqual({ commit: head });
  });

  it('stages additions, changes, deletions and new directories', async () => {
    const { workDir, dir } = await setup();
    writeFileSync(path.join(dir, 'README.md'), '# changed\n');
    rmSync(path.join(dir, 'old.txt'));
    mkdirSync(path.join(dir, 'deep/er'), { recursive: true });
    writeFileSync(path.join(dir, 'deep/er/new.yaml'), 'a: 1\n');
    const result = await runStep(gitCommitRunner, { path: 'out', message: 'all kinds' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(git(dir, ['show', '--name-status', '--format=', 'HEAD']).split('\n').sort()).toEqual([
      'A\tdeep/er/new.yaml',
      'D\told.txt',
      'M\tREADME.md'
    ]);
  });

  it('keeps a multi-line message as given (a # line included)', async () => {
    const { workDir, dir } = await setup();
    writeFileSync(path.join(dir, 'x'), 'x');
    const message = 'Promote app to v2\n\n# not a comment: kept\n- image: app:v2\n';
    await runStep(gitCommitRunner, { path: 'out', message }, { workDir });
    expect(git(dir, ['log', '-1', '--format=%B'])).toBe(message.trim());
  });

  it.each([
    ['the clone author', undefined, 'Clone Author <clone@example.com>'],
    ['the (deprecated) step author', { name: 'Step Author', email: 'step@example.com' }, 'Step Author <step@example.com>']
  ])('authors and commits as %s', async (_name, author, identity) => {
    const { workDir, dir } = await setup();
    writeFileSync(path.join(dir, 'x'), 'x');
    await runStep(gitCommitRunner, { path: 'out', message: 'm', ...(author ? { author } : {}) }, { workDir });
    const [entry] = logOf(dir, 'HEAD');
    expect(entry.author).toBe(identity);
    expect(entry.committer).toBe(identity);
  });

  it('falls back to the system git user in a repository without an identity', async () => {
    const workDir = makeTempDir();
    const dir = path.join(workDir, 'plain');
    mkdirSync(dir);
    git(dir, ['init', '-q', '-b', 'main']);
    git(dir, ['remote', 'add', 'origin', 'https://git.example.com/org/plain.git']);
    writeFileSync(path.join(dir, 'f'), 'f');
    const result = await runStep(gitCommitRunner, { path: 'plain', message: 'first' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(logOf(dir, 'HEAD')[0].author).toBe('Kargo Test <kargo-test@example.com>');
  });

  it('signs the commit with the (deprecated) step author signingKey', async () => {
    const key = generateSigningKey('Step Signer', 'step-signer@example.com');
    const { workDir, dir } = await setup();
    writeFileSync(path.join(dir, 'x'), 'x');
    const masked: string[] = [];
    const result = await runStep(
      gitCommitRunner,
      { path: 'out', message: 'signed', author: { name: 'Step Signer', email: 'step-signer@example.com', signingKey: key } },
      { workDir, capabilities: { gitUser: { name: 'S', email: 's@example.com' }, secrets: {}, mask: (v) => masked.push(v) } }
    );
    expect(result.status).toBe('Succeeded');
    expect(masked).toContain(key);
    const workTree = await loadWorkTree(dir);
    expect((await workTree.git(['log', '-1', '--format=%G?|%GS'])).stdout.trim()).toBe('G|Step Signer <step-signer@example.com>');
    // The per-commit key does not stick to the repository: the next commit is unsigned.
    expect(() => git(dir, ['config', 'commit.gpgSign'])).toThrow();
  }, 30_000);

  it.each([
    ['a missing path', 'nope', /error loading working tree from nope: no directory at/],
    ['a directory that is not a work tree', 'plain-dir', /error loading working tree from plain-dir: .* is not the root of a git work tree/],
    ['a subdirectory of a work tree', 'out/sub', /error loading working tree from out\/sub: .* is not the root of a git work tree/]
  ])('errors on %s', async (_name, p, message) => {
    const { workDir, dir } = await setup({ 'sub/f.txt': 'f\n' });
    void dir;
    mkdirSync(path.join(workDir, 'plain-dir'));
    const result = await runStep(gitCommitRunner, { path: p, message: 'm' }, { workDir });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(message);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
