import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import type { StepResult } from '../../src/promotion/types.js';
import { kustomizeBuildRunner, outPathIsFile } from '../../src/runners/kustomize-build.js';
import { locateTool, sha256Of } from '../../src/tools/index.js';
import { kustomizeFilename, unsafeFilenameProblem } from '../../src/tools/manifests.js';
import { useStandinTools } from '../helpers/standin-tools.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kustomize-build');
const BUILD_OUTPUT = readFileSync(path.join(FIXTURES, 'build-output.yaml'), 'utf8');

const tools = useStandinTools(['kustomize', 'helm']);
const plan = (build: Record<string, unknown>) => tools.plan('kustomize', { build });
const calls = tools.calls;

function workDirWithBase(): string {
  const dir = makeTempDir();
  mkdirSync(path.join(dir, 'base'));
  writeFileSync(path.join(dir, 'base', 'kustomization.yaml'), 'resources: []\n');
  return dir;
}

const baseArgs = (workDir: string, dir = 'base') => [
  'build',
  path.join(workDir, dir),
  '--load-restrictor',
  'LoadRestrictionsNone',
  '--enable-helm',
  '--helm-command',
  path.join(tools.dir, 'helm')
];

function errorOf(result: StepResult): string {
  return (result.error as Error | undefined)?.message ?? '';
}

describe('kustomize-build config', () => {
  it.each([
    ['plugin.helm.apiVersions contains an empty string', { path: 'base', outPath: 'out.yaml', plugin: { helm: { apiVersions: [''] } } }],
    ['an invalid outputFormat', { path: 'base', outPath: 'out', outputFormat: 'helm' }],
    ['no path', { outPath: 'out.yaml' }],
    ['an empty outPath', { path: 'base', outPath: '' }],
    ['an unknown field', { path: 'base', outPath: 'out.yaml', extra: 1 }],
    ['an unknown plugin', { path: 'base', outPath: 'out.yaml', plugin: { other: {} } }]
  ])('rejects %s', async (_n, config) => {
    const result = await runStep(kustomizeBuildRunner, config);
    expect(result.status).toBe('Failed');
    expect(errorOf(result)).toMatch(/^invalid kustomize-build config: /);
  });
});

