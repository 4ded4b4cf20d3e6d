// set-freight-alias: in Kargo, renames a Freight's alias in the project. In a workflow the only
// Freight are those of the `freight` input, so the step checks the Freight is one of them and
// reports the new alias as its output {name, alias} for later steps and the action's outputs.

import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { setFreightAliasSchema, type SetFreightAliasConfig } from './schemas/set-freight-alias.js';

export const setFreightAliasRunner: StepRunner<SetFreightAliasConfig> = {
  name: 'set-freight-alias',
  schema: setFreightAliasSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const { name, alias } = ctx.config;
    const freight = Object.values(ctx.freight.items).find((f) => f.name === name);
    if (!freight) {
      return {
        status: 'Failed',
        error: new TerminalError(
          `freight "${name}" not found in project "${ctx.project}" (a workflow knows only the Freight given in the freight input)`
        )
      };
    }
    return {
      status: 'Succeeded',
      message: `updated alias of Freight "${name}" from "${freight.alias ?? ''}" to "${alias}"`,
      output: { name, alias }
    };
  }
};
