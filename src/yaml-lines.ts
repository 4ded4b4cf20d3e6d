// Line numbers for messages about a YAML file: the line of the node at a key path, or of its
// nearest existing ancestor (a missing required field points at its parent mapping).

import { isNode, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { SourcePosition } from './promotion/steps.js';

export function lineOf(text: string, position: SourcePosition): number | undefined {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter });
  const doc = Array.isArray(docs) ? docs[position.document] : undefined;
  if (!doc) return undefined;
  for (let depth = position.path.length; depth >= 0; depth--) {
    const node = doc.getIn(position.path.slice(0, depth), true);
    if (isNode(node) && (node as Node).range) return counter.linePos((node as Node).range![0]).line;
  }
  return undefined;
}
