// Runs one runner once, as Kargo's local executor does: validate the config against the
// runner's schema (a violation is Failed + terminal), call it, turn a throw into Errored.

import { configToStruct } from './config.js';
import { messageOf, TerminalError } from './errors.js';
import { STEP_STATUSES, type StepContext, type StepResult, type StepRunner } from './types.js';

export async function executeRunner(runner: StepRunner<any>, ctx: StepContext): Promise<StepResult> {
  let typed: StepContext;
  try {
    typed = { ...ctx, config: configToStruct(runner.name, runner.schema, ctx.config) };
  } catch (error) {
    return { status: 'Failed', error };
  }
  try {
    const result = await runner.run(typed);
    if (!STEP_STATUSES.includes(result.status)) {
      return {
        status: 'Errored',
        error: new TerminalError(`step returned an invalid status "${String(result.status)}"`)
      };
    }
    return result;
  } catch (error) {
    if (ctx.signal.aborted && !(error instanceof TerminalError)) {
      return { status: 'Errored', error: new Error(`step was canceled: ${messageOf(error)}`, { cause: error }) };
    }
    return { status: 'Errored', error };
  }
}
