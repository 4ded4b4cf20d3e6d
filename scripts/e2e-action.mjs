// Runs the bundled action exactly as the GitHub runner does: inputs as INPUT_* variables,
// outputs appended to the file named by GITHUB_OUTPUT, `node dist/index.js`. Used by .ci/run
// under Node 24; exits non-zero when an output is not what Kargo would store.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Parse GITHUB_OUTPUT's `name<<delimiter ... delimiter` records. */
export function parseOutputs(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!m) continue;
    const value = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
    outputs[m[1]] = value.join('\n');
  }
  return outputs;
}

export function runAction(inputs, { workspace, node = process.execPath, env = {} } = {}) {
  const ws = workspace ?? mkdtempSync(path.join(tmpdir(), 'kargo-ws-'));
  const outputFile = path.join(mkdtempSync(path.join(tmpdir(), 'kargo-out-')), 'output');
  const summaryFile = `${outputFile}.summary.md`;
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
  const result = spawnSync(node, [path.join(root, 'dist/index.js')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_WORKSPACE: ws,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_REPOSITORY: 'example/gitops',
      GITHUB_RUN_ID: '4242',
      'INPUT_ERROR-THRESHOLD': '3',
      'INPUT_GIT-USER-NAME': 'github-actions[bot]',
      ...inputEnv,
      ...env
    },
    encoding: 'utf8'
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    workspace: ws
  };
}

function kargoDocsPromotion(node) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kargo-ws-'));
  cpSync(path.join(root, 'examples'), path.join(workspace, 'examples'), { recursive: true });
  const run = runAction(
    { 'steps-file': 'examples/kargo-docs-promotion.yaml', 'freight-file': 'examples/kargo-docs-freight.yaml' },
    { workspace, node }
  );
  assert.equal(run.code, 0, `action failed:\n${run.stdout}\n${run.stderr}`);
  assert.equal(run.outputs.status, 'Succeeded');
  assert.deepEqual(JSON.parse(run.outputs.state), {
    plan: { branch: 'stage/test', image: '1.2.3', project: 'demo' },
    'notes::notes': { text: 'Promoted f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4 to test' },
    'notes::step-2': null,
    'notes::result': { file: 'release-notes.txt' },
    notes: { text: 'Promoted f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4 to test', file: 'release-notes.txt' },
    summary: { message: 'Wrote release-notes.txt for stage/test' },
    'optional-check': null,
    'after-optional': { optionalStatus: 'Failed' }
  });
  assert.equal(JSON.parse(run.outputs.summary).message, 'Wrote release-notes.txt for stage/test');
  assert.equal(
    readFileSync(path.join(workspace, 'release-notes.txt'), 'utf8'),
    'Promoted f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4 to test'
  );
  assert.match(run.summary, /\| `optional-check` \| `fail` \| Failed \(continueOnError\) \|/);
  console.log(`kargo docs promotion: ${run.outputs.status}, ${Object.keys(JSON.parse(run.outputs.state)).length} state keys`);
}

/** A bare GitOps repository seeded from examples/gitops/repo; returns its path. */
export function seedGitOpsRepo() {
  const scratch = mkdtempSync(path.join(tmpdir(), 'kargo-gitops-'));
  const bare = path.join(scratch, 'gitops.git');
  const seed = path.join(scratch, 'seed');
  const git = (args, cwd) => execFileSync('git', args, { cwd, stdio: 'pipe' });
  git(['init', '--quiet', '--bare', '--initial-branch=main', bare]);
  cpSync(path.join(root, 'examples/gitops/repo'), seed, { recursive: true });
  git(['init', '--quiet', '--initial-branch=main'], seed);
  git(['add', '.'], seed);
  git(['-c', 'user.name=Seed', '-c', 'user.email=seed@example.com', '-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', 'Initial layout'], seed);
  git(['push', '--quiet', bare, 'main'], seed);
  return bare;
}

