// In-place edits of Chart.yaml: only the bytes of the edited scalars change; comments, quoting
// style, key order and blank lines elsewhere stay exactly as they were. The yaml package's
// Document API locates each node's source range; the new text is spliced into the original.

import { isMap, isScalar, isSeq, parseDocument, type Document, type Scalar, type YAMLMap } from 'yaml';
import { ChartError } from './chart.js';

export interface DependencyVersionEdit {
  /** Index in Chart.yaml's `dependencies` list. */
  index: number;
  version: string;
}

function parse(text: string): Document.Parsed {
  const doc = parseDocument(text, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) throw new ChartError(`Chart.yaml is not valid YAML: ${doc.errors[0]!.message}`);
  return doc;
}

function dependencyMap(doc: Document.Parsed, index: number): YAMLMap {
  const deps = doc.get('dependencies', true);
  if (!isSeq(deps)) throw new ChartError('Chart.yaml has no dependencies list');
  const item = deps.items[index];
  if (!isMap(item)) throw new ChartError(`Chart.yaml: dependencies[${index}] is not a mapping`);
  return item;
}

function doubleQuoted(value: string): string {
  return JSON.stringify(value);
}

function render(value: string, style: Scalar['type']): string {
  if (style === 'QUOTE_DOUBLE') return doubleQuoted(value);
  if (style === 'QUOTE_SINGLE') return `'${value.replace(/'/g, "''")}'`;
  return value;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
  }
  return out;
}

function lineColumn(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function planEdit(text: string, doc: Document.Parsed, edit: DependencyVersionEdit, forceQuotes: boolean): Splice {
  const map = dependencyMap(doc, edit.index);
  const node = map.get('version', true);
  if (node !== undefined) {
    if (!isScalar(node) || !node.range) {
      throw new ChartError(`Chart.yaml: dependencies[${edit.index}].version is not a scalar`);
    }
    const plainish = node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE';
    const textValue = plainish && forceQuotes ? doubleQuoted(edit.version) : render(edit.version, node.type);
    return { start: node.range[0], end: node.range[1], text: textValue };
  }
  // No version key yet: add one in front of the mapping's first key, in the mapping's own style.
  const first = map.items[0]?.key;
  if (!isScalar(first) || !first.range) {
    throw new ChartError(`Chart.yaml: dependencies[${edit.index}] has no key to place a version beside`);
  }
  const start = first.range[0];
  const value = forceQuotes ? doubleQuoted(edit.version) : edit.version;
  const separator = map.flow ? ', ' : `\n${' '.repeat(lineColumn(text, start))}`;
  return { start, end: start, text: `version: ${value}${separator}` };
}

function versionsAfter(text: string, edits: DependencyVersionEdit[]): boolean {
  try {
    const doc = parse(text);
    return edits.every((e) => {
      const v = dependencyMap(doc, e.index).get('version', true);
      return isScalar(v) && v.value === e.version;
    });
  } catch {
    return false;
  }
}

/**
 * Set `dependencies[i].version` for each edit and return the new Chart.yaml text. A value that
 * would not read back as the same string when written plain (`>=1.0`, `*`, `1.0`) is
 * double-quoted; quoted values keep their quote style. Throws ChartError.
 */
export function setDependencyVersions(text: string, edits: DependencyVersionEdit[]): string {
  if (edits.length === 0) return text;
  const doc = parse(text);
  const plain = applySplices(text, edits.map((e) => planEdit(text, doc, e, false)));
  if (versionsAfter(plain, edits)) return plain;
  const quoted = applySplices(
    text,
    edits.map((e) => {
      const single = applySplices(text, [planEdit(text, doc, e, false)]);
      return planEdit(text, doc, e, !versionsAfter(single, [e]));
    })
  );
  if (versionsAfter(quoted, edits)) return quoted;
  throw new ChartError('could not write the new dependency versions into Chart.yaml without changing its meaning');
}
