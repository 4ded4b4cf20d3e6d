// The action door: read the inputs once, run the promotion, write the outputs (also on
// failure), the job summary and annotations, and fail the job only as the contract says.

import * as core from '@actions/core';
import { workflowFreight } from './github-context.js';
import type { PromotionEvents } from './promotion/engine.js';
import { InputError, messageOf } from './promotion/errors.js';
import { describeStep } from './promotion/steps.js';
import type { Logger } from './promotion/types.js';
import { markdownSummary, promotionOutputs } from './report.js';
import { runSettings } from './run.js';
import { readSettings, runEnvironment, secretValues, type RawInputs } from './settings.js';

export const INPUT_NAMES = [
  'steps',
  'steps-file',
  'freight',
  'freight-file',
  'vars',
  'secrets',
  'project',
  'stage',
  'promotion',
  'working-directory',
  'github-token',
  'argocd-server',
  'argocd-token',
  'argocd-namespace',
  'argocd-insecure',
  'git-user-name',
  'git-user-email',
  'error-threshold',
  'timeout'
] as const;

function readInputs(): RawInputs {
  // Multi-line inputs keep their whitespace: YAML depends on it.
  return Object.fromEntries(INPUT_NAMES.map((name) => [name, core.getInput(name, { trimWhitespace: false })]));
}

const logger: Logger = {
  debug: (m) => core.debug(m),
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m)
};

// One log group per step; a step's failure also becomes an annotation.
const events: PromotionEvents = {
  onStepStart: (step, attempt) => {
    if (attempt === 1) core.startGroup(`${describeStep(step)}`);
  },
  onStepEnd: (step, execution) => {
    if (execution.attempts > 0) core.endGroup();
    const line = `${step.alias}: ${execution.status}${execution.message ? ` — ${execution.message}` : ''}`;
    const failed = execution.status === 'Failed' || execution.status === 'Errored';
    const annotation = { title: `${describeStep(step)} ${execution.status}` };
    // A continueOnError step's failure does not fail the job, but should not go unnoticed.
    if (failed && execution.continueOnError) core.warning(execution.message || execution.status, annotation);
    else if (failed) core.error(execution.message || execution.status, annotation);
    else core.info(line);
  }
};

export async function run(): Promise<void> {
  try {
    const raw = readInputs();
    // Mask before anything else can print them.
    for (const name of ['github-token', 'argocd-token'] as const) if (raw[name]) core.setSecret(raw[name] as string);
    const settings = await readSettings(raw, runEnvironment(process.env));
    for (const value of secretValues(settings)) core.setSecret(value);
    const controller = new AbortController();
    process.once('SIGTERM', () => controller.abort());
    process.once('SIGINT', () => controller.abort());
    const { prepared, result } = await runSettings(settings, {
      logger,
      mask: (value) => core.setSecret(value),
      events,
      signal: controller.signal,
      defaultFreight: settings.freightText === undefined ? workflowFreight(process.env, settings.github.serverUrl) : undefined
    });
    for (const [name, value] of Object.entries(promotionOutputs(result))) core.setOutput(name, value);
    await core.summary.addRaw(markdownSummary(`Promotion to ${prepared.info.stage}`, result)).write().catch((err: unknown) => {
      core.warning(`could not write the job summary: ${messageOf(err)}`);
    });
    if (result.status !== 'Succeeded') core.setFailed(`promotion ${result.status}: ${result.message}`);
  } catch (err) {
    core.setOutput('status', 'Errored');
    core.setOutput('state', '{}');
    core.setFailed(err instanceof InputError ? err.message : `unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
}
