// Fidelity: realistic promotion templates in the shape Kargo's documentation gives them, run
// end to end through the engine against local bare repositories and a local HTTP server. Each
// test checks what Kargo would produce (files on branches, commit messages, outputs, statuses).
// Where a documented example no longer matches Kargo's code, the test follows the code and says
// so. The templates are our own, written after the documented patterns.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { branchHead, commitToBare, createBareRepo, filesAt, git, readAt, tagTarget } from './helpers/git-fixtures.js';
import { startHttpServer, type TestServer } from './helpers/http-server.js';
import type { StepResult, StepRunner } from '../src/promotion/types.js';
import { startGitHubServer, type GitHubServer } from './helpers/github-server.js';
import { startArgoCDServer, type ArgoCDServer } from './helpers/argocd-server.js';
import { promote } from './helpers/promote.js';
import { makeTempDir } from './helpers/step-context.js';

const HELM_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'helm-update-chart');

function bareRepo(files: Record<string, string>, extraBranches: Record<string, Record<string, string>> = {}) {
  const bare = createBareRepo(path.join(makeTempDir('kargo-docs-'), 'repo.git'), { branches: { main: files, ...extraBranches } });
  return { bare, head: branchHead(bare, 'main') as string };
}

function commitMessage(bare: string, ref: string): string {
  return git(bare, ['log', '-1', '--format=%B', ref]);
}

function statuses(result: { steps: { alias: string; status: string }[] }): string[] {
  return result.steps.map((s) => `${s.alias}:${s.status}`);
}

/** A Freight (or list) as the `freight` input takes it. */
function freightYaml(list: Record<string, unknown>[]): string {
  return JSON.stringify(list);
}

describe('git-clone: a Freight commit and a created stage branch, then commit and push', () => {
  it('renders from the Freight commit into a new stage branch', async () => {
    const { bare, head: first } = bareRepo({ 'app/config.yaml': 'replicas: 1\n', 'README.md': '# app\n' });
    // Someone commits after the Freight was made: the promotion must use the Freight's commit.
    commitToBare(bare, 'main', { 'app/config.yaml': 'replicas: 99\n' }, 'later');
    const steps = `
vars:
- name: gitRepo
  value: ${bare}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - commit: \${{ commitFrom(vars.gitRepo).ID }}
      path: ./src
    - branch: stage/\${{ ctx.stage }}
      create: true
      path: ./out
- uses: copy
  config:
    inPath: ./src/app
    outPath: ./out/app
- uses: git-commit
  as: commit
  config:
    path: ./out
    message: render \${{ commitFrom(vars.gitRepo).ID }} for \${{ ctx.stage }}
- uses: git-push
  as: push
  config:
    path: ./out
`;
    const result = await promote(steps, {
      stage: 'test',
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'app' }, commits: [{ repoURL: bare, id: first, branch: 'main' }] }])
    });
    expect(result.message).toBe('');
    expect(statuses(result)).toEqual(['step-1:Succeeded', 'step-2:Succeeded', 'commit:Succeeded', 'push:Succeeded']);
    const stageHead = branchHead(bare, 'stage/test');
    expect(result.state.commit).toEqual({ commit: stageHead });
    expect(result.state.push).toMatchObject({ branch: 'stage/test', commit: stageHead });
    expect(readAt(bare, 'stage/test', 'app/config.yaml')).toBe('replicas: 1\n');
    // A created branch starts as an orphan with one empty "Initial commit", as Kargo makes it.
    expect(filesAt(bare, 'stage/test')).toEqual(['app/config.yaml']);
    expect(git(bare, ['log', '--format=%s', 'stage/test'])).toBe(`render ${first} for test\nInitial commit`);
    expect(filesAt(bare, 'stage/test^')).toEqual([]);
    expect(commitMessage(bare, 'stage/test')).toBe(`render ${first} for test`);
  });

  it('uses an existing stage branch as it is when create is true', async () => {
    const { bare, head } = bareRepo({ 'app/config.yaml': 'replicas: 2\n' }, { 'stage/test': { 'old.yaml': 'x: 1\n' } });
    const before = branchHead(bare, 'stage/test') as string;
    const steps = `
vars:
- {name: gitRepo, value: "${bare}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - {commit: "\${{ commitFrom(vars.gitRepo).ID }}", path: ./src}
    - {branch: "stage/\${{ ctx.stage }}", create: true, path: ./out}
- uses: copy
  config: {inPath: ./src/app/config.yaml, outPath: ./out/config.yaml}
- uses: git-commit
  config: {path: ./out, message: update}
- uses: git-push
  config: {path: ./out}
`;
    const result = await promote(steps, {
      stage: 'test',
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'app' }, commits: [{ repoURL: bare, id: head }] }])
    });
    expect(result.status).toBe('Succeeded');
    expect(filesAt(bare, 'stage/test')).toEqual(['config.yaml', 'old.yaml']);
    expect(git(bare, ['rev-parse', 'stage/test^'])).toBe(before);
  });
});

describe('git-clear + copy: base and overlay commits from two Warehouses', () => {
  it('replaces the stage branch contents with the overlaid render', async () => {
    const { bare, head: base } = bareRepo(
      {
        'stages/test/kustomization.yaml': 'resources:\n- ../../base\n',
        'base/deploy.yaml': 'kind: Deployment\n'
      },
      { 'stage/test': { 'stale.yaml': 'stale\n', 'nested/also-stale.yaml': 'x\n' } }
    );
    const overlay = commitToBare(
      bare,
      'main',
      { 'stages/test/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: test-\n' },
      'overlay change'
    );
    const steps = `
vars:
- name: gitRepo
  value: ${bare}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - commit: \${{ commitFrom(vars.gitRepo, warehouse("base")).ID }}
      path: ./src
    - commit: \${{ commitFrom(vars.gitRepo, warehouse(ctx.stage + "-overlay")).ID }}
      path: ./overlay
    - branch: stage/\${{ ctx.stage }}
      create: true
      path: ./out
- uses: git-clear
  config:
    path: ./out
- uses: copy
  config:
    inPath: ./overlay/stages/\${{ ctx.stage }}/kustomization.yaml
    outPath: ./src/stages/\${{ ctx.stage }}/kustomization.yaml
- uses: copy
  config:
    inPath: ./src/stages/\${{ ctx.stage }}
    outPath: ./out/\${{ ctx.stage }}
- uses: git-commit
  config:
    path: ./out
    message: rendered
- uses: git-push
  config:
    path: ./out
`;
    const result = await promote(steps, {
      stage: 'test',
      freightText: freightYaml([
        { origin: { kind: 'Warehouse', name: 'base' }, commits: [{ repoURL: bare, id: base }] },
        { origin: { kind: 'Warehouse', name: 'test-overlay' }, commits: [{ repoURL: bare, id: overlay }] }
      ])
    });
    expect(result.message).toBe('');
    expect(result.status).toBe('Succeeded');
    expect(filesAt(bare, 'stage/test')).toEqual(['test/kustomization.yaml']);
    expect(readAt(bare, 'stage/test', 'test/kustomization.yaml')).toBe('resources:\n- ../../base\nnamePrefix: test-\n');
    // The base checkout is at the base commit: the overlay's change is not in its history.
    expect(readFileSync(path.join(result.workDir, 'src', 'base', 'deploy.yaml'), 'utf8')).toBe('kind: Deployment\n');
  });
});

describe('git-clone: blobless sparse checkouts', () => {
  it('checks out only the named directories', async () => {
    const { bare, head } = bareRepo({
      'charts/my-app/Chart.yaml': 'name: my-app\n',
      'charts/other/Chart.yaml': 'name: other\n',
      'configs/common/a.yaml': 'a: 1\n',
      'configs/prod/b.yaml': 'b: 1\n'
    }, { 'stage/test': { 'stages/test/x.yaml': 'x\n', 'stages/prod/y.yaml': 'y\n' } });
    const steps = `
vars:
- {name: gitRepo, value: "${bare}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    blobless: true
    checkout:
    - commit: \${{ commitFrom(vars.gitRepo).ID }}
      path: ./src
      sparse:
      - charts/my-app
      - configs/common
    - branch: stage/\${{ ctx.stage }}
      create: true
      path: ./out
      sparse:
      - stages/\${{ ctx.stage }}
`;
    const result = await promote(steps, {
      stage: 'test',
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'w' }, commits: [{ repoURL: bare, id: head }] }])
    });
    expect(result.message).toBe('');
    const src = path.join(result.workDir, 'src');
    expect(existsSync(path.join(src, 'charts/my-app/Chart.yaml'))).toBe(true);
    expect(existsSync(path.join(src, 'configs/common/a.yaml'))).toBe(true);
    expect(existsSync(path.join(src, 'charts/other'))).toBe(false);
    expect(existsSync(path.join(src, 'configs/prod'))).toBe(false);
    expect(existsSync(path.join(result.workDir, 'out/stages/test/x.yaml'))).toBe(true);
    expect(existsSync(path.join(result.workDir, 'out/stages/prod'))).toBe(false);
  });
});

