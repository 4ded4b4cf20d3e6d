// The bundled action, started exactly as the GitHub runner starts it: INPUT_* variables, a
// GITHUB_OUTPUT file, `node dist/index.js`. (CI also runs it under Node 24: scripts/e2e-action.mjs.)
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
// @ts-expect-error: a plain ESM script shared with .ci/run
import { gitopsPromotion, LOCAL_EXPECTED_CHANGES, localPromotion, runAction } from '../scripts/e2e-action.mjs';
import { makeTempDir } from './helpers/step-context.js';

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}
const run = runAction as (inputs: Record<string, string>, options?: { workspace?: string; env?: Record<string, string> }) => ActionRun;

function workspaceWithExamples(): string {
  const workspace = makeTempDir('kargo-ws-');
  cpSync(path.resolve('examples'), path.join(workspace, 'examples'), { recursive: true });
  return workspace;
}

describe('the bundled action', () => {
  it('runs the clone-free example and changes exactly the lines it should', () => {
    const { run: result, files } = (localPromotion as () => { run: ActionRun; files: { file: string; before: string; after: string }[] })();
    expect(result.code).toBe(0);
    const expected = LOCAL_EXPECTED_CHANGES as Record<string, [string, string]>;
    for (const { file, before, after } of files) {
      const [from, to] = expected[file] as [string, string];
      expect(before).toContain(`${from}\n`);
      expect(after).toBe(before.replace(`${from}\n`, `${to}\n`));
    }
  });

  it("runs the README's main example against a local bare repository and pushes the expected commit", () => {
    const { run: result, show } = (gitopsPromotion as () => { run: ActionRun; show: (args: string[]) => string })();
    expect(result.code).toBe(0);
    const push = JSON.parse(result.outputs.push as string);
    expect(push.branch).toBe('stage/test');
    expect(show(['rev-parse', 'stage/test']).trim()).toBe(push.commit);
    expect(show(['show', 'stage/test:stages/test/kustomization.yaml'])).toContain('    newTag: 1.4.0 # promoted by Kargo\n');
    expect(show(['show', 'stage/test:stages/test/values.yaml'])).toContain('  tag: "1.4.0"   # keep quoted: tags are strings\n');
    expect(show(['diff', '--stat', 'main', 'stage/test'])).toContain('2 files changed, 2 insertions(+), 2 deletions(-)');
    expect(JSON.parse(result.outputs.state as string)).toHaveProperty('update-image.commitMessage', 'Updated ./repo/stages/test to use new image\n\n- ghcr.io/example/guestbook:1.4.0');
  });

  it('runs the promotion from Kargo\'s docs and stores what Kargo would store', () => {
    const result = run(
      { 'steps-file': 'examples/kargo-docs-promotion.yaml', 'freight-file': 'examples/kargo-docs-freight.yaml' },
      { workspace: workspaceWithExamples() }
    );
    expect(result.code).toBe(0);
    expect(result.outputs.status).toBe('Succeeded');
    const state = JSON.parse(result.outputs.state as string);
    expect(state.plan).toEqual({ branch: 'stage/test', image: '1.2.3', project: 'demo' });
    expect(state.notes).toEqual({ text: 'Promoted f3b2a1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4 to test', file: 'release-notes.txt' });
    expect(state['optional-check']).toBeNull();
    expect(state).not.toHaveProperty('on-failure');
    expect(JSON.parse(result.outputs['after-optional'] as string)).toEqual({ optionalStatus: 'Failed' });
    expect(result.summary).toContain('| alias | step | status | attempts | duration | message |');
    expect(result.stdout).toContain('::group::step "plan" (compose-output)');
    expect(result.stdout).toContain('::warning title=step "optional-check" (fail) Failed::failed: the optional check is not ready');
    expect(result.summary).toContain('| `on-failure` | `compose-output` | Skipped | – | – |  |');
  });

  it('writes state and status and fails the job when the promotion fails', () => {
    const result = run({ steps: '- {uses: compose-output, as: a, config: {x: 1}}\n- {uses: fail, as: stop, config: {message: not today}}\n' });
    expect(result.code).toBe(1);
    expect(result.outputs.status).toBe('Failed');
    expect(JSON.parse(result.outputs.state as string)).toEqual({ a: { x: 1 }, stop: null });
    expect(result.stdout).toContain('::error title=step "stop" (fail) Failed::failed: not today');
  });

  it('refuses bad input before any step runs, naming the step and the field', () => {
    const workspace = makeTempDir('kargo-ws-');
    const result = run(
      { steps: '- {uses: file-write, config: {path: a.txt, contents: x}}\n- {uses: file-writ, as: typo, config: {}}\n' },
      { workspace }
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('step "typo" (file-writ) at steps[1]: uses: unknown step "file-writ"; did you mean "file-write"?');
    expect(result.outputs.status).toBe('Errored');
    expect(readdirSync(workspace)).toEqual([]);
  });

  it('masks every secret value in the log', () => {
    const result = run({
      steps: '- {uses: compose-output, as: s, config: {v: "${{ secret(\'db\').password }}"}}\n',
      secrets: '{"db": {"password": "hunter2-very-secret"}}'
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('::add-mask::hunter2-very-secret');
    expect(result.stdout.split('\n').filter((l) => l.includes('hunter2') && !l.startsWith('::add-mask::'))).toEqual([]);
  });

  it('keeps steps-file inside the workspace', () => {
    const result = run({ 'steps-file': '../outside.yaml' });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/steps-file: "\.\.\/outside\.yaml" must be a path inside the workspace/);
  });

  it('builds the Freight from the workflow run when none is given', () => {
    const workspace = makeTempDir('kargo-ws-');
    const event = path.join(workspace, 'event.json');
    writeFileSync(event, JSON.stringify({ head_commit: { message: 'Bump\n\nbody' } }));
    const result = run(
      { steps: '- {uses: compose-output, as: c, config: {sha: "${{ commitFrom(\'https://github.com/example/gitops\').ID }}"}}\n' },
      { workspace, env: { GITHUB_SHA: 'deadbeef', GITHUB_SERVER_URL: 'https://github.com', GITHUB_REF_TYPE: 'branch', GITHUB_REF_NAME: 'main', GITHUB_EVENT_PATH: event } }
    );
    expect(JSON.parse(result.outputs.c as string)).toEqual({ sha: 'deadbeef' });
    expect(existsSync(event)).toBe(true);
    expect(readFileSync(event, 'utf8')).toContain('Bump');
  });
});
