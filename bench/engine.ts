// Engine overhead, for a promotion of N compose-output steps: runPromotion (per step: environment,
// config evaluation, schema check, state copies, bookkeeping) against calling the runner's run()
// N times directly; preparePromotion (parse, inflate, validate) against a plain YAML parse of the
// same text; and how the per-step cost grows with the number of steps.

import { parse } from 'yaml';
import { runPromotion } from '../src/promotion/engine.js';
import { preparePromotion, type PreparedPromotion } from '../src/promotion/plan.js';
import type { StepContext } from '../src/promotion/types.js';
import { composeOutputRunner } from '../src/runners/compose-output.js';
import type { StepRunnerRegistry } from '../src/runners/index.js';
import { compare, reportSpeed, type Outcome } from './lib/measure.js';

const noop = () => undefined;
const logger = { debug: noop, info: noop, warning: noop, error: noop };

function stepConfig(i: number): Record<string, unknown> {
  return { image: 'ghcr.io/acme/guestbook', tag: `v1.${i}.0`, replicas: 1 + (i % 3), canary: i % 2 === 0 };
}

/** The steps YAML of a promotion of `count` compose-output steps (plain configs, no templates). */
export function stepsYaml(count: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const c = stepConfig(i);
    lines.push(
      '- uses: compose-output',
      `  as: bump-${i}`,
      '  config:',
      `    image: ${String(c.image)}`,
      `    tag: ${String(c.tag)}`,
      `    replicas: ${String(c.replicas)}`,
      `    canary: ${String(c.canary)}`
    );
  }
  return `${lines.join('\n')}\n`;
}

// Only the runner the promotion uses: importing the full built-in registry would pull every
// runner (and Octokit, undici, ...) into the bundle and slow its build down for nothing.
const registry: StepRunnerRegistry = new Map([[composeOutputRunner.name, composeOutputRunner]]);

function prepare(text: string, workDir: string): PreparedPromotion {
  return preparePromotion(
    {
      stepsText: text,
      stepsSource: 'bench',
      vars: {},
      promotion: 'bench-promotion',
      actor: 'bench',
      uiBaseURL: '',
      defaultProject: 'bench',
      workDir
    },
    registry
  );
}

async function run(prepared: PreparedPromotion): Promise<void> {
  const result = await runPromotion(prepared, {
    registry,
    capabilities: { gitUser: { name: 'Bench', email: 'bench@example.com' }, secrets: {}, mask: noop },
    logger,
    defaultErrorThreshold: 1,
    backoff: { initialMs: 1, maxMs: 1 }
  });
  if (result.status !== 'Succeeded' || result.steps.length !== prepared.steps.length) {
    throw new Error(`promotion ${result.status} after ${result.steps.length} steps: ${result.message}`);
  }
}

function baseContext(workDir: string): StepContext {
  return {
    uiBaseURL: '',
    workDir,
    sharedState: {},
    alias: '',
    config: {},
    project: 'bench',
    stage: 'default',
    promotion: 'bench-promotion',
    promotionActor: 'bench',
    rollback: false,
    freightRequests: [],
    freight: { items: {} },
    capabilities: { gitUser: { name: 'Bench', email: 'bench@example.com' }, secrets: {}, mask: noop },
    logger,
    signal: new AbortController().signal
  };
}

/** The baseline: the same N runs of compose-output, called directly, outputs kept. */
async function direct(base: StepContext, configs: Record<string, unknown>[]): Promise<void> {
  const state: Record<string, unknown> = {};
  for (let i = 0; i < configs.length; i++) {
    const result = await composeOutputRunner.run({ ...base, alias: `bump-${i}`, config: configs[i]! as never });
    state[`bump-${i}`] = result.output;
  }
}

export async function runEngineBenchmarks(workDir: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const base = baseContext(workDir);
  const count = 200;
  const text = stepsYaml(count);
  const prepared = prepare(text, workDir);
  let sink: unknown;

  // The per-step engine: environment, config evaluation, schema check, state copies, records.
  const configs = Array.from({ length: count }, (_, i) => stepConfig(i));
  const overhead = await compare(
    () => run(prepared),
    () => direct(base, configs),
    { rounds: 15, batchMs: 60, warmup: 2 }
  );
  outcomes.push(reportSpeed('engine:run-200', overhead, 100, `runPromotion of ${count} compose-output steps vs ${count} direct run() calls`));

  // Reading the promotion: parse the steps YAML, inflate, validate every step's config.
  const prep = await compare(
    () => (sink = prepare(text, workDir)),
    () => (sink = parse(text)),
    { rounds: 15, batchMs: 60, warmup: 2 }
  );
  outcomes.push(reportSpeed('engine:prepare-200', prep, 2, `preparePromotion of ${count} steps (${text.split('\n').length} lines) vs yaml parse of the same text`));

  // Growth: a promotion 4x as long should cost about 4x, not 16x (per-step work must not grow
  // with the number of steps before it).
  const small = 50;
  const smallPrepared = prepare(stepsYaml(small), workDir);
  const growth = await compare(
    () => run(prepared),
    async () => {
      for (let i = 0; i < count / small; i++) await run(smallPrepared);
    },
    { rounds: 15, batchMs: 60, warmup: 2 }
  );
  outcomes.push(reportSpeed('engine:scaling', growth, 1.5, `one ${count}-step runPromotion vs ${count / small} of ${small} steps`));
  if (sink === Symbol.for('never')) console.log(sink);
  return outcomes;
}
