// The value model: how JavaScript values stand in for Go values inside expressions.
//   nil = null/undefined, int/float = number (an integral number counts as int), string, bool,
//   array = Array, map = plain object, struct = goStruct(...) or a class instance (methods allowed),
//   func = function.

import { fault } from './errors.js';
import { formatTime, TIME_METHODS } from './time.js';

const GO_STRUCT = Symbol('goStruct');

/**
 * A value whose fields expressions read by their Go names (`.Tag`, `.RepoURL`) while its JSON form
 * (inserted into a config, or produced by toJSON/quote) uses the json names (`tag`, `repoURL`), as a
 * Go struct with json tags does. `json` is the JSON-side value, or a function returning it. Reading
 * a field the struct does not have is an error, as it is in Kargo ("cannot fetch X from ...").
 */
export function goStruct(
  fields: Record<string, unknown>,
  json: unknown | (() => unknown),
  typeName = 'struct'
): Record<string, unknown> {
  const view: Record<string, unknown> = { ...fields };
  const toJSON = typeof json === 'function' ? (json as () => unknown) : () => json;
  Object.defineProperty(view, 'toJSON', { value: toJSON, enumerable: false });
  Object.defineProperty(view, GO_STRUCT, { value: typeName, enumerable: false });
  return view;
}

export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | 'struct' | 'func' | 'time';

export function isNil(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function hasPlainPrototype(v: unknown): v is object {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A plain object with its own toJSON() function is a struct view (see goStruct). */
function hasOwnToJSON(v: object): boolean {
  return hasOwn(v, 'toJSON') && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (!hasPlainPrototype(v)) return false;
  return (v as Record<symbol, unknown>)[GO_STRUCT] === undefined && !hasOwnToJSON(v);
}

export function kindOf(v: unknown): Kind {
  if (isNil(v)) return 'nil';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    default:
      if (Array.isArray(v)) return 'array';
      if (v instanceof Date) return 'time';
      return isPlainMap(v) ? 'map' : 'struct';
  }
}

/** The name expr's type() gives a value (struct values report their Go type name). */
export function typeName(v: unknown): string {
  const kind = kindOf(v);
  if (kind === 'time') return 'time.Time';
  if (kind !== 'struct') return kind;
  const marked = (v as Record<symbol, unknown>)[GO_STRUCT];
  if (typeof marked === 'string') return marked;
  if (hasPlainPrototype(v)) return 'struct';
  const ctor = (v as { constructor?: { goType?: string; name?: string } }).constructor;
  return ctor?.goType ?? ctor?.name ?? 'struct';
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** A method or field of a struct value (own fields, then class methods), bound to it. */
function structMember(obj: object, key: string): { found: boolean; value?: unknown } {
  if (hasOwn(obj, key)) return { found: true, value: (obj as Record<string, unknown>)[key] };
  let proto = Object.getPrototypeOf(obj);
  while (proto && proto !== Object.prototype) {
    if (hasOwn(proto, key) && key !== 'constructor') {
      const value = (obj as Record<string, unknown>)[key];
      return { found: true, value: typeof value === 'function' ? value.bind(obj) : value };
    }
    proto = Object.getPrototypeOf(proto);
  }
  return { found: false };
}

function keyText(key: unknown): string {
  return typeof key === 'string' ? key : formatValue(key);
}

function toIndex(key: unknown, length: number): number {
  if (typeof key !== 'number' || !Number.isInteger(key)) {
    return fault(`cannot use ${typeName(key)} as index (an int is needed)`);
  }
  const index = key < 0 ? length + key : key;
  if (index < 0 || index >= length) fault(`index out of range: ${index} (array length is ${length})`);
  return index;
}

/** expr's member access (runtime.Fetch): `from.key` / `from[key]`. */
export function fetch(from: unknown, key: unknown): unknown {
  const kind = kindOf(from);
  switch (kind) {
    case 'nil':
      return fault(`cannot fetch ${keyText(key)} from nil`);
    case 'array': {
      const array = from as unknown[];
      return array[toIndex(key, array.length)] ?? null;
    }
    case 'string': {
      const text = from as string;
      return text[toIndex(key, text.length)];
    }
    case 'map': {
      const map = from as Record<string, unknown>;
      const name = typeof key === 'number' ? String(key) : key;
      if (typeof name !== 'string') return fault(`cannot use ${typeName(key)} as a map key`);
      return hasOwn(map, name) ? (map[name] ?? null) : null;
    }
    case 'time': {
      const method = typeof key === 'string' && hasOwn(TIME_METHODS, key) ? TIME_METHODS[key] : undefined;
      if (method) return (...args: unknown[]) => method(from as Date, ...args);
      return fault(`cannot fetch ${keyText(key)} from time.Time`);
    }
    case 'struct': {
      const member = typeof key === 'string' ? structMember(from as object, key) : { found: false };
      if (member.found) return member.value ?? null;
      return fault(`cannot fetch ${keyText(key)} from ${typeName(from)}`);
    }
    default:
      return fault(`cannot fetch ${keyText(key)} from ${typeName(from)}`);
  }
}

/** True when `key` is a key of the map or a field of the struct (used by `in`). */
export function hasMember(container: unknown, key: unknown): boolean {
  const kind = kindOf(container);
  if (kind === 'map') {
    if (typeof key !== 'string' && typeof key !== 'number') {
      return fault(`cannot use ${typeName(key)} as a map key`);
    }
    return hasOwn(container as object, String(key));
  }
  if (kind === 'struct') {
    if (typeof key !== 'string') return fault(`cannot use ${typeName(key)} as field name of ${typeName(container)}`);
    return structMember(container as object, key).found;
  }
  return fault(`operator "in" not defined on ${typeName(container)}`);
}

/** expr's == (runtime.Equal): numbers by value across int/float, collections deeply. */
export function equal(a: unknown, b: unknown): boolean {
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equal(item, b[i]));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  const bothMaps = isPlainMap(a) && isPlainMap(b);
  const bothViews = isGoStruct(a) && isGoStruct(b);
  if (!bothMaps && !bothViews) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => hasOwn(b, k) && equal(ra[k], rb[k]));
}

