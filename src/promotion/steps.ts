// Promotion steps as users write them (Kargo's PromotionStep), and their inflation into the flat
// list the engine runs: default aliases, task expansion with `::` namespacing, task vars
// (Kargo's api.InflateSteps). Every problem is an InputError that names the step and the field.

import { InputError } from './errors.js';
import type { Config } from './types.js';

export interface Var {
  name: string;
  value: string;
}

export interface StepRetry {
  timeout?: string;
  errorThreshold?: number;
}

/** Where a step stands in its YAML: the document and the key path, for line numbers. */
export interface SourcePosition {
  document: number;
  path: (string | number)[];
}

/** A step as written in a template or a PromotionTask. */
export interface PromotionStep {
  source?: SourcePosition;
  uses?: string;
  task?: { name: string; kind?: 'PromotionTask' | 'ClusterPromotionTask' };
  as?: string;
  if?: string;
  continueOnError?: boolean;
  retry?: StepRetry;
  vars?: Var[];
  config?: Config;
}

export interface PromotionTask {
  kind: 'PromotionTask' | 'ClusterPromotionTask';
  name: string;
  vars: Var[];
  steps: PromotionStep[];
}

/** A step ready to run. */
export interface Step {
  kind: string;
  alias: string;
  if?: string;
  continueOnError: boolean;
  retry?: StepRetry;
  vars: Var[];
  config?: Config;
  /** Where the user wrote it, for messages: `steps[2]`, or `steps[1] > task "t" steps[0]`. */
  location: string;
  source?: SourcePosition;
}

export const ALIAS_SEPARATOR = '::';
const RESERVED_ALIAS = /^(step|task)-\d+$/;
const STEP_KEYS = new Set(['uses', 'task', 'as', 'if', 'continueOnError', 'retry', 'vars', 'config']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringifyVarValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parse a `vars` list ([{name, value}]) as written in YAML. */
export function parseVars(raw: unknown, where: string): Var[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new InputError(`${where}: must be a list of {name, value}`);
  return raw.map((entry, i) => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') {
      throw new InputError(`${where}[${i}]: must be a mapping with a non-empty "name"`);
    }
    return { name: entry.name, value: stringifyVarValue(entry.value) };
  });
}

function parseRetry(raw: unknown, where: string): StepRetry | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw)) throw new InputError(`${where}.retry: must be a mapping {timeout, errorThreshold}`);
  const retry: StepRetry = {};
  if (raw.timeout !== undefined) {
    if (typeof raw.timeout !== 'string') throw new InputError(`${where}.retry.timeout: must be a duration such as "5m"`);
    retry.timeout = raw.timeout;
  }
  if (raw.errorThreshold !== undefined) {
    const n = raw.errorThreshold;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new InputError(`${where}.retry.errorThreshold: must be a whole number >= 0`);
    }
    retry.errorThreshold = n;
  }
  return retry;
}

/** Parse one step mapping as written by a user. */
export function parsePromotionStep(raw: unknown, where: string): PromotionStep {
  if (!isRecord(raw)) throw new InputError(`${where}: must be a mapping with "uses" or "task"`);
  const unknown = Object.keys(raw).filter((k) => !STEP_KEYS.has(k));
  if (unknown.length > 0) {
    throw new InputError(
      `${where}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')}; a step has ${[...STEP_KEYS].join(', ')}`
    );
  }
  const step: PromotionStep = {};
  if (raw.uses !== undefined) {
    if (typeof raw.uses !== 'string' || raw.uses === '') throw new InputError(`${where}.uses: must be a step name`);
    step.uses = raw.uses;
  }
  if (raw.task !== undefined) {
    if (!isRecord(raw.task) || typeof raw.task.name !== 'string' || raw.task.name === '') {
      throw new InputError(`${where}.task: must be a mapping with a "name"`);
    }
    const kind = raw.task.kind ?? 'PromotionTask';
    if (kind !== 'PromotionTask' && kind !== 'ClusterPromotionTask') {
      throw new InputError(`${where}.task.kind: must be PromotionTask or ClusterPromotionTask`);
    }
    step.task = { name: raw.task.name, kind };
  }
  if ((step.uses === undefined) === (step.task === undefined)) {
    throw new InputError(`${where}: must have exactly one of "uses" and "task"`);
  }
  if (raw.as !== undefined) {
    if (typeof raw.as !== 'string') throw new InputError(`${where}.as: must be a string`);
    if (raw.as !== '') step.as = raw.as;
  }
  if (raw.if !== undefined && raw.if !== null && raw.if !== '') {
    if (typeof raw.if !== 'string') throw new InputError(`${where}.if: must be an expression such as "\${{ always() }}"`);
    step.if = raw.if;
  }
  if (raw.continueOnError !== undefined) {
    if (typeof raw.continueOnError !== 'boolean') throw new InputError(`${where}.continueOnError: must be true or false`);
    step.continueOnError = raw.continueOnError;
  }
  step.retry = parseRetry(raw.retry, where);
  if (raw.vars !== undefined) step.vars = parseVars(raw.vars, `${where}.vars`);
  if (raw.config !== undefined && raw.config !== null) {
    if (!isRecord(raw.config)) throw new InputError(`${where}.config: must be a mapping`);
    step.config = raw.config;
  }
  return step;
}

