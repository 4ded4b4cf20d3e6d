import { disposeGitPrivateDir } from '../../src/git/index.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { gitTagRunner } from '../../src/runners/git-tag.js';
import { gitCommitRunner } from '../../src/runners/git-commit.js';
import { checkoutForStep, createBareRepo, git } from '../helpers/git-fixtures.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

async function setup() {
  const bare = createBareRepo(path.join(makeTempDir(), 'r.git'));
  const workDir = makeTempDir();
  const dir = await checkoutForStep(bare, workDir);
  return { workDir, dir };
}

describe('git-tag config', () => {
  it.each([
    ['tag missing', { path: 'out', message: 'm' }, "(root): must have required property 'tag'"],
    ['message missing', { path: 'out', tag: 'v1' }, "(root): must have required property 'message'"],
    ['path missing', { tag: 'v1', message: 'm' }, "(root): must have required property 'path'"],
    ['tag empty', { path: 'out', tag: '', message: 'm' }, 'tag: must NOT have fewer than 1 characters'],
    ['force not a boolean', { path: 'out', tag: 'v1', message: 'm', force: 'yes' }, 'force: must be boolean']
  ])('%s is invalid', async (_name, config, message) => {
    const result = await runStep(gitTagRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain(`invalid git-tag config: ${message}`);
  });

  it('allows extra fields (Kargo\'s git-tag schema does not forbid them)', async () => {
    const { workDir } = await setup();
    const result = await runStep(gitTagRunner, { path: 'out', tag: 'v1', message: 'm', extra: 1 }, { workDir });
    expect(result.status).toBe('Succeeded');
  });
});

describe('git-tag run', () => {
  it("creates an annotated tag at HEAD, refuses to move it without force, moves it with force (Kargo's test)", async () => {
    const { workDir, dir } = await setup();
    const first = await runStep(gitTagRunner, { path: 'out', tag: 'v1.0.0', message: 'Release 1.0.0' }, { workDir });
    const head = git(dir, ['rev-parse', 'HEAD']);
    expect(first).toEqual({ status: 'Succeeded', output: { commit: head } });
    expect(git(dir, ['cat-file', '-t', 'v1.0.0'])).toBe('tag');
    expect(git(dir, ['tag', '-l', '--format=%(contents:subject)|%(taggername) %(taggeremail)', 'v1.0.0'])).toBe(
      'Release 1.0.0|Clone Author <clone@example.com>'
    );

    writeFileSync(path.join(dir, 'next.txt'), 'n');
    await runStep(gitCommitRunner, { path: 'out', message: 'next' }, { workDir });
    const newHead = git(dir, ['rev-parse', 'HEAD']);

    const again = await runStep(gitTagRunner, { path: 'out', tag: 'v1.0.0', message: 'again' }, { workDir });
    expect(again.status).toBe('Errored');
    expect(isTerminal(again.error)).toBe(true);
    expect((again.error as Error).message).toBe(
      'error creating tag v1.0.0: tag "v1.0.0" already exists; set force: true to move it to the current commit'
    );
    expect(git(dir, ['rev-parse', 'v1.0.0^{commit}'])).toBe(head);

    const forced = await runStep(gitTagRunner, { path: 'out', tag: 'v1.0.0', message: 'moved', force: true }, { workDir });
    expect(forced).toEqual({ status: 'Succeeded', output: { commit: newHead } });
    expect(git(dir, ['rev-parse', 'v1.0.0^{commit}'])).toBe(newHead);
  });

  it('errors on an invalid tag name', async () => {
    const { workDir } = await setup();
    const result = await runStep(gitTagRunner, { path: 'out', tag: 'bad..name', message: 'm' }, { workDir });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error creating tag bad\.\.name: .*not a valid tag name/);
  });

  it('errors when the path is not a work tree', async () => {
    const result = await runStep(gitTagRunner, { path: 'nowhere', tag: 'v1', message: 'm' });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(/^error loading working tree from nowhere/);
  });
});

// Remove this file's private git directory (askpass, GnuPG home) and stop its gpg-agent.
afterAll(() => disposeGitPrivateDir());
