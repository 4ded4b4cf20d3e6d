import { writeFileAtomic } from '../fs/atomic.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { isScalar } from './structured/format.js';
import { readUserFile, userFile } from './structured/files.js';
import { setYamlValues } from './structured/yaml-edit.js';
import { kargoYamlText } from './structured/yaml-scalars.js';
import { yamlUpdateSchema, type YamlUpdateConfig } from './schemas/yaml-update.js';

type Update = YamlUpdateConfig['updates'][number];

function errored(message: string, cause?: unknown): StepResult {
  return { status: 'Errored', error: new Error(`values file update failed: ${message}`, { cause }) };
}

/** Kargo's commit message: `Updated <path>` and one `- key: value` line per update. */
export function yamlUpdateCommitMessage(path: string, updates: Update[]): string {
  let message = `Updated ${path}\n`;
  for (const { key, value } of updates) {
    const text = isScalar(value) ? kargoYamlText(value) : JSON.stringify(value);
    message += `\n- ${key}: ${text}`;
  }
  return message;
}

/**
 * yaml-update: sets existing scalar values in a YAML file, changing nothing but the edited
 * scalars' own text (comments, order, blank lines and styles elsewhere stay byte for byte).
 */
export const yamlUpdateRunner: StepRunner<YamlUpdateConfig> = {
  name: 'yaml-update',
  schema: yamlUpdateSchema,
  effects: 'local',
  run: async (ctx) => {
    const { path, updates } = ctx.config;
    const file = userFile(ctx.workDir, path);
    let text: string;
    try {
      text = await readUserFile(file, 'YAML');
    } catch (err) {
      return errored((err as Error).message, err);
    }
    let updated: string;
    try {
      updated = setYamlValues(text, updates);
    } catch (err) {
      return errored(`error updating values in file ${JSON.stringify(path)}: ${(err as Error).message}`, err);
    }
    if (updated !== text) await writeFileAtomic(file.absolute, updated);
    return { status: 'Succeeded', output: { commitMessage: yamlUpdateCommitMessage(path, updates) } };
  }
};
