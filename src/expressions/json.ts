// Go's encoding/json (Marshal / MarshalIndent) for expression values: map keys sorted, struct
// values through their JSON side in field order, <, >, & escaped, NaN/Inf refused.

import { Fault } from './errors.js';
import { formatTime, RFC3339_NANO } from './time.js';
import { compareGoStrings, formatGoFloat, jsonSide, kindOf } from './values.js';

const HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029'
};

export function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => HTML_ESCAPES[c]);
}

function goJSONNumber(x: number): string {
  if (!Number.isFinite(x)) throw new Fault(`json: unsupported value: ${formatGoFloat(x)}`);
  return Object.is(x, -0) ? '-0' : String(x);
}

interface Layout {
  indent: string;
  depth: number;
}

function entries(v: object, sorted: boolean): Array<[string, unknown]> {
  const list = Object.entries(v);
  return sorted ? list.sort(([a], [b]) => compareGoStrings(a, b)) : list;
}

function encodeObject(list: Array<[string, unknown]>, layout: Layout): string {
  if (list.length === 0) return '{}';
  const inner: Layout = { indent: layout.indent, depth: layout.depth + 1 };
  const parts = list.map(([k, v]) => `${goJSONString(k)}:${layout.indent ? ' ' : ''}${encode(v, inner, true)}`);
  return wrap('{', '}', parts, layout);
}

function encodeArray(list: unknown[], layout: Layout): string {
  if (list.length === 0) return '[]';
  const inner: Layout = { indent: layout.indent, depth: layout.depth + 1 };
  return wrap('[', ']', list.map((v) => encode(v, inner, true)), layout);
}

function wrap(open: string, close: string, parts: string[], layout: Layout): string {
  if (!layout.indent) return `${open}${parts.join(',')}${close}`;
  const pad = layout.indent.repeat(layout.depth + 1);
  const end = layout.indent.repeat(layout.depth);
  return `${open}\n${pad}${parts.join(`,\n${pad}`)}\n${end}${close}`;
}

function encode(v: unknown, layout: Layout, sortKeys: boolean): string {
  switch (kindOf(v)) {
    case 'nil':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
    case 'float':
      return goJSONNumber(v as number);
    case 'string':
      return goJSONString(v as string);
    case 'array':
      return encodeArray(v as unknown[], layout);
    case 'map':
      return encodeObject(entries(v as object, sortKeys), layout);
    case 'time':
      return goJSONString(formatTime(v as Date, RFC3339_NANO));
    case 'func':
      throw new Fault('json: unsupported type: func');
    default:
      return encodeStruct(v as object, layout);
  }
}

function encodeStruct(v: object, layout: Layout): string {
  const side = jsonSide(v);
  if (side === undefined) return encodeObject(entries(v, false), layout);
  // A struct's JSON side keeps its field order (Go encodes struct fields in declaration order).
  if (kindOf(side) === 'map') return encodeObject(entries(side as object, false), layout);
  return encode(side, layout, true);
}

/** json.Marshal(v) as Go prints it. Throws on NaN/Inf and functions. */
export function marshalJSON(v: unknown): string {
  return encode(v, { indent: '', depth: 0 }, true);
}

/** json.MarshalIndent(v, "", indent). */
export function marshalJSONIndent(v: unknown, indent = '  '): string {
  return encode(v, { indent, depth: 0 }, true);
}