export function parsePromotionSteps(raw: unknown, where: string, base?: SourcePosition): PromotionStep[] {
  if (!Array.isArray(raw)) throw new InputError(`${where}: must be a list of steps`);
  return raw.map((entry, i) => {
    const step = parsePromotionStep(entry, `${where}[${i}]`);
    if (base) step.source = { document: base.document, path: [...base.path, i] };
    return step;
  });
}

function checkAliases(steps: PromotionStep[], where: string): void {
  const seen = new Map<string, number>();
  steps.forEach((step, i) => {
    if (step.as === undefined) return;
    if (RESERVED_ALIAS.test(step.as)) {
      throw new InputError(`${where}[${i}].as: alias "${step.as}" is reserved (step-N and task-N are default aliases); choose another`);
    }
    if (step.as.includes(ALIAS_SEPARATOR)) {
      throw new InputError(`${where}[${i}].as: alias "${step.as}" must not contain "${ALIAS_SEPARATOR}"`);
    }
    const first = seen.get(step.as);
    if (first !== undefined) {
      throw new InputError(`${where}[${i}].as: alias "${step.as}" is already used by ${where}[${first}]`);
    }
    seen.set(step.as, i);
  });
}

/**
 * Task vars become step vars (Kargo's promotionTaskVarsToStepVars): a global var of the same
 * name wins over the task's default; a var with neither must be given by the task step.
 */
function taskStepVars(task: PromotionTask, templateStep: PromotionStep, globals: Var[], where: string): Var[] {
  const given = templateStep.vars ?? [];
  const vars: Var[] = [];
  for (const taskVar of task.vars) {
    if (globals.some((g) => g.name === taskVar.name && g.value !== '')) continue;
    if (taskVar.value !== '') {
      vars.push(taskVar);
      continue;
    }
    if (!given.some((v) => v.name === taskVar.name && v.value !== '')) {
      throw new InputError(`${where}.vars: missing value for variable "${taskVar.name}" of ${task.kind} "${task.name}"`);
    }
  }
  return [...vars, ...given];
}

function inflateTask(
  step: PromotionStep,
  alias: string,
  tasks: PromotionTask[],
  globals: Var[],
  where: string
): Step[] {
  const ref = step.task as NonNullable<PromotionStep['task']>;
  const forbidden = (['if', 'config', 'retry', 'continueOnError'] as const).filter((k) => step[k] !== undefined);
  if (forbidden.length > 0) {
    throw new InputError(`${where}: a task step may not set ${forbidden.join(', ')}; set them on the task's own steps`);
  }
  const kind = ref.kind ?? 'PromotionTask';
  const task = tasks.find((t) => t.name === ref.name && t.kind === kind);
  if (!task) {
    const known = tasks.map((t) => `${t.kind} "${t.name}"`).join(', ') || 'none';
    throw new InputError(`${where}.task: ${kind} "${ref.name}" not found; tasks in the steps file: ${known}`);
  }
  const vars = taskStepVars(task, step, globals, where);
  checkAliases(task.steps, `${kind} "${task.name}" steps`);
  return task.steps.map((taskStep, j) => {
    const taskWhere = `${where} > ${kind} "${task.name}" steps[${j}]`;
    if (taskStep.task) throw new InputError(`${taskWhere}: a task's steps may not use other tasks`);
    return {
      kind: taskStep.uses as string,
      alias: `${alias}${ALIAS_SEPARATOR}${taskStep.as ?? `step-${j + 1}`}`,
      if: taskStep.if,
      continueOnError: taskStep.continueOnError ?? false,
      retry: taskStep.retry,
      vars: [...vars, ...(taskStep.vars ?? [])],
      config: taskStep.config,
      location: taskWhere,
      source: taskStep.source
    };
  });
}

/** Give every step its alias and expand tasks (Kargo's api.InflateSteps). */
export function inflateSteps(steps: PromotionStep[], tasks: PromotionTask[], globals: Var[]): Step[] {
  checkAliases(steps, 'steps');
  return steps.flatMap((step, i) => {
    const where = `steps[${i}]`;
    if (step.task) return inflateTask(step, step.as ?? `task-${i + 1}`, tasks, globals, where);
    return [
      {
        kind: step.uses as string,
        alias: step.as ?? `step-${i + 1}`,
        if: step.if,
        continueOnError: step.continueOnError ?? false,
        retry: step.retry,
        vars: step.vars ?? [],
        config: step.config,
        location: where,
        source: step.source
      }
    ];
  });
}

/** Split `ns::short` into its namespace and short alias; a top-level alias has no namespace. */
export function splitAlias(alias: string): { namespace?: string; short: string } {
  const parts = alias.split(ALIAS_SEPARATOR);
  return parts.length === 2 ? { namespace: parts[0], short: parts[1] as string } : { short: alias };
}

/** `step "alias" (kind)` — how messages name a step. */
export function describeStep(step: Pick<Step, 'alias' | 'kind'>): string {
  return `step "${step.alias}" (${step.kind})`;
}