describe('kustomize-set-image: the image from the Freight, its commit message reused', () => {
  const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n';

  it('sets the tag and builds commit messages from the step output', async () => {
    const { bare, head } = bareRepo({ 'base/kustomization.yaml': KUSTOMIZATION, 'base/deploy.yaml': 'kind: Deployment\n' });
    const steps = `
vars:
- name: gitRepo
  value: ${bare}
- name: imageRepo
  value: my/image
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - commit: \${{ commitFrom(vars.gitRepo).ID }}
      path: ./src
    - branch: stage/\${{ ctx.stage }}
      create: true
      path: ./out
- uses: git-clear
  config:
    path: ./out
- uses: kustomize-set-image
  as: update-image
  config:
    path: ./src/base
    images:
    - image: \${{ vars.imageRepo }}
      tag: \${{ imageFrom(vars.imageRepo).Tag }}
- uses: copy
  config:
    inPath: ./src/base
    outPath: ./out/base
- uses: git-commit
  as: commit
  config:
    path: ./out
    message: |
      \${{ ctx.stage }}: \${{ outputs['update-image'].commitMessage }} # Or task.outputs in a (Cluster)PromotionTask
- uses: git-push
  config:
    path: ./out
`;
    const result = await promote(steps, {
      stage: 'test',
      freightText: freightYaml([
        { origin: { kind: 'Warehouse', name: 'w' }, commits: [{ repoURL: bare, id: head }], images: [{ repoURL: 'my/image', tag: '1.4.0' }] }
      ])
    });
    expect(result.message).toBe('');
    expect(result.state['update-image']).toEqual({ commitMessage: 'Updated ./src/base to use new image\n\n- my/image:1.4.0' });
    const kustomization = readAt(bare, 'stage/test', 'base/kustomization.yaml');
    expect(kustomization.startsWith(KUSTOMIZATION)).toBe(true);
    expect(kustomization.slice(KUSTOMIZATION.length)).toMatch(/^images:\n- name: my\/image\n {2}newTag: "?1\.4\.0"?\n$/);
    // The block scalar keeps its text after the expression (a YAML comment only outside it).
    expect(commitMessage(bare, 'stage/test')).toBe(
      'test: Updated ./src/base to use new image\n\n- my/image:1.4.0 # Or task.outputs in a (Cluster)PromotionTask'
    );
  });

  it('refuses the newName-only example: Kargo now requires a tag or a digest [doc≠code]', async () => {
    const steps = `
- uses: kustomize-set-image
  config:
    path: ./src/base
    images:
    - image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-image
      newName: 123456789012.dkr.ecr.us-west-2.amazonaws.com/my-image
`;
    // Refused before anything runs (Kargo refuses the same config when the step starts).
    await expect(promote(steps)).rejects.toThrow(/config\.images\[0\]: must match exactly one schema in oneOf/);
  });
});

describe('yaml-update: a chart value from the Freight image', () => {
  const VALUES = '# values for my-chart\nimage:\n  repository: my/image\n  tag: v0.9.0 # set by Kargo\nreplicas: 2\n';

  it.each([
    ['a plain tag', '${{ imageFrom("my/image").Tag }}', 'v1.0.0', 'tag: v1.0.0 # set by Kargo'],
    // A tag that reads as a number becomes one (Kargo's template coercion), quote() keeps it a string.
    ['a numeric-looking tag', '${{ imageFrom("my/image").Tag }}', '1.27', 'tag: 1.27 # set by Kargo'],
    ['a numeric-looking tag through quote()', '${{ quote(imageFrom("my/image").Tag) }}', '1.27', 'tag: "1.27" # set by Kargo']
  ])('%s', async (_name, expression, tag, line) => {
    const { bare, head } = bareRepo({ 'charts/my-chart/values.yaml': VALUES });
    const steps = `
vars:
- {name: gitRepo, value: "${bare}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - {commit: "\${{ commitFrom(vars.gitRepo).ID }}", path: ./src}
- uses: yaml-update
  as: update
  config:
    path: ./src/charts/my-chart/values.yaml
    updates:
    - key: image.tag
      value: ${expression}
`;
    const result = await promote(steps, {
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'w' }, commits: [{ repoURL: bare, id: head }], images: [{ repoURL: 'my/image', tag }] }])
    });
    expect(result.message).toBe('');
    expect(readFileSync(path.join(result.workDir, 'src/charts/my-chart/values.yaml'), 'utf8')).toBe(
      VALUES.replace('tag: v0.9.0 # set by Kargo', line)
    );
    expect(result.state.update).toMatchObject({ commitMessage: expect.stringContaining('image.tag') });
  });
});

