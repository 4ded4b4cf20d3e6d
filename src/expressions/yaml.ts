// yaml.Marshal of go.yaml.in/yaml/v3 (what Kargo's asYAML uses) for expression values: 4-space
// indentation, "- " items of a sequence inside a sequence or a mapping indented as v3 does, keys in
// v3's natural order, and v3's choice between plain, 'single', "double" and | literal scalars.

import { Fault } from './errors.js';
import { formatTime, RFC3339_NANO } from './time.js';
import { formatGoFloat, isGoStruct, jsonSide, kindOf } from './values.js';

const INDENT = 4;

// ---- scalar resolution (resolve.go) ----

const RESOLVE_MAP = new Set([
  'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '', '~', 'null', 'Null', 'NULL',
  '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<'
]);
const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const BASE60 = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const TIMESTAMP = [
  /^\d{4}-\d{1,2}-\d{1,2}$/,
  /^\d{4}-\d{1,2}-\d{1,2}[Tt]\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?$/
];

/** True when v3 would read the plain scalar `s` as something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (RESOLVE_MAP.has(s)) return true;
  const hint = s[0];
  if (hint === '.') return YAML_FLOAT.test(s);
  if (!/^[-+0-9]/.test(hint)) return false;
  if (TIMESTAMP.some((re) => re.test(s))) return true;
  const plain = s.replace(/_/g, '');
  return GO_INT.test(plain) || YAML_FLOAT.test(plain) || /^-?0[bo]/.test(plain) && GO_INT.test(plain.replace('-', ''));
}

// ---- scalar analysis (emitterc.go yaml_emitter_analyze_scalar) ----

interface Analysis {
  multiline: boolean;
  blockPlain: boolean;
  singleQuoted: boolean;
  block: boolean;
}

function isPrintable(cp: number): boolean {
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff);
}

function isBreak(ch: string | undefined): boolean {
  return ch === '\n' || ch === '\r' || ch === '\u0085' || ch === '\u2028' || ch === '\u2029';
}

function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

function indicators(chars: string[]): { block: boolean } {
  let block = chars.length >= 3 && (chars.slice(0, 3).join('') === '---' || chars.slice(0, 3).join('') === '...');
  let precededByWhitespace = true;
  chars.forEach((ch, i) => {
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || isBlank(next) || isBreak(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) block = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) block = true;
    } else if ((ch === ':' && followedByWhitespace) || (ch === '#' && precededByWhitespace)) {
      block = true;
    }
    precededByWhitespace = isBlank(ch) || isBreak(ch);
  });
  return { block };
}

function analyze(value: string): Analysis {
  if (value === '') return { multiline: false, blockPlain: true, singleQuoted: true, block: false };
  const chars = [...value];
  let lineBreaks = false, special = false, tabs = false, leadingSpace = false, leadingBreak = false;
  let trailingSpace = false, trailingBreak = false, breakSpace = false, spaceBreak = false;
  let previousSpace = false, previousBreak = false;
  chars.forEach((ch, i) => {
    const last = i === chars.length - 1;
    if (ch === '\t') tabs = true;
    else if (!isPrintable(ch.codePointAt(0)!)) special = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      [previousSpace, previousBreak] = [true, false];
    } else if (isBreak(ch)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      [previousSpace, previousBreak] = [false, true];
    } else {
      [previousSpace, previousBreak] = [false, false];
    }
  });
  const edges = leadingSpace || leadingBreak || trailingSpace || trailingBreak;
  const blockPlain = !edges && !breakSpace && !spaceBreak && !tabs && !special && !lineBreaks && !indicators(chars).block;
  const singleQuoted = !breakSpace && !spaceBreak && !tabs && !special;
  const block = !trailingSpace && !spaceBreak && !special;
  return { multiline: lineBreaks, blockPlain, singleQuoted, block };
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function chooseStyle(s: string, simpleKey: boolean): Style {
  const canUsePlain = !resolvesToNonString(s) && !BASE60.test(s) && !OLD_BOOLS.has(s);
  let style: Style = s.includes('\n') ? 'literal' : canUsePlain ? 'plain' : 'double';
  const a = analyze(s);
  if (simpleKey && a.multiline) style = 'double';
  if (style === 'plain' && (!a.blockPlain || (s === '' && simpleKey))) style = 'single';
  if (style === 'single' && !a.singleQuoted) style = 'double';
  if (style === 'literal' && (!a.block || simpleKey)) style = 'double';
  return style;
}

// ---- scalar writers ----

const DOUBLE_ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P'
};

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0');
}

function doubleQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const escape = !isPrintable(cp) || cp === 0xfeff || isBreak(ch) || ch === '"' || ch === '\\';
    if (!escape) out += ch;
    else if (cp in DOUBLE_ESCAPES) out += `\\${DOUBLE_ESCAPES[cp]}`;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return `${out}"`;
}

function singleQuoted(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function literal(s: string, indent: number): string {
  let header = '|';
  if (s[0] === ' ' || isBreak(s[0])) header += String(INDENT);
  const chars = [...s];
  const lastBreak = isBreak(chars[chars.length - 1]);
  if (!lastBreak) header += '-';
  else if (chars.length === 1 || isBreak(chars[chars.length - 2])) header += '+';
  const pad = ' '.repeat(indent);
  const lines = (lastBreak ? s.slice(0, -1) : s).split('\n');
  return `${header}\n${lines.map((line) => (line === '' ? '' : pad + line)).join('\n')}\n`;
}

function scalarText(s: string, indent: number, simpleKey: boolean): string {
  switch (chooseStyle(s, simpleKey)) {
    case 'plain':
      return s;
    case 'single':
      return singleQuoted(s);
    case 'double':
      return doubleQuoted(s);
    default:
      return literal(s, indent);
  }
}

// ---- key order (sorter.go) ----

function isLetter(ch: string): boolean {
  return /\p{L}/u.test(ch);
}

function isDigitChar(ch: string): boolean {
  return /\p{Nd}/u.test(ch);
}

function digitRun(runes: string[], from: number): { value: number; end: number } {
  let end = from;
  let value = 0;
  while (end < runes.length && isDigitChar(runes[end])) value = value * 10 + Number(runes[end++]);
  return { value, end };
}

function keyLess(a: string, b: string): boolean {
  const ar = [...a];
  const br = [...b];
  let digits = false;
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) {
      digits = isDigitChar(ar[i]);
      continue;
    }
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i];
    if (al || bl) return digits ? al : bl;
    return numericLess(ar, br, i);
  }
  return ar.length < br.length;
}

function numericLess(ar: string[], br: string[], i: number): boolean {
  let an = 0;
  let bn = 0;
  if (ar[i] === '0' || br[i] === '0') {
    for (let j = i - 1; j >= 0 && isDigitChar(ar[j]); j--) {
      if (ar[j] !== '0') {
        an = 1;
        bn = 1;
        break;
      }
    }
  }
  const ad = digitRun(ar, i);
  const bd = digitRun(br, i);
  an = an * Math.pow(10, ad.end - i) + ad.value;
  bn = bn * Math.pow(10, bd.end - i) + bd.value;
  if (an !== bn) return an < bn;
  if (ad.end !== bd.end) return ad.end < bd.end;
  return ar[i] < br[i];
}

// ---- nodes ----

type Entry = [string, unknown];

/** The entries a value encodes as a mapping, or undefined when it is not one. */
function mappingEntries(v: unknown): Entry[] | undefined {
  const kind = kindOf(v);
  if (kind === 'map') {
    return Object.entries(v as object).sort(([a], [b]) => (keyLess(a, b) ? -1 : keyLess(b, a) ? 1 : 0));
  }
  if (kind === 'struct' && isGoStruct(v)) {
    // yaml.v3 names struct fields by their lower-cased Go names (Kargo's types have no yaml tags).
    return Object.entries(v as object).map(([k, val]) => [k.toLowerCase(), val]);
  }
  return undefined;
}

