import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readSettings, runEnvironment, secretValues } from '../src/settings.js';
import { makeTempDir } from './helpers/step-context.js';

const run = (workspace: string) => runEnvironment({ GITHUB_WORKSPACE: workspace, GITHUB_REPOSITORY: 'acme/gitops', GITHUB_RUN_ID: '99' });
const steps = '- uses: fail\n';

describe('reading the action inputs', () => {
  it('applies the contract defaults', async () => {
    const ws = makeTempDir();
    const settings = await readSettings({ steps }, run(ws));
    expect(settings).toMatchObject({
      promotion: '99',
      workDir: ws,
      errorThreshold: 3,
      timeoutMs: undefined,
      defaultProject: 'gitops',
      gitUser: { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' },
      github: { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com' }
    });
    expect(settings.argocd).toBeUndefined();
  });

  it.each([
    [{ steps, 'steps-file': 'x.yaml' }, 'steps and steps-file: give exactly one of them, not both'],
    [{}, 'steps or steps-file is required'],
    [{ steps, 'error-threshold': '0' }, 'error-threshold: "0" must be a whole number of at least 1'],
    [{ steps, timeout: 'soon' }, 'timeout: "soon" is not a duration'],
    [{ steps, 'argocd-server': 'not a url' }, 'argocd-server: "not a url" is not a URL'],
    [{ 'steps-file': 'missing.yaml' }, 'steps-file: "missing.yaml" does not exist in the workspace'],
    [{ steps, freight: 'a: 1', 'freight-file': 'f.yaml' }, 'freight and freight-file: give at most one of them']
  ])('refuses %j: %s', async (raw, message) => {
    await expect(readSettings(raw, run(makeTempDir()))).rejects.toThrow(message);
  });

  it('reads steps-file relative to the workspace and resolves working-directory inside it', async () => {
    const ws = makeTempDir();
    writeFileSync(path.join(ws, 'p.yaml'), steps);
    const settings = await readSettings({ 'steps-file': 'p.yaml', 'working-directory': 'out', timeout: '10m' }, run(ws));
    expect(settings).toMatchObject({ stepsText: steps, stepsSource: 'p.yaml', workDir: path.join(ws, 'out'), timeoutMs: 600_000 });
  });

  it('takes Argo CD from a secret named argocd when the inputs are empty', async () => {
    const settings = await readSettings({ steps, secrets: 'argocd: {server: "https://argocd.example.com/", token: t0k3n}' }, run(makeTempDir()));
    expect(settings.argocd).toEqual({ server: 'https://argocd.example.com', token: 't0k3n', namespace: 'argocd', insecure: false });
  });

  it('lists every secret value to mask, but not descriptive credential keys', async () => {
    const settings = await readSettings(
      { steps, 'github-token': 'ghs_x', 'argocd-server': 'https://a', 'argocd-token': 'argo', secrets: '{creds: {repoURL: "https://g/x", password: pw, type: git, repoURLIsRegex: "true"}}' },
      run(makeTempDir())
    );
    expect(secretValues(settings).sort()).toEqual(['argo', 'ghs_x', 'https://g/x', 'pw']);
  });
});
