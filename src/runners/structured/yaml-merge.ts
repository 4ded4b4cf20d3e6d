// Merging YAML documents the way Kargo's yaml-merge does with kustomize's kyaml merge2: maps
// merge key by key, anything else (scalars, lists) is replaced by the later file, a null in a
// later file removes the key, and `$patch: replace|delete|merge` directives are honoured. The
// first non-empty file's Document is the target, so its comments, key order and blank lines
// carry through; the result is written as kyaml writes it (2-space indent, lists not indented).

import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, Scalar, visit } from 'yaml';
import type { Node as YamlNode, Pair, YAMLMap } from 'yaml';

export interface MergeInput {
  display: string;
  text: string;
}

type Merged = YamlNode | null;
const CLEAR = null;

function kindName(node: unknown): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  return 'a scalar';
}

function keyOf(pair: Pair): string {
  const key = pair.key;
  if (isScalar(key)) return key.value === null || key.value === undefined ? '' : String(key.value);
  return String(key);
}

function isNull(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

/**
 * A copy of node that no longer depends on the document it came from: aliases are replaced by
 * copies of what they point to, and anchors dropped (they could clash with the target's own).
 */
function detach(node: YamlNode, from: Document.Parsed): YamlNode {
  const resolved = isAlias(node) ? (node.resolve(from) as YamlNode | undefined) : node;
  const copy = (resolved ?? node).clone() as YamlNode & { anchor?: string };
  copy.anchor = undefined;
  visit(copy, {
    Alias(_key, alias) {
      const target = alias.resolve(from);
      return target ? detach(target as YamlNode, from) : undefined;
    },
    Node(_key, child) {
      (child as { anchor?: string }).anchor = undefined;
    }
  });
  return copy;
}

function directive(map: YAMLMap): string | undefined {
  const pair = map.items.find((item) => keyOf(item) === '$patch');
  if (!pair) return undefined;
  const value = isScalar(pair.value) ? String(pair.value.value) : '';
  if (!['replace', 'delete', 'merge'].includes(value)) throw new Error(`unknown patch strategy '${value}'`);
  map.items.splice(map.items.indexOf(pair), 1);
  return value;
}

/** kyaml keeps the target's quoting for a replaced string; we also keep its line comment if the new value has none. */
function mergeScalar(dest: YamlNode, src: Scalar): YamlNode {
  if (isScalar(dest) && typeof src.value === 'string' && typeof dest.value === 'string') {
    if ((dest.type === Scalar.QUOTE_DOUBLE || dest.type === Scalar.QUOTE_SINGLE) && src.type === Scalar.PLAIN) {
      src.type = dest.type;
    }
  }
  if (!src.comment && dest.comment) src.comment = dest.comment;
  return src;
}

function mergeNodes(destNode: Merged, srcNode: YamlNode, from: Document.Parsed, where: string, into: Document.Parsed): Merged {
  if (isNull(srcNode)) return CLEAR;
  // Merging into an alias would change every user of its anchor: merge into a copy instead.
  const dest = destNode && isAlias(destNode) ? detach(destNode, into) : destNode;
  const src = detach(srcNode, from);
  if (isMap(src)) {
    const strategy = directive(src);
    if (strategy === 'delete') return CLEAR;
    if (strategy === 'replace' || isNull(dest)) return src;
    if (!isMap(dest)) throw new Error(`cannot merge ${where}: an earlier file has ${kindName(dest)} there, this one a map`);
    mergeMaps(dest, src, from, where, into);
    return dest;
  }
  if (isNull(dest)) return src;
  if (isMap(dest) || isSeq(dest) !== isSeq(src)) {
    throw new Error(`cannot merge ${where}: an earlier file has ${kindName(dest)} there, this one ${kindName(src)}`);
  }
  if (isScalar(src)) return mergeScalar(dest as YamlNode, src);
  if (!src.comment && dest?.comment) src.comment = dest.comment;
  return src;
}

function mergeMaps(dest: YAMLMap, src: YAMLMap, from: Document.Parsed, where: string, into: Document.Parsed): void {
  const added: Pair[] = [];
  for (const pair of src.items) {
    const key = keyOf(pair);
    const existing = dest.items.find((item) => keyOf(item) === key);
    const path = where === '(root)' ? key : `${where}.${key}`;
    if (existing) {
      // The later file's note on the key describes the value it brings.
      if (isScalar(pair.key) && pair.key.comment && isScalar(existing.key)) existing.key.comment = pair.key.comment;
      const merged = mergeNodes(existing.value as Merged, pair.value as YamlNode, from, path, into);
      if (merged === CLEAR) dest.items.splice(dest.items.indexOf(existing), 1);
      else existing.value = merged;
    } else if (!isNull(pair.value)) {
      const merged = mergeNodes(null, pair.value as YamlNode, from, path, into);
      if (merged !== CLEAR) {
        pair.value = merged;
        added.push(pair);
      }
    }
  }
  // kyaml walks field names sorted, appending the new ones in that order.
  added.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  dest.items.push(...added);
}

/**
 * `key: # note` above a block collection: the yaml package keeps the note as the collection's
 * leading comment and would print it on a line of its own; put it back on the key's line.
 */
function keepKeyLineComments(doc: Document.Parsed, text: string): void {
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key as YamlNode | null;
      const value = pair.value as YamlNode | null;
      if (!isScalar(key) || !(isMap(value) || isSeq(value)) || value.flow || !value.commentBefore) return;
      const keyEnd = key.range?.[1];
      if (keyEnd === undefined) return;
      const lineEnd = text.indexOf('\n', keyEnd);
      const rest = text.slice(keyEnd, lineEnd < 0 ? undefined : lineEnd);
      if (!/^\s*:\s*#/.test(rest)) return;
      const [first, ...others] = value.commentBefore.split('\n');
      key.comment = first;
      value.commentBefore = others.length > 0 ? others.join('\n') : undefined;
    }
  });
}

