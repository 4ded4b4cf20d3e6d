import type { StepRunner } from '../promotion/types.js';
import { deepCopy } from '../promotion/state.js';
import { composeOutputSchema, type ComposeOutputConfig } from './schemas/compose-output.js';

/** compose-output: its config, key by key, becomes its output (and, inside a task, the task's). */
export const composeOutputRunner: StepRunner<ComposeOutputConfig> = {
  name: 'compose-output',
  schema: composeOutputSchema,
  effects: 'local',
  propagatesTaskOutput: true,
  run: async (ctx) => ({ status: 'Succeeded', output: deepCopy(ctx.config) })
};
