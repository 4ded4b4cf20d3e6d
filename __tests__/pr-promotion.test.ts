// A promotion through a pull request, end to end through the engine: clone, update, commit, push
// to a generated branch, open a PR, wait for it (merged by "a reviewer" after two polls), and
// the state holds the PR and the merge commit, which is the base branch's head.
import { startGitHubServer, type GitHubServer } from './helpers/github-server.js';
import { promote } from './helpers/promote.js';

process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';

let gh: GitHubServer;

beforeAll(async () => {
  gh = await startGitHubServer();
  await gh.commitFiles('main', { 'values.yaml': 'image: app:v1\n' }, 'initial commit');
});

afterAll(async () => {
  await gh.close();
});

it('promotes through a pull request that is merged while the promotion waits', async () => {
  const steps = `
vars:
- {name: repo, value: "${gh.repoURL}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.repo }}
    checkout: [{branch: main, path: ./repo}]
- uses: file-write
  config: {path: ./repo/values.yaml, contents: "image: app:v2\\n", overwrite: true}
- uses: git-commit
  config: {path: ./repo, message: Promote app v2}
- uses: git-push
  as: push
  config: {path: ./repo, generateTargetBranch: true}
- uses: git-open-pr
  as: open-pr
  config:
    repoURL: \${{ vars.repo }}
    sourceBranch: \${{ outputs.push.branch }}
    targetBranch: main
- uses: git-wait-for-pr
  as: wait
  config:
    repoURL: \${{ vars.repo }}
    prNumber: \${{ outputs['open-pr'].pr.id }}
    pollInterval: 1s
`;
  const polls: string[] = [];
  const result = await promote(steps, {
    promotion: 'promo-42',
    capabilities: { github: gh.settings },
    events: {
      onStepAttempt: async (step, _attempt, stepResult) => {
        if (step.alias !== 'wait') return;
        polls.push(stepResult.status);
        if (polls.length === 2) await gh.merge((stepResult.output as { pr: { id: number } }).pr.id);
      }
    }
  });
  expect(result.steps.map((s) => `${s.alias}:${s.status}`)).toEqual([
    'step-1:Succeeded',
    'step-2:Succeeded',
    'step-3:Succeeded',
    'push:Succeeded',
    'open-pr:Succeeded',
    'wait:Succeeded'
  ]);
  expect(polls).toEqual(['Running', 'Running', 'Succeeded']);
  expect(result.state.push).toMatchObject({ branch: 'kargo/promotion/promo-42' });
  const pr = (result.state['open-pr'] as { pr: { id: number; url: string } }).pr;
  expect(result.state.wait).toMatchObject({ pr: { id: pr.id, merged: true, open: false } });
  const mergeCommit = (result.state.wait as { commit: string }).commit;
  expect(mergeCommit).toBe(await gh.branchHead('main'));
  expect(gh.pulls.get(pr.id)).toMatchObject({ state: 'closed', mergeCommitSha: mergeCommit });
});
