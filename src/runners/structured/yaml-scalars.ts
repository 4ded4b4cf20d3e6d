// Deciding how a string may be written as a YAML scalar so that it reads back as the same string,
// under YAML 1.2 (go-yaml v3, the `yaml` package) and YAML 1.1 (go-yaml v2, sigs.k8s.io/yaml, Helm).

import { parseAllDocuments, type Tags } from 'yaml';
import { formatNumber, goQuote, type Scalar } from './format.js';

// Go's strconv.ParseFloat and ParseBool, the tests Kargo's QuoteIfNecessary uses.
const GO_FLOAT =
  /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+)$/i;
const GO_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

function isJSON(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** Kargo's yaml.QuoteIfNecessary test: would a YAML reader take this string for a number, bool or JSON? */
export function kargoWouldQuote(s: string): boolean {
  return GO_FLOAT.test(s) || GO_BOOL.has(s) || isJSON(s);
}

/** Kargo's QuoteIfNecessary + `%v`: the text of a value in yaml-update's commit message. */
export function kargoYamlText(value: Scalar): string {
  if (typeof value === 'string') return kargoWouldQuote(value) ? goQuote(value) : value;
  return yamlPlainText(value);
}

/** A non-string scalar as YAML writes it plainly. */
export function yamlPlainText(value: Exclude<Scalar, string>): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  return formatNumber(value);
}

const withoutTimestamps = (tags: Tags) =>
  tags.filter((tag) => !['tag:yaml.org,2002:timestamp'].includes((tag as { tag?: string }).tag ?? ''));

function readsBackAs(source: string, expected: string, flow: boolean): boolean {
  for (const version of ['1.2', '1.1'] as const) {
    const docs = parseAllDocuments(source, {
      version,
      customTags: version === '1.1' ? withoutTimestamps : undefined,
      uniqueKeys: false
    });
    if (!Array.isArray(docs) || docs.length !== 1) return false;
    const doc = docs[0]!;
    if (doc.errors.length > 0) return false;
    const js = doc.toJS() as unknown;
    const got = flow ? (js as unknown[] | null)?.[0] : (js as Record<string, unknown> | null)?.k;
    if (got !== expected) return false;
  }
  return true;
}

/** True if s may be written as a plain scalar (in a block or flow collection) and read back unchanged. */
export function plainIsSafe(s: string, flow: boolean): boolean {
  if (s === '' || s !== s.trim() || /[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s)) return false;
  return readsBackAs(flow ? `[${s}]\n` : `k: ${s}\n`, s, flow);
}

/** A single-quoted scalar, or undefined if s holds characters single quotes cannot carry on one line. */
export function singleQuoted(s: string): string | undefined {
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(s)) return undefined;
  return `'${s.replace(/'/g, "''")}'`;
}

/** A double-quoted scalar with Go's escapes (all of which YAML's double-quoted style knows). */
export function doubleQuoted(s: string): string {
  return goQuote(s);
}
