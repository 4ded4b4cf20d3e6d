import type { StepRunner } from '../promotion/types.js';
import { formatNumber, goQuote } from './structured/format.js';
import { parseJsonFile, setJsonValue, type JsonScalar } from './structured/json-edit.js';
import { runUpdateStep, updateCommitMessage, withContext, type UpdateFormat } from './structured/update-step.js';
import { jsonUpdateSchema, type JsonUpdateConfig } from './schemas/json-update.js';

type Update = JsonUpdateConfig['updates'][number];

function isJsonScalar(value: unknown): value is JsonScalar {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function setJsonValues(text: string, updates: Update[], path: string): string {
  parseJsonFile(text, path);
  let updated = text;
  for (const { key, value } of updates) {
    if (!isJsonScalar(value)) {
      throw new Error(`value for key ${JSON.stringify(key)} in ${JSON.stringify(path)} is not a scalar type (string, number or boolean)`);
    }
    const context = `error setting key ${JSON.stringify(key)} in JSON file ${JSON.stringify(path)}`;
    updated = withContext(context, () => setJsonValue(updated, key, value, path));
  }
  return updated;
}

const jsonUpdateFormat: UpdateFormat<Update> = {
  format: 'JSON',
  failure: 'JSON file update failed',
  edit: setJsonValues,
  valueText: (value) => (typeof value === 'string' ? goQuote(value) : typeof value === 'number' ? formatNumber(value) : String(value))
};

/** Kargo's commit message for this step. */
export function jsonUpdateCommitMessage(path: string, updates: Update[]): string {
  return updateCommitMessage(path, updates, jsonUpdateFormat.valueText);
}

/**
 * json-update: sets values in a JSON file with sjson's key syntax, creating missing keys, and
 * keeping every byte it does not change. The commit message Go-quotes strings (`%q`) and shows
 * other values as they are (`%v`), as Kargo's does.
 */
export const jsonUpdateRunner: StepRunner<JsonUpdateConfig> = {
  name: 'json-update',
  schema: jsonUpdateSchema,
  effects: 'local',
  run: (ctx) => runUpdateStep(ctx, jsonUpdateFormat)
};
