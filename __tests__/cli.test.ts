import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli.js';
// @ts-expect-error: a plain ESM script shared with .ci/run
import { runAction } from '../scripts/e2e-action.mjs';
import { makeTempDir } from './helpers/step-context.js';

async function cli(args: string[], cwd = process.cwd()) {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (d) => (chunks.out += d));
  err.on('data', (d) => (chunks.err += d));
  const code = await main(args, { out, err, env: { PATH: process.env.PATH }, cwd });
  return { code, ...chunks };
}

function workspace(): string {
  const ws = makeTempDir('kargo-cli-');
  cpSync(path.resolve('examples'), path.join(ws, 'examples'), { recursive: true });
  return ws;
}

describe('kargo-promote run', () => {
  it('produces the same state as the action for the same inputs', async () => {
    const ws = workspace();
    const args = ['run', '--steps-file', 'examples/kargo-docs-promotion.yaml', '--freight-file', 'examples/kargo-docs-freight.yaml', '--output', 'json'];
    const local = await cli(args, ws);
    expect(local.code).toBe(0);
    const fromCli = JSON.parse(local.out);
    const action = (runAction as any)(
      { 'steps-file': 'examples/kargo-docs-promotion.yaml', 'freight-file': 'examples/kargo-docs-freight.yaml', promotion: fromCli.outputs ? 'x' : 'x' },
      { workspace: workspace() }
    );
    expect(action.code).toBe(0);
    expect(fromCli.state).toEqual(JSON.parse(action.outputs.state));
    expect(fromCli.status).toBe(action.outputs.status);
  });

  it('prints a line per step with its status and exits 1 when the promotion fails', async () => {
    const ws = makeTempDir('kargo-cli-');
    const result = await cli(['run', '--steps', '- {uses: compose-output, as: a, config: {x: 1}}\n- {uses: fail, as: f}', '--workdir', ws]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/✔ a \(compose-output\) Succeeded in \d+/);
    expect(result.out).toMatch(/✖ f \(fail\) Failed in .* — failed/);
    expect(result.out).toContain('Promotion Failed: failed');
  });

  it('takes --var NAME=VALUE as global vars', async () => {
    const result = await cli(['run', '--steps', '- {uses: compose-output, as: a, config: {x: "${{ vars.tag }}"}}', '--var', 'tag=v1.2.3', '--workdir', makeTempDir(), '--output', 'json']);
    expect(JSON.parse(result.out).state.a).toEqual({ x: 'v1.2.3' });
  });

  it('runs local steps in a copy during a dry run, and prints the diff', async () => {
    const ws = makeTempDir('kargo-cli-');
    writeFileSync(path.join(ws, 'notes.txt'), 'old\n');
    const result = await cli(['run', '--dry-run', '--workdir', ws, '--steps', '- {uses: file-write, config: {path: notes.txt, contents: "new\\n", overwrite: true}}']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--- a/notes.txt');
    expect(result.out).toContain('-old');
    expect(result.out).toContain('+new');
    expect(readFileSync(path.join(ws, 'notes.txt'), 'utf8')).toBe('old\n');
  });
});

describe('kargo-promote validate', () => {
  it('accepts a valid file', async () => {
    const result = await cli(['validate', 'examples/kargo-docs-promotion.yaml']);
    expect(result.code).toBe(0);
    expect(result.out).toContain('valid');
  });

  it('catches a typo in a step name and a bad field, naming their lines', async () => {
    const ws = makeTempDir('kargo-cli-');
    writeFileSync(
      path.join(ws, 'p.yaml'),
      ['steps:', '  - uses: compose-output', '    config: {a: 1}', '  - uses: file-wirte', '    config: {}', '  - uses: file-write', '    config:', '      path: a.txt', '      contents: x', '      mode: "0644"', ''].join('\n')
    );
    const result = await cli(['validate', 'p.yaml'], ws);
    expect(result.code).toBe(1);
    expect(result.err).toContain('p.yaml:4: step "step-2" (file-wirte) at steps[1]: uses: unknown step "file-wirte"; did you mean "file-write"?');
    expect(result.err).toContain("p.yaml:10: step \"step-3\" (file-write) at steps[2]: config.mode: unknown field 'mode' (check its spelling)");
  });

  it('reports an expression that does not parse', async () => {
    const ws = makeTempDir('kargo-cli-');
    writeFileSync(path.join(ws, 'p.yaml'), '- uses: compose-output\n  config:\n    a: "${{ vars.x + }}"\n');
    const result = await cli(['validate', 'p.yaml'], ws);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^p\.yaml:3: step "step-1" \(compose-output\) at steps\[0\]: config\.a: /);
  });
});

describe('kargo-promote run --dry-run with git', () => {
  it('reports the commits a promotion would push, and skips the push', async () => {
    // @ts-expect-error: a plain ESM script shared with .ci/run
    const { seedGitOpsRepo } = await import('../scripts/e2e-action.mjs');
    const bare: string = seedGitOpsRepo();
    const ws = makeTempDir('kargo-cli-');
    const result = await cli([
      'run', '--dry-run', '--workdir', ws, '--stage', 'test',
      '--steps-file', path.resolve('examples/gitops/promotion.yaml'),
      '--freight-file', path.resolve('examples/gitops/freight.yaml'),
      '--var', `gitRepo=file://${bare}`
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/○ push \(git-push\) Skipped/);
    expect(result.out).toContain('# repo: git work tree\n## new commits (would be pushed)');
    expect(result.out).toContain('+    newTag: 1.4.0 # promoted by Kargo');
    expect(result.out).not.toContain('/objects/');
    const { execFileSync } = await import('node:child_process');
    expect(execFileSync('git', ['--git-dir', bare, 'branch', '--list', 'stage/test'], { encoding: 'utf8' })).toBe('');
  });
});
