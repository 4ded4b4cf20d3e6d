// Key paths as Kargo's update steps read them.
//
// yaml-update and toml-update split keys the way Kargo's pkg/sjson.SplitKey does: dots separate
// parts, `\.` and `\:` escape a literal dot or colon, and a colon may open a part (an sjson hint
// that a numeric-looking part is a map key; these steps accept and drop it).
//
// json-update hands its key straight to tidwall/sjson, whose rules differ a little: any character
// may be escaped with `\`, a leading `:` forces a map key, `-1` appends to an array, and parts
// holding `|#@*?` are gjson queries.

export class KeyPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyPathError';
  }
}

/** Kargo's sjson.SplitKey: the parts of a dotted key, or a KeyPathError with Kargo's wording. */
export function splitKey(rawKey: string): string[] {
  const key = rawKey.trim();
  if (key === '') throw new KeyPathError('empty key');
  const parts: string[] = [];
  let current = '';
  let escaped = false;
  for (const char of key) {
    if (escaped) {
      if (char !== '.' && char !== ':') throw new KeyPathError(`invalid escape sequence in key ${JSON.stringify(key)}`);
      current += char;
      escaped = false;
      continue;
    }
    if (char === '\\') {
      escaped = true;
    } else if (char === '.') {
      if (current === '') throw new KeyPathError(`empty key part in key ${JSON.stringify(key)}`);
      parts.push(current);
      current = '';
    } else if (char === ':') {
      if (current !== '') throw new KeyPathError(`unexpected colon in key ${JSON.stringify(key)}`);
    } else {
      current += char;
    }
  }
  if (current === '') throw new KeyPathError(`empty key part in key ${JSON.stringify(key)}`);
  parts.push(current);
  return parts;
}

/** Go's strconv.Atoi on a key part: an optional sign and decimal digits only. */
export function atoi(part: string): number | undefined {
  return /^[+-]?\d+$/.test(part) ? Number(part) : undefined;
}

export interface SjsonPart {
  /** The part with escapes removed. */
  part: string;
  /** A leading `:` made this part a map key even if it looks like an index. */
  force: boolean;
}

const QUERY_CHARS = new Set(['|', '#', '@', '*', '?']);

/**
 * tidwall/sjson's path syntax. Throws a KeyPathError for an empty path and for gjson query
 * syntax (which sjson would treat as a search rather than a place to set).
 */
export function parseSjsonPath(key: string): SjsonPart[] {
  if (key === '') throw new KeyPathError('path cannot be empty');
  const parts: SjsonPart[] = [];
  let rest = key;
  for (;;) {
    let force = false;
    if (rest.startsWith(':')) {
      force = true;
      rest = rest.slice(1);
    }
    let part = '';
    let i = 0;
    let more = false;
    for (; i < rest.length; i++) {
      const char = rest[i] as string;
      if (char === '\\') {
        i++;
        if (i < rest.length) part += rest[i];
        continue;
      }
      if (char === '.') {
        more = true;
        break;
      }
      if (QUERY_CHARS.has(char)) {
        throw new KeyPathError(
          `key ${JSON.stringify(key)} uses gjson query syntax (${char}); json-update only sets plain paths: escape the character with a backslash if it is part of a key name`
        );
      }
      part += char;
    }
    parts.push({ part, force });
    if (!more) return parts;
    rest = rest.slice(i + 1);
  }
}

/** sjson's atoui: a part made only of ASCII digits (and not forced to be a key) is an index. */
export function sjsonIndex(p: SjsonPart): number | undefined {
  if (p.force || !/^\d*$/.test(p.part)) return undefined;
  return p.part === '' ? 0 : Number(p.part);
}
