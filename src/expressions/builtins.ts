// expr's built-in functions (builtin/builtin.go), with Go's string semantics where they show.

import { Buffer } from 'node:buffer';
import { fault } from './errors.js';
import { marshalJSONIndent } from './json.js';
import { asBool } from './operators.js';
import { parseDate } from './time.js';
import { equal, fetch, formatValue, isNil, kindOf, typeName } from './values.js';
import { parseGoFloat } from './goparse.js';

const MEMORY_BUDGET = 1_000_000;

export type Predicate = (item: unknown, index: number, acc?: unknown) => unknown;
type Builtin = (...args: unknown[]) => unknown;

function arity(args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === min + 1 ? `${min} or ${max}` : `${min} to ${max}`;
    fault(`invalid number of arguments (expected ${expected}, got ${args.length})`);
  }
}

function str(name: string, v: unknown): string {
  if (typeof v !== 'string') return fault(`invalid argument for ${name} (type ${typeName(v)}, a string is needed)`);
  return v;
}

function int(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) return fault(`invalid argument for ${name} (type ${typeName(v)}, an int is needed)`);
  return v;
}

function num(name: string, v: unknown): number {
  if (typeof v !== 'number') return fault(`invalid argument for ${name} (type ${typeName(v)})`);
  return v;
}

function arr(name: string, v: unknown): unknown[] {
  if (!Array.isArray(v)) return fault(`invalid argument for ${name} (type ${typeName(v)}, an array is needed)`);
  return v;
}

function obj(name: string, v: unknown): Record<string, unknown> {
  if (kindOf(v) !== 'map') return fault(`cannot get ${name} from ${typeName(v)}`);
  return v as Record<string, unknown>;
}

/** Byte offset in the UTF-8 encoding (Go string indexes are bytes). */
function byteIndex(s: string, index: number): number {
  return index < 0 ? index : Buffer.byteLength(s.slice(0, index), 'utf8');
}

function splitN(s: string, sep: string, n: number, after: boolean): string[] {
  if (n === 0) return [];
  const parts = sep === '' ? [...s] : s.split(sep);
  const pieces = after && sep !== '' ? parts.map((p, i) => (i < parts.length - 1 ? p + sep : p)) : parts;
  if (n < 0 || pieces.length <= n) return pieces;
  const head = pieces.slice(0, n - 1);
  const rest = pieces.slice(n - 1).join(after || sep === '' ? '' : sep);
  return [...head, rest];
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set([...chars]);
  const runes = [...s];
  let start = 0;
  let end = runes.length;
  while (left && start < end && set.has(runes[start])) start++;
  while (right && end > start && set.has(runes[end - 1])) end--;
  return runes.slice(start, end).join('');
}

/** strings.Replace: the first n (all when n < 0) non-overlapping occurrences of old. */
function replaceN(s: string, old: string, replacement: string, n: number): string {
  const pieces = old === '' ? ['', ...[...s], ''].slice(s === '' ? 1 : 0) : s.split(old);
  if (old === '' && s === '') pieces.push('');
  if (n < 0 || n >= pieces.length - 1) return pieces.join(replacement);
  return pieces.slice(0, n + 1).join(replacement) + old + pieces.slice(n + 1).join(old);
}

function toInt(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    if (!/^[+-]?\d+$/.test(v)) return fault(`invalid operation: int(${v})`);
    return Number(v);
  }
  return fault(`invalid operation: int(${typeName(v)})`);
}

function toFloat(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const parsed = parseGoFloat(v);
    if (parsed === undefined) return fault(`invalid operation: float(${v})`);
    return parsed;
  }
  return fault(`invalid operation: float(${typeName(v)})`);
}

/** expr's type(): Kargo's structs are pointers, which expr reports as "unknown". */
function exprType(v: unknown): string {
  const kind = kindOf(v);
  if (kind === 'time') return 'time.Time';
  return kind === 'struct' ? 'unknown' : kind;
}

function flattenNumbers(name: string, args: unknown[]): number[] {
  return args.flatMap((a) => (Array.isArray(a) ? flattenNumbers(name, a) : [num(name, a)]));
}

