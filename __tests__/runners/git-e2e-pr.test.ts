// End to end at runner level: a branch pushed over git smart HTTP, a PR opened, waited on while
// someone merges it, and the merge commit checked against the base branch in the bare repo.
// (The engine-level version can reuse the same server: gh.settings, gh.merge(n), gh.url.)

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Capabilities, StepResult } from '../../src/promotion/types.js';
import { gitMergePrRunner } from '../../src/runners/git-merge-pr.js';
import { gitOpenPrRunner } from '../../src/runners/git-open-pr.js';
import { gitWaitForPrRunner } from '../../src/runners/git-wait-for-pr.js';
import { githubPushRunner } from '../../src/runners/github-push.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';

let gh: GitHubServer;

function capabilities(): Capabilities {
  return { gitUser: { name: 'Kargo', email: 'kargo@example.com' }, github: gh.settings, secrets: {}, mask: () => undefined };
}

async function git(cwd: string, args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const { stdout } = await promisify(execFile)('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.com',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.com',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${gh.token}`).toString('base64')}`
    }
  });
  return stdout.trim();
}

beforeAll(async () => {
  gh = await startGitHubServer();
  await gh.commitFiles('main', { 'values.yaml': 'image: app:v1\n' }, 'initial commit');
});

afterAll(async () => {
  await gh.close();
});

describe('open, wait, merge end to end', () => {
  it('opens a PR for a pushed branch, answers Running until it is merged, then Succeeded with the merge commit', async () => {
    const workDir = makeTempDir('pr-e2e-');
    await git(workDir, ['clone', '-q', gh.repoURL, 'repo']);
    const repo = path.join(workDir, 'repo');
    await git(repo, ['checkout', '-q', '-b', 'kargo/promotion/p1']);
    writeFileSync(path.join(repo, 'values.yaml'), 'image: app:v2\n');
    await git(repo, ['commit', '-q', '-am', 'Promote app:v2 to prod\n\nFreight abc123.']);
    await git(repo, ['push', '-q', 'origin', 'HEAD']);

    const ctx = { workDir, capabilities: capabilities(), alias: 'open-pr' };
    const opened = await runStep(gitOpenPrRunner, { repoURL: gh.repoURL, sourceBranch: 'kargo/promotion/p1', targetBranch: 'main', labels: ['kargo'] }, ctx);
    expect(opened.status).toBe('Succeeded');
    const pr = (opened.output as { pr: { id: number; url: string } }).pr;
    expect(gh.pulls.get(pr.id)).toMatchObject({ title: 'Promote app:v2 to prod', body: '\nFreight abc123.', labels: ['kargo'], state: 'open' });

    // A resumed promotion re-runs open-pr with its earlier output in shared state: same PR, no new call.
    const requests = gh.requests.length;
    const again = await runStep(gitOpenPrRunner, { repoURL: gh.repoURL, sourceBranch: 'kargo/promotion/p1', targetBranch: 'main' }, { ...ctx, sharedState: { 'open-pr': opened.output } });
    expect(again.output).toEqual(opened.output);
    expect(gh.requests.length).toBe(requests);

    const polls: StepResult[] = [];
    let result: StepResult;
    for (;;) {
      result = await runStep(gitWaitForPrRunner, { repoURL: gh.repoURL, prNumber: pr.id, pollInterval: '15s' }, { ...ctx, alias: 'wait' });
      polls.push(result);
      if (result.status !== 'Running') break;
      expect(result.retryAfterMs).toBe(15_000);
      if (polls.length === 2) await gh.merge(pr.id);
      if (polls.length > 5) throw new Error('never finished');
    }
    expect(polls.map((p) => p.status)).toEqual(['Running', 'Running', 'Succeeded']);
    const mainHead = await gh.branchHead('main');
    expect(result.output).toEqual({ pr: { id: pr.id, url: pr.url, open: false, merged: true }, commit: mainHead });
    expect(await gh.git(['show', `${mainHead}:values.yaml`])).toBe('image: app:v2');
  });

  it('pushes verified-style commits with github-push, opens a PR and merges it once mergeable (wait: true)', async () => {
    const workDir = makeTempDir('pr-e2e-');
    await git(workDir, ['clone', '-q', gh.repoURL, 'repo']);
    const repo = path.join(workDir, 'repo');
    await git(repo, ['checkout', '-q', '-b', 'env/prod-next']);
    writeFileSync(path.join(repo, 'values.yaml'), 'image: app:v3\n');
    await git(repo, ['commit', '-q', '-am', 'Promote app:v3']);
    const ctx = { workDir, capabilities: capabilities() };

    const pushed = await runStep(githubPushRunner, { path: 'repo', targetBranch: 'env/prod-next' }, ctx);
    expect(pushed.error).toBeUndefined();
    expect(pushed.status).toBe('Succeeded');
    expect((pushed.output as { commit: string }).commit).toBe(await gh.branchHead('env/prod-next'));

    const opened = await runStep(gitOpenPrRunner, { repoURL: gh.repoURL, sourceBranch: 'env/prod-next', targetBranch: 'main' }, ctx);
    const prNumber = (opened.output as { pr: { id: number } }).pr.id;
    gh.pulls.get(prNumber)!.mergeableState = 'unknown';
    const first = await runStep(gitMergePrRunner, { repoURL: gh.repoURL, prNumber, wait: true }, ctx);
    expect(first).toEqual({ status: 'Running', retryAfterMs: 10_000 });
    delete gh.pulls.get(prNumber)!.mergeableState;
    const second = await runStep(gitMergePrRunner, { repoURL: gh.repoURL, prNumber, wait: true }, ctx);
    expect(second).toEqual({ status: 'Succeeded', output: { commit: await gh.branchHead('main') } });
    expect(await gh.git(['show', 'refs/heads/main:values.yaml'])).toBe('image: app:v3');
  });
});
