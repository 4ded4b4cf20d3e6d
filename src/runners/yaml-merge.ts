import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { secureJoin } from '../fs/paths.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError, readUserFile } from './structured/files.js';
import { mergeYaml, type MergeInput } from './structured/yaml-merge.js';
import { yamlMergeSchema, type YamlMergeConfig } from './schemas/yaml-merge.js';

function errored(message: string, cause?: unknown): StepResult {
  return { status: 'Errored', error: new Error(message, { cause }) };
}

/** Kargo's commit message: `Wrote a to out` for one file, else `Merged n YAML files to out` and a list. */
export function yamlMergeCommitMessage(inPaths: string[], outPath: string): string {
  if (inPaths.length === 0) return '';
  if (inPaths.length === 1) return `Wrote ${inPaths[0]} to ${outPath}`;
  return `Merged ${inPaths.length} YAML files to ${outPath}${inPaths.map((p) => `\n- ${p}`).join('')}`;
}

/**
 * yaml-merge: merges YAML files in order (maps key by key, lists and scalars replaced, null
 * removes) into outFile, keeping the first file's comments and key order.
 */
export const yamlMergeRunner: StepRunner<YamlMergeConfig> = {
  name: 'yaml-merge',
  schema: yamlMergeSchema,
  effects: 'local',
  run: async (ctx) => {
    const { inFiles, outFile, ignoreMissingFiles = false } = ctx.config;
    const found: Array<{ display: string; absolute: string }> = [];
    for (const display of inFiles) {
      const absolute = secureJoin(ctx.workDir, display);
      try {
        await fs.stat(absolute);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          if (ignoreMissingFiles) continue;
          return errored(
            `input file ${JSON.stringify(display)} not found (set ignoreMissingFiles: true to skip missing files)`,
            err
          );
        }
        return errored(`unexpected error with file ${JSON.stringify(display)}: ${describeFsError(err)}`, err);
      }
      found.push({ display, absolute });
    }
    let merged: string;
    try {
      const inputs: MergeInput[] = [];
      for (const file of found) {
        let text: string;
        try {
          text = await readUserFile(file, 'input');
        } catch (err) {
          throw new Error(`error reading input file ${JSON.stringify(file.display)}: ${describeFsError((err as Error).cause)}`);
        }
        inputs.push({ display: file.display, text });
      }
      merged = mergeYaml(inputs);
    } catch (err) {
      return errored(`error merging YAML files: ${(err as Error).message}`, err);
    }
    const target = secureJoin(ctx.workDir, outFile);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const mode = await fs.stat(target).then((s) => s.mode & 0o7777, () => 0o600);
      await writeFileAtomic(target, merged, { mode });
    } catch (err) {
      return errored(`error writing merged YAML to ${JSON.stringify(outFile)}: ${describeFsError(err)}`, err);
    }
    const commitMessage = yamlMergeCommitMessage(
      found.map((f) => f.display),
      outFile
    );
    return { status: 'Succeeded', ...(commitMessage ? { output: { commitMessage } } : {}) };
  }
};
