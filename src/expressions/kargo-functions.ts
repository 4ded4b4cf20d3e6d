// Kargo's pure expression functions: quote, unsafeQuote, asYAML, asJSON (template functions of
// pkg/expressions) and semverParse, semverDiff (pkg/expressions/function).

import { Fault } from './errors.js';
import { marshalJSON, marshalJSONIndent } from './json.js';
import { SemverVersion } from './semver.js';
import { typeName } from './values.js';
import { marshalYAML } from './yaml.js';

const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
  '"': '\\"', '\\': '\\\\'
};

function isGoPrintable(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

/** Go's strconv.Quote (fmt's %q for a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch in SHORT_ESCAPES) out += SHORT_ESCAPES[ch];
    else if (isGoPrintable(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

function one(name: string, args: unknown[]): unknown {
  if (args.length !== 1) throw new Fault(`${name}() expects 1 argument, got ${args.length}`);
  return args[0];
}

function withContext<T>(fn: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new Fault(`error applying ${fn}() function: ${(err as Error).message}`);
  }
}

/** unsafeQuote(v): `"` + JSON(v) + `"` (a string keeps visible quotes after coercion). */
export function unsafeQuote(...args: unknown[]): string {
  const v = one('unsafeQuote', args);
  return `"${withContext('quote', () => marshalJSON(v))}"`;
}

/** quote(v): a string Go-%q-quoted (coercion strips the quotes again); anything else unsafeQuote. */
export function quote(...args: unknown[]): string {
  const v = one('quote', args);
  return typeof v === 'string' ? goQuote(v) : unsafeQuote(v);
}

/** asYAML(v): YAML text wrapped in quotes, so the coerced config value is that text. */
export function asYAML(...args: unknown[]): string {
  const v = one('asYAML', args);
  return `"${withContext('asYAML', () => marshalYAML(v))}"`;
}

/** asJSON(v): pretty JSON (2-space indent) plus a newline, wrapped in quotes. */
export function asJSON(...args: unknown[]): string {
  const v = one('asJSON', args);
  return `"${withContext('asJSON', () => marshalJSONIndent(v, '  '))}\n"`;
}

function parseOrUndefined(text: string): SemverVersion | undefined {
  try {
    return SemverVersion.parse(text);
  } catch {
    return undefined;
  }
}

/** semverDiff(a, b): "Major", "Minor", "Patch", "Metadata", "None" or "Incomparable". */
export function semverDiff(...args: unknown[]): string {
  if (args.length !== 2) throw new Fault(`expected 2 arguments, got ${args.length}`);
  if (typeof args[0] !== 'string') throw new Fault(`first argument must be string, got ${typeName(args[0])}`);
  if (typeof args[1] !== 'string') throw new Fault(`second argument must be string, got ${typeName(args[1])}`);
  const a = parseOrUndefined(args[0]);
  const b = parseOrUndefined(args[1]);
  if (!a || !b) return 'Incomparable';
  if (a.Major() !== b.Major()) return 'Major';
  if (a.Minor() !== b.Minor()) return 'Minor';
  if (a.Patch() !== b.Patch()) return 'Patch';
  if (a.Metadata() !== b.Metadata()) return 'Metadata';
  return 'None';
}

/** semverParse(v): a Masterminds-style Version with Major(), IncMinor(), String(), ... */
export function semverParse(...args: unknown[]): SemverVersion {
  if (args.length !== 1) throw new Fault(`expected 1 argument, got ${args.length}`);
  if (typeof args[0] !== 'string') throw new Fault(`argument must be string, got ${typeName(args[0])}`);
  try {
    return SemverVersion.parse(args[0]);
  } catch (err) {
    throw new Fault(`invalid semantic version: ${(err as Error).message}`);
  }
}

/** The functions Kargo adds to every template (EvaluateTemplate). */
export function templateFunctions(): Record<string, unknown> {
  return { quote, unsafeQuote, asYAML, asJSON };
}
