// helm-template: renders a chart of the WorkDir with `helm template` (a client-only dry run, as
// Kargo's install action) into one file, Helm's --output-dir layout, or one file per resource.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { findEscapingLink } from '../fs/escaping-links.js';
import { secureJoin } from '../fs/paths.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { findTool, ToolMissingError } from '../tools/index.js';
import { helmFlatFilename, splitYAMLDocuments, unsafeFilenameProblem } from '../tools/manifests.js';
import { runTool, toolError } from '../tools/run.js';
import { outPathIsFile } from './kustomize-build.js';
import { helmTemplateSchema, type HelmTemplateConfig } from './schemas/helm-template.js';

const FILE_MODE = 0o600;
// What Helm's chartutil.ParseKubeVersion (a lenient semver parse) accepts.
const KUBE_VERSION = /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

function errored(message: string): StepResult {
  return { status: 'Errored', error: new Error(message) };
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false
  );
}

/** The arguments of `helm template` for config (value files already resolved). */
export function helmTemplateArgs(
  config: HelmTemplateConfig,
  chartDir: string,
  valuesFiles: string[],
  namespace: string,
  outputDir: string | undefined
): string[] {
  const args = ['template', config.releaseName, chartDir, '--namespace', namespace];
  for (const file of valuesFiles) args.push('--values', file);
  for (const set of config.setValues ?? []) args.push(set.literal ? '--set-literal' : '--set', `${set.key}=${set.value}`);
  if (config.includeCRDs) args.push('--include-crds');
  if (config.disableHooks) args.push('--no-hooks');
  if (config.skipTests) args.push('--skip-tests');
  if (config.kubeVersion) args.push('--kube-version', config.kubeVersion);
  for (const version of config.apiVersions ?? []) args.push('--api-versions', version);
  if (outputDir !== undefined) {
    args.push('--output-dir', outputDir);
    if (config.useReleaseName) args.push('--release-name');
  }
  return args;
}

/** The flat layout: one file per rendered document, named by helmFlatFilename. */
export function flatFiles(stdout: string): Array<[string, string]> {
  let unnamed = 0;
  return splitYAMLDocuments(stdout).map((doc) => [helmFlatFilename(doc) || `resource-${unnamed++}.yaml`, doc]);
}

async function writeFlat(outPath: string, stdout: string): Promise<void> {
  const files = flatFiles(stdout);
  if (files.length === 0) return;
  for (const [name] of files) {
    const problem = unsafeFilenameProblem(name);
    if (problem) throw new Error(problem);
  }
  await fs.mkdir(outPath, { recursive: true, mode: 0o700 });
  for (const [name, contents] of files) await writeFileAtomic(path.join(outPath, name), contents, { mode: FILE_MODE });
}

export const helmTemplateRunner: StepRunner<HelmTemplateConfig> = {
  name: 'helm-template',
  schema: helmTemplateSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const config = ctx.config;
    const valuesFiles: string[] = [];
    for (const file of config.valuesFiles ?? []) {
      const abs = secureJoin(ctx.workDir, file);
      if (!(await exists(abs))) {
        if (config.ignoreMissingValueFiles) continue;
        return errored(`failed to compose values: open ${file}: no such file or directory`);
      }
      valuesFiles.push(abs);
    }

    const chartDir = secureJoin(ctx.workDir, config.path);
    const escaping = await findEscapingLink(ctx.workDir, chartDir);
    if (escaping) {
      return {
        status: 'Errored',
        error: new TerminalError(`chart ${JSON.stringify(config.path)} contains a symlink that leads outside the working directory: ${escaping}`)
      };
    }
    let helm: string;
    try {
      helm = await findTool('helm', ctx.logger);
    } catch (err) {
      if (err instanceof ToolMissingError) return { status: 'Errored', error: new TerminalError(err.message) };
      throw err;
    }
    const run = (args: string[]) => runTool(helm, args, { cwd: ctx.workDir, signal: ctx.signal });

    if (config.buildDependencies) {
      const built = await run(['dependency', 'build', chartDir]);
      if (built.exitCode !== 0) return errored(`failed to build chart dependencies: ${toolError(built)}`);
    }
    if (!(await exists(path.join(chartDir, 'Chart.yaml')))) {
      return errored(`failed to load chart from ${JSON.stringify(config.path)}: Chart.yaml file is missing`);
    }
    if (config.kubeVersion && !KUBE_VERSION.test(config.kubeVersion)) {
      return errored(
        `failed to initialize Helm action config: failed to parse Kubernetes version ${JSON.stringify(config.kubeVersion)}: Invalid Semantic Version`
      );
    }

    const outPath = secureJoin(ctx.workDir, config.outPath);
    const toFile = outPathIsFile(config.outPath);
    const layout = config.outLayout ?? 'helm';
    const outputDir = !toFile && layout === 'helm' ? outPath : undefined;
    const namespace = config.namespace || ctx.project;
    const rendered = await run(helmTemplateArgs(config, chartDir, valuesFiles, namespace, outputDir));
    if (rendered.exitCode !== 0) {
      const message = toolError(rendered).replace(/^Error: /, '');
      if (/missing in charts\/ directory/.test(message)) return errored(`missing chart dependencies: ${message}`);
      return errored(`failed to render chart: ${message}`);
    }

    try {
      if (toFile) {
        await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o700 });
        await writeFileAtomic(outPath, rendered.stdout, { mode: FILE_MODE });
      } else if (layout === 'flat') {
        await writeFlat(outPath, rendered.stdout);
      }
    } catch (err) {
      const message = (err as Error).message.replaceAll(ctx.workDir + path.sep, '');
      return errored(`failed to write rendered chart: ${message}`);
    }
    return { status: 'Succeeded' };
  }
};
