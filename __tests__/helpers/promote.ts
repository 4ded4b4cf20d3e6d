// Runs a promotion from YAML through the same preparation and engine the doors use, with
// extra test runners registered beside the built-ins and a fast backoff.

import { runPromotion, type PromotionEvents, type PromotionResult } from '../../src/promotion/engine.js';
import { preparePromotion, type PromotionRequest } from '../../src/promotion/plan.js';
import type { Capabilities, StepResult, StepRunner } from '../../src/promotion/types.js';
import { builtinRegistry } from '../../src/runners/index.js';
import { captureLog, makeTempDir } from './step-context.js';

export interface PromoteOptions extends Partial<PromotionRequest> {
  runners?: StepRunner<any>[];
  errorThreshold?: number;
  timeoutMs?: number;
  secrets?: Record<string, Record<string, string>>;
  dryRun?: boolean;
  capabilities?: Partial<Capabilities>;
  events?: PromotionEvents;
}

export interface Promoted extends PromotionResult {
  workDir: string;
  log: string[];
}

export function registryWith(runners: StepRunner<any>[] = []) {
  const registry = new Map(builtinRegistry());
  for (const runner of runners) registry.set(runner.name, runner);
  return registry;
}

export async function promote(stepsYaml: string, options: PromoteOptions = {}): Promise<Promoted> {
  const registry = registryWith(options.runners);
  const workDir = options.workDir ?? makeTempDir('kargo-promote-');
  const prepared = preparePromotion(
    {
      stepsText: stepsYaml,
      stepsSource: 'steps',
      vars: {},
      promotion: 'test-promotion',
      actor: 'tester',
      uiBaseURL: '',
      defaultProject: 'test-project',
      ...options,
      workDir
    },
    registry
  );
  const log = captureLog();
  const result = await runPromotion(prepared, {
    registry,
    capabilities: {
      gitUser: { name: 'T', email: 't@example.com' },
      secrets: options.secrets ?? {},
      mask: () => undefined,
      ...options.capabilities
    },
    events: options.events,
    logger: log.logger,
    defaultErrorThreshold: options.errorThreshold ?? 1,
    defaultTimeoutMs: options.timeoutMs,
    backoff: { initialMs: 2, maxMs: 10 },
    dryRun: options.dryRun
  });
  return { ...result, workDir, log: log.lines };
}

/** A runner that answers each call with the next scripted result (the last one repeats). */
export function scriptedRunner(name: string, script: (StepResult | (() => StepResult))[], extra: Partial<StepRunner> = {}) {
  const calls: unknown[] = [];
  const runner: StepRunner & { calls: unknown[] } = {
    name,
    effects: 'local',
    calls,
    ...extra,
    run: async (ctx) => {
      calls.push(ctx.config);
      const next = script[Math.min(calls.length - 1, script.length - 1)] as StepResult | (() => StepResult);
      return typeof next === 'function' ? next() : next;
    }
  };
  return runner;
}
