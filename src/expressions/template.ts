// Kargo's templates: `${{ expr }}` / `${% expr %}` inside strings, and the type coercion of the
// result (pkg/expressions EvaluateTemplate).

import { ExpressionError } from './errors.js';
import { Evaluator, type Functions } from './evaluate.js';
import { marshalJSON } from './json.js';
import { goQuote, templateFunctions } from './kargo-functions.js';
import { parseGoBool, parseGoFloat } from './goparse.js';
import { compile } from './compile.js';

const DELIMITERS = [
  { start: '${{', end: '}}' },
  { start: '${%', end: '%}' }
];

interface Piece {
  before: string;
  expression?: { text: string; offset: number };
  after: string;
}

/** True when the string holds an opening delimiter, i.e. it is a template. */
export function hasTemplate(value: string): boolean {
  return DELIMITERS.some((d) => value.includes(d.start));
}

/** The earliest expression in `template` (offsets relative to `base`). */
function nextPiece(template: string, base: number, whole: string): Piece {
  let best: { start: string; end: string; index: number } | undefined;
  for (const d of DELIMITERS) {
    const index = template.indexOf(d.start);
    if (index >= 0 && (!best || index < best.index)) best = { ...d, index };
  }
  if (!best) return { before: '', after: template };
  const exprStart = best.index + best.start.length;
  const exprEnd = template.indexOf(best.end, exprStart);
  if (exprEnd < 0) {
    throw new ExpressionError(`unclosed expression: expected ${goQuote(best.end)} but reached end of template`, whole, base + best.index);
  }
  return {
    before: template.slice(0, best.index),
    expression: { text: template.slice(exprStart, exprEnd), offset: base + exprStart },
    after: template.slice(exprEnd + best.end.length)
  };
}

/** Every expression of a template, in order, with the literal text around them. */
function splitTemplate(template: string): Array<string | { text: string; offset: number }> {
  const parts: Array<string | { text: string; offset: number }> = [];
  let rest = template;
  let base = 0;
  for (;;) {
    const piece = nextPiece(rest, base, template);
    if (piece.before) parts.push(piece.before);
    if (!piece.expression) {
      if (piece.after) parts.push(piece.after);
      return parts;
    }
    parts.push(piece.expression);
    base = template.length - piece.after.length;
    rest = piece.after;
  }
}

/** Parse every expression of a template without running anything. */
export function checkTemplate(template: string): void {
  for (const part of splitTemplate(template)) {
    if (typeof part !== 'string') compile(part.text);
  }
}

function runForTemplate(text: string, env: unknown, functions: Functions): string {
  const compiled = compile(text);
  const result = new Evaluator(text, env, functions).evaluate(compiled.ast);
  if (typeof result === 'string') return result;
  try {
    return marshalJSON(result);
  } catch (err) {
    throw new ExpressionError((err as Error).message, text);
  }
}

/** The template with every expression replaced by its result (strings verbatim, others as JSON). */
export function renderTemplate(template: string, env: unknown): string {
  const functions = templateFunctions();
  return splitTemplate(template)
    .map((part) => (typeof part === 'string' ? part : runForTemplate(part.text, env, functions)))
    .join('');
}

/** Kargo's coercion of a rendered template into a typed value. */
export function coerce(rendered: string): unknown {
  let result = rendered;
  const removedNewline = result.endsWith('\n');
  if (removedNewline) result = result.slice(0, -1);
  if (result.length > 1 && result.startsWith('"') && result.endsWith('"')) {
    return result.slice(1, -1) + (removedNewline ? '\n' : '');
  }
  const number = parseGoFloat(result);
  if (number !== undefined) return number;
  const bool = parseGoBool(result);
  if (bool !== undefined) return bool;
  const parsed = parseGoJSON(result);
  return parsed.ok ? parsed.value : result + (removedNewline ? '\n' : '');
}

function hasHugeNumber(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasHugeNumber);
  if (v !== null && typeof v === 'object') return Object.values(v).some(hasHugeNumber);
  return false;
}

/** json.Unmarshal into any: like JSON.parse, but a number beyond float64 is an error. */
function parseGoJSON(text: string): { ok: boolean; value?: unknown } {
  // JSON text starts (after whitespace) with one of these; skip the costly throw for the rest.
  if (!/^\s*[[{"\-0-9tfn]/.test(text)) return { ok: false };
  try {
    const value: unknown = JSON.parse(text);
    return hasHugeNumber(value) ? { ok: false } : { ok: true, value };
  } catch {
    return { ok: false };
  }
}

/** Kargo's EvaluateTemplate: a string without delimiters is returned unchanged. */
export function evaluateTemplate(template: string, env: unknown): unknown {
  if (!hasTemplate(template)) return template;
  return coerce(renderTemplate(template, env));
}
