import { writeFileAtomic } from '../fs/atomic.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { formatNumber, goQuote } from './structured/format.js';
import { readUserFile, userFile } from './structured/files.js';
import { parseJsonFile, setJsonValue, type JsonScalar } from './structured/json-edit.js';
import { jsonUpdateSchema, type JsonUpdateConfig } from './schemas/json-update.js';

type Update = JsonUpdateConfig['updates'][number];

function errored(message: string, cause?: unknown): StepResult {
  return { status: 'Errored', error: new Error(`JSON file update failed: ${message}`, { cause }) };
}

function isJsonScalar(value: unknown): value is JsonScalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Kargo's commit message: strings Go-quoted (`%q`), other values as they are (`%v`). */
export function jsonUpdateCommitMessage(path: string, updates: Update[]): string {
  let message = `Updated ${path}\n`;
  for (const { key, value } of updates) {
    const text =
      typeof value === 'string' ? goQuote(value) : typeof value === 'number' ? formatNumber(value) : String(value);
    message += `\n- ${key}: ${text}`;
  }
  return message;
}

/**
 * json-update: sets values in a JSON file with sjson's key syntax, creating missing keys, and
 * keeping every byte it does not change.
 */
export const jsonUpdateRunner: StepRunner<JsonUpdateConfig> = {
  name: 'json-update',
  schema: jsonUpdateSchema,
  effects: 'local',
  run: async (ctx) => {
    const { path, updates } = ctx.config;
    const file = userFile(ctx.workDir, path);
    let text: string;
    try {
      text = await readUserFile(file, 'JSON');
    } catch (err) {
      return errored((err as Error).message, err);
    }
    try {
      parseJsonFile(text, path);
    } catch (err) {
      return errored((err as Error).message, err);
    }
    let updated = text;
    for (const { key, value } of updates) {
      if (!isJsonScalar(value)) {
        return errored(`value for key ${JSON.stringify(key)} in ${JSON.stringify(path)} is not a scalar type (string, number or boolean)`);
      }
      try {
        updated = setJsonValue(updated, key, value, path);
      } catch (err) {
        return errored(`error setting key ${JSON.stringify(key)} in JSON file ${JSON.stringify(path)}: ${(err as Error).message}`, err);
      }
    }
    if (updated !== text) await writeFileAtomic(file.absolute, updated);
    return { status: 'Succeeded', output: { commitMessage: jsonUpdateCommitMessage(path, updates) } };
  }
};
