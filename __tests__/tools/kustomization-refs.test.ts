import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { kustomizeBuildRunner } from '../../src/runners/kustomize-build.js';
import { checkKustomizationReferences, localReferences } from '../../src/tools/kustomization-refs.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

function layout(files: Record<string, string>): string {
  const workDir = makeTempDir('kustomize-refs-');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workDir, rel)), { recursive: true });
    writeFileSync(path.join(workDir, rel), text);
  }
  return workDir;
}

describe('kustomization references', () => {
  it('collects local paths from every field that names one, leaving remote and inline ones out', () => {
    expect(
      localReferences({
        resources: ['../base', 'https://github.com/acme/x//config?ref=v1', 'github.com/acme/y'],
        patches: [{ path: 'patch.yaml' }, { patch: 'inline' }],
        configMapGenerator: [{ files: ['app.properties', 'key=secret.txt'], envs: ['.env'] }],
        patchesStrategicMerge: ['|\n  inline: true\n', 'psm.yaml'],
        helmCharts: [{ valuesFile: 'values.yaml' }]
      })
    ).toEqual([
      ['resources', '../base'],
      ['patchesStrategicMerge', 'psm.yaml'],
      ['patches.path', 'patch.yaml'],
      ['configMapGenerator.files', 'app.properties'],
      ['configMapGenerator.files', 'secret.txt'],
      ['configMapGenerator.envs', '.env'],
      ['helmCharts.valuesFile', 'values.yaml']
    ]);
  });

  it('accepts references that stay inside the WorkDir, through nested kustomizations', async () => {
    const workDir = layout({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'base/deploy.yaml': 'kind: Deployment\n',
      'overlays/prod/kustomization.yaml': 'resources: [../../base]\nconfigMapGenerator: [{name: c, files: [conf=app.conf]}]\n',
      'overlays/prod/app.conf': 'x=1\n'
    });
    await expect(checkKustomizationReferences(workDir, path.join(workDir, 'overlays/prod'))).resolves.toBeUndefined();
  });

  it.each([
    ['an absolute file', 'configMapGenerator: [{name: c, files: [/etc/hostname]}]\n', 'configMapGenerator.files refers to "/etc/hostname"'],
    ['a file above the WorkDir', 'configMapGenerator: [{name: c, envs: [../../../outside.env]}]\n', 'configMapGenerator.envs refers to "../../../outside.env"'],
    ['a directory above the WorkDir', 'resources: [../../..]\n', 'resources refers to "../../.."']
  ])('refuses %s', async (_what, kustomization, message) => {
    const workDir = layout({ 'overlays/prod/kustomization.yaml': kustomization });
    await expect(checkKustomizationReferences(workDir, path.join(workDir, 'overlays/prod'))).rejects.toThrow(message);
  });

  it('refuses a symlink inside the WorkDir that leads out, and a nested kustomization that does', async () => {
    const outside = makeTempDir('outside-');
    writeFileSync(path.join(outside, 'secret.txt'), 'top secret');
    const workDir = layout({
      'base/kustomization.yaml': 'configMapGenerator: [{name: c, files: [secret.txt]}]\n',
      'overlays/prod/kustomization.yaml': 'resources: [../../base]\n'
    });
    symlinkSync(path.join(outside, 'secret.txt'), path.join(workDir, 'base/secret.txt'));
    await expect(checkKustomizationReferences(workDir, path.join(workDir, 'overlays/prod'))).rejects.toThrow(
      'base/kustomization.yaml: configMapGenerator.files refers to "secret.txt", which is outside the working directory'
    );
  });

  it('makes kustomize-build fail terminally before running kustomize', async () => {
    const workDir = layout({ 'app/kustomization.yaml': 'configMapGenerator: [{name: env, files: [/proc/self/environ]}]\n' });
    const result = await runStep(kustomizeBuildRunner, { path: 'app', outPath: 'out.yaml' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain('app/kustomization.yaml: configMapGenerator.files refers to "/proc/self/environ"');
  });
});
