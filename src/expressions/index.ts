// The expression language of Kargo promotions: expr-lang (github.com/expr-lang/expr v1.17) with
// Kargo's `${{ }}` / `${% %}` templates and their type coercion. Hand-written: a tokenizer
// (lexer.ts), a Pratt parser to a syntax tree (parser.ts), and a tree-walking evaluator
// (evaluate.ts, operators.ts, builtins.ts). Nothing is ever run through eval or new Function.
//
// Values: nil = null (undefined reads as nil too), numbers are JavaScript numbers (an integral one
// behaves as expr's int, any other as float), strings, bools, arrays, maps = plain objects.
// A struct is a `goStruct(...)` view or a class instance: fields and methods are read by their Go
// names (`.Tag`, `.IncMinor()`), and its JSON form comes from its toJSON().
//
// Environment: an identifier that is not in the environment reads as nil, exactly as in Kargo
// (which compiles without a typed environment); `$env` is the whole environment, which may be any
// value (the *-parse steps pass the parsed document: an array root is `$env[0]`).

import { compile, type CompiledExpression } from './compile.js';
import { ExpressionError } from './errors.js';
import { Evaluator } from './evaluate.js';
import { marshalJSON } from './json.js';
import { asJSON, asYAML, quote, semverDiff, semverParse, unsafeQuote } from './kargo-functions.js';
import { evaluateTemplate as evaluateTemplateValue } from './template.js';
import { isPlainMap } from './values.js';

export { ExpressionError } from './errors.js';
export type { CompiledExpression } from './compile.js';
export { hasTemplate, checkTemplate } from './template.js';
/**
 * goStruct(fields, json[, typeName]): a value that expressions read by Go field names while its
 * JSON form uses the json names, as a Go struct with json tags does. For freight functions:
 *
 *   goStruct({ RepoURL: i.repoURL, Tag: i.tag ?? '', Digest: i.digest ?? '' }, i, '*v1alpha1.Image')
 *
 * `${{ imageFrom(u).Tag }}` reads the Tag field; `${{ imageFrom(u) }}` inserts the JSON of `i` (keys
 * in their own order, as Go encodes struct fields); reading a field it lacks (`.tag`) is an error
 * "cannot fetch tag from *v1alpha1.Image", as in Kargo; asYAML() writes the fields under their
 * lower-cased Go names, as yaml.v3 does for Kargo's types. `json` may be a function returning the
 * JSON-side value. A plain object with its own toJSON() function is treated the same way.
 */
export { goStruct } from './values.js';
export { SemverVersion } from './semver.js';
export { marshalYAML as toGoYAML } from './yaml.js';

export type Env = Record<string, unknown>;

/** Parse an expr-lang expression (no delimiters); throws ExpressionError on a syntax error. */
export function compileExpression(source: string): CompiledExpression {
  return compile(source);
}

/**
 * Evaluate a plain expr-lang expression (no delimiters, no Kargo template functions) against
 * `env`, e.g. http's successExpression or a *-parse step's fromExpression. Throws ExpressionError
 * ("<what> at column N in "<expression>"") on syntax or runtime errors.
 */
export function evaluateExpression(source: string | CompiledExpression, env: unknown): unknown {
  const compiled = typeof source === 'string' ? compile(source) : source;
  return new Evaluator(compiled.source, env, {}).evaluate(compiled.ast);
}

/**
 * Kargo's EvaluateTemplate: evaluate every `${{ }}` / `${% %}` of `template` (a string result is
 * inserted verbatim, any other as JSON), then coerce the text: one trailing newline dropped,
 * `"..."` -> string, a Go float -> number, a Go bool -> bool, JSON -> value, else the string.
 * A string without delimiters is returned unchanged. quote/unsafeQuote/asYAML/asJSON are always
 * available; env entries of those names are ignored, as Kargo's functions take precedence.
 */
export function evaluateTemplate(template: string, env: Env): unknown {
  const value = evaluateTemplateValue(template, env);
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ExpressionError(`json: unsupported value: ${value > 0 ? '+Inf' : Number.isNaN(value) ? 'NaN' : '-Inf'}`, template);
  }
  return value;
}

/**
 * Evaluate every string value of a config tree (maps and arrays are walked; keys and non-string
 * leaves are kept as they are). Returns a new tree; the input is not modified.
 */
export function evaluateConfig(config: unknown, env: Env): unknown {
  if (typeof config === 'string') return evaluateTemplate(config, env);
  if (Array.isArray(config)) return config.map((item) => evaluateConfig(item, env));
  if (isPlainMap(config)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      Object.defineProperty(out, key, { value: evaluateConfig(value, env), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return config;
}

/** Kargo's pure functions; the engine adds them to every environment. */
export const kargoFunctions: Env = Object.freeze({ quote, unsafeQuote, asYAML, asJSON, semverParse, semverDiff });

/**
 * How a non-string expression result is inserted into a template: Go's json.Marshal (map keys
 * sorted, struct values through their JSON side, <>& escaped as \u003c...). Throws on NaN/Inf
 * and functions.
 */
export function toExprJSON(value: unknown): string {
  return marshalJSON(value);
}