/** go-yaml refuses a mapping entry without a key (`: value`); the yaml package accepts it. */
function checkKeys(doc: Document.Parsed): void {
  visit(doc, {
    Pair(_key, pair) {
      if (isPair(pair) && (pair.key === null || (isScalar(pair.key) && pair.key.value === null && !pair.key.source))) {
        throw new Error('did not find expected key');
      }
    }
  });
}

function firstDocument(input: MergeInput): Document.Parsed | undefined {
  const docs = parseAllDocuments(input.text, { uniqueKeys: false });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return undefined;
  try {
    const error = doc.errors[0];
    if (error) throw new Error(error.message.trim());
    checkKeys(doc);
    keepKeyLineComments(doc, input.text);
  } catch (err) {
    throw new Error(`error reading input file ${JSON.stringify(input.display)}: ${(err as Error).message}`);
  }
  return isNull(doc.contents) ? undefined : doc;
}

/** The merged YAML text of the inputs, later ones overriding earlier ones; '' when all are empty. */
export function mergeYaml(inputs: MergeInput[]): string {
  let target: Document.Parsed | undefined;
  for (const input of inputs) {
    const doc = firstDocument(input);
    if (!doc) continue;
    if (!target) {
      target = doc;
      continue;
    }
    try {
      const merged = mergeNodes(target.contents as YamlNode, doc.contents as YamlNode, doc, '(root)', target);
      target.contents = merged as typeof target.contents;
    } catch (err) {
      throw new Error(`error merging in file ${JSON.stringify(input.display)}: ${(err as Error).message}`);
    }
  }
  if (!target || target.contents === null) return '';
  target.directives.docStart = null;
  target.directives.yaml.explicit = false;
  return target.toString({ indent: 2, indentSeq: false, lineWidth: 0, flowCollectionPadding: false });
}
