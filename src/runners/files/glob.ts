// Doublestar-style globbing over the WorkDir, the way Kargo's delete step expands patterns
// (bmatcuk/doublestar over os.DirFS): `*`, `?`, `[...]` and `{a,b}` match within one path
// segment (dot files included), a `**` segment matches zero or more directories, a trailing
// `/` matches directories only, and a pattern that is absolute or holds `.`/`..` segments
// matches nothing. Symlinked directories are followed (with loop protection): callers must
// resolve every match and refuse those that lead out of the WorkDir.

import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';

export class BadPatternError extends Error {
  constructor() {
    super('syntax error in pattern');
    this.name = 'BadPatternError';
  }
}

/** doublestar's pattern rules: escapes need a next byte, classes are closed and non-empty, braces balance. */
export function isValidPattern(pattern: string): boolean {
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      if (i >= pattern.length) return false;
    } else if (c === '[') {
      i++;
      if (pattern[i] === '^' || pattern[i] === '!') i++;
      if (i >= pattern.length || pattern[i] === ']') return false;
      let closed = false;
      for (; i < pattern.length; i++) {
        if (pattern[i] === '\\') i++;
        else if (pattern[i] === ']') {
          closed = true;
          break;
        }
      }
      if (!closed) return false;
    } else if (c === '{') {
      braces++;
    } else if (c === '}') {
      if (braces === 0) return false;
      braces--;
    }
  }
  return braces === 0;
}

function hasMeta(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[' || c === '{') return true;
  }
  return false;
}

function unescape(segment: string): string {
  return segment.replace(/\\(.)/g, '$1');
}

/** Split on unescaped `/`. */
function splitSegments(pattern: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      current += c + pattern[i + 1];
      i++;
    } else if (c === '/') {
      segments.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  segments.push(current);
  return segments;
}

async function statOrUndefined(p: string) {
  return fs.stat(p).catch(() => undefined);
}

async function readDirOrEmpty(p: string): Promise<Dirent[]> {
  const entries = await fs.readdir(p, { withFileTypes: true }).catch(() => [] as Dirent[]);
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function isDirectory(abs: string, entry: Dirent): Promise<boolean> {
  if (entry.isSymbolicLink()) return (await statOrUndefined(abs))?.isDirectory() ?? false;
  return entry.isDirectory();
}

interface Candidate {
  rel: string;
  abs: string;
}

function join(rel: string, name: string): string {
  return rel === '' ? name : `${rel}/${name}`;
}

/** Every directory at or below dir (and every file too when withFiles), following symlinks. */
async function descend(dir: Candidate, withFiles: boolean, seen: Set<string>, out: Candidate[]): Promise<void> {
  const real = await fs.realpath(dir.abs).catch(() => dir.abs);
  if (seen.has(real)) return; // a symlink loop: this directory is already being expanded
  seen.add(real);
  out.push(dir);
  for (const entry of await readDirOrEmpty(dir.abs)) {
    const child = { rel: join(dir.rel, entry.name), abs: path.join(dir.abs, entry.name) };
    if (await isDirectory(child.abs, entry)) await descend(child, withFiles, seen, out);
    else if (withFiles) out.push(child);
  }
  seen.delete(real);
}

/**
 * The paths under root (relative, `/`-separated, sorted per directory) that pattern matches.
 * Throws BadPatternError for a malformed pattern.
 */
export async function globWorkDir(root: string, pattern: string): Promise<string[]> {
  if (!isValidPattern(pattern)) throw new BadPatternError();
  if (pattern === '' || pattern.startsWith('/')) return [];
  const segments = splitSegments(pattern);
  const dirOnly = segments.length > 1 && segments[segments.length - 1] === '';
  if (dirOnly) segments.pop();
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return [];

  let current: Candidate[] = [{ rel: '', abs: root }];
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const last = index === segments.length - 1;
    const next: Candidate[] = [];
    if (segment === '**') {
      for (const dir of current) await descend(dir, last && !dirOnly, new Set(), next);
    } else if (!hasMeta(segment)) {
      const name = unescape(segment);
      for (const dir of current) {
        const child = { rel: join(dir.rel, name), abs: path.join(dir.abs, name) };
        const stats = await statOrUndefined(child.abs);
        if (stats && (stats.isDirectory() || (last && !dirOnly))) next.push(child);
      }
    } else {
      const matches = picomatch(segment, { dot: true, nonegate: true, noextglob: true });
      for (const dir of current) {
        for (const entry of await readDirOrEmpty(dir.abs)) {
          if (!matches(entry.name)) continue;
          const child = { rel: join(dir.rel, entry.name), abs: path.join(dir.abs, entry.name) };
          if ((last && !dirOnly) || (await isDirectory(child.abs, entry))) next.push(child);
        }
      }
    }
    current = next;
  }
  // `**` matches the root itself too (as `.`), exactly as doublestar does.
  return [...new Set(current.map((c) => c.rel || '.'))];
}