describe('helm-update-chart: a file:// dependency inside the checkout', () => {
  it('packages the local subchart, locks it and commits the result', async () => {
    const local = makeTempDir();
    cpSync(path.join(HELM_FIXTURES, 'localchart'), path.join(local, 'localchart'), { recursive: true });
    const files: Record<string, string> = {
      'charts/my-chart/Chart.yaml':
        'apiVersion: v2\nname: my-chart\nversion: 0.1.0\ndependencies:\n- name: localchart\n  repository: file://../localchart\n  version: ^0.3.0\n'
    };
    const walk = (dir: string, rel: string) => {
      for (const entry of execFileSync('ls', ['-A', dir], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
        const full = path.join(dir, entry);
        if (execFileSync('stat', ['-c', '%F', full], { encoding: 'utf8' }).startsWith('directory')) walk(full, `${rel}/${entry}`);
        else files[`${rel}/${entry}`] = readFileSync(full, 'utf8');
      }
    };
    walk(path.join(local, 'localchart'), 'charts/localchart');
    const { bare } = bareRepo(files);
    const steps = `
vars:
- {name: gitRepo, value: "${bare}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - {branch: main, path: ./src}
- uses: helm-update-chart
  as: update-chart
  config:
    path: ./src/charts/my-chart
- uses: git-commit
  config:
    path: ./src
    message: \${{ outputs['update-chart'].commitMessage }}
- uses: git-push
  config:
    path: ./src
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(result.state['update-chart']).toEqual({ commitMessage: 'Updated chart dependencies for ./src/charts/my-chart\n\n- localchart: 0.3.1' });
    expect(filesAt(bare, 'main')).toEqual(
      expect.arrayContaining(['charts/my-chart/Chart.lock', 'charts/my-chart/charts/localchart-0.3.1.tgz'])
    );
    expect(readAt(bare, 'main', 'charts/my-chart/Chart.lock')).toContain('- name: localchart\n  repository: file://../localchart\n  version: 0.3.1\n');
    expect(commitMessage(bare, 'main')).toBe('Updated chart dependencies for ./src/charts/my-chart\n\n- localchart: 0.3.1');
  });
});

describe('git-push: generateTargetBranch and tags', () => {
  it('pushes to kargo/promotion/<promotion> and outputs the branch', async () => {
    const { bare } = bareRepo({ 'values.yaml': 'tag: a\n' });
    const steps = `
steps:
- uses: git-clone
  config:
    repoURL: ${bare}
    checkout: [{branch: main, path: ./out}]
- uses: yaml-update
  config: {path: ./out/values.yaml, updates: [{key: tag, value: b}]}
- uses: git-commit
  config:
    path: ./out
    message: rendered updated manifests
- uses: git-push
  as: push
  config:
    path: ./out
    generateTargetBranch: true
- uses: compose-output
  as: summary
  config:
    branch: \${{ outputs.push.branch }}
    sameAsMain: \${{ outputs.push.commit == "${branchHead(bare, 'main')}" }}
`;
    const main = branchHead(bare, 'main');
    const result = await promote(steps, { promotion: 'test.01jd8xyz.abc1234' });
    expect(result.message).toBe('');
    const branch = 'kargo/promotion/test.01jd8xyz.abc1234';
    expect(result.state.push).toMatchObject({ branch, commit: branchHead(bare, branch) });
    expect(result.state.summary).toEqual({ branch, sameAsMain: false });
    expect(branchHead(bare, 'main')).toBe(main);
    expect(readAt(bare, branch, 'values.yaml')).toBe('tag: b\n');
  });

  it('tags the commit and pushes the tag', async () => {
    const { bare } = bareRepo({ 'a.txt': 'a\n' });
    const steps = `
steps:
- uses: git-clone
  config:
    repoURL: ${bare}
    checkout: [{branch: main, path: ./out}]
- uses: git-tag
  config:
    path: ./out
    tag: v1.0.0
    message: Release v1.0.0
- uses: git-push
  as: push
  config:
    path: ./out
    tag: v1.0.0
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(tagTarget(bare, 'v1.0.0')).toBe(branchHead(bare, 'main'));
    expect(git(bare, ['cat-file', '-t', 'v1.0.0'])).toBe('tag');
    // Kargo's output names the current branch and its head, not the tag.
    expect(result.state.push).toEqual({ branch: 'main', commit: branchHead(bare, 'main') });
  });

  it('refuses the documented git-tag example without message: Kargo requires it [doc≠code]', async () => {
    await expect(promote('- uses: git-tag\n  config: {path: ./out, tag: v1.0.0}\n')).rejects.toThrow(/must have required property 'message'/);
  });
});

describe('PromotionTask: vars, task.outputs and compose-output', () => {
  it('runs a task whose composed output the template uses', async () => {
    const { bare } = bareRepo({ 'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.4.2\n' });
    const steps = `
apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata:
  name: bump-chart
  namespace: kargo-demo
spec:
  vars:
  - name: repoURL
  - name: targetBranch
    value: main
  - name: chartPath
    value: ./src/Chart.yaml
  steps:
  - uses: git-clone
    as: clone
    config:
      repoURL: \${{ vars.repoURL }}
      checkout:
      - branch: \${{ vars.targetBranch }}
        path: ./src
  - uses: yaml-parse
    as: read-version
    config:
      path: \${{ vars.chartPath }}
      outputs:
      - name: currentVersion
        fromExpression: version
  - uses: yaml-update
    config:
      path: \${{ vars.chartPath }}
      updates:
      - key: version
        value: \${{ semverParse(task.outputs['read-version'].currentVersion).IncMinor().String() }}
  - uses: git-commit
    as: commit
    config:
      path: ./src
      message: bump to \${{ semverParse(task.outputs['read-version'].currentVersion).IncMinor().String() }}
  - uses: git-push
    as: push
    config:
      path: ./src
  - uses: compose-output
    as: output
    config:
      commit: \${{ task.outputs.commit.commit }}
      branch: \${{ vars.targetBranch }}
---
vars:
- name: repoURL
  value: ${bare}
steps:
- task:
    name: bump-chart
  as: promotion
  vars:
  - name: targetBranch
    value: release
- uses: compose-output
  as: notify
  config:
    text: 'New commit: \${{ outputs.promotion.commit }} on \${{ outputs.promotion.branch }}'
`;
    commitToBare(bare, 'release', { 'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 2.0.7\n' }, 'release', { orphan: true });
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(statuses(result)).toEqual([
      'promotion::clone:Succeeded',
      'promotion::read-version:Succeeded',
      'promotion::step-3:Succeeded',
      'promotion::commit:Succeeded',
      'promotion::push:Succeeded',
      'promotion::output:Succeeded',
      'notify:Succeeded'
    ]);
    const head = branchHead(bare, 'release');
    expect(readAt(bare, 'release', 'Chart.yaml')).toBe('apiVersion: v2\nname: app\nversion: 2.1.0\n');
    expect(commitMessage(bare, 'release')).toBe('bump to 2.1.0');
    expect(result.state.promotion).toEqual({ commit: head, branch: 'release' });
    expect(result.state['promotion::output']).toEqual({ commit: head, branch: 'release' });
    expect(result.state.notify).toEqual({ text: `New commit: ${head} on release` });
  });

  it('refuses a task step whose required var is missing', async () => {
    const steps = `
kind: PromotionTask
metadata: {name: needs-repo}
spec:
  vars:
  - name: repoURL
  steps:
  - uses: compose-output
    config: {url: "\${{ vars.repoURL }}"}
---
steps:
- task: {name: needs-repo}
`;
    await expect(promote(steps)).rejects.toThrow(/repoURL/);
  });
});

describe('conditional steps: if, always(), failure(), success(), status(), continueOnError', () => {
  const ok = (alias: string, extra = '') => `- uses: compose-output\n  as: ${alias}\n${extra}  config: {ran: true}\n`;
  const failing = (alias: string, extra = '') => `- uses: fail\n  as: ${alias}\n${extra}  config: {message: "${alias} failed"}\n`;
  // copy of a missing file is an ordinary (retryable) error: Errored
  const erroring = (alias: string, extra = '') => `- uses: copy\n  as: ${alias}\n${extra}  config: {inPath: ./missing, outPath: ./x}\n`;

  it.each([
    [
      'all succeed',
      ok('a') + ok('b', '  if: ${{ always() }}\n') + ok('c', '  if: ${{ failure() }}\n') + ok('d', '  if: ${{ success() }}\n'),
      ['a:Succeeded', 'b:Succeeded', 'c:Skipped', 'd:Succeeded'],
      'Succeeded'
    ],
    [
      'the first fails',
      failing('a') + ok('b', '  if: ${{ always() }}\n') + ok('c', '  if: ${{ failure() }}\n') + ok('d', '  if: ${{ success() }}\n'),
      ['a:Failed', 'b:Succeeded', 'c:Succeeded', 'd:Skipped'],
      'Failed'
    ],
    [
      'status() of an errored step',
      erroring('my-step') + ok('b', '  if: ${{ always() }}\n') + ok('c', '  if: ${{ failure() }}\n') + ok('d', "  if: ${{ status('my-step') == 'Errored' }}\n"),
      ['my-step:Errored', 'b:Succeeded', 'c:Succeeded', 'd:Succeeded'],
      'Errored'
    ],
    [
      'continueOnError hides the failure from failure()/success() and the phase',
      failing('a', '  continueOnError: true\n') + ok('b', '  if: ${{ always() }}\n') + ok('c', '  if: ${{ failure() }}\n') + ok('d', '  if: ${{ success() }}\n'),
      ['a:Failed', 'b:Succeeded', 'c:Skipped', 'd:Succeeded'],
      'Succeeded'
    ],
    [
      'no if: runs after a continueOnError failure',
      ok('a') + failing('b', '  continueOnError: true\n') + ok('c') + ok('d'),
      ['a:Succeeded', 'b:Failed', 'c:Succeeded', 'd:Succeeded'],
      'Succeeded'
    ],
    [
      'no if: skipped after a failure',
      failing('a') + ok('b'),
      ['a:Failed', 'b:Skipped'],
      'Failed'
    ]
  ])('%s', async (_name, steps, expected, phase) => {
    const result = await promote(steps);
    expect(statuses(result)).toEqual(expected);
    expect(result.status).toBe(phase);
  });

  it('the fail step message and a skipped step leave no output', async () => {
    const result = await promote(failing('a') + ok('b'));
    expect(result.message).toContain('a failed');
    expect(result.state).not.toHaveProperty('b');
  });
});

describe('http: expressions against a local server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHttpServer((req, res) => {
      if (req.url === '/status') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'completed', facts: ['cats sleep', 'cats purr'] }));
      } else if (req.url === '/failed') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'failed' }));
      } else if (req.url === '/config.yaml') {
        res.setHeader('content-type', 'text/plain');
        res.end('version: "2.0"\nfeatures:\n  - name: feature-a\n    enabled: true\n  - name: feature-b\n    enabled: false\n');
      } else if (req.url === '/post') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: true, echo: JSON.parse(req.body.toString() || 'null') }));
      } else if (req.url === '/bad' || req.url === '/down') {
        res.statusCode = req.url === '/bad' ? 422 : 500;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ message: 'database is down' }));
      } else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  });
  afterAll(() => server.close());

  it('succeeds on successExpression with a pre-evaluated var and exposes outputs', async () => {
    const steps = `
vars:
- name: expectedStatus
  value: completed
steps:
- uses: http
  as: cat-facts
  config:
    method: GET
    url: ${server.url}/status
    successExpression: response.body.status == '\${{ vars.expectedStatus }}'
    failureExpression: response.body.status == 'failed'
    outputs:
    - name: status
      fromExpression: response.status
    - name: fact1
      fromExpression: response.body.facts[0]
    - name: fact2
      fromExpression: response.body.facts[1]
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(result.state['cat-facts']).toEqual({ status: 200, fact1: 'cats sleep', fact2: 'cats purr' });
  });

  it('fails on failureExpression', async () => {
    const steps = `
steps:
- uses: http
  config:
    url: ${server.url}/failed
    successExpression: response.body.status == 'completed'
    failureExpression: response.body.status == 'failed'
`;
    const result = await promote(steps);
    expect(result.status).toBe('Failed');
    expect(result.message).toContain('HTTP (200) response met failure criteria');
  });

  it('posts a quote()d JSON body built from vars, with a secret header', async () => {
    const steps = `
vars:
- name: slackChannel
  value: C123456
steps:
- uses: http
  as: post
  config:
    method: POST
    url: ${server.url}/post
    headers:
    - name: Authorization
      value: Bearer \${{ secret('slack').token }}
    - name: Content-Type
      value: application/json
    body: |
      \${{ quote({
        "channel": vars.slackChannel,
        "blocks": [
          {
            "type": "section",
            "text": {
              "type": "mrkdwn",
              "text": "Hi *_fancy_*"
            }
          }
        ]
      }) }}
    outputs:
    - name: echo
      fromExpression: response.body.echo
`;
    const result = await promote(steps, { secrets: { slack: { token: 'xoxb-123' } } });
    expect(result.message).toBe('');
    const request = server.requests.find((r) => r.url === '/post');
    expect(request?.headers['authorization']).toBe('Bearer xoxb-123');
    expect(JSON.parse(request!.body.toString())).toEqual({
      channel: 'C123456',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi *_fancy_*' } }]
    });
    expect(result.state.post).toEqual({ echo: JSON.parse(request!.body.toString()) });
  });

  it('parses a YAML body when responseContentType says so', async () => {
    const steps = `
steps:
- uses: http
  as: config-fetch
  config:
    method: GET
    url: ${server.url}/config.yaml
    responseContentType: application/yaml
    successExpression: response.status == 200
    outputs:
    - name: version
      fromExpression: response.body.version
    - name: features
      fromExpression: response.body.features
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(result.state['config-fetch']).toEqual({
      version: '2.0',
      features: [
        { name: 'feature-a', enabled: true },
        { name: 'feature-b', enabled: false }
      ]
    });
  });

  it('reports the errorExpression message when the failure criteria are met', async () => {
    const steps = `
steps:
- uses: http
  config:
    url: ${server.url}/bad
    successExpression: response.status == 200
    failureExpression: response.status >= 400 && response.status < 500
    errorExpression: response.body?.message ?? response.body?.error
`;
    const result = await promote(steps);
    expect(result.status).toBe('Failed');
    expect(result.message).toContain('HTTP (422) response met failure criteria: "database is down"');
  });

  it('keeps polling a 5xx that meets neither criterion (Kargo: Running), until the step timeout', async () => {
    const steps = `
steps:
- uses: http
  retry: {timeout: 200ms}
  config:
    url: ${server.url}/down
    pollInterval: 20ms
    successExpression: response.status == 200
    failureExpression: response.status >= 400 && response.status < 500
    errorExpression: response.body?.message
`;
    const seen: string[] = [];
    const result = await promote(steps, { events: { onStepAttempt: async (_s, _a, r) => void seen.push(r.status) } });
    expect(seen[0]).toBe('Running');
    expect(result.status).toBe('Errored');
    // The deadline cut the request in flight: the message names the timeout, not the abort.
    expect(result.message).toBe('step "step-1" timed out after 200ms');
  });
});

