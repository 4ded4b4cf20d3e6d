// Checks made before any step runs, so bad input fails with nothing in the WorkDir changed:
// unknown steps, expressions that do not parse, an `if` that is not an expression, retry
// settings, and configs without expressions that break their step's schema.

import { checkTemplate, hasTemplate } from '../expressions/index.js';
import type { StepRunnerRegistry } from '../runners/index.js';
import { schemaIssues } from './config.js';
import { parseDuration } from './duration.js';
import { messageOf } from './errors.js';
import { describeStep, type SourcePosition, type Step, type Var } from './steps.js';

type Segments = (string | number)[];

export interface Problem {
  /** e.g. `step "update" (yaml-update) at steps[2]: config.updates[0].key: ...` */
  message: string;
  /** The YAML node the problem is about, when known (the CLI turns it into a line number). */
  source?: SourcePosition;
}

interface FieldProblem {
  field: Segments;
  text: string;
}

function formatField(segments: Segments): string {
  return segments.reduce<string>((out, s) => {
    if (typeof s === 'number') return `${out}[${s}]`;
    if (/^[A-Za-z_][\w-]*$/.test(s)) return out ? `${out}.${s}` : s;
    return `${out}[${JSON.stringify(s)}]`;
  }, '');
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

export function suggestStep(kind: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(kind, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(kind.length / 3)) ? best.name : undefined;
}

/** Every string in a config tree with its key path. */
function* strings(value: unknown, path: Segments): Generator<[Segments, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...path, i]);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* strings(v, [...path, k]);
  }
}

function expressionProblems(values: Iterable<[Segments, string]>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, text] of values) {
    if (!hasTemplate(text)) continue;
    try {
      checkTemplate(text);
    } catch (err) {
      problems.push({ field, text: messageOf(err) });
    }
  }
  return problems;
}

function varEntries(vars: Var[]): [Segments, string][] {
  return vars.map((v, i) => [['vars', i, 'value'], v.value]);
}

function containsTemplate(config: unknown): boolean {
  for (const [, text] of strings(config, [])) if (hasTemplate(text)) return true;
  return false;
}

/** ajv's `/updates/0/key` as key segments. */
function instanceSegments(instancePath: string): Segments {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function stepProblems(step: Step, registry: StepRunnerRegistry): FieldProblem[] {
  const runner = registry.get(step.kind);
  if (!runner) {
    const hint = suggestStep(step.kind, registry.keys());
    return [{ field: ['uses'], text: `unknown step "${step.kind}"${hint ? `; did you mean "${hint}"?` : '; see the README for the supported steps'}` }];
  }
  const problems: FieldProblem[] = [];
  if (step.if !== undefined && !hasTemplate(step.if)) {
    problems.push({ field: ['if'], text: `${JSON.stringify(step.if)} is not an expression; write it as "\${{ ${step.if} }}"` });
  }
  if (step.retry?.timeout !== undefined && parseDuration(step.retry.timeout) === undefined) {
    problems.push({ field: ['retry', 'timeout'], text: `${JSON.stringify(step.retry.timeout)} is not a duration; use Go syntax such as "30s", "5m" or "1h30m"` });
  }
  const sites: [Segments, string][] = [...varEntries(step.vars), ...strings(step.config ?? {}, ['config'])];
  if (step.if !== undefined) sites.push([['if'], step.if]);
  problems.push(...expressionProblems(sites));
  if (runner.schema && !containsTemplate(step.config ?? {})) {
    for (const issue of schemaIssues(runner.schema, step.config ?? {})) {
      problems.push({ field: ['config', ...instanceSegments(issue.instancePath)], text: issue.message });
    }
  }
  return problems;
}

/** All problems of a promotion that can be known before it runs. */
export function findProblems(steps: Step[], globalVars: Var[], registry: StepRunnerRegistry): Problem[] {
  const problems: Problem[] = expressionProblems(varEntries(globalVars)).map((p) => ({
    message: `global ${formatField(p.field)}: ${p.text}`
  }));
  for (const step of steps) {
    for (const problem of stepProblems(step, registry)) {
      problems.push({
        message: `${describeStep(step)} at ${step.location}: ${formatField(problem.field)}: ${problem.text}`,
        source: step.source ? { document: step.source.document, path: [...step.source.path, ...problem.field] } : undefined
      });
    }
  }
  return problems;
}

/** The same problems, one line each. */
export function validatePromotion(steps: Step[], globalVars: Var[], registry: StepRunnerRegistry): string[] {
  return findProblems(steps, globalVars, registry).map((p) => p.message);
}
