// kustomize-build: runs `kustomize build` on a directory of the WorkDir and writes the result as
// one multi-document file or as one file per resource.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { secureJoin } from '../fs/paths.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { findTool, locateTool, ToolMissingError } from '../tools/index.js';
import { checkKustomizationReferences, KustomizationEscapeError } from '../tools/kustomization-refs.js';
import { kustomizeResourceFiles, unsafeFilenameProblem } from '../tools/manifests.js';
import { runTool, toolError } from '../tools/run.js';
import { kustomizeBuildSchema, type KustomizeBuildConfig } from './schemas/kustomize-build.js';

const FILE_MODE = 0o600;

export function outPathIsFile(outPath: string): boolean {
  const ext = path.extname(outPath);
  return ext === '.yaml' || ext === '.yml';
}

/** The arguments of `kustomize build`, matching the options Kargo gives kustomize's library. */
export function kustomizeArgs(dir: string, config: KustomizeBuildConfig, helmCommand: string): string[] {
  const args = ['build', dir, '--load-restrictor', 'LoadRestrictionsNone', '--enable-helm', '--helm-command', helmCommand];
  const helm = config.plugin?.helm;
  for (const version of helm?.apiVersions ?? []) args.push('--helm-api-versions', version);
  if (helm?.kubeVersion) args.push('--helm-kube-version', helm.kubeVersion);
  return args;
}

async function writeResult(stdout: string, outPath: string, format: 'kargo' | 'kustomize'): Promise<void> {
  if (outPathIsFile(outPath)) {
    await fs.mkdir(path.dirname(outPath), { recursive: true, mode: 0o700 });
    await writeFileAtomic(outPath, stdout, { mode: FILE_MODE });
    return;
  }
  const files = kustomizeResourceFiles(stdout, format);
  // Check every name before writing any, so a bad resource leaves no partial output.
  for (const [name] of files) {
    const problem = unsafeFilenameProblem(name);
    if (problem) throw new Error(problem);
  }
  await fs.mkdir(outPath, { recursive: true, mode: 0o700 });
  for (const [name, contents] of files) await writeFileAtomic(path.join(outPath, name), contents, { mode: FILE_MODE });
}

export const kustomizeBuildRunner: StepRunner<KustomizeBuildConfig> = {
  name: 'kustomize-build',
  schema: kustomizeBuildSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const config = ctx.config;
    const dir = secureJoin(ctx.workDir, config.path);
    try {
      await checkKustomizationReferences(ctx.workDir, dir);
    } catch (err) {
      if (err instanceof KustomizationEscapeError) return { status: 'Errored', error: new TerminalError(err.message) };
      throw err;
    }
    let kustomize: string;
    try {
      kustomize = await findTool('kustomize', ctx.logger);
    } catch (err) {
      if (err instanceof ToolMissingError) return { status: 'Errored', error: new TerminalError(err.message) };
      throw err;
    }
    const helm = (await locateTool('helm')) ?? 'helm';
    const result = await runTool(kustomize, kustomizeArgs(dir, config, helm), { cwd: ctx.workDir, signal: ctx.signal });
    if (result.exitCode !== 0) {
      return { status: 'Errored', error: new Error(`kustomize build of ${JSON.stringify(config.path)} failed: ${toolError(result)}`) };
    }
    const outPath = secureJoin(ctx.workDir, config.outPath);
    try {
      await writeResult(result.stdout, outPath, config.outputFormat ?? 'kargo');
    } catch (err) {
      const message = (err as Error).message.replaceAll(ctx.workDir + path.sep, '');
      return { status: 'Errored', error: new Error(`failed to write built manifests to ${JSON.stringify(config.outPath)}: ${message}`) };
    }
    return { status: 'Succeeded' };
  }
};