function minMax(name: string, args: unknown[], pick: (a: number, b: number) => boolean): number {
  const values = flattenNumbers(name, args);
  if (values.length === 0) return fault(`not enough arguments to call ${name}`);
  return values.reduce((best, v) => (pick(v, best) ? v : best));
}

function median(args: unknown[]): number {
  const values = flattenNumbers('median', args).sort((a, b) => a - b);
  if (values.length === 0) return 0;
  const mid = Math.floor(values.length / 2);
  return values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

function fromBase64(s: string): string {
  const clean = /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
  if (!clean) return fault('illegal base64 data');
  return Buffer.from(s, 'base64').toString('utf8');
}

function fromJSON(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch (err) {
    return fault(`invalid JSON: ${(err as Error).message}`);
  }
}

function flatten(list: unknown[]): unknown[] {
  return list.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

function uniq(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.some((o) => equal(o, v))) out.push(v);
  return out;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return fault(`cannot compare ${typeName(a)} and ${typeName(b)} when sorting`);
}

function order(name: string, value: unknown): 1 | -1 {
  if (value === undefined || value === 'asc') return 1;
  if (value === 'desc') return -1;
  return fault(`unknown order ${formatValue(value)} for ${name}, use "asc" or "desc"`);
}

function sortList(list: unknown[], direction: unknown): unknown[] {
  const dir = order('sort', direction);
  return [...list].sort((a, b) => dir * compareValues(a, b));
}

function get(container: unknown, key: unknown): unknown {
  const kind = kindOf(container);
  if (kind === 'nil') return null;
  if (!['array', 'string', 'map', 'struct'].includes(kind)) return fault(`type ${typeName(container)} does not support indexing`);
  try {
    return fetch(container, key);
  } catch {
    return null;
  }
}

function bitArg(name: string, v: unknown): bigint {
  if (typeof v !== 'number' || !Number.isInteger(v)) return fault(`cannot use ${typeName(v)} as argument (type int) to call ${name}`);
  return BigInt(v);
}

function bits(name: string, op: (a: bigint, b: bigint) => bigint, shift = false): Builtin {
  return (a, b) => {
    const [x, y] = [bitArg(name, a), bitArg(name, b)];
    if (shift && y < 0n) fault(`invalid operation: negative shift count ${y} (type int)`);
    return Number(BigInt.asIntN(64, op(x, y)));
  };
}

const BUILTINS: Record<string, Builtin> = {
  len: (v) => {
    if (typeof v === 'string') return [...v].length;
    if (Array.isArray(v)) return v.length;
    if (kindOf(v) === 'map') return Object.keys(v as object).length;
    return fault(`invalid argument for len (type ${typeName(v)})`);
  },
  type: exprType,
  abs: (v) => Math.abs(num('abs', v)),
  ceil: (v) => Math.ceil(num('ceil', v)),
  floor: (v) => Math.floor(num('floor', v)),
  round: (v) => Math.sign(num('round', v)) * Math.round(Math.abs(v as number)),
  int: toInt,
  float: toFloat,
  string: (v) => formatValue(v),
  trim: (s, chars) => (chars === undefined ? str('trim', s).trim() : trimChars(str('trim', s), str('trim', chars), true, true)),
  trimPrefix: (s, p = ' ') => {
    const text = str('trimPrefix', s);
    const prefix = str('trimPrefix', p);
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  },
  trimSuffix: (s, p = ' ') => {
    const text = str('trimSuffix', s);
    const suffix = str('trimSuffix', p);
    return suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
  },
  upper: (s) => str('upper', s).toUpperCase(),
  lower: (s) => str('lower', s).toLowerCase(),
  split: (s, sep, n = -1) => splitN(str('split', s), str('split', sep), int('split', n), false),
  splitAfter: (s, sep, n = -1) => splitN(str('splitAfter', s), str('splitAfter', sep), int('splitAfter', n), true),
  replace: (s, o, r, n = -1) => replaceN(str('replace', s), str('replace', o), str('replace', r), int('replace', n)),
  repeat: (s, n) => {
    const count = int('repeat', n);
    if (count < 0) fault(`invalid argument for repeat (expected positive integer, got ${count})`);
    if (count > MEMORY_BUDGET) fault('memory budget exceeded');
    return str('repeat', s).repeat(count);
  },
  join: (list, glue = '') => arr('join', list).map((v) => str('join', v)).join(str('join', glue)),
  indexOf: (s, sub) => byteIndex(str('indexOf', s), (s as string).indexOf(str('indexOf', sub))),
  lastIndexOf: (s, sub) => byteIndex(str('lastIndexOf', s), (s as string).lastIndexOf(str('lastIndexOf', sub))),
  hasPrefix: (s, p) => str('hasPrefix', s).startsWith(str('hasPrefix', p)),
  hasSuffix: (s, p) => str('hasSuffix', s).endsWith(str('hasSuffix', p)),
  max: (...args) => minMax('max', args, (a, b) => a > b),
  min: (...args) => minMax('min', args, (a, b) => a < b),
  mean: (...args) => {
    const values = flattenNumbers('mean', args);
    return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  },
  median: (...args) => median(args),
  toJSON: (v) => marshalJSONIndent(v, '  '),
  fromJSON: (s) => fromJSON(str('fromJSON', s)),
  toBase64: (s) => Buffer.from(str('toBase64', s), 'utf8').toString('base64'),
  fromBase64: (s) => fromBase64(str('fromBase64', s)),
  now: () => new Date(),
  date: (s, layout, tz) => parseDate(str('date', s), layout, tz),
  first: (v) => (Array.isArray(v) ? (v[0] ?? null) : null),
  last: (v) => (Array.isArray(v) ? (v[v.length - 1] ?? null) : null),
  get,
  take: (list, n) => arr('take', list).slice(0, Math.max(0, int('take', n))),
  keys: (m) => Object.keys(obj('keys', m)),
  values: (m) => Object.values(obj('values', m)),
  toPairs: (m) => Object.entries(obj('pairs', m)),
  fromPairs: (list) => fromPairs(arr('fromPairs', list)),
  reverse: (list) => [...arr('reverse', list)].reverse(),
  uniq: (list) => uniq(arr('uniq', list)),
  concat: (...lists) => lists.flatMap((l) => arr('concat', l)),
  flatten: (list) => (Array.isArray(list) ? flatten(list) : fault(`cannot flatten ${typeName(list)}`)),
  sort: (list, direction) => sortList(arr('sort', list), direction),
  bitand: bits('bitand', (a, b) => a & b),
  bitor: bits('bitor', (a, b) => a | b),
  bitxor: bits('bitxor', (a, b) => a ^ b),
  bitnand: bits('bitnand', (a, b) => a & ~b),
  bitshl: bits('bitshl', (a, b) => a << b, true),
  bitshr: bits('bitshr', (a, b) => a >> b, true),
  bitushr: bits('bitushr', (a, b) => BigInt.asUintN(64, a) >> b, true),
  bitnot: (a) => Number(BigInt.asIntN(64, ~bitArg('bitnot', a)))
};

const ARITY: Record<string, [number, number]> = {
  len: [1, 1], type: [1, 1], abs: [1, 1], ceil: [1, 1], floor: [1, 1], round: [1, 1], int: [1, 1],
  float: [1, 1], string: [1, 1], trim: [1, 2], trimPrefix: [1, 2], trimSuffix: [1, 2], upper: [1, 1],
  lower: [1, 1], split: [2, 3], splitAfter: [2, 3], replace: [3, 4], repeat: [2, 2], join: [1, 2],
  indexOf: [2, 2], lastIndexOf: [2, 2], hasPrefix: [2, 2], hasSuffix: [2, 2], toJSON: [1, 1],
  fromJSON: [1, 1], toBase64: [1, 1], fromBase64: [1, 1], now: [0, 0], date: [1, 3], first: [1, 1],
  last: [1, 1], get: [2, 2], take: [2, 2], keys: [1, 1], values: [1, 1], toPairs: [1, 1],
  fromPairs: [1, 1], reverse: [1, 1], uniq: [1, 1], flatten: [1, 1], sort: [1, 2], bitnot: [1, 1]
};

function fromPairs(list: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of list) {
    if (!Array.isArray(pair) || pair.length !== 2) fault('fromPairs needs an array of [key, value] pairs');
    // defineProperty: a "__proto__" key is a key, not the object's prototype.
    Object.defineProperty(out, String(pair[0]), { value: pair[1], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function callBuiltin(name: string, args: unknown[]): unknown {
  const fn = BUILTINS[name];
  if (!fn) return fault(`function ${name}() is not supported`);
  const bounds = ARITY[name] ?? (name.startsWith('bit') ? [2, 2] : undefined);
  if (bounds) arity(args, bounds[0], bounds[1]);
  return fn(...args);
}

// ---- predicate builtins ----

type PredicateBuiltin = (list: unknown[], pred: Predicate | undefined, extra: unknown[]) => unknown;

function test(name: string, pred: Predicate, item: unknown, index: number): boolean {
  return asBool(pred(item, index), `the predicate of ${name}`);
}

function findIndex(name: string, list: unknown[], pred: Predicate, fromEnd: boolean): number {
  for (let n = 0; n < list.length; n++) {
    const i = fromEnd ? list.length - 1 - n : n;
    if (test(name, pred, list[i], i)) return i;
  }
  return -1;
}

function sum(list: unknown[], pred?: Predicate): number {
  return list.reduce<number>((total, item, i) => total + num('sum', pred ? pred(item, i) : item), 0);
}

function reduce(list: unknown[], pred: Predicate, extra: unknown[]): unknown {
  let start = 0;
  let acc: unknown = extra[0];
  if (extra.length === 0) {
    if (list.length === 0) return null;
    acc = list[0];
    start = 1;
  }
  for (let i = start; i < list.length; i++) acc = pred(list[i], i, acc);
  return acc;
}

function groupBy(list: unknown[], pred: Predicate): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  list.forEach((item, i) => {
    const key = formatValue(pred(item, i));
    (out[key] ??= []).push(item);
  });
  return out;
}

function sortBy(list: unknown[], pred: Predicate, extra: unknown[]): unknown[] {
  const dir = order('sortBy', extra[0]);
  const keyed = list.map((item, i) => ({ item, key: pred(item, i) }));
  return keyed.sort((a, b) => dir * compareValues(a.key, b.key)).map((k) => k.item);
}

const PREDICATE_BUILTINS: Record<string, PredicateBuiltin> = {
  all: (l, p) => l.every((v, i) => test('all', p!, v, i)),
  any: (l, p) => l.some((v, i) => test('any', p!, v, i)),
  none: (l, p) => !l.some((v, i) => test('none', p!, v, i)),
  one: (l, p) => l.filter((v, i) => test('one', p!, v, i)).length === 1,
  filter: (l, p) => l.filter((v, i) => test('filter', p!, v, i)),
  map: (l, p) => l.map((v, i) => p!(v, i)),
  find: (l, p) => l[findIndex('find', l, p!, false)] ?? null,
  findIndex: (l, p) => findIndex('findIndex', l, p!, false),
  findLast: (l, p) => l[findIndex('findLast', l, p!, true)] ?? null,
  findLastIndex: (l, p) => findIndex('findLastIndex', l, p!, true),
  count: (l, p) => l.filter((v, i) => (p ? test('count', p, v, i) : asBool(v, 'count'))).length,
  sum: (l, p) => sum(l, p),
  groupBy: (l, p) => groupBy(l, p!),
  sortBy: (l, p, extra) => sortBy(l, p!, extra),
  reduce: (l, p, extra) => reduce(l, p!, extra)
};

export function isPredicateBuiltin(name: string): boolean {
  return name in PREDICATE_BUILTINS;
}

export function callPredicateBuiltin(name: string, collection: unknown, pred: Predicate | undefined, extra: unknown[]): unknown {
  if (isNil(collection)) return fault(`cannot iterate over nil in ${name}()`);
  if (!Array.isArray(collection)) return fault(`cannot iterate over ${typeName(collection)} in ${name}()`);
  return PREDICATE_BUILTINS[name](collection, pred, extra);
}
