import type { StepRunner } from '../promotion/types.js';
import { runUpdateStep, updateCommitMessage, withContext, type UpdateFormat } from './structured/update-step.js';
import { setTomlValues, tomlText } from './structured/toml-edit.js';
import { tomlUpdateSchema, type TomlUpdateConfig } from './schemas/toml-update.js';

type Update = TomlUpdateConfig['updates'][number];

const tomlUpdateFormat: UpdateFormat<Update> = {
  format: 'TOML',
  failure: 'TOML file update failed',
  edit: (text, updates, path) => withContext(`error updating TOML file ${JSON.stringify(path)}`, () => setTomlValues(text, updates)),
  valueText: (value) => tomlText(value) ?? JSON.stringify(value)
};

/** Kargo's commit message for this step. */
export function tomlUpdateCommitMessage(path: string, updates: Update[]): string {
  return updateCommitMessage(path, updates, tomlUpdateFormat.valueText);
}

/**
 * toml-update: sets existing scalar values in a TOML file, replacing only each value's own text
 * (comments, blank lines, key order and quoting elsewhere stay byte for byte). The commit
 * message shows values as go-toml encodes them (`'1.0.1'`, `100`, `true`), as Kargo's does.
 */
export const tomlUpdateRunner: StepRunner<TomlUpdateConfig> = {
  name: 'toml-update',
  schema: tomlUpdateSchema,
  effects: 'local',
  run: (ctx) => runUpdateStep(ctx, tomlUpdateFormat)
};
