import { TerminalError } from '../promotion/errors.js';
import type { StepRunner } from '../promotion/types.js';
import { failSchema, type FailConfig } from './schemas/fail.js';

/** fail: always Failed with a terminal error, typically behind an `if`. */
export const failRunner: StepRunner<FailConfig> = {
  name: 'fail',
  schema: failSchema,
  effects: 'local',
  run: async (ctx) => {
    const message = ctx.config.message ? `failed: ${ctx.config.message}` : 'failed';
    return { status: 'Failed', error: new TerminalError(message) };
  }
};
