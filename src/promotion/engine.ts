// The promotion engine: Kargo's LocalOrchestrator.ExecuteSteps, run to completion in one
// process. Where Kargo requeues a Promotion (a retryable error, a Running step), we wait in
// place, with an exponential backoff, within the step's timeout.

import { evaluateConfig, evaluateTemplate, hasTemplate } from '../expressions/index.js';
import type { StepRunnerRegistry } from '../runners/index.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  baseFunctions,
  globalVarsEnv,
  stepEnv,
  stepVarsEnv,
  type EnvironmentParts,
  type PromotionInfo,
  type StepMeta
} from './environment.js';
import { isTerminal, messageOf } from './errors.js';
import { executeRunner } from './execute.js';
import type { FreightSources } from './freight-lookup.js';
import type { FreightCollection, FreightRequest, FreightReference } from './freight.js';
import { deepCopy, setOwn } from './state.js';
import { splitAlias, type Step, type Var } from './steps.js';
import type {
  Capabilities,
  Config,
  HealthCheckCriteria,
  Logger,
  PromotionPhase,
  State,
  StepContext,
  StepEffects,
  StepResult,
  StepRunner,
  StepStatus
} from './types.js';

export interface Backoff {
  /** First wait after an error or an unhinted Running, in ms (the contract: about 1 s). */
  initialMs: number;
  /** Cap of the exponential backoff, in ms (the contract: 30 s). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** Hooks a door uses to show progress (log groups, a live terminal view). */
export interface PromotionEvents {
  onStepStart?(step: Step, attempt: number): void;
  /** Awaited before the engine decides what to do next (a door may flush, a test may act). */
  onStepAttempt?(step: Step, attempt: number, result: StepResult): void | Promise<void>;
  onStepEnd?(step: Step, execution: StepExecution): void;
}

export interface PromotionOptions {
  registry: StepRunnerRegistry;
  capabilities: Capabilities;
  logger: Logger;
  signal?: AbortSignal;
  /** Failures before a step is abandoned when neither its retry nor its runner says. */
  defaultErrorThreshold: number;
  /** Step timeout in ms when neither its retry nor its runner says; undefined: none. */
  defaultTimeoutMs?: number;
  backoff?: Backoff;
  /** Run local and read-only steps; report `writes-remote` steps as skipped. */
  dryRun?: boolean;
  events?: PromotionEvents;
}

export interface PromotionInput {
  steps: Step[];
  vars: Var[];
  info: PromotionInfo & { workDir: string };
  freight: FreightCollection;
  freightRequests: FreightRequest[];
  sources: FreightSources;
  /** State to start from (a resumed promotion); default {}. */
  state?: State;
}

/** What happened to one step, for outputs, the job summary and the CLI. */
export interface StepExecution {
  alias: string;
  kind: string;
  status: StepStatus;
  message: string;
  attempts: number;
  errorCount: number;
  durationMs: number;
  continueOnError: boolean;
  dryRun?: boolean;
}

export interface PromotionResult {
  status: PromotionPhase;
  message: string;
  state: State;
  steps: StepExecution[];
  healthChecks: HealthCheckCriteria[];
}

const SEVERITY: Record<StepStatus, number> = {
  Succeeded: 0,
  Skipped: 1,
  Running: 2,
  Aborted: 3,
  Failed: 4,
  Errored: 5
};

/** Kargo's DetermineFinalPhase: the most severe status among steps that may fail the promotion. */
export function determineFinalPhase(metas: StepMeta[]): { status: PromotionPhase; message: string } {
  let worst: StepMeta | undefined;
  for (const meta of metas) {
    if (meta.continueOnError || meta.status === undefined) continue;
    if (!worst || SEVERITY[meta.status] > SEVERITY[worst.status as StepStatus]) worst = meta;
  }
  const status = worst?.status ?? 'Succeeded';
  const message = worst?.message ?? '';
  switch (status) {
    case 'Succeeded':
    case 'Skipped':
      return { status: 'Succeeded', message };
    case 'Aborted':
    case 'Failed':
    case 'Errored':
      return { status, message };
    default:
      return { status: 'Errored', message };
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function effectsOf(runner: StepRunner<any>, config: Config): StepEffects {
  return typeof runner.effects === 'function' ? runner.effects(config) : runner.effects;
}

function evaluateVar(value: string, env: Record<string, unknown>): unknown {
  return hasTemplate(value) ? evaluateTemplate(value, env) : value;
}

class Promotion {
  private readonly state: State;
  private readonly metas: StepMeta[] = [];
  private readonly executions: StepExecution[] = [];
  private readonly healthChecks: HealthCheckCriteria[] = [];
  private readonly parts: EnvironmentParts;
  private readonly signal: AbortSignal;
  private readonly backoff: Backoff;
  /** What runners see as sharedState: the live state, read-only (O(1) per step, not a deep copy). */
  private readonly readOnlyState: State;

  constructor(
    private readonly input: PromotionInput,
    private readonly options: PromotionOptions
  ) {
    this.state = deepCopy(input.state ?? {});
    this.parts = {
      info: input.info,
      functions: baseFunctions(input.sources, options.capabilities.secrets)
    };
    this.signal = options.signal ?? new AbortController().signal;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    const refuse = (): never => {
      throw new TypeError('the shared state is read-only');
    };
    this.readOnlyState = new Proxy(this.state, { set: refuse, defineProperty: refuse, deleteProperty: refuse, setPrototypeOf: refuse });
  }

  async run(): Promise<PromotionResult> {
    for (const step of this.input.steps) {
      if (this.signal.aborted) {
        this.record(step, this.meta(step), { status: 'Errored', message: 'promotion canceled before this step started' }, 0, 0);
        continue;
      }
      await this.runStep(step);
    }
    const final = determineFinalPhase(this.metas);
    return {
      status: final.status,
      message: final.message,
      state: this.state,
      steps: this.executions,
      healthChecks: this.healthChecks
    };
  }

  private meta(step: Step): StepMeta {
    const meta: StepMeta = { alias: step.alias, errorCount: 0, continueOnError: step.continueOnError };
    this.metas.push(meta);
    return meta;
  }

  // Global vars see ctx and earlier vars only (no outputs, no status functions).
  private globalVars(): Record<string, unknown> {
    const vars: Record<string, unknown> = {};
    for (const v of this.input.vars) setOwn(vars, v.name, evaluateVar(v.value, globalVarsEnv(this.parts, vars)));
    return vars;
  }

  private stepVars(step: Step): Record<string, unknown> {
    const vars = this.globalVars();
    for (const v of step.vars) {
      setOwn(vars, v.name, evaluateVar(v.value, stepVarsEnv(this.parts, step.alias, vars, this.state, this.metas)));
    }
    return vars;
  }

  private shouldSkip(step: Step): boolean {
    if (step.if === undefined) {
      return this.metas.some((m) => !m.continueOnError && (m.status === 'Errored' || m.status === 'Failed'));
    }
    const env = stepEnv(this.parts, step.alias, this.stepVars(step), this.state, this.metas);
    const result = evaluateTemplate(step.if, env);
    if (typeof result !== 'boolean') {
      throw new Error(`expression must evaluate to a boolean, got ${result === null ? 'nil' : typeof result}`);
    }
    return !result;
  }

  private record(step: Step, meta: StepMeta, outcome: { status: StepStatus; message: string }, attempts: number, durationMs: number, dryRun = false): void {
    meta.status = outcome.status;
    meta.message = outcome.message;
    const execution: StepExecution = {
      alias: step.alias,
      kind: step.kind,
      status: outcome.status,
      message: outcome.message,
      attempts,
      errorCount: meta.errorCount,
      durationMs,
      continueOnError: step.continueOnError,
      ...(dryRun ? { dryRun } : {})
    };
    this.executions.push(execution);
    this.options.events?.onStepEnd?.(step, execution);
  }

  private async runStep(step: Step): Promise<void> {
    const meta = this.meta(step);
    try {
      if (this.shouldSkip(step)) return this.record(step, meta, { status: 'Skipped', message: '' }, 0, 0);
    } catch (err) {
      const message = `error checking if step "${step.alias}" should be skipped: ${messageOf(err)}`;
      return this.record(step, meta, { status: 'Errored', message }, 0, 0);
    }
    const runner = this.options.registry.get(step.kind);
    if (!runner) {
      const message = `step kind "${step.kind}" is not registered; verify the kind is correct`;
      return this.record(step, meta, { status: 'Errored', message }, 0, 0);
    }
    await this.attempt(step, runner, meta);
  }

  private errorThreshold(step: Step, runner: StepRunner<any>): number {
    if (step.retry?.errorThreshold) return step.retry.errorThreshold;
    return runner.defaultErrorThreshold ?? this.options.defaultErrorThreshold;
  }

  // A retry.timeout of "0s" explicitly means no timeout; absent falls back to the defaults.
  private timeoutMs(step: Step, runner: StepRunner<any>): number {
    if (step.retry?.timeout !== undefined) return parseDuration(step.retry.timeout) ?? 0;
    return runner.defaultTimeout ?? this.options.defaultTimeoutMs ?? 0;
  }

  private buildContext(step: Step, signal: AbortSignal): StepContext {
    const vars = this.stepVars(step);
    const env = stepEnv(this.parts, step.alias, vars, this.state, this.metas);
    const config = (step.config === undefined ? {} : evaluateConfig(step.config, env)) as Config;
    const info = this.input.info;
    return {
      uiBaseURL: info.uiBaseURL,
      workDir: info.workDir,
      sharedState: this.readOnlyState,
      alias: step.alias,
      config,
      project: info.project,
      stage: info.stage,
      promotion: info.promotion,
      promotionActor: info.actor,
      rollback: info.rollback,
      freightRequests: deepCopy(this.input.freightRequests),
      freight: deepCopy(this.input.freight),
      targetFreightRef: info.targetFreight as FreightReference | undefined,
      targetFreightAlias: info.targetFreight?.alias,
      capabilities: this.options.capabilities,
      logger: this.options.logger,
      signal
    };
  }

  private storeOutput(step: Step, runner: StepRunner<any>, result: StepResult): void {
    const output = result.output === undefined ? null : deepFreeze(deepCopy(result.output));
    setOwn(this.state, step.alias, output);
    const { namespace } = splitAlias(step.alias);
    if (runner.propagatesTaskOutput && namespace !== undefined && output) {
      const merged = { ...((this.state[namespace] as Record<string, unknown> | null) ?? {}), ...output };
      setOwn(this.state, namespace, merged);
    }
  }

  private waitMs(result: StepResult, hadError: boolean, attempt: number, meta: StepMeta): number {
    if (!hadError && result.retryAfterMs !== undefined) return result.retryAfterMs;
    const n = hadError ? meta.errorCount : attempt;
    return Math.min(this.backoff.initialMs * 2 ** Math.max(0, n - 1), this.backoff.maxMs);
  }

  private async attempt(step: Step, runner: StepRunner<any>, meta: StepMeta): Promise<void> {
    const started = Date.now();
    meta.startedAt = new Date(started);
    const threshold = this.errorThreshold(step, runner);
    const timeout = this.timeoutMs(step, runner);
    const deadline = timeout > 0 ? started + timeout : Infinity;
    const timer = new AbortController();
    const timeoutHandle = timeout > 0 ? setTimeout(() => timer.abort(), timeout) : undefined;
    const signal = AbortSignal.any([this.signal, timer.signal]);
    let lastError = '';
    let attempt = 0;
    try {
      for (;;) {
        attempt++;
        this.options.events?.onStepStart?.(step, attempt);
        let ctx: StepContext;
        try {
          ctx = this.buildContext(step, signal);
        } catch (err) {
          const message = `failed to build step context: ${messageOf(err)}`;
          return this.finish(step, meta, { status: 'Errored', message }, attempt, started);
        }
        if (this.options.dryRun && effectsOf(runner, ctx.config) === 'writes-remote') {
          const message = `dry run: not run (${step.kind} changes something outside the WorkDir)`;
          return this.record(step, meta, { status: 'Skipped', message }, 0, 0, true);
        }
        const result = await executeRunner(runner, ctx);
        await this.options.events?.onStepAttempt?.(step, attempt, result);
        this.storeOutput(step, runner, result);
        // The deadline aborted the attempt in flight (a request, a clone): what ended it is the
        // step's timeout, not the abort error the runner saw, so report it as Kargo does.
        if (timer.signal.aborted && !this.signal.aborted && result.status !== 'Succeeded' && result.status !== 'Skipped') {
          return this.finish(step, meta, this.timedOut(step, timeout, lastError), attempt, started);
        }
        const outcome = this.complete(step, meta, result, threshold);
        if (outcome.finished) {
          if (outcome.status === 'Succeeded' && result.healthCheck) this.healthChecks.push(result.healthCheck);
          return this.finish(step, meta, outcome, attempt, started);
        }
        if (outcome.error) lastError = outcome.message;
        if (this.signal.aborted) {
          const message = `step "${step.alias}" was canceled due to context cancellation`;
          return this.finish(step, meta, { status: 'Errored', message }, attempt, started);
        }
        const now = Date.now();
        if (now >= deadline) {
          return this.finish(step, meta, this.timedOut(step, timeout, lastError || outcome.message), attempt, started);
        }
        const wait = Math.min(this.waitMs(result, outcome.error, attempt, meta), deadline - now);
        this.options.logger.info(
          `${step.alias}: ${outcome.error ? `attempt ${attempt} failed (${outcome.message}); retrying` : 'still running; polling again'} in ${formatDuration(wait)}`
        );
        await sleep(wait, signal);
      }
    } finally {
      clearTimeout(timeoutHandle);
    }
  }

  private timedOut(step: Step, timeout: number, last: string): { status: StepStatus; message: string } {
    const base = `step "${step.alias}" timed out after ${formatDuration(timeout)}`;
    return { status: 'Errored', message: last ? `${base}; last error: ${last}` : base };
  }

  private finish(step: Step, meta: StepMeta, outcome: { status: StepStatus; message: string }, attempts: number, started: number): void {
    meta.finishedAt = new Date();
    this.record(step, meta, outcome, attempts, Date.now() - started);
  }

  /**
   * Kargo's reconcileResultWithMetadata + determineStepCompletion: is the step done, and with
   * which status and message?
   */
  private complete(
    step: Step,
    meta: StepMeta,
    result: StepResult,
    threshold: number
  ): { finished: boolean; status: StepStatus; message: string; error: boolean } {
    let status = result.status;
    let message = result.message ?? '';
    let error: unknown = result.error;
    if (error !== undefined && error !== null) {
      if (status !== 'Failed') status = 'Errored';
      message = messageOf(error);
    } else if (status === 'Errored') {
      error = new Error(`step "${step.alias}" errored: ${message || 'no details provided'}`);
      message = messageOf(error);
    }
    const hasError = error !== undefined && error !== null;
    if (status === 'Succeeded' || status === 'Skipped') return { finished: true, status, message, error: false };
    if (hasError && isTerminal(error)) {
      if (status === 'Failed') return { finished: true, status, message, error: true };
      return { finished: true, status: 'Errored', message: `an unrecoverable error occurred: ${message}`, error: true };
    }
    if (hasError) {
      meta.errorCount++;
      if (meta.errorCount >= threshold) {
        const finalStatus = status === 'Failed' ? 'Failed' : 'Errored';
        return { finished: true, status: finalStatus, message: `step "${step.alias}" met error threshold of ${threshold}: ${message}`, error: true };
      }
    }
    return { finished: false, status, message, error: hasError };
  }
}

/** Run the steps of a promotion to completion (or to cancellation) and report what happened. */
export function runPromotion(input: PromotionInput, options: PromotionOptions): Promise<PromotionResult> {
  return new Promotion(input, options).run();
}