describe('expressions reference examples', () => {
  it('numbers, quote(), unsafeQuote(), objects and the two delimiters', async () => {
    const steps = `
vars:
- {name: numVar, value: "42"}
steps:
- uses: compose-output
  as: values
  config:
    message: \${{ "Hello, world!" }}
    numField: \${{ 40 + 2 }}
    strField: \${{ quote(40 + 2) }}
    rawField: \${{ quote("string") }}
    unsafeNum: \${{ unsafeQuote(40 + 2) }}
    unsafeRaw: \${{ unsafeQuote("string") }}
    jsonObject: '\${% {"labels": {"app": "nginx"}} %}'
    mixed: foo \${{ "hello" }} and \${% 'bar' %}
    stagePath: stage/\${{ ctx.stage }}
    fromVar: \${{ vars.numVar }}
    nested: \${{ stageMetadata(ctx.stage)?.config?.settings?.timeoutSeconds ?? 300 }}
    semver: \${{ semverParse('1.4.2').IncMinor().String() }}
    diff: \${{ semverDiff('1.1.1', '1.2.2') }}
    wh: \${{ warehouse('fake-warehouse') }}
    yaml: "\${{ asYAML({ 'foo': 'bar', 'count': 2 }) }}"
    json: "\${{ asJSON({ 'foo': 'bar', 'count': 2 }) }}"
`;
    const result = await promote(steps, { stage: 'test' });
    expect(result.message).toBe('');
    expect(result.state.values).toEqual({
      message: 'Hello, world!',
      numField: 42,
      strField: '42',
      rawField: 'string',
      unsafeNum: '42', // the outer quotes unsafeQuote adds are stripped again: the string 42
      unsafeRaw: '"string"',
      jsonObject: { labels: { app: 'nginx' } },
      mixed: 'foo hello and bar',
      stagePath: 'stage/test',
      fromVar: 42,
      nested: 300,
      semver: '1.5.0',
      diff: 'Minor',
      wh: { kind: 'Warehouse', name: 'fake-warehouse' },
      yaml: 'count: 2\nfoo: bar\n',
      json: '{\n  "count": 2,\n  "foo": "bar"\n}\n'
    });
  });

  it('refuses the unquoted object example, as Go YAML does (": " inside a plain scalar) [doc≠YAML]', async () => {
    await expect(promote('- uses: compose-output\n  config:\n    jsonData: ${% {"labels": {"app": "nginx"}} %}\n')).rejects.toThrow(/invalid YAML/);
  });

  it('writes asYAML() of a parsed document with file-write', async () => {
    const workDir = makeTempDir();
    const steps = `
steps:
- uses: file-write
  config:
    path: ./in/app.json
    contents: '{"replicas": 3, "image": {"tag": "v1"}}'
- uses: json-parse
  as: read-config
  config:
    path: ./in/app.json
    outputs:
    - name: appConfig
      fromExpression: image
- uses: file-write
  config:
    path: ./out/config.yaml
    contents: \${{ asYAML(outputs['read-config'].appConfig) }}
- uses: file-write
  config:
    path: ./out/config.json
    contents: \${{ asJSON(outputs['read-config'].appConfig) }}
`;
    const result = await promote(steps, { workDir });
    expect(result.message).toBe('');
    expect(readFileSync(path.join(workDir, 'out/config.yaml'), 'utf8')).toBe('tag: v1\n');
    expect(readFileSync(path.join(workDir, 'out/config.json'), 'utf8')).toBe('{\n  "tag": "v1"\n}\n');
  });

  it('refuses checkout[].fromFreight from the old expressions example [doc≠code]', async () => {
    const steps = `
steps:
- uses: git-clone
  config:
    repoURL: https://github.com/example/repo.git
    checkout:
    - fromFreight: true
      path: ./src
`;
    await expect(promote(steps)).rejects.toThrow(/fromFreight/);
  });
});

describe('regressions found by these templates', () => {
  // A runner that waits on its signal, as network and git steps do, and reports the abort.
  const hanging: StepRunner = {
    name: 'hang',
    effects: 'local',
    run: (ctx) =>
      new Promise<StepResult>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve({ status: 'Errored', error: new Error('This operation was aborted') }), { once: true })
      )
  };

  it('a step timeout that cuts an attempt in flight is reported as the timeout', async () => {
    const result = await promote('- {uses: hang, as: h, retry: {timeout: 30ms}}', { runners: [hanging] });
    expect(result.status).toBe('Errored');
    expect(result.message).toBe('step "h" timed out after 30ms');
  });

  it('a step timeout keeps the last error of earlier attempts', async () => {
    let n = 0;
    const flaky: StepRunner = {
      ...hanging,
      run: async (ctx) => (++n === 1 ? { status: 'Errored', error: new Error('502 Bad Gateway') } : hanging.run(ctx))
    };
    const result = await promote('- {uses: hang, as: h, retry: {timeout: 30ms, errorThreshold: 5}}', { runners: [flaky] });
    expect(result.message).toBe('step "h" timed out after 30ms; last error: 502 Bad Gateway');
  });
});

describe('structured-file updates: the documented key forms', () => {
  it('yaml-update, json-update and toml-update with nested, escaped-dot and index keys', async () => {
    const workDir = makeTempDir();
    const files: Record<string, string> = {
      'src/values.yaml': 'image:\n  tag: v1.0.0\nexample.com/version: v1.0.0\ncontainers:\n- name: my-app\n  image: my-app:v1.0\n',
      'src/settings.json': '{\n  "image": {\n    "tag": "v1.0.0"\n  },\n  "example.com/version": "v1.0.0",\n  "containers": [\n    { "name": "my-app", "image": "my-app:v1.0" }\n  ]\n}\n',
      'src/settings.toml': '[package]\nversion = "1.0.0"\n\n[labels]\n"example.com/version" = "1.0.0"\n\nvalues = [1, 2, 3]\n'
    };
    for (const [rel, text] of Object.entries(files)) {
      const full = path.join(workDir, rel);
      execFileSync('mkdir', ['-p', path.dirname(full)]);
      execFileSync('tee', [full], { input: text, stdio: ['pipe', 'ignore', 'ignore'] });
    }
    const steps = `
steps:
- uses: yaml-update
  as: yaml
  config:
    path: ./src/values.yaml
    updates:
    - key: image.tag
      value: \${{ imageFrom("my/image").Tag }}
    - key: example\\.com/version
      value: \${{ imageFrom("my/image").Tag }}
    - key: containers.0.image
      value: my-app:\${{ imageFrom("my/image").Tag }}
- uses: json-update
  as: json
  config:
    path: ./src/settings.json
    updates:
    - key: image.tag
      value: \${{ imageFrom("my/image").Tag }}
    - key: example\\.com/version
      value: \${{ imageFrom("my/image").Tag }}
    - key: containers.0.image
      value: my-app:\${{ imageFrom("my/image").Tag }}
- uses: toml-update
  as: toml
  config:
    path: ./src/settings.toml
    updates:
    - key: package.version
      value: "2.0.0"
    - key: labels.example\\.com/version
      value: \${{ quote("2.0.0") }}
    - key: labels.values.1
      value: 20
`;
    const result = await promote(steps, {
      workDir,
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'w' }, images: [{ repoURL: 'my/image', tag: 'v2.0.0' }] }])
    });
    expect(result.message).toBe('');
    const read = (rel: string) => readFileSync(path.join(workDir, rel), 'utf8');
    expect(read('src/values.yaml')).toBe('image:\n  tag: v2.0.0\nexample.com/version: v2.0.0\ncontainers:\n- name: my-app\n  image: my-app:v2.0.0\n');
    expect(JSON.parse(read('src/settings.json'))).toEqual({
      image: { tag: 'v2.0.0' },
      'example.com/version': 'v2.0.0',
      containers: [{ name: 'my-app', image: 'my-app:v2.0.0' }]
    });
    expect(read('src/settings.json')).toContain('"tag": "v2.0.0"\n  },\n  "example.com/version": "v2.0.0",');
    expect(read('src/settings.toml')).toBe('[package]\nversion = "2.0.0"\n\n[labels]\n"example.com/version" = "2.0.0"\n\nvalues = [1, 20, 3]\n');
    expect(result.state.yaml).toEqual({
      commitMessage: 'Updated ./src/values.yaml\n\n- image.tag: v2.0.0\n- example\\.com/version: v2.0.0\n- containers.0.image: my-app:v2.0.0'
    });
  });
});