/** The README's main example: clone, kustomize-set-image, yaml-update, commit, push to stage/test. */
export function gitopsPromotion(node = process.execPath) {
  const bare = seedGitOpsRepo();
  const workspace = mkdtempSync(path.join(tmpdir(), 'kargo-ws-'));
  cpSync(path.join(root, 'examples'), path.join(workspace, 'examples'), { recursive: true });
  const run = runAction(
    {
      'steps-file': 'examples/gitops/promotion.yaml',
      'freight-file': 'examples/gitops/freight.yaml',
      stage: 'test',
      'working-directory': 'work',
      vars: `gitRepo: file://${bare}`
    },
    { workspace, node }
  );
  const show = (args) => execFileSync('git', ['--git-dir', bare, ...args], { encoding: 'utf8' });
  return { run, bare, show };
}

function checkGitopsPromotion(node) {
  const { run, show } = gitopsPromotion(node);
  assert.equal(run.code, 0, `action failed:\n${run.stdout}\n${run.stderr}`);
  const push = JSON.parse(run.outputs.push);
  assert.equal(push.branch, 'stage/test');
  assert.equal(show(['rev-parse', 'stage/test']).trim(), push.commit);
  assert.equal(show(['log', '-1', '--format=%s', 'stage/test']).trim(), 'Updated ./repo/stages/test to use new image');
  const diff = show(['diff', '--unified=0', 'main', 'stage/test', '--', 'stages']);
  const changed = diff.split('\n').filter((l) => /^[-+][^-+]/.test(l));
  assert.deepEqual(changed, [
    '-    newTag: 1.3.0 # promoted by Kargo',
    '+    newTag: 1.4.0 # promoted by Kargo',
    '-  tag: "1.3.0"   # keep quoted: tags are strings',
    '+  tag: "1.4.0"   # keep quoted: tags are strings'
  ]);
  console.log(`gitops promotion: pushed ${push.commit} to stage/test`);
}

/**
 * The clone-free example (examples/local): a kustomize overlay, a values file and an Argo CD
 * Application in the workspace. Returns each file before and after.
 */
export function localPromotion(node = process.execPath) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'kargo-ws-'));
  cpSync(path.join(root, 'examples'), path.join(workspace, 'examples'), { recursive: true });
  const run = runAction({ 'steps-file': 'examples/local/promotion.yaml', 'freight-file': 'examples/local/freight.yaml' }, { workspace, node });
  const files = ['overlay/kustomization.yaml', 'values.yaml', 'redis-app.yaml'].map((f) => ({
    file: f,
    before: readFileSync(path.join(root, 'examples/local', f), 'utf8'),
    after: readFileSync(path.join(workspace, 'examples/local', f), 'utf8')
  }));
  return { run, files };
}

/** Exactly these lines change, byte for byte; everything else stays as written. */
export const LOCAL_EXPECTED_CHANGES = {
  'overlay/kustomization.yaml': ['      newTag: "1.9"', '      newTag: "1.10"'],
  'values.yaml': ["  tag: '1.9'    # the tag Kargo promotes", "  tag: '1.10'    # the tag Kargo promotes"],
  'redis-app.yaml': ['    targetRevision: 18.5.0   # bumped by Kargo', '    targetRevision: 18.6.1   # bumped by Kargo']
};

function checkLocalPromotion(node) {
  const { run, files } = localPromotion(node);
  assert.equal(run.code, 0, `action failed:\n${run.stdout}\n${run.stderr}`);
  for (const { file, before, after } of files) {
    const [from, to] = LOCAL_EXPECTED_CHANGES[file];
    assert.ok(before.includes(`${from}\n`), `${file}: fixture lacks ${from}`);
    assert.equal(after, before.replace(`${from}\n`, `${to}\n`), `${file} changed more or less than expected`);
  }
  console.log(`local promotion: ${files.length} files changed exactly as expected`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const node = process.env.NODE24 ?? process.execPath;
  console.log(`node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()}`);
  kargoDocsPromotion(node);
  checkGitopsPromotion(node);
  checkLocalPromotion(node);
  console.log('bundled action end to end: 3 passed, 0 failed');
}
