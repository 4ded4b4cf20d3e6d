// In-place TOML edits as Kargo's pkg/toml does them: index every value by its key path (tables,
// array tables counted per header, dotted keys, arrays, inline tables), then replace only the
// source range of each addressed scalar. Comments, blank lines and everything else stay as written.

import { parseTOML, type AST } from 'toml-eslint-parser';
import { splitKey } from './keys.js';
import { formatNumber } from './format.js';

export interface TomlUpdate {
  key: string;
  value: unknown;
}

interface Entry {
  /** go-toml's name for the node kind, used in Kargo's "addresses X instead of a scalar" error. */
  kind: string;
  node?: AST.TOMLValue;
}

type TomlValueNode = AST.TOMLKeyValue['value'];

const encode = (path: string[]) => path.map((p) => `${p.length}:${p}`).join('|');

function keyParts(key: AST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
}

function indexValue(index: Map<string, Entry>, node: TomlValueNode, path: string[]): void {
  if (node.type === 'TOMLArray') {
    index.set(encode(path), { kind: 'Array' });
    node.elements.forEach((element, i) => indexValue(index, element, [...path, String(i)]));
  } else if (node.type === 'TOMLInlineTable') {
    index.set(encode(path), { kind: 'InlineTable' });
    for (const kv of node.body) indexValue(index, kv.value, [...path, ...keyParts(kv.key)]);
  } else {
    index.set(encode(path), { kind: 'scalar', node });
  }
}

function describeParseError(err: unknown): string {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const where = e.lineNumber !== undefined ? ` (line ${e.lineNumber}, column ${(e.column ?? 0) + 1})` : '';
  return `${e.message ?? String(err)}${where}`;
}

/** Kargo's indexNodes over toml-eslint-parser's AST. */
function indexNodes(text: string): Map<string, Entry> {
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (err) {
    throw new Error(`error parsing input: ${describeParseError(err)}`);
  }
  const index = new Map<string, Entry>();
  const arrayTableCounts = new Map<string, number>();
  const top = ast.body[0];
  if (!top) return index;
  let current: string[] = [];
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') {
      indexValue(index, item.value, [...current, ...keyParts(item.key)]);
      continue;
    }
    const base = keyParts(item.key);
    if (item.kind === 'standard') {
      current = base;
      index.set(encode(current), { kind: 'Table' });
    } else {
      index.set(encode(base), { kind: 'ArrayTable' });
      const count = arrayTableCounts.get(encode(base)) ?? 0;
      arrayTableCounts.set(encode(base), count + 1);
      current = [...base, String(count)];
      index.set(encode(current), { kind: 'ArrayTable' });
    }
    for (const kv of item.body) indexValue(index, kv.value, [...current, ...keyParts(kv.key)]);
  }
  return index;
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** go-toml's basic-string escaping. */
function basicEscape(s: string, keepNewlines: boolean): string {
  let out = '';
  for (const char of s) {
    const code = char.codePointAt(0) as number;
    if (char === '\\') out += '\\\\';
    else if (char === '"') out += '\\"';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (char === '\n') out += keepNewlines ? '\n' : '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += char;
  }
  return out;
}

/** go-toml v2's encoding of a string: a literal string unless it holds `'` or control characters. */
export function goTomlString(s: string): string {
  if (!s.includes("'") && !CONTROL.test(s)) return `'${s}'`;
  return `"${basicEscape(s, false)}"`;
}

/** A string in the style of the scalar it replaces, where that style can carry it. */
function stringLike(s: string, original: AST.TOMLValue, source: string): string {
  if (original.kind !== 'string') return goTomlString(s);
  const leadingNewline = /^("""|''')\r?\n/.exec(source)?.[0].slice(3) ?? '';
  if (original.style === 'literal' && !original.multiline) {
    return !s.includes("'") && !CONTROL.test(s) ? `'${s}'` : `"${basicEscape(s, false)}"`;
  }
  if (original.style === 'literal') {
    if (!s.includes("'") && !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(s.replace(/\r\n/g, '\n'))) {
      return `'''${leadingNewline}${s}'''`;
    }
    return `"""${leadingNewline}${basicEscape(s, true)}"""`;
  }
  if (original.multiline) return `"""${leadingNewline}${basicEscape(s, true)}"""`;
  return `"${basicEscape(s, false)}"`;
}

/** A number as TOML: integers plain, except where the value replaced was a float (`3.0`). */
function tomlNumber(n: number, original?: AST.TOMLValue): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  const text = formatNumber(n);
  return original?.kind === 'float' && Number.isInteger(n) && !text.includes('e') ? `${text}.0` : text;
}

/** The TOML text of a value, or undefined for a value TOML cannot hold as a scalar. */
export function tomlText(value: unknown, original?: AST.TOMLValue, source = ''): string | undefined {
  if (typeof value === 'string') return original ? stringLike(value, original, source) : goTomlString(value);
  if (typeof value === 'number') return tomlNumber(value, original);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * Kargo's toml.SetValuesInBytes: each key must exist and address a scalar; the last update to a
 * key wins; the result differs from text only inside the replaced values.
 */
export function setTomlValues(text: string, updates: TomlUpdate[]): string {
  const index = indexNodes(text);
  const changes = new Map<number, { start: number; end: number; text: string }>();
  for (const { key, value } of updates) {
    let path: string[];
    try {
      path = splitKey(key);
    } catch (err) {
      throw new Error(`error splitting key ${key}: ${(err as Error).message}`);
    }
    const entry = index.get(encode(path));
    if (!entry) throw new Error(`error finding key ${key}: key path not found`);
    if (!entry.node) throw new Error(`error finding key ${key}: key path addresses ${entry.kind} instead of a scalar node`);
    const [start, end] = entry.node.range;
    const replacement = tomlText(value, entry.node, text.slice(start, end));
    if (replacement === undefined) {
      throw new Error(`error formatting value for key ${key}: value is not a TOML scalar type (string, number or boolean)`);
    }
    changes.set(start, { start, end, text: replacement });
  }
  let out = text;
  for (const change of [...changes.values()].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, change.start) + change.text + out.slice(change.end);
  }
  return out;
}
