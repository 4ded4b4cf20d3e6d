import type { StepRunner } from '../promotion/types.js';
import { isScalar } from './structured/format.js';
import { runUpdateStep, updateCommitMessage, withContext, type UpdateFormat } from './structured/update-step.js';
import { setYamlValues } from './structured/yaml-edit.js';
import { kargoYamlText } from './structured/yaml-scalars.js';
import { yamlUpdateSchema, type YamlUpdateConfig } from './schemas/yaml-update.js';

type Update = YamlUpdateConfig['updates'][number];

const yamlUpdateFormat: UpdateFormat<Update> = {
  format: 'YAML',
  failure: 'values file update failed',
  edit: (text, updates, path) => withContext(`error updating values in file ${JSON.stringify(path)}`, () => setYamlValues(text, updates)),
  valueText: (value) => (isScalar(value) ? kargoYamlText(value) : JSON.stringify(value))
};

/** Kargo's commit message for this step. */
export function yamlUpdateCommitMessage(path: string, updates: Update[]): string {
  return updateCommitMessage(path, updates, yamlUpdateFormat.valueText);
}

/**
 * yaml-update: sets existing scalar values in a YAML file, changing nothing but the edited
 * scalars' own text (comments, order, blank lines and styles elsewhere stay byte for byte).
 */
export const yamlUpdateRunner: StepRunner<YamlUpdateConfig> = {
  name: 'yaml-update',
  schema: yamlUpdateSchema,
  effects: 'local',
  run: (ctx) => runUpdateStep(ctx, yamlUpdateFormat)
};
