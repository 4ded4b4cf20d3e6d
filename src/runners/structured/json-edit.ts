// In-place JSON edits with tidwall/sjson's semantics (what Kargo's json-update uses): jsonc-parser
// finds where each value sits, and the edit splices only that range (or inserts new members after
// the last one), so untouched text keeps its bytes and new members follow the file's style.

import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { parseSjsonPath, sjsonIndex, type SjsonPart } from './keys.js';

export type JsonScalar = string | number | boolean;

/** How the file writes JSON, so what we add looks like what is there. */
interface Style {
  multiline: boolean;
  unit: string;
  eol: string;
  colon: string;
  comma: string;
}

function detectStyle(text: string): Style {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indented = /\n([ \t]+)\S/.exec(text)?.[1];
  const unit = indented?.startsWith('\t') ? '\t' : ' '.repeat(indented?.length ?? 2);
  const spaced = /"\s*:\s/.test(text) || !/"\s*:/.test(text);
  return { multiline: text.includes('\n'), unit, eol, colon: spaced ? ': ' : ':', comma: spaced ? ', ' : ',' };
}

/** JSON text for a value we create, laid out in the file's style from the given indentation. */
function render(value: unknown, style: Style, indent: string, multiline: boolean): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries: Array<[string | undefined, unknown]> = Array.isArray(value)
    ? value.map((item) => [undefined, item])
    : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const inner = indent + style.unit;
  const item = ([key, v]: [string | undefined, unknown]) =>
    (key === undefined ? '' : JSON.stringify(key) + style.colon) + render(v, style, inner, multiline);
  if (!multiline) return open + entries.map(item).join(style.comma) + close;
  return `${open}${style.eol}${entries.map((e) => inner + item(e)).join(`,${style.eol}`)}${style.eol}${indent}${close}`;
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
}

/** The text between a container's members: copied from the container, or from its first member's line. */
function memberSeparator(text: string, container: JsonNode, style: Style): string {
  const children = container.children ?? [];
  const last = children[children.length - 1] as JsonNode;
  if (children.length >= 2) {
    const previous = children[children.length - 2] as JsonNode;
    const between = text.slice(previous.offset + previous.length, last.offset);
    if (!between.includes('/')) return between;
  }
  const leading = text.slice(container.offset + 1, (children[0] as JsonNode).offset);
  const newline = leading.lastIndexOf('\n');
  if (newline >= 0) return `,${style.eol}${leading.slice(newline + 1).replace(/[^ \t]/g, '')}`;
  return style.comma;
}

/** Inserts members after a container's last one (or into an empty one), in the file's style. */
function insertMembers(text: string, container: JsonNode, members: string[], style: Style, multiline: boolean): string {
  const children = container.children ?? [];
  const [open, close] = container.type === 'array' ? ['[', ']'] : ['{', '}'];
  if (children.length === 0) {
    const indent = indentAt(text, container.offset);
    const body = multiline
      ? `${open}${style.eol}${members.map((m) => indent + style.unit + m).join(`,${style.eol}`)}${style.eol}${indent}${close}`
      : `${open}${members.join(style.comma)}${close}`;
    return text.slice(0, container.offset) + body + text.slice(container.offset + container.length);
  }
  const separator = memberSeparator(text, container, style);
  const last = children[children.length - 1] as JsonNode;
  const end = last.offset + last.length;
  return text.slice(0, end) + separator + members.join(separator) + text.slice(end);
}

function layout(text: string, container: JsonNode, style: Style): { multiline: boolean; indent: string } {
  const children = container.children ?? [];
  const first = children[0];
  if (!first) {
    const multiline = style.multiline && container.type === 'object';
    return { multiline, indent: indentAt(text, container.offset) + style.unit };
  }
  const multiline = text.slice(container.offset, first.offset).includes('\n');
  return { multiline, indent: indentAt(text, first.offset) };
}

/** sjson builds what a missing path needs: an array for a numeric or `-1` part, else an object. */
function build(parts: SjsonPart[], value: unknown): unknown {
  const [first, ...rest] = parts;
  if (!first) return value;
  const index = sjsonIndex(first);
  if (index !== undefined || (!first.force && first.part === '-1')) {
    return [...new Array<null>(index ?? 0).fill(null), build(rest, value)];
  }
  return { [first.part]: build(rest, value) };
}

/** The parse tree of a JSON (or JSONC) file, undefined when it is empty; throws on a syntax error. */
export function parseJsonFile(text: string, display: string): JsonNode | undefined {
  if (text.trim() === '') return undefined;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: false, disallowComments: false });
  const error = errors[0];
  if (error) {
    const line = text.slice(0, error.offset).split('\n').length;
    throw new Error(`could not parse JSON file ${JSON.stringify(display)}: ${printParseErrorCode(error.error)} at line ${line}`);
  }
  return root;
}

/**
 * sjson.Set on one key: replaces an existing value in place, or creates what is missing (objects,
 * arrays padded with nulls, `-1` to append), replacing a scalar that stands in the way.
 */
export function setJsonValue(text: string, key: string, value: JsonScalar, display: string): string {
  const parts = parseSjsonPath(key);
  const root = parseJsonFile(text, display);
  if (!root) return JSON.stringify(build(parts, value));
  const style = detectStyle(text);
  let node: JsonNode = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as SjsonPart;
    const rest = parts.slice(i + 1);
    if (node.type === 'object') {
      const property = (node.children ?? []).find((p) => p.children?.[0]?.value === part.part);
      const child = property?.children?.[1];
      if (child) {
        node = child;
        continue;
      }
      const { multiline, indent } = layout(text, node, style);
      const member = JSON.stringify(part.part) + style.colon + render(build(rest, value), style, indent, multiline);
      return insertMembers(text, node, [member], style, multiline);
    }
    if (node.type === 'array') {
      const children = node.children ?? [];
      const index = sjsonIndex(part);
      const append = !part.force && part.part === '-1';
      if (index === undefined && !append) {
        throw new Error(`cannot set array element for non-numeric key '${part.part}'`);
      }
      if (index !== undefined && index < children.length) {
        node = children[index] as JsonNode;
        continue;
      }
      const { multiline, indent } = layout(text, node, style);
      const padding = new Array<null>(index === undefined ? 0 : index - children.length).fill(null);
      const items = [...padding, build(rest, value)].map((item) => render(item, style, indent, multiline));
      return insertMembers(text, node, items, style, multiline);
    }
    // A scalar where the path goes on: sjson replaces it with what the rest of the path needs.
    const replacement = render(build(parts.slice(i), value), style, indentAt(text, node.offset), style.multiline);
    return text.slice(0, node.offset) + replacement + text.slice(node.offset + node.length);
  }
  return text.slice(0, node.offset) + JSON.stringify(value) + text.slice(node.offset + node.length);
}
