import { writeFileAtomic } from '../fs/atomic.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { readUserFile, userFile } from './structured/files.js';
import { setTomlValues, tomlText } from './structured/toml-edit.js';
import { tomlUpdateSchema, type TomlUpdateConfig } from './schemas/toml-update.js';

type Update = TomlUpdateConfig['updates'][number];

function errored(message: string, cause?: unknown): StepResult {
  return { status: 'Errored', error: new Error(`TOML file update failed: ${message}`, { cause }) };
}

/** Kargo's commit message: values as go-toml encodes them (`'1.0.1'`, `100`, `true`). */
export function tomlUpdateCommitMessage(path: string, updates: Update[]): string {
  let message = `Updated ${path}\n`;
  for (const { key, value } of updates) message += `\n- ${key}: ${tomlText(value) ?? JSON.stringify(value)}`;
  return message;
}

/**
 * toml-update: sets existing scalar values in a TOML file, replacing only each value's own text
 * (comments, blank lines, key order and quoting elsewhere stay byte for byte).
 */
export const tomlUpdateRunner: StepRunner<TomlUpdateConfig> = {
  name: 'toml-update',
  schema: tomlUpdateSchema,
  effects: 'local',
  run: async (ctx) => {
    const { path, updates } = ctx.config;
    const file = userFile(ctx.workDir, path);
    let text: string;
    try {
      text = await readUserFile(file, 'TOML');
    } catch (err) {
      return errored((err as Error).message, err);
    }
    let updated: string;
    try {
      updated = setTomlValues(text, updates);
    } catch (err) {
      return errored(`error updating TOML file ${JSON.stringify(path)}: ${(err as Error).message}`, err);
    }
    if (updated !== text) await writeFileAtomic(file.absolute, updated);
    return { status: 'Succeeded', output: { commitMessage: tomlUpdateCommitMessage(path, updates) } };
  }
};