describe('delete and yaml-merge as documented', () => {
  it('deletes literal paths and strict globs', async () => {
    const workDir = makeTempDir();
    const steps = `
steps:
- uses: file-write
  config: {path: ./out/unwanted/file, contents: x}
- uses: file-write
  config: {path: ./out/tmp/a, contents: x}
- uses: file-write
  config: {path: ./out/build.log, contents: x}
- uses: file-write
  config: {path: ./out/deep/er/x.tmp, contents: x}
- uses: file-write
  config: {path: ./out/y.tmp, contents: x}
- uses: file-write
  config: {path: ./out/build/artifact, contents: x}
- uses: file-write
  config: {path: ./out/keep.yaml, contents: x}
- uses: delete
  config:
    paths:
    - ./out/unwanted/file
    - ./out/tmp
    - ./out/build.log
- uses: delete
  config:
    paths:
    - ./out/**/*.tmp
    - ./out/build/
    pathsAreGlobs: true
    strict: true
- uses: delete
  as: strict-miss
  continueOnError: true
  config:
    paths: [./out/**/*.bak]
    pathsAreGlobs: true
    strict: true
`;
    const result = await promote(steps, { workDir });
    const left = execFileSync('find', ['out', '-type', 'f'], { cwd: workDir, encoding: 'utf8' }).trim().split('\n').sort();
    expect(left).toEqual(['out/keep.yaml']);
    expect(result.steps.at(-1)).toMatchObject({ alias: 'strict-miss', status: 'Errored' });
    expect(result.status).toBe('Succeeded');
  });

  it('merges three values files, the later ones winning', async () => {
    const workDir = makeTempDir();
    const steps = `
steps:
- uses: file-write
  config: {path: ./src/charts/my-chart/values.yaml, contents: "service:\\n  enabled: false\\n"}
- uses: file-write
  config: {path: ./src/charts/qa/values.yaml, contents: "service:\\n  enabled: true\\n"}
- uses: file-write
  config: {path: ./src/charts/qa/cluster-a/values.yaml, contents: "service:\\n  type: LoadBalancer\\n"}
- uses: yaml-merge
  config:
    inFiles:
    - ./src/charts/my-chart/values.yaml
    - ./src/charts/qa/values.yaml
    - ./src/charts/qa/cluster-a/values.yaml
    outFile: ./out/charts/my-chart/values.yaml
`;
    const result = await promote(steps, { workDir });
    expect(result.message).toBe('');
    expect(readFileSync(path.join(workDir, 'out/charts/my-chart/values.yaml'), 'utf8')).toBe('service:\n  enabled: true\n  type: LoadBalancer\n');
  });
});

describe('yaml-parse / json-parse outputs feeding later steps', () => {
  it('reads image.tag from values and a config per stage', async () => {
    const workDir = makeTempDir();
    const steps = `
steps:
- uses: file-write
  config: {path: ./src/charts/my-chart/values.yaml, contents: "image:\\n  tag: \\"v1.2.3\\"\\n"}
- uses: file-write
  config: {path: ./src/config.json, contents: '{"image": {"tag": "v1.2.3"}}'}
- uses: file-write
  config:
    path: ./src/apps.yaml
    contents: "apps:\\n  test:\\n    replicas: 2\\n  prod:\\n    replicas: 5\\n"
- uses: yaml-parse
  as: values
  config:
    path: './src/charts/my-chart/values.yaml'
    outputs:
    - name: imageTag
      fromExpression: image.tag
- uses: json-parse
  as: json
  config:
    path: './src/config.json'
    outputs:
    - name: imageTag
      fromExpression: image.tag
- uses: yaml-parse
  as: read-config
  config:
    path: ./src/apps.yaml
    outputs:
    # ctx is not in the parse environment; the stage goes in by pre-evaluation.
    - name: appConfig
      fromExpression: apps['\${{ ctx.stage }}']
- uses: file-write
  config:
    path: ./out/app-config.yaml
    contents: \${{ asYAML(outputs['read-config'].appConfig) }}
    overwrite: true
`;
    const result = await promote(steps, { workDir, stage: 'prod' });
    expect(result.message).toBe('');
    expect(result.state.values).toEqual({ imageTag: 'v1.2.3' });
    expect(result.state.json).toEqual({ imageTag: 'v1.2.3' });
    expect(readFileSync(path.join(workDir, 'out/app-config.yaml'), 'utf8')).toBe('replicas: 5\n');
  });
});

describe('charts from a local chart repository', () => {
  let charts: TestServer;
  const archive = (version: string) => {
    const dir = makeTempDir();
    execFileSync('mkdir', ['-p', path.join(dir, 'mychart')]);
    execFileSync('tee', [path.join(dir, 'mychart', 'Chart.yaml')], {
      input: `apiVersion: v2\nname: mychart\nversion: ${version}\n`,
      stdio: ['pipe', 'ignore', 'ignore']
    });
    execFileSync('tar', ['-czf', path.join(dir, 'out.tgz'), '-C', dir, 'mychart']);
    return readFileSync(path.join(dir, 'out.tgz'));
  };
  const archives = new Map<string, Buffer>();
  beforeAll(async () => {
    archives.set('/charts/mychart-1.0.0.tgz', archive('1.0.0'));
    archives.set('/charts/mychart-1.2.0.tgz', archive('1.2.0'));
    charts = await startHttpServer((req, res) => {
      if (req.url === '/charts/index.yaml') {
        res.setHeader('content-type', 'application/yaml');
        res.end(
          'apiVersion: v1\nentries:\n  mychart:\n' +
            ['1.2.0', '1.0.0'].map((v) => `  - apiVersion: v2\n    name: mychart\n    version: ${v}\n    urls:\n    - mychart-${v}.tgz\n`).join('')
        );
        return;
      }
      const data = archives.get(req.url);
      if (data) res.setHeader('content-type', 'application/gzip').end(data);
      else res.writeHead(404).end();
    });
  });
  afterAll(() => charts.close());

  it('updates an umbrella chart to the Freight version, then unpacks it (untar doc)', async () => {
    const chartRepo = `${charts.url}/charts`;
    const { bare } = bareRepo({
      'umbrella/Chart.yaml': `apiVersion: v2\nname: umbrella\nversion: 0.1.0\ndependencies:\n- name: mychart\n  repository: ${chartRepo}\n  version: 1.0.0\n`
    });
    const steps = `
vars:
- name: gitRepo
  value: ${bare}
- name: chartRepo
  value: ${chartRepo}
- name: chartName
  value: mychart
steps:
- uses: git-clone
  config:
    checkout:
      - branch: main
        path: ./target
    repoURL: \${{ vars.gitRepo }}
- uses: helm-update-chart
  as: update
  config:
    path: ./target/umbrella
    charts:
    - repository: \${{ vars.chartRepo }}
      name: \${{ vars.chartName }}
      version: \${{ chartFrom(vars.chartRepo, vars.chartName).Version }}
- as: deleteFormerChart
  uses: delete
  config:
    path: ./target/umbrella/charts/\${{ vars.chartName }}
- as: untar
  uses: untar
  config:
    inPath: ./target/umbrella/charts/\${{ vars.chartName }}-\${{ chartFrom(vars.chartRepo, vars.chartName).Version }}.tgz
    outPath: ./target/umbrella/charts/\${{ vars.chartName }}
- as: deleteTgz
  uses: delete
  config:
    path: ./target/umbrella/charts/\${{ vars.chartName }}-\${{ chartFrom(vars.chartRepo, vars.chartName).Version }}.tgz
- uses: git-commit
  config:
    path: ./target
    message: \${{ outputs.update.commitMessage }}
- uses: git-push
  config: {path: ./target}
`;
    const result = await promote(steps, {
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'charts' }, charts: [{ repoURL: chartRepo, name: 'mychart', version: '1.2.0' }] }])
    });
    expect(result.message).toBe('');
    expect(result.state.update).toEqual({ commitMessage: 'Updated chart dependencies for ./target/umbrella\n\n- mychart: 1.2.0' });
    expect(readAt(bare, 'main', 'umbrella/Chart.yaml')).toContain('  version: 1.2.0\n');
    // No stripComponents in the documented example: the archive's top directory stays.
    expect(filesAt(bare, 'main').filter((f) => f.includes('/charts/'))).toEqual(['umbrella/charts/mychart/mychart/Chart.yaml']);
  });

  it('downloads the chart archive with http-download and unpacks it', async () => {
    const chartRepo = `${charts.url}/charts`;
    const workDir = makeTempDir();
    const steps = `
vars:
- name: chartRepo
  value: ${chartRepo}
- name: chartName
  value: mychart
steps:
- uses: http-download
  as: fetch-chart
  config:
    url: ${chartRepo}/\${{ vars.chartName }}-\${{ chartFrom(vars.chartRepo, vars.chartName).Version }}.tgz
    outPath: charts/\${{ vars.chartName }}.tgz
    headers:
    - name: Accept
      value: application/gzip
    allowOverwrite: true
- as: extract-chart
  uses: untar
  config:
    inPath: charts/\${{ vars.chartName }}.tgz
    outPath: charts/\${{ vars.chartName }}
    stripComponents: 1
`;
    const result = await promote(steps, {
      workDir,
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'charts' }, charts: [{ repoURL: chartRepo, name: 'mychart', version: '1.2.0' }] }])
    });
    expect(result.message).toBe('');
    expect(readFileSync(path.join(workDir, 'charts/mychart/Chart.yaml'), 'utf8')).toBe('apiVersion: v2\nname: mychart\nversion: 1.2.0\n');
  });
});

