// In-place edits of YAML scalars: the document is parsed only to find where each addressed scalar
// sits in the source; the new value is spliced into exactly that range, so every other byte
// (comments, blank lines, key order, quoting and indentation elsewhere, line endings) is kept.

import { isAlias, isMap, isScalar as isYamlScalar, isSeq, parseAllDocuments, Scalar as YamlScalar } from 'yaml';
import type { Document, Node as YamlNode, ParsedNode } from 'yaml';
import { isDeepStrictEqual } from 'node:util';
import { atoi, splitKey } from './keys.js';
import { isScalar, typeName, type Scalar } from './format.js';
import { doubleQuoted, kargoWouldQuote, plainIsSafe, singleQuoted, yamlPlainText } from './yaml-scalars.js';

export interface YamlUpdate {
  key: string;
  value: unknown;
}

interface Edit {
  start: number;
  end: number;
  text: string;
  key: string;
  value: Scalar;
}

interface Found {
  node: YamlScalar;
  flow: boolean;
}

function keyText(key: unknown): string | undefined {
  if (!isYamlScalar(key)) return undefined;
  const source = (key as YamlScalar & { source?: unknown }).source;
  if (typeof source === 'string') return source;
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

/** Walks parts from the document root as Kargo's findScalarNode does; throws with Kargo's wording. */
function findScalar(doc: Document.Parsed, parts: string[]): Found {
  let node: unknown = doc.contents;
  let flow = false;
  for (const part of parts) {
    if (isMap(node)) {
      flow ||= Boolean(node.flow);
      const pair = node.items.find((item) => keyText(item.key) === part);
      if (!pair) throw new Error('key path not found');
      node = pair.value;
    } else if (isSeq(node)) {
      flow ||= Boolean(node.flow);
      const index = atoi(part);
      if (index === undefined) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(part)}: invalid syntax`);
      if (index < 0 || index >= node.items.length) {
        throw new Error(`index ${index} out of range (the sequence has ${node.items.length} items)`);
      }
      node = node.items[index];
    } else if (isAlias(node)) {
      throw new Error(`key path not found (it goes through the alias *${node.source}; update the anchored node instead)`);
    } else {
      throw new Error('key path not found');
    }
  }
  if (!isYamlScalar(node)) throw new Error('key path does not address a scalar node');
  return { node, flow };
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function indentOfLine(text: string, offset: number): number {
  const start = lineStart(text, offset);
  let i = start;
  while (text[i] === ' ') i++;
  return i - start;
}

/** A block literal replacing a block scalar, in the original's indentation; undefined if s can't be one. */
function blockLiteral(s: string, text: string, node: YamlScalar, folded: boolean): string | undefined {
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff\r]/.test(s)) return undefined;
  if (/^[ \t]/.test(s)) return undefined;
  const [start, end] = node.range as [number, number, number];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const source = text.slice(start, end);
  const contentLine = source.split(/\r?\n/).slice(1).find((line) => line.trim() !== '');
  const indent = contentLine ? contentLine.length - contentLine.trimStart().length : indentOfLine(text, start) + 2;
  const body = s.replace(/\n+$/, '');
  const trailing = s.length - body.length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  // A folded scalar joins single newlines, so only a one-line value keeps the folded style.
  const style = folded && !body.includes('\n') ? '>' : '|';
  const lines = body === '' ? [] : body.split('\n').map((line) => (line === '' ? '' : ' '.repeat(indent) + line));
  const extra = trailing > 1 ? eol.repeat(trailing - 1) : '';
  return `${style}${chomp}${eol}${lines.map((line) => line + eol).join('')}${extra}`;
}

/** The source text for value at the place of node, keeping node's quoting style where it stays valid. */
function scalarText(value: Scalar, found: Found, text: string): string {
  if (typeof value !== 'string') return yamlPlainText(value);
  const { node, flow } = found;
  switch (node.type) {
    case YamlScalar.BLOCK_LITERAL:
    case YamlScalar.BLOCK_FOLDED: {
      const block = blockLiteral(value, text, node, node.type === YamlScalar.BLOCK_FOLDED);
      if (block !== undefined) return block;
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      return doubleQuoted(value) + eol;
    }
    case YamlScalar.QUOTE_SINGLE:
      return singleQuoted(value) ?? doubleQuoted(value);
    case YamlScalar.QUOTE_DOUBLE:
      return doubleQuoted(value);
    default:
      if (!kargoWouldQuote(value) && plainIsSafe(value, flow)) return value;
      return doubleQuoted(value);
  }
}

/** Where an explicit tag (`!!str 123`) before a scalar begins: a number or bool must not keep it. */
function tagStart(text: string, start: number): number {
  const before = text.slice(lineStart(text, start), start);
  const tag = /(?:^|\s)(!\S*\s+)$/.exec(before)?.[1];
  return tag ? start - tag.length : start;
}

function parseFirstDocument(text: string): Document.Parsed | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs)) return undefined;
  const doc = docs[0];
  if (doc && doc.errors.length > 0) throw new Error(`error unmarshaling input: ${doc.errors[0]!.message.trim()}`);
  return doc;
}

/**
 * Kargo's yaml.SetValuesInBytes: sets each key (which must exist and address a scalar) to its
 * value, returning the new text. Throws `error finding key <key>: ...` and the like.
 */
export function setYamlValues(text: string, updates: YamlUpdate[]): string {
  const doc = parseFirstDocument(text);
  const edits = new Map<number, Edit>();
  for (const { key, value } of updates) {
    let parts: string[];
    try {
      parts = splitKey(key);
    } catch (err) {
      throw new Error(`error splitting key ${key}: ${(err as Error).message}`);
    }
    if (!doc) throw new Error(`error finding key ${key}: key path not found (the file holds no YAML document)`);
    let found: Found;
    try {
      found = findScalar(doc, parts);
    } catch (err) {
      throw new Error(`error finding key ${key}: ${(err as Error).message}`);
    }
    if (!isScalar(value)) {
      throw new Error(`value for key ${key} is a ${typeName(value)}; yaml-update writes only strings, numbers, booleans and null`);
    }
    const [nodeStart, end] = found.node.range as [number, number, number];
    const start = typeof value === 'string' || !found.node.tag ? nodeStart : tagStart(text, nodeStart);
    let textValue = scalarText(value, found, text);
    // An empty value (`key:`) needs a space between the colon and what we write.
    if (start === end && text[start - 1] === ':') textValue = ` ${textValue}`;
    edits.set(start, { start, end, text: textValue, key, value });
  }
  let out = text;
  for (const edit of [...edits.values()].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  verify(out, [...edits.values()]);
  return out;
}

/** A safety net: the edited text must parse and hold every value we meant to write. */
function verify(out: string, edits: Edit[]): void {
  let doc: Document.Parsed | undefined;
  try {
    doc = parseFirstDocument(out);
  } catch (err) {
    throw new Error(`the edit would produce invalid YAML (${(err as Error).message}); the file was left unchanged`);
  }
  for (const { key, value } of edits) {
    let readBack: unknown;
    try {
      readBack = (findScalar(doc as Document.Parsed, splitKey(key)).node as YamlNode as ParsedNode).toJSON();
    } catch {
      readBack = undefined;
    }
    if (readBack === undefined || !isDeepStrictEqual(readBack, value)) {
      throw new Error(`could not write the value of key ${key} so that it reads back unchanged; the file was left unchanged`);
    }
  }
}
