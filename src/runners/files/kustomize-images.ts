// Sets images in a kustomization file the way Kargo's kustomize-set-image does (merge into the
// `images` list, `*` keeps a current value, the list ends sorted by name), but as text edits:
// every byte outside the entries that change stays as it was, comments included. Kargo
// re-marshals the whole file instead.

import { isMap, isScalar, isSeq, parseDocument, stringify, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/** Kustomize's image entry; an empty string means the field is absent (as in Go). */
export interface KustomizeImage {
  name: string;
  newName: string;
  newTag: string;
  digest: string;
}

/** Keeps the current value of newName, newTag or digest. */
export const PRESERVE = '*';

const FIELDS = ['newName', 'newTag', 'digest'] as const;
type Field = (typeof FIELDS)[number];
const CANONICAL = ['name', ...FIELDS] as const;

export class KustomizationError extends Error {}

/**
 * Kargo's mergeImages: entries of current not targeted are kept, targeted ones are replaced by
 * their target (with `*` taking the current value), a `*` left over becomes empty, and the
 * result is sorted by name. Like Kargo it also records every merged entry in targets, which
 * is what the commit message then lists.
 */
export function mergeImages(current: KustomizeImage[], targets: Map<string, KustomizeImage>): KustomizeImage[] {
  for (const image of current) {
    const target = targets.get(image.name);
    if (!target) {
      targets.set(image.name, image);
      continue;
    }
    const resolved = { ...target };
    for (const field of FIELDS) if (resolved[field] === PRESERVE) resolved[field] = image[field];
    targets.set(image.name, resolved);
  }
  const merged = [...targets.values()].map((image) => {
    const copy = { ...image };
    for (const field of FIELDS) if (copy[field] === PRESERVE) copy[field] = '';
    return copy;
  });
  return merged.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Text positions

function lineStart(src: string, offset: number): number {
  return src.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just past the newline ending the line that holds offset (or the end of src). */
function lineEnd(src: string, offset: number): number {
  const newline = src.indexOf('\n', offset);
  return newline === -1 ? src.length : newline + 1;
}

function column(src: string, offset: number): number {
  return offset - lineStart(src, offset);
}

function isCommentLine(line: string): boolean {
  return line.trim().startsWith('#');
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(src: string, edits: Edit[]): string {
  // From the end backwards; at one offset a removal goes first, so text inserted there survives,
  // and insertions keep the order they were made in.
  const ordered = edits
    .map((edit, index) => ({ edit, index }))
    .sort((a, b) => b.edit.start - a.edit.start || b.edit.end - a.edit.end || b.index - a.index);
  let out = src;
  for (const { edit } of ordered) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

function scalarText(node: unknown, where: string): string {
  if (node === null || node === undefined) return '';
  if (!isScalar(node)) throw new KustomizationError(`${where} must be a string`);
  if (node.value === null) return '';
  const source = (node as Scalar & { source?: string }).source;
  return typeof source === 'string' ? source : String(node.value);
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function decodeImage(item: unknown, index: number): KustomizeImage {
  if (!isMap(item)) throw new KustomizationError(`images[${index}] must be a mapping with a name`);
  const image: KustomizeImage = { name: '', newName: '', newTag: '', digest: '' };
  for (const pair of item.items) {
    const key = keyOf(pair);
    if ((CANONICAL as readonly string[]).includes(key)) {
      image[key as keyof KustomizeImage] = scalarText(pair.value, `images[${index}].${key}`);
    }
  }
  return image;
}

// ---------------------------------------------------------------------------------------------
// Writing

function formatScalar(value: string, style?: string): string {
  const defaultStringType = style === 'QUOTE_SINGLE' || style === 'QUOTE_DOUBLE' ? style : 'PLAIN';
  return stringify(value, { lineWidth: 0, defaultStringType }).replace(/\n$/, '');
}

/** A whole entry, in Kustomize's field order, its dash at indent and its keys at keyIndent. */
function renderImage(image: KustomizeImage, indent: number, keyIndent: number): string {
  const fields = CANONICAL.filter((field) => image[field] !== '');
  return fields
    .map((field, i) => `${' '.repeat(i === 0 ? indent : keyIndent)}${i === 0 ? '- ' : ''}${field}: ${formatScalar(image[field])}\n`)
    .join('');
}

function renderImagesValue(images: KustomizeImage[], indent: number): string {
  if (images.length === 0) return ' []\n';
  return `\n${images.map((image) => renderImage(image, indent, indent + 2)).join('')}`;
}

interface Entry {
  item: YAMLMap;
  /** Offset of the `-` that opens the entry. */
  dash: number;
  chunkStart: number;
  chunkEnd: number;
}

/** The block-sequence layout of the images list, or undefined when it is not a plain one. */
function entriesOf(src: string, seq: YAMLSeq, floor: number): Entry[] | undefined {
  const entries: Entry[] = [];
  for (const item of seq.items) {
    if (!isMap(item) || !item.range || item.items.length === 0) return undefined;
    let dash = item.range[0] - 1;
    while (dash >= 0 && src[dash] === ' ') dash--;
    if (src[dash] !== '-' || lineStart(src, dash) !== lineStart(src, item.range[0])) return undefined;
    // Comment lines right above an entry travel with it.
    let chunkStart = lineStart(src, dash);
    while (chunkStart > floor) {
      const previous = lineStart(src, chunkStart - 1);
      if (previous < floor || !isCommentLine(src.slice(previous, chunkStart))) break;
      chunkStart = previous;
    }
    entries.push({ item, dash, chunkStart, chunkEnd: -1 });
    floor = item.range[1];
  }
  entries.forEach((entry, i) => {
    const next = entries[i + 1];
    entry.chunkEnd = next ? next.chunkStart : lineEnd(src, (entry.item.range as [number, number, number])[1] - 1);
  });
  return entries;
}

/** The text of an existing entry moved to final values: changed scalars replaced, fields added or removed. */
function editEntry(src: string, entry: Entry, from: KustomizeImage, to: KustomizeImage, replaced: boolean): string | undefined {
  const edits: Edit[] = [];
  const pairs = entry.item.items;
  const keyIndent = column(src, (entry.item.range as [number, number, number])[0]);
  const dashLine = lineStart(src, entry.dash);
  const removed = new Set<Pair>();
  const removeLines = (pair: Pair): boolean => {
    const keyStart = (pair.key as Node).range![0];
    if (lineStart(src, keyStart) === dashLine) return false; // the entry's first line holds the dash
    const valueEnd = (pair.value as Node | null)?.range?.[1] ?? (pair.key as Node).range![1];
    edits.push({ start: lineStart(src, keyStart), end: lineEnd(src, valueEnd - 1), text: '' });
    removed.add(pair);
    return true;
  };
  for (const pair of pairs) {
    const key = keyOf(pair);
    if (key === 'name') continue;
    if (!(FIELDS as readonly string[]).includes(key)) {
      // Kargo replaces a targeted entry whole, so fields it does not know go away.
      if (replaced && !removeLines(pair)) return undefined;
      continue;
    }
    const field = key as Field;
    if (to[field] === from[field]) continue;
    if (to[field] === '') {
      if (!removeLines(pair)) return undefined;
      continue;
    }
    const value = pair.value as Scalar | null;
    if (!value || !value.range) return undefined;
    const [start, end] = value.range;
    const text = formatScalar(to[field], value.type);
    edits.push({ start, end, text: start === end ? ` ${text}` : text });
  }
  for (const field of FIELDS) {
    if (to[field] === '' || pairs.some((pair) => keyOf(pair) === field)) continue;
    // After the nearest field that Kustomize puts before it, else after the last field.
    const before = CANONICAL.slice(0, CANONICAL.indexOf(field));
    const kept = pairs.filter((pair) => !removed.has(pair));
    const anchor = [...kept].reverse().find((pair) => before.includes(keyOf(pair) as Field)) ?? kept[kept.length - 1];
    const anchorEnd = (anchor.value as Node | null)?.range?.[1] ?? (anchor.key as Node).range![1];
    const at = lineEnd(src, anchorEnd - 1);
    const newline = at === src.length && !src.endsWith('\n') ? '\n' : '';
    edits.push({ start: at, end: at, text: `${newline}${' '.repeat(keyIndent)}${field}: ${formatScalar(to[field])}\n` });
  }
  if (edits.length === 0) return src.slice(entry.chunkStart, entry.chunkEnd);
  if (entry.item.flow) return undefined; // a `{name: ...}` entry that changes is rendered anew
  return applyEdits(src, edits).slice(entry.chunkStart, entry.chunkEnd + edits.reduce((n, e) => n + e.text.length - (e.end - e.start), 0));
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Apply targets (keyed by entry name) to the kustomization in src. Returns the new text and
 * the target map after the merge (every entry of the final list, as Kargo's commit message
 * lists them).
 */
export function setKustomizationImages(src: string, targets: Map<string, KustomizeImage>): string {
  // A file with Windows line endings throughout is edited as LF and given its CRLFs back.
  const lineFeeds = src.split('\n').length - 1;
  if (lineFeeds > 0 && src.split('\r\n').length - 1 === lineFeeds) {
    return setImages(src.replace(/\r\n/g, '\n'), targets).replace(/\n/g, '\r\n');
  }
  return setImages(src, targets);
}

function setImages(src: string, targets: Map<string, KustomizeImage>): string {
  const doc = parseDocument(src, { keepSourceTokens: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new KustomizationError(`could not unmarshal Kustomization file: ${doc.errors[0].message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (root !== null && !isMap(root)) {
    throw new KustomizationError('could not decode images field in Kustomization file: the document is not a mapping');
  }
  const pair = root?.items.find((p) => keyOf(p) === 'images');
  const value = pair?.value as Node | null | undefined;
  let current: KustomizeImage[] = [];
  try {
    if (value !== null && value !== undefined && !(isScalar(value) && value.value === null)) {
      if (!isSeq(value)) throw new KustomizationError('images must be a list');
      current = value.items.map((item, i) => decodeImage(item, i));
    }
  } catch (err) {
    throw new KustomizationError(`could not decode images field in Kustomization file: ${(err as Error).message}`);
  }
  const targeted = new Set(targets.keys());
  const merged = mergeImages(current, targets);

  // No images key yet: append one after the last field.
  if (!root || !pair) {
    if (root?.flow) return fallback(doc, merged);
    const indent = root && root.items.length > 0 ? column(src, (root.items[0].key as Node).range![0]) : 0;
    const last = root?.items[root.items.length - 1];
    const lastEnd = last ? ((last.value as Node | null)?.range?.[1] ?? (last.key as Node).range![1]) : src.length;
    const at = last ? lineEnd(src, lastEnd - 1) : src.length;
    const prefix = at > 0 && src[at - 1] !== '\n' ? '\n' : '';
    return src.slice(0, at) + prefix + `${' '.repeat(indent)}images:${renderImagesValue(merged, indent)}` + src.slice(at);
  }

  const keyNode = pair.key as Node;
  const entries = isSeq(value) && !value.flow && value.items.length > 0 ? entriesOf(src, value, lineEnd(src, keyNode.range![1])) : undefined;
  if (!entries) {
    // An empty, null or flow-style list (or odd entries): rewrite just this field, block style.
    const keyColumn = column(src, keyNode.range![0]);
    const valueEnd = value?.range?.[1] ?? keyNode.range![1];
    const end = lineEnd(src, Math.max(valueEnd - 1, keyNode.range![1]));
    return src.slice(0, keyNode.range![0]) + `images:${renderImagesValue(merged, keyColumn)}` + src.slice(end);
  }

  const regionStart = entries[0].chunkStart;
  const regionEnd = entries[entries.length - 1].chunkEnd;
  const indent = column(src, entries[0].dash);
  const block = entries.find((entry) => !entry.item.flow);
  const keyOffset = block ? column(src, (block.item.range as [number, number, number])[0]) - column(src, block.dash) : 2;
  // The last entry of a name is the one Kargo's merge keeps.
  const byName = new Map<string, { entry: Entry; image: KustomizeImage }>();
  entries.forEach((entry, i) => byName.set(current[i].name, { entry, image: current[i] }));
  const parts = merged.map((image) => {
    const existing = byName.get(image.name);
    if (!existing) return renderImage(image, indent, indent + keyOffset);
    const { entry } = existing;
    const edited = editEntry(src, entry, existing.image, image, targeted.has(image.name));
    if (edited !== undefined) return withNewline(edited);
    // The entry's first line would change: render it anew under its own comments.
    const firstLine = lineStart(src, entry.dash);
    return src.slice(entry.chunkStart, firstLine) + renderImage(image, indent, indent + keyOffset);
  });
  let region = parts.join('');
  if (!src.slice(regionStart, regionEnd).endsWith('\n')) region = region.replace(/\n$/, '');
  return src.slice(0, regionStart) + region + src.slice(regionEnd);
}

/** A flow-style document root: let the yaml library re-render it. */
function fallback(doc: ReturnType<typeof parseDocument>, merged: KustomizeImage[]): string {
  doc.set(
    'images',
    merged.map((image) => Object.fromEntries(CANONICAL.filter((f) => image[f] !== '').map((f) => [f, image[f]])))
  );
  return doc.toString();
}