describe('compose-output inside a task, then a quote()d http body', () => {
  let hook: TestServer;
  beforeAll(async () => {
    hook = await startHttpServer((_req, res) => res.setHeader('content-type', 'application/json').end('{"ok":true}'));
  });
  afterAll(() => hook.close());

  it('builds a PR link from task outputs and posts it', async () => {
    const steps = `
kind: PromotionTask
metadata: {name: notify}
spec:
  vars:
  - name: repoURL
    value: https://github.com/example/repo
  - name: hookURL
  steps:
  - uses: compose-output
    as: open-pr
    config:
      pr: {id: 42}
  - uses: compose-output
    as: pr-link
    config:
      url: \${{ vars.repoURL }}/pull/\${{ task.outputs['open-pr'].pr.id }}
  - uses: http
    config:
      method: POST
      url: \${{ vars.hookURL }}
      headers:
      - name: Authorization
        value: Bearer \${{ secret('slack').token }}
      - name: Content-Type
        value: application/json
      body: |
        \${{ quote({
          "channel": "C123456",
          "blocks": [
            {
              "type": "section",
              "text": {
                "type": "mrkdwn",
                "text": "A new PR has been opened: " + task.outputs['pr-link'].url
              }
            }
          ]
        }) }}
---
steps:
- task: {name: notify}
  as: n
  vars:
  - {name: hookURL, value: "${'${{ vars.base }}'}/hook"}
vars:
- {name: base, value: "http://127.0.0.1:0"}
`;
    const result = await promote(steps, { vars: { base: hook.url }, secrets: { slack: { token: 't0k' } } });
    expect(result.message).toBe('');
    const body = JSON.parse(hook.requests[0]!.body.toString());
    expect(body.blocks[0].text.text).toBe('A new PR has been opened: https://github.com/example/repo/pull/42');
    expect(hook.requests[0]!.url).toBe('/hook');
    expect(result.state['n::pr-link']).toEqual({ url: 'https://github.com/example/repo/pull/42' });
  });
});

describe('more template patterns', () => {
  it('a push after someone else advanced the branch rebases onto it (AlwaysRebase)', async () => {
    const { bare } = bareRepo({ 'values.yaml': 'tag: a\n', 'other.txt': '1\n' });
    let theirs = '';
    const steps = `
steps:
- uses: git-clone
  as: clone
  config:
    repoURL: ${bare}
    checkout: [{branch: main, path: ./out}]
- uses: yaml-update
  config: {path: ./out/values.yaml, updates: [{key: tag, value: b}]}
- uses: git-commit
  as: commit
  config: {path: ./out, message: set tag b}
- uses: git-push
  as: push
  config: {path: ./out}
`;
    const result = await promote(steps, {
      events: {
        onStepAttempt: async (step) => {
          if (step.alias === 'commit') theirs = commitToBare(bare, 'main', { 'other.txt': '2\n' }, 'someone else');
        }
      }
    });
    expect(result.message).toBe('');
    const head = branchHead(bare, 'main') as string;
    expect(git(bare, ['log', '--format=%s', 'main'])).toBe('set tag b\nsomeone else\nseed main');
    expect(git(bare, ['rev-parse', 'main^'])).toBe(theirs);
    expect(readAt(bare, 'main', 'values.yaml')).toBe('tag: b\n');
    expect(readAt(bare, 'main', 'other.txt')).toBe('2\n');
    // The push output names the rebased commit actually pushed.
    expect(result.state.push).toMatchObject({ branch: 'main', commit: head });
  });

  it('git-commit with nothing to commit outputs the current head; the push is a no-op', async () => {
    const { bare, head } = bareRepo({ 'values.yaml': 'tag: a\n' });
    const steps = `
steps:
- uses: git-clone
  config:
    repoURL: ${bare}
    checkout: [{branch: main, path: ./out}]
- uses: yaml-update
  config: {path: ./out/values.yaml, updates: [{key: tag, value: a}]}
- uses: git-commit
  as: commit
  config: {path: ./out, message: nothing}
- uses: git-push
  as: push
  config: {path: ./out}
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(result.state.commit).toEqual({ commit: head });
    expect(result.state.push).toMatchObject({ branch: 'main', commit: head });
    expect(branchHead(bare, 'main')).toBe(head);
  });

  it('global vars build on earlier vars and ctx; step vars read outputs and override globals', async () => {
    const steps = `
vars:
- {name: base, value: "https://git.example.com/org"}
- {name: gitRepo, value: "\${{ vars.base }}/app.git"}
- {name: targetBranch, value: "stage/\${{ ctx.stage }}"}
- {name: flag, value: "true"}
steps:
- uses: compose-output
  as: step1
  config: {someOutput: from-step1, n: 7}
- uses: compose-output
  as: step2
  vars:
  - {name: var1, value: "\${{ outputs.step1.someOutput }}"}
  - {name: targetBranch, value: "override-\${{ outputs.step1.n }}"}
  - {name: both, value: "\${{ vars.var1 }}+\${{ vars.gitRepo }}"}
  config:
    var1: \${{ vars.var1 }}
    branch: \${{ vars.targetBranch }}
    both: \${{ vars.both }}
    flag: \${{ vars.flag }}
    # vars stay strings inside expressions (Kargo: "true" is not a bool until a config coerces it)
    notFlag: \${{ vars.flag != 'true' }}
- uses: compose-output
  as: step3
  config:
    branch: \${{ vars.targetBranch }}
    repo: \${{ vars.gitRepo }}
`;
    const result = await promote(steps, { stage: 'uat' });
    expect(result.message).toBe('');
    expect(result.state.step2).toEqual({
      var1: 'from-step1',
      branch: 'override-7',
      both: 'from-step1+https://git.example.com/org/app.git',
      flag: true,
      notFlag: false
    });
    expect(result.state.step3).toEqual({ branch: 'stage/uat', repo: 'https://git.example.com/org/app.git' });
  });

  it('task steps gated by a task var, and status() inside a task', async () => {
    const steps = `
kind: PromotionTask
metadata: {name: maybe-notify}
spec:
  vars:
  - name: notify
    value: "false"
  steps:
  - uses: compose-output
    as: first
    config: {ok: true}
  - uses: compose-output
    as: note
    if: \${{ vars.notify }}
    config: {sent: true}
  - uses: compose-output
    as: report
    if: \${{ always() }}
    config:
      first: \${{ status('first') }}
      note: \${{ status('note') }}
---
steps:
- task: {name: maybe-notify}
  as: quiet
- task: {name: maybe-notify}
  as: loud
  vars: [{name: notify, value: "true"}]
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(statuses(result)).toEqual([
      'quiet::first:Succeeded',
      'quiet::note:Skipped',
      'quiet::report:Succeeded',
      'loud::first:Succeeded',
      'loud::note:Succeeded',
      'loud::report:Succeeded'
    ]);
    expect(result.state['quiet::report']).toEqual({ first: 'Succeeded', note: 'Skipped' });
    expect(result.state['loud::report']).toEqual({ first: 'Succeeded', note: 'Succeeded' });
  });

  it('Freight functions: a tag commit, image digest, targetFreight and warehouse origins', async () => {
    const { bare } = createBareRepoWithTag();
    const steps = `
vars:
- {name: gitRepo, value: "${bare}"}
steps:
- uses: git-clone
  config:
    repoURL: \${{ vars.gitRepo }}
    checkout:
    - {tag: "\${{ commitFrom(vars.gitRepo).Tag }}", path: ./src}
- uses: compose-output
  as: info
  config:
    tag: \${{ commitFrom(vars.gitRepo).Tag }}
    digest: \${{ imageFrom("ghcr.io/example/app", warehouse("images")).Digest }}
    target: \${{ ctx.targetFreight.name }}
    origin: \${{ ctx.targetFreight.origin.name }}
    alias: \${{ ctx.targetFreight.alias ?? "none" }}
    version: \${{ quote(imageFrom("ghcr.io/example/app").Tag) }}
`;
    const result = await promote(steps, {
      freightText: freightYaml([
        { name: 'f-code', alias: 'gentle-otter', origin: { kind: 'Warehouse', name: 'code' }, commits: [{ repoURL: bare, tag: 'v1.0.0', id: tagTarget(bare, 'v1.0.0') }] },
        { name: 'f-images', origin: { kind: 'Warehouse', name: 'images' }, images: [{ repoURL: 'ghcr.io/example/app', tag: '1.10', digest: 'sha256:abc' }] }
      ])
    });
    expect(result.message).toBe('');
    expect(readFileSync(path.join(result.workDir, 'src/version.txt'), 'utf8')).toBe('1.0.0\n');
    expect(result.state.info).toEqual({
      tag: 'v1.0.0',
      digest: 'sha256:abc',
      target: 'f-code',
      origin: 'code',
      alias: 'gentle-otter',
      version: '1.10'
    });
  });
});

function createBareRepoWithTag() {
  const bare = createBareRepo(path.join(makeTempDir('kargo-docs-'), 'repo.git'), {
    branches: { main: { 'version.txt': '1.0.0\n' } },
    tags: { 'v1.0.0': 'main' }
  });
  commitToBare(bare, 'main', { 'version.txt': '2.0.0-dev\n' }, 'next');
  return { bare };
}

