import { disposeGitPrivateDir } from '../../src/git/index.js';
import { existsSync, mkdirSync, readdirSync, writeFileSync, symlinkSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { gitClearRunner } from '../../src/runners/git-clear.js';
import { gitCommitRunner } from '../../src/runners/git-commit.js';
import { checkoutForStep, createBareRepo, git } from '../helpers/git-fixtures.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

describe('git-clear config', () => {
  it.each([
    ['path missing', {}, "(root): must have required property 'path'"],
    ['path empty', { path: '' }, 'path: must NOT have fewer than 1 characters'],
    ['unknown field', { path: 'out', all: true }, "all: unknown field 'all'"]
  ])('%s is invalid', async (_name, config, message) => {
    const result = await runStep(gitClearRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain(`invalid git-clear config: ${message}`);
  });
});

describe('git-clear run', () => {
  it('removes every file but .git: tracked, untracked and ignored (Kargo leaves ignored ones)', async () => {
    const bare = createBareRepo(path.join(makeTempDir(), 'r.git'), {
      branches: { main: { 'original.txt': 'o\n', 'dir/nested.yaml': 'n\n', '.gitignore': '*.log\n' } }
    });
    const workDir = makeTempDir();
    const dir = await checkoutForStep(bare, workDir);
    writeFileSync(path.join(dir, 'untracked.txt'), 'u');
    writeFileSync(path.join(dir, 'debug.log'), 'ignored');
    const outside = path.join(workDir, 'outside.txt');
    writeFileSync(outside, 'keep me');
    symlinkSync(outside, path.join(dir, 'link'));
    const result = await runStep(gitClearRunner, { path: 'out' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readdirSync(dir)).toEqual(['.git']);
    expect(readFileSync(outside, 'utf8')).toBe('keep me');

    // A later commit records the removal of every tracked file.
    const commit = await runStep(gitCommitRunner, { path: 'out', message: 'clear' }, { workDir });
    expect(commit.status).toBe('Succeeded');
    expect(git(dir, ['ls-tree', '-r', 'HEAD'])).toBe('');
  });

  it('succeeds on an already empty work tree', async () => {
    const bare = createBareRepo(path.join(makeTempDir(), 'r.git'));
    const workDir = makeTempDir();
    const dir = await checkoutForStep(bare, workDir);
    await runStep(gitClearRunner, { path: 'out' }, { workDir });
    const again = await runStep(gitClearRunner, { path: 'out' }, { workDir });
    expect(again.status).toBe('Succeeded');
    expect(existsSync(path.join(dir, '.git'))).toBe(true);
  });

  it('errors when the path is not a work tree', async () => {
    const workDir = makeTempDir();
    mkdirSync(path.join(workDir, 'plain'));
    writeFileSync(path.join(workDir, 'plain/f'), 'f');
    const result = await runStep(gitClearRunner, { path: 'plain' }, { workDir });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error loading working tree from plain: .* is not the root of a git work tree/);
    expect(existsSync(path.join(workDir, 'plain/f'))).toBe(true);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