/** Replace values that marshal themselves (time, semver, other structs) by what they marshal to. */
function normalize(v: unknown): unknown {
  const kind = kindOf(v);
  if (kind === 'time') return formatTime(v as Date, RFC3339_NANO);
  if (kind === 'func') throw new Fault('cannot marshal a function as YAML');
  if (kind === 'struct' && !isGoStruct(v)) {
    const side = jsonSide(v);
    return side === undefined ? { ...(v as object) } : side;
  }
  return v;
}

function scalar(v: unknown, indent: number, simpleKey = false): string | undefined {
  switch (kindOf(v)) {
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return String(v);
    case 'float':
      return yamlFloat(v as number);
    case 'string':
      return scalarText(v as string, indent, simpleKey);
    default:
      return undefined;
  }
}

function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  return formatGoFloat(x);
}

/** Indentation of a block collection's content, as yaml_emitter_increase_indent computes it. */
function childIndent(parent: number, inSequenceItem: boolean): number {
  if (parent < 0) return 0;
  return inSequenceItem ? parent + 2 : INDENT * Math.floor((parent + INDENT) / INDENT);
}

/** Text after "key:" or "-" for a value; `indent` is the parent collection's indentation. */
function valueText(raw: unknown, indent: number, inSequenceItem: boolean): string {
  const v = normalize(raw);
  const text = scalar(v, childIndent(indent, inSequenceItem));
  if (text !== undefined) return text.endsWith('\n') ? ` ${text}` : ` ${text}\n`;
  const entries = mappingEntries(v);
  if (entries) {
    if (entries.length === 0) return ' {}\n';
    return inSequenceItem
      ? ` ${mapping(entries, childIndent(indent, true)).trimStart()}`
      : `\n${mapping(entries, childIndent(indent, false))}`;
  }
  const items = v as unknown[];
  if (items.length === 0) return ' []\n';
  return inSequenceItem
    ? ` ${sequence(items, childIndent(indent, true)).trimStart()}`
    : `\n${sequence(items, childIndent(indent, false))}`;
}

function mapping(entries: Entry[], indent: number): string {
  const pad = ' '.repeat(indent);
  return entries.map(([k, v]) => `${pad}${scalar(k, indent, true)}:${valueText(v, indent, false)}`).join('');
}

function sequence(items: unknown[], indent: number): string {
  const pad = ' '.repeat(indent);
  return items.map((item) => `${pad}-${valueText(item, indent, true)}`).join('');
}

/** yaml.Marshal(v) of go.yaml.in/yaml/v3. */
export function marshalYAML(raw: unknown): string {
  const v = normalize(raw);
  const text = scalar(v, INDENT);
  if (text !== undefined) return text.endsWith('\n') ? text : `${text}\n`;
  const entries = mappingEntries(v);
  if (entries) return entries.length === 0 ? '{}\n' : mapping(entries, 0);
  const items = v as unknown[];
  return items.length === 0 ? '[]\n' : sequence(items, 0);
}