describe('the quickstart layout: Project, Secret, Warehouse, a PromotionTask and three Stages in one file', () => {
  it('runs the uat Stage through the shared task', async () => {
    const { bare } = bareRepo({
      'base/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- deploy.yaml\n',
      'base/deploy.yaml': 'kind: Deployment\n',
      'stages/uat/kustomization.yaml': 'resources:\n- ../../base\n'
    });
    const stage = (name: string, sources: string) => `---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
  namespace: kargo-demo
spec:
  requestedFreight:
  - origin:
      kind: Warehouse
      name: kargo-demo
    sources:
      ${sources}
  promotionTemplate:
    spec:
      steps:
      - task:
          name: demo-promo-process
        as: promo-process
`;
    const file = `apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: kargo-demo
---
apiVersion: v1
kind: Secret
type: Opaque
metadata:
  name: kargo-demo-repo
  namespace: kargo-demo
  labels:
    kargo.akuity.io/cred-type: git
stringData:
  repoURL: ${bare}
  username: someone
  password: not-used
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata:
  name: kargo-demo
  namespace: kargo-demo
spec:
  subscriptions:
  - image:
      repoURL: public.ecr.aws/nginx/nginx
      constraint: ^1.29.0
      discoveryLimit: 5
---
apiVersion: kargo.akuity.io/v1alpha1
kind: PromotionTask
metadata:
  name: demo-promo-process
  namespace: kargo-demo
spec:
  vars:
  - name: gitopsRepo
    value: ${bare}
  - name: imageRepo
    value: public.ecr.aws/nginx/nginx
  steps:
  - uses: git-clone
    config:
      repoURL: \${{ vars.gitopsRepo }}
      checkout:
      - branch: main
        path: ./src
      - branch: stage/\${{ ctx.stage }}
        create: true
        path: ./out
  - uses: git-clear
    config:
      path: ./out
  - uses: kustomize-set-image
    as: update
    config:
      path: ./src/base
      images:
      - image: \${{ vars.imageRepo }}
        tag: \${{ imageFrom(vars.imageRepo).Tag }}
  # kustomize-build needs the kustomize binary; a copy stands in for the render
  - uses: copy
    config:
      inPath: ./src/base
      outPath: ./out/rendered
  - uses: git-commit
    as: commit
    config:
      path: ./out
      message: \${{ task.outputs.update.commitMessage }}
  - uses: git-push
    config:
      path: ./out
  - uses: compose-output
    as: revision
    config:
      desiredRevision: \${{ task.outputs.commit.commit }}
${stage('test', 'direct: true')}${stage('uat', 'stages:\n      - test')}${stage('prod', 'stages:\n      - uat')}`;
    const result = await promote(file, {
      stage: 'uat',
      freightText: freightYaml([{ origin: { kind: 'Warehouse', name: 'kargo-demo' }, images: [{ repoURL: 'public.ecr.aws/nginx/nginx', tag: '1.29.1' }] }])
    });
    expect(result.message).toBe('');
    expect(result.steps.map((s) => s.alias)).toEqual([
      'promo-process::step-1',
      'promo-process::step-2',
      'promo-process::update',
      'promo-process::step-4',
      'promo-process::commit',
      'promo-process::step-6',
      'promo-process::revision'
    ]);
    const head = branchHead(bare, 'stage/uat');
    expect(result.state['promo-process::revision']).toEqual({ desiredRevision: head });
    expect(commitMessage(bare, 'stage/uat')).toBe('Updated ./src/base to use new image\n\n- public.ecr.aws/nginx/nginx:1.29.1');
    expect(readAt(bare, 'stage/uat', 'rendered/kustomization.yaml')).toContain('newTag: 1.29.1');
    expect(branchHead(bare, 'stage/test')).toBeUndefined();
  });
});

describe('http-download as documented', () => {
  let files: TestServer;
  beforeAll(async () => {
    files = await startHttpServer((req, res) => {
      if (req.url?.startsWith('/releases/source.zip')) res.end(`zip for ${req.url}`);
      else if (req.url === '/config/app.yaml') res.end('replicas: 3\n');
      else res.writeHead(404).end();
    });
  });
  afterAll(() => files.close());

  it('downloads with query params and a secret header, and refuses to overwrite unless allowed', async () => {
    const workDir = makeTempDir();
    const steps = `
vars:
- {name: version, value: "1.2.3"}
steps:
- uses: http-download
  as: fetch-config
  config:
    url: ${files.url}/config/app.yaml
    outPath: config/app.yaml
- uses: http-download
  as: fetch-release
  config:
    url: ${files.url}/releases/source.zip
    outPath: releases/source.zip
    queryParams:
    - name: version
      value: \${{ vars.version }}
    headers:
    - name: Authorization
      value: token \${{ secret('artifacts').token }}
    allowOverwrite: false
    timeout: 5m
- uses: http-download
  as: again
  config:
    url: ${files.url}/config/app.yaml
    outPath: config/app.yaml
`;
    const result = await promote(steps, { workDir, secrets: { artifacts: { token: 'abc' } } });
    expect(statuses(result)).toEqual(['fetch-config:Succeeded', 'fetch-release:Succeeded', 'again:Errored']);
    expect(readFileSync(path.join(workDir, 'config/app.yaml'), 'utf8')).toBe('replicas: 3\n');
    expect(readFileSync(path.join(workDir, 'releases/source.zip'), 'utf8')).toBe('zip for /releases/source.zip?version=1.2.3');
    expect(files.requests.find((r) => r.url.startsWith('/releases'))?.headers['authorization']).toBe('token abc');
    expect(result.message).toMatch(/already exists/);
  });
});

describe('documented snippets that Kargo itself refuses [doc≠code]', () => {
  it.each([
    ['git-commit without message (delete.md)', '- uses: git-commit\n  config:\n    path: ./out\n', /must have required property 'message'/],
    ['a step named wait-for-pr (promotion-templates.md retry example)', "- uses: wait-for-pr\n  retry: {errorThreshold: 3, timeout: 48h}\n  config:\n    prNumber: 1\n", /wait-for-pr/],
    ['kustomize-set-image with image only (git-commit.md, expressions.md)', '- uses: kustomize-set-image\n  config:\n    path: ./src/base\n    images:\n    - image: my/image\n', /oneOf/]
  ])('%s', async (_name, steps, message) => {
    await expect(promote(steps)).rejects.toThrow(message);
  });
});

describe('YAML and quotes: values as a step config receives them', () => {
  it('treats flow objects, quoted strings, block scalars and quote() as Kargo does', async () => {
    const steps = `
- uses: compose-output
  as: v
  config:
    value1: {"foo": "bar"} # a mapping
    value2: '\${{ quote({"foo": "bar"}) }}' # a string
    value3: | # a string
      {"foo": "bar"}
    value4: | # an object
      \${{ {"foo": "bar"} }}
    value5: | # a string
      \${{ quote({"foo": "bar"}) }}
    value6: | # not tripped up by more newlines
      \${{ quote({"foo": "bar"}) }}

    value7: 42
    value8: "42"
    value9: '42'
    value10: '\${{ quote(42) }}'
    value11: |
      42
    value12: |
      \${{ 42 }}
    value13: |
      \${{ quote(42) }}
    value14: "\${% '{{.domain}}' %}"
    value15: "\${{ quote(true) }}"
    value16: "\${{ quote(null) }}"
    value17: \${{ '0123' }}
    value18: \${{ 'yes' }}
    value19: \${{ '1.10' }}
`;
    const result = await promote(steps);
    expect(result.message).toBe('');
    expect(result.state.v).toEqual({
      value1: { foo: 'bar' },
      value2: '{"foo":"bar"}',
      value3: '{"foo": "bar"}\n',
      value4: { foo: 'bar' },
      value5: '{"foo":"bar"}\n',
      value6: '{"foo":"bar"}\n',
      value7: 42,
      value8: '42',
      value9: '42',
      value10: '42',
      value11: '42\n',
      value12: 42,
      value13: '42\n',
      value14: '{{.domain}}',
      value15: 'true',
      value16: 'null',
      value17: 123,
      value18: 'yes',
      value19: 1.1
    });
  });

  it.each([
    ['an unclosed expression', '"${{ vars.x "', /unclosed expression/],
    ['the closing delimiter inside the expression', `"\${{ '{{.domain}}' }}"`, /.+/]
  ])('fails the step on %s', async (_name, value, message) => {
    const result = await promote(`- uses: compose-output\n  config:\n    v: ${value}\n`).catch((e: Error) => ({ status: 'Refused', message: e.message }));
    expect(result.status).not.toBe('Succeeded');
    expect(result.message).toMatch(message);
  });
});