describe('kustomize-build run', () => {
  it('writes the build to a single file exactly as kustomize printed it', async () => {
    const workDir = workDirWithBase();
    plan({ expectArgs: baseArgs(workDir), stdout: BUILD_OUTPUT });
    const result = await runStep(kustomizeBuildRunner, { path: 'base', outPath: 'rendered/output.yaml' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'rendered/output.yaml'), 'utf8')).toBe(BUILD_OUTPUT);
    expect(calls()).toEqual([baseArgs(workDir)]);
  });

  it('passes the helm plugin settings', async () => {
    const workDir = workDirWithBase();
    const args = [...baseArgs(workDir), '--helm-api-versions', 'monitoring.coreos.com/v1', '--helm-api-versions', 'x/v2', '--helm-kube-version', '1.30.0'];
    plan({ expectArgs: args, stdout: BUILD_OUTPUT });
    const result = await runStep(
      kustomizeBuildRunner,
      { path: 'base', outPath: 'out.yml', plugin: { helm: { apiVersions: ['monitoring.coreos.com/v1', 'x/v2'], kubeVersion: '1.30.0' } } },
      { workDir }
    );
    expect(result.status).toBe('Succeeded');
    expect(existsSync(path.join(workDir, 'out.yml'))).toBe(true);
  });

  it('keeps a path that climbs out inside the WorkDir', async () => {
    const workDir = workDirWithBase();
    plan({ expectArgs: baseArgs(workDir, 'etc'), stdout: '' });
    const result = await runStep(kustomizeBuildRunner, { path: '../../etc', outPath: 'out.yaml' }, { workDir });
    expect(result.status).toBe('Succeeded');
  });

  it.each([
    ['kargo (default)', undefined, {
      'prod-configmap-test-config.yaml': 'apiVersion: v1\ndata:\n  key: value\nkind: ConfigMap\nmetadata:\n  name: test-config\n  namespace: prod\n',
      'deployment-test-deployment.yaml': readFileSync(path.join(FIXTURES, 'expected-deployment.yaml'), 'utf8'),
      'clusterrole-reader.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n'
    }],
    ['kargo', 'kargo', { 'prod-configmap-test-config.yaml': undefined, 'deployment-test-deployment.yaml': undefined, 'clusterrole-reader.yaml': undefined }],
    ['kustomize (two namespaces: prefixed)', 'kustomize', {
      'prod_v1_configmap_test-config.yaml': undefined,
      'apps_v1_deployment_test-deployment.yaml': readFileSync(path.join(FIXTURES, 'expected-deployment.yaml'), 'utf8'),
      'rbac.authorization.k8s.io_v1_clusterrole_reader.yaml': undefined
    }]
  ])('writes one file per resource in the %s format', async (_n, outputFormat, files) => {
    const workDir = workDirWithBase();
    plan({ stdout: BUILD_OUTPUT });
    const result = await runStep(kustomizeBuildRunner, { path: 'base', outPath: 'out', ...(outputFormat ? { outputFormat } : {}) }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readdirSync(path.join(workDir, 'out')).sort()).toEqual(Object.keys(files).sort());
    for (const [name, contents] of Object.entries(files)) {
      if (contents !== undefined) expect(readFileSync(path.join(workDir, 'out', name), 'utf8')).toBe(contents);
    }
  });

  it('names kustomize-format files without a namespace prefix when there is one namespace', async () => {
    const workDir = workDirWithBase();
    plan({ stdout: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: Test-Deployment\n  namespace: prod\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n  namespace: prod\n' });
    const result = await runStep(kustomizeBuildRunner, { path: 'base', outPath: 'out', outputFormat: 'kustomize' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readdirSync(path.join(workDir, 'out')).sort()).toEqual(['apps_v1_deployment_test-deployment.yaml', 'v1_service_svc.yaml']);
  });

  it('refuses resource metadata that would escape the output directory, writing nothing', async () => {
    const workDir = workDirWithBase();
    plan({ stdout: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ../../evil\n' });
    const result = await runStep(kustomizeBuildRunner, { path: 'base', outPath: 'out' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toBe('failed to write built manifests to "out": unsafe generated resource filename "configmap-../../evil.yaml"');
    expect(existsSync(path.join(workDir, 'out'))).toBe(false);
  });

  it('is Errored with kustomize\'s message when the build fails', async () => {
    const workDir = workDirWithBase();
    plan({ exit: 1, stderr: "Error: unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '/x/missing'\n" });
    const result = await runStep(kustomizeBuildRunner, { path: 'missing', outPath: 'out.yaml' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(errorOf(result)).toBe(
      `kustomize build of "missing" failed: Error: unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '/x/missing'`
    );
    expect(existsSync(path.join(workDir, 'out.yaml'))).toBe(false);
  });

  it('fails terminally, saying what to install, when kustomize is not on PATH', async () => {
    const saved = { PATH: process.env.PATH, GITHUB_ACTIONS: process.env.GITHUB_ACTIONS };
    process.env.PATH = makeTempDir('empty-path-');
    delete process.env.GITHUB_ACTIONS;
    try {
      const result = await runStep(kustomizeBuildRunner, { path: 'base', outPath: 'out.yaml' });
      expect(result.status).toBe('Errored');
      expect(isTerminal(result.error)).toBe(true);
      expect(errorOf(result)).toMatch(/^kustomize was not found on PATH: install kustomize v5 /);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.GITHUB_ACTIONS !== undefined) process.env.GITHUB_ACTIONS = saved.GITHUB_ACTIONS;
    }
  });
});

describe('kustomize-build helpers', () => {
  it.each([
    ['out.yaml', true],
    ['a/b/out.yml', true],
    ['out.YAML', false],
    ['out', false],
    ['out.json', false]
  ])('outPathIsFile(%s) = %s', (p, expected) => {
    expect(outPathIsFile(p)).toBe(expected);
  });

  it.each([
    ['deployment-x.yaml', undefined],
    ['', 'generated resource filename is empty'],
    ['.', 'unsafe generated resource filename "."'],
    ['..', 'unsafe generated resource filename ".."'],
    ['a/b.yaml', 'unsafe generated resource filename "a/b.yaml"'],
    ['a\\b.yaml', 'unsafe generated resource filename "a\\\\b.yaml"'],
    ['/abs.yaml', 'unsafe generated resource filename "/abs.yaml"']
  ])('filename %j: %s', (name, problem) => {
    expect(unsafeFilenameProblem(name)).toBe(problem);
  });

  it('names kustomize files from group, version and kind', () => {
    const meta = { apiVersion: 'v1', group: '', version: 'v1', kind: 'ConfigMap', namespace: 'NS', name: 'Cfg' };
    expect(kustomizeFilename(meta, false)).toBe('v1_configmap_cfg.yaml');
    expect(kustomizeFilename(meta, true)).toBe('ns_v1_configmap_cfg.yaml');
  });

  it('looks tools up on absolute PATH entries only, executables only', async () => {
    const dir = makeTempDir('lookup-');
    writeFileSync(path.join(dir, 'kustomize'), 'not executable');
    expect(await locateTool('kustomize', `relative${path.delimiter}${dir}`)).toBeUndefined();
    chmodSync(path.join(dir, 'kustomize'), 0o755);
    expect(await locateTool('kustomize', `relative${path.delimiter}${dir}`)).toBe(path.join(dir, 'kustomize'));
  });

  it('computes the SHA-256 used to verify downloads', async () => {
    const file = path.join(makeTempDir(), 'blob');
    writeFileSync(file, 'abc');
    expect(await sha256Of(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
