import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import type { StepResult } from '../../src/promotion/types.js';
import { flatFiles, helmTemplateRunner } from '../../src/runners/helm-template.js';
import { helmFlatFilename, splitYAMLDocuments } from '../../src/tools/manifests.js';
import { useStandinTools } from '../helpers/standin-tools.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUTPUT = readFileSync(path.join(HERE, '..', 'fixtures', 'helm-template', 'template-output.yaml'), 'utf8');

const tools = useStandinTools(['helm']);
const plan = (control: Record<string, unknown>) => tools.plan('helm', control);
const calls = tools.calls;

function chartWorkDir(): string {
  const dir = makeTempDir();
  mkdirSync(path.join(dir, 'charts', 'web'), { recursive: true });
  writeFileSync(path.join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: test-chart\nversion: 0.1.0\n');
  writeFileSync(path.join(dir, 'values-prod.yaml'), 'replicas: 3\n');
  return dir;
}

const base = { path: 'charts/web', releaseName: 'test-release' };
const templateArgs = (workDir: string, namespace = 'test-project') => ['template', 'test-release', path.join(workDir, 'charts/web'), '--namespace', namespace];

function errorOf(result: StepResult): string {
  return (result.error as Error | undefined)?.message ?? '';
}

describe('helm-template config', () => {
  it.each([
    ['releaseName not specified', { path: 'c', outPath: 'o.yaml' }],
    ['setValues value not specified', { ...base, outPath: 'o.yaml', setValues: [{ key: 'a' }] }],
    ['valuesFiles contains an empty string', { ...base, outPath: 'o.yaml', valuesFiles: [''] }],
    ['an invalid outLayout', { ...base, outPath: 'o', outLayout: 'tree' }],
    ['an unknown field', { ...base, outPath: 'o.yaml', values: {} }],
    ['an empty apiVersions entry', { ...base, outPath: 'o.yaml', apiVersions: [''] }]
  ])('rejects %s', async (_n, config) => {
    const result = await runStep(helmTemplateRunner, config);
    expect(result.status).toBe('Failed');
    expect(errorOf(result)).toMatch(/^invalid helm-template config: /);
  });
});

describe('helm-template run', () => {
  it('renders to a single file exactly as helm template printed it, namespace defaulting to the project', async () => {
    const workDir = chartWorkDir();
    plan({ template: { expectArgs: templateArgs(workDir), stdout: OUTPUT } });
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'out/manifests.yaml' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'out/manifests.yaml'), 'utf8')).toBe(OUTPUT);
  });

  it('passes every rendering option as helm template flags', async () => {
    const workDir = chartWorkDir();
    const args = [
      ...templateArgs(workDir, 'apps'),
      '--values',
      path.join(workDir, 'values-prod.yaml'),
      '--set',
      'image.tag=1.2.3',
      '--set-literal',
      'motd={not,a,list}',
      '--include-crds',
      '--no-hooks',
      '--skip-tests',
      '--kube-version',
      'v1.30.1',
      '--api-versions',
      'monitoring.coreos.com/v1'
    ];
    plan({ template: { expectArgs: args, stdout: OUTPUT } });
    const result = await runStep(
      helmTemplateRunner,
      {
        ...base,
        outPath: 'out.yml',
        namespace: 'apps',
        valuesFiles: ['values-prod.yaml', 'values-missing.yaml'],
        ignoreMissingValueFiles: true,
        setValues: [{ key: 'image.tag', value: '1.2.3' }, { key: 'motd', value: '{not,a,list}', literal: true }],
        includeCRDs: true,
        disableHooks: true,
        skipTests: true,
        kubeVersion: 'v1.30.1',
        apiVersions: ['monitoring.coreos.com/v1']
      },
      { workDir }
    );
    expect(result.status).toBe('Succeeded');
    expect(calls()).toEqual([args]);
  });

  it('writes one file per resource in the flat layout', async () => {
    const workDir = chartWorkDir();
    plan({ template: { expectArgs: templateArgs(workDir), stdout: OUTPUT } });
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'flat', outLayout: 'flat' }, { workDir });
    expect(result.status).toBe('Succeeded');
    const dir = path.join(workDir, 'flat');
    expect(readdirSync(dir).sort()).toEqual([
      'configmap-test-namespace-test-configmap.yaml',
      'networking_k8s_io-networkpolicy-kube-system-test-netpol.yaml',
      'resource-0.yaml',
      'resource-1.yaml',
      'secret-test-namespace-test-secret.yaml'
    ]);
    expect(readFileSync(path.join(dir, 'configmap-test-namespace-test-configmap.yaml'), 'utf8')).toBe(
      '# Source: test-chart/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-configmap\n  namespace: test-namespace\ndata:\n  key: value   # kept as rendered'
    );
    expect(readFileSync(path.join(dir, 'resource-1.yaml'), 'utf8')).toBe('# Source: test-chart/templates/list.yaml\n- not\n- an object');
  });

  it('refuses flat names that would escape the output directory, writing nothing', async () => {
    const workDir = chartWorkDir();
    plan({ template: { stdout: '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ../../..\n' } });
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'flat', outLayout: 'flat' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toBe('failed to write rendered chart: unsafe generated resource filename "configmap-../../..-x.yaml"');
    expect(existsSync(path.join(workDir, 'flat'))).toBe(false);
  });

  it.each([
    ['chart name', false, []],
    ['release name', true, ['--release-name']]
  ])('lets helm write its --output-dir layout under the %s', async (_n, useReleaseName, extra) => {
    const workDir = chartWorkDir();
    const outDir = path.join(workDir, 'rendered');
    const sub = useReleaseName ? 'test-release' : 'test-chart';
    plan({
      template: {
        expectArgs: [...templateArgs(workDir), '--output-dir', outDir, ...extra],
        files: { [`${sub}/templates/configmap.yaml`]: '---\n# Source: test-chart/templates/configmap.yaml\nkind: ConfigMap\n' },
        stdout: `wrote ${outDir}/${sub}/templates/configmap.yaml\n`
      }
    });
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'rendered', useReleaseName }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(outDir, sub, 'templates/configmap.yaml'), 'utf8')).toContain('kind: ConfigMap');
  });

  it('builds dependencies first when asked', async () => {
    const workDir = chartWorkDir();
    plan({
      dependency: { expectArgs: ['dependency', 'build', path.join(workDir, 'charts/web')] },
      template: { expectArgs: templateArgs(workDir), stdout: OUTPUT }
    });
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'o.yaml', buildDependencies: true }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(calls().map((c) => c[0])).toEqual(['dependency', 'template']);
  });

  it.each([
    ['a missing values file', { valuesFiles: ['values-missing.yaml'] }, {}, 'failed to compose values: open values-missing.yaml: no such file or directory'],
    ['a chart without Chart.yaml', { path: 'nowhere' }, {}, 'failed to load chart from "nowhere": Chart.yaml file is missing'],
    ['an invalid kubeVersion', { kubeVersion: 'latest' }, {}, 'failed to initialize Helm action config: failed to parse Kubernetes version "latest": Invalid Semantic Version'],
    ['a template error', {}, { template: { exit: 1, stderr: 'Error: template: test-chart/templates/cm.yaml:4:11: executing "cm" at <.Values.x.y>: nil pointer\n' } }, 'failed to render chart: template: test-chart/templates/cm.yaml:4:11: executing "cm" at <.Values.x.y>: nil pointer'],
    ['missing dependencies', {}, { template: { exit: 1, stderr: 'Error: found in Chart.yaml, but missing in charts/ directory: redis\n' } }, 'missing chart dependencies: found in Chart.yaml, but missing in charts/ directory: redis'],
    ['a failed dependency build', { buildDependencies: true }, { dependency: { exit: 1, stderr: 'Error: no repository definition for https://charts.example.com\n' } }, 'failed to build chart dependencies: Error: no repository definition for https://charts.example.com']
  ])('is Errored for %s', async (_n, extra, control, message) => {
    const workDir = chartWorkDir();
    plan(control);
    const result = await runStep(helmTemplateRunner, { ...base, outPath: 'o.yaml', ...extra }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(errorOf(result)).toBe(message);
    expect(existsSync(path.join(workDir, 'o.yaml'))).toBe(false);
  });

  it('fails terminally, saying what to install, when helm is not on PATH', async () => {
    const saved = { PATH: process.env.PATH, GITHUB_ACTIONS: process.env.GITHUB_ACTIONS };
    process.env.PATH = makeTempDir('empty-path-');
    delete process.env.GITHUB_ACTIONS;
    try {
      const result = await runStep(helmTemplateRunner, { ...base, outPath: 'o.yaml' }, { workDir: chartWorkDir() });
      expect(result.status).toBe('Errored');
      expect(isTerminal(result.error)).toBe(true);
      expect(errorOf(result)).toMatch(/^helm was not found on PATH: install Helm v3 /);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.GITHUB_ACTIONS !== undefined) process.env.GITHUB_ACTIONS = saved.GITHUB_ACTIONS;
    }
  });
});

describe('helm-template helpers', () => {
  it.each([
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-config\n  namespace: default', 'configmap-default-test-config.yaml'],
    ['apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: test-deployment\n  namespace: prod', 'apps-deployment-prod-test-deployment.yaml'],
    ['apiVersion: v1\nkind: ClusterRole\nmetadata:\n  name: test-cluster-role', 'clusterrole-test-cluster-role.yaml'],
    ['apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: test-netpol\n  namespace: kube-system', 'networking_k8s_io-networkpolicy-kube-system-test-netpol.yaml'],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: x', ''],
    ['apiVersion: v1\nmetadata:\n  name: x', ''],
    ['kind: [unterminated', ''],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42', '']
  ])('flat name of %j is %j', (manifest, name) => {
    expect(helmFlatFilename(manifest)).toBe(name);
  });

  it('splits documents on --- lines the way Kubernetes does', () => {
    expect(splitYAMLDocuments('a: 1\n--- # comment\nb: 2\n---\n\n---x: 3\n')).toEqual(['a: 1', 'b: 2', '---x: 3']);
    expect(flatFiles('---\n---\n')).toEqual([]);
  });
});