describe('kustomize-set-image without images: every Freight image', () => {
  it('sets all images of all Freight, tag and digest, and lists them sorted', async () => {
    const workDir = makeTempDir();
    const steps = `
steps:
- uses: file-write
  config:
    path: ./src/base/kustomization.yaml
    contents: "resources:\\n- deploy.yaml\\n"
- uses: kustomize-set-image
  as: update
  config:
    path: ./src/base
- uses: json-update
  as: json
  config:
    path: ./src/settings.json
    updates:
    - {key: replicas, value: 3}
    - {key: image, value: "\${{ imageFrom('ghcr.io/example/b').Tag }}"}
    - {key: enabled, value: true}
- uses: toml-update
  as: toml
  config:
    path: ./src/settings.toml
    updates:
    - {key: replicas, value: 3}
    - {key: image, value: "\${{ imageFrom('ghcr.io/example/b').Tag }}"}
`;
    execFileSync('mkdir', ['-p', path.join(workDir, 'src')]);
    execFileSync('tee', [path.join(workDir, 'src/settings.json')], { input: '{"replicas": 1, "image": "x", "enabled": false}\n', stdio: ['pipe', 'ignore', 'ignore'] });
    execFileSync('tee', [path.join(workDir, 'src/settings.toml')], { input: 'replicas = 1\nimage = "x"\n', stdio: ['pipe', 'ignore', 'ignore'] });
    const result = await promote(steps, {
      workDir,
      freightText: freightYaml([
        { origin: { kind: 'Warehouse', name: 'one' }, images: [{ repoURL: 'ghcr.io/example/b', tag: '2.0.0', digest: 'sha256:bbb' }] },
        { origin: { kind: 'Warehouse', name: 'two' }, images: [{ repoURL: 'ghcr.io/example/a', tag: '1.0.0' }] }
      ])
    });
    expect(result.message).toBe('');
    expect(result.state.update).toEqual({
      commitMessage: 'Updated ./src/base to use new images\n\n- ghcr.io/example/a:1.0.0\n- ghcr.io/example/b:2.0.0@sha256:bbb'
    });
    const kustomization = readFileSync(path.join(workDir, 'src/base/kustomization.yaml'), 'utf8');
    expect(kustomization).toMatch(/- name: ghcr\.io\/example\/a\n {2}newTag: 1\.0\.0\n/);
    expect(kustomization).toMatch(/- name: ghcr\.io\/example\/b\n {2}newTag: 2\.0\.0\n {2}digest: sha256:bbb\n|- digest: sha256:bbb\n {2}name: ghcr\.io\/example\/b\n {2}newTag: 2\.0\.0\n/);
    // json-update quotes strings (%q) and prints other values as they are.
    expect(result.state.json).toEqual({ commitMessage: 'Updated ./src/settings.json\n\n- replicas: 3\n- image: "2.0.0"\n- enabled: true' });
    // toml-update's message is go-toml's literal string; the file keeps its own quote style
    // (a documented improvement: Kargo rewrites "x" as 'x').
    expect(result.state.toml).toEqual({ commitMessage: "Updated ./src/settings.toml\n\n- replicas: 3\n- image: '2.0.0'" });
    expect(JSON.parse(readFileSync(path.join(workDir, 'src/settings.json'), 'utf8'))).toEqual({ replicas: 3, image: '2.0.0', enabled: true });
    expect(readFileSync(path.join(workDir, 'src/settings.toml'), 'utf8')).toBe('replicas = 3\nimage = "2.0.0"\n');
  });
});

describe('git-open-pr + git-wait-for-pr as documented (local GitHub API)', () => {
  let gh: GitHubServer;
  beforeAll(async () => {
    process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';
    gh = await startGitHubServer();
    await gh.commitFiles('main', { 'values.yaml': 'tag: a\n' }, 'initial');
    await gh.commitFiles('stage/test', { 'values.yaml': 'tag: a\n' }, 'stage', { from: 'main' });
    await gh.commitFiles('stage/uat', { 'values.yaml': 'tag: a\n' }, 'stage', { from: 'main' });
  });
  afterAll(() => gh.close());

  const template = (tag: string) => `
steps:
- uses: git-clone
  config:
    repoURL: ${'${{ vars.repo }}'}
    checkout: [{branch: "stage/\${{ ctx.stage }}", path: ./out}]
- uses: yaml-update
  config: {path: ./out/values.yaml, updates: [{key: tag, value: ${tag}}]}
- uses: git-commit
  config: {path: ./out, message: "set tag ${tag}"}
- uses: git-push
  as: push
  config:
    path: ./out
    generateTargetBranch: true
- uses: git-open-pr
  as: open-pr
  config:
    repoURL: ${'${{ vars.repo }}'}
    sourceBranch: \${{ outputs.push.branch }} # Or task.outputs in a (Cluster)PromotionTask
    targetBranch: stage/\${{ ctx.stage }}
    title: Deploy to \${{ ctx.stage }}
    labels: ["infra", "needs-review"]
- if: \${{ status('open-pr') != 'Skipped' }}
  uses: git-wait-for-pr
  as: wait-for-pr
  config:
    repoURL: ${'${{ vars.repo }}'}
    prNumber: \${{ outputs['open-pr'].pr.id }}
    pollInterval: 1s
`;

  it('opens a titled, labelled PR and waits for its merge', async () => {
    const result = await promote(template('b'), {
      stage: 'test',
      promotion: 'test.promo-1',
      vars: { repo: gh.repoURL },
      capabilities: { github: gh.settings },
      events: {
        onStepAttempt: async (step, _n, r) => {
          if (step.alias === 'wait-for-pr' && r.status === 'Running') await gh.merge((r.output as { pr: { id: number } }).pr.id);
        }
      }
    });
    expect(result.message).toBe('');
    const pr = [...gh.pulls.values()].at(-1)!;
    expect(pr).toMatchObject({ title: 'Deploy to test', labels: ['infra', 'needs-review'], head: 'kargo/promotion/test.promo-1', base: 'stage/test' });
    expect(result.state['wait-for-pr']).toMatchObject({ pr: { id: pr.number, merged: true }, commit: await gh.branchHead('stage/test') });
  });

  it('skips the PR and the wait when the stage branch already has the change', async () => {
    const result = await promote(template('a'), {
      stage: 'uat',
      promotion: 'test.promo-2',
      vars: { repo: gh.repoURL },
      capabilities: { github: gh.settings }
    });
    expect(result.message).toBe('');
    expect(statuses(result).slice(-2)).toEqual(['open-pr:Skipped', 'wait-for-pr:Skipped']);
    expect(result.status).toBe('Succeeded');
  });
});

describe('the expressions reference template, as current Kargo accepts it, through argocd-update', () => {
  let argo: ArgoCDServer;
  beforeAll(async () => {
    argo = await startArgoCDServer();
  });
  afterAll(() => argo.close());

  it('renders, pushes to the stage branch and points the Application at the new commit', async () => {
    const { bare, head } = bareRepo({
      'base/kustomization.yaml': 'resources:\n- deploy.yaml\n',
      'base/deploy.yaml': 'kind: Deployment\n',
      'stages/test/kustomization.yaml': 'resources:\n- ../../base\n'
    });
    // Argo CD resolves stage/test to the commit just pushed: the stand-in learns it after the push.
    const putApp = (resolved?: string) =>
      argo.put(
        {
          metadata: { name: 'example-test', namespace: 'argocd', annotations: { 'kargo.akuity.io/authorized-stage': 'kargo-demo:test' } },
          spec: { source: { repoURL: bare, path: '.', targetRevision: 'stage/test' } },
          status: { health: { status: 'Healthy' }, sync: { status: 'Synced', revision: 'old' } }
        },
        { syncPolls: 1, healthPolls: 0, ...(resolved ? { resolvedRevisions: [resolved] } : {}) }
      );
    putApp();
    const steps = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: {name: test, namespace: kargo-demo}
spec:
  promotionTemplate:
    spec:
      vars:
      - name: gitRepo
        value: ${bare}
      - name: srcPath
        value: ./src
      - name: outPath
        value: ./out
      - name: targetBranch
        value: stage/\${{ ctx.stage }}
      steps:
      - uses: git-clone
        config:
          repoURL: \${{ vars.gitRepo }}
          checkout:
          - commit: \${{ commitFrom(vars.gitRepo).ID }}   # was "fromFreight: true"
            path: \${{ vars.srcPath }}
          - branch: \${{ vars.targetBranch }}
            create: true
            path: \${{ vars.outPath }}
      - uses: git-clear
        config:
          path: \${{ vars.outPath }}
      - uses: kustomize-set-image
        as: update-image
        config:
          path: \${{ vars.srcPath }}/base
          images:
          - image: public.ecr.aws/nginx/nginx
            tag: \${{ imageFrom("public.ecr.aws/nginx/nginx").Tag }}   # now required
      - uses: copy   # stands in for kustomize-build
        config:
          inPath: \${{ vars.srcPath }}/base
          outPath: \${{ vars.outPath }}/\${{ ctx.stage }}
      - uses: git-commit
        as: commit
        config:
          path: \${{ vars.outPath }}
          message: \${{ outputs['update-image'].commitMessage }}
      - uses: git-push
        config:
          path: \${{ vars.outPath }}
          targetBranch: \${{ vars.targetBranch }}
      - uses: argocd-update
        config:
          apps:
          - name: example-\${{ ctx.stage }}
            sources:
            - repoURL: \${{ vars.gitRepo }}
              desiredRevision: \${{ outputs.commit.commit }}
`;
    const result = await promote(steps, {
      capabilities: { argocd: { server: argo.url, token: argo.token, namespace: 'argocd' } },
      events: {
        onStepAttempt: async (step, _n, r) => {
          if (step.kind === 'git-push' && r.status === 'Succeeded') putApp((r.output as { commit: string }).commit);
        }
      },
      freightText: freightYaml([
        { origin: { kind: 'Warehouse', name: 'w' }, commits: [{ repoURL: bare, id: head }], images: [{ repoURL: 'public.ecr.aws/nginx/nginx', tag: '1.27.3' }] }
      ])
    });
    expect(result.message).toBe('');
    const pushed = branchHead(bare, 'stage/test');
    expect(result.state.commit).toEqual({ commit: pushed });
    expect(readAt(bare, 'stage/test', 'test/kustomization.yaml')).toContain('newTag: 1.27.3');
    const synced = argo.requests.filter((r) => r.method !== 'GET');
    expect(synced.length).toBeGreaterThan(0);
    // A sync was asked for; the health check waits for the pushed commit.
    expect(JSON.stringify(synced.map((r) => r.body))).toContain('Promotion triggered a sync');
    expect(result.healthChecks).toEqual([
      { kind: 'argocd-update', input: { apps: [{ name: 'example-test', namespace: 'argocd', desiredRevisions: [pushed] }] } }
    ]);
  }, 30_000);
});