/** strconv.FormatFloat(x, 'g', -1, 64): what Go's %v prints for a float64. */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(x);
}

/** Go's %v formatting, used by string() and in messages. */
export function formatValue(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil':
      return '<nil>';
    case 'float':
      return formatGoFloat(v as number);
    case 'array':
      return `[${(v as unknown[]).map(formatValue).join(' ')}]`;
    case 'map': {
      const map = v as Record<string, unknown>;
      const keys = Object.keys(map).sort(compareGoStrings);
      return `map[${keys.map((k) => `${k}:${formatValue(map[k])}`).join(' ')}]`;
    }
    case 'struct':
      return formatStruct(v as object);
    case 'time':
      return formatTime(v as Date, '2006-01-02 15:04:05.999999999 -0700 MST');
    case 'func':
      return 'func';
    default:
      return String(v);
  }
}

function formatStruct(v: object): string {
  const stringer = structMember(v, 'String');
  if (stringer.found && typeof stringer.value === 'function') return String((stringer.value as () => unknown)());
  const values = Object.values(v as Record<string, unknown>).map(formatValue);
  return `&{${values.join(' ')}}`;
}

/** Go's string ordering (byte-wise UTF-8), close enough with UTF-16 code units for BMP text. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The JSON-side value of a struct (goStruct or an object with toJSON), or undefined. */
export function jsonSide(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Date) return undefined;
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(v) : undefined;
}

/** True for a goStruct view (or any plain object carrying its own toJSON function). */
export function isGoStruct(v: unknown): boolean {
  if (!hasPlainPrototype(v)) return false;
  return (v as Record<symbol, unknown>)[GO_STRUCT] !== undefined || hasOwnToJSON(v);
}
