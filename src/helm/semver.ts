// Semantic versions and constraints with the semantics Helm uses (github.com/Masterminds/semver
// v3, as vendored by Helm 3.21), not npm's: versions are parsed loosely ("v1.2", "1" and leading
// zeros are accepted), constraints may join comparators with commas or spaces, `1.2` means
// `1.2.x`, and a prerelease only matches when a comparator of the same `||` branch names one.
// node-semver differs on every one of these points, so Helm's resolution is reproduced here.

export class SemverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SemverError';
  }
}

export interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: string;
  metadata: string;
  /** The string the version was parsed from (Helm writes this into Chart.lock). */
  original: string;
}

const LOOSE_VERSION = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const MAX_UINT64 = (1n << 64n) - 1n;

function segment(text: string | undefined): bigint {
  if (!text) return 0n;
  const value = BigInt(text.replace(/^\./, ''));
  if (value > MAX_UINT64) throw new SemverError(`version segment ${text} is out of range`);
  return value;
}

function validatePrerelease(pre: string): void {
  for (const part of pre.split('.')) {
    if (part === '') throw new SemverError('invalid prerelease string');
    if (/^[0-9]+$/.test(part) && part.length > 1 && part.startsWith('0')) {
      throw new SemverError('version segment starts with 0');
    }
  }
}

/** Parse a version the way Helm does (Masterminds NewVersion, coercing). Throws SemverError. */
export function parseVersion(text: string): Version {
  const m = LOOSE_VERSION.exec(text);
  if (!m) throw new SemverError(`invalid semantic version ${JSON.stringify(text)}`);
  const prerelease = m[5] ?? '';
  if (prerelease) validatePrerelease(prerelease);
  return {
    major: segment(m[1]),
    minor: segment(m[2]),
    patch: segment(m[3]),
    prerelease,
    metadata: m[8] ?? '',
    original: text
  };
}

/** The parsed version, or undefined when text is not one. */
export function tryParseVersion(text: string): Version | undefined {
  try {
    return parseVersion(text);
  } catch {
    return undefined;
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrereleasePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const sNum = /^[0-9]+$/.test(s);
  const oNum = /^[0-9]+$/.test(o);
  if (!sNum && !oNum) return s > o ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

function comparePrerelease(a: string, b: string): number {
  const as = a.split('.');
  const bs = b.split('.');
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    const d = comparePrereleasePart(as[i] ?? '', bs[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

/** -1, 0 or 1; build metadata is ignored, as in SemVer. */
export function compareVersions(a: Version, b: Version): number {
  const d = cmp(a.major, b.major) || cmp(a.minor, b.minor) || cmp(a.patch, b.patch);
  if (d !== 0) return d;
  if (a.prerelease === b.prerelease) return 0;
  if (a.prerelease === '') return 1;
  if (b.prerelease === '') return -1;
  return comparePrerelease(a.prerelease, b.prerelease);
}

// ---- constraints ---------------------------------------------------------------------------

type Op = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Comparator {
  op: Op;
  con: Version;
  orig: string;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

// The same alternation order as Masterminds' regular expressions, so ambiguous input splits the
// same way (the `|` inside the character classes is a literal there too).
const OPS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const CV = 'v?([0-9|x|X|\\*]+)(\\.[0-9|x|X|\\*]+)?(\\.[0-9|x|X|\\*]+)?(-([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?(\\+([0-9A-Za-z\\-]+(\\.[0-9A-Za-z\\-]+)*))?';
const WS = '[\\t\\n\\f\\r ]';
const CONSTRAINT = new RegExp(`^${WS}*(${OPS})${WS}*(${CV})${WS}*$`);
const RANGE = new RegExp(`${WS}*(${CV})${WS}+-${WS}+(${CV})${WS}*`, 'g');
const FIND = new RegExp(`(${OPS})${WS}*(${CV})`, 'g');
const VALID = new RegExp(`^(${WS}*(${OPS})${WS}*(${CV})${WS}*)((?:${WS}+|,${WS}*)(${OPS})${WS}*(${CV})${WS}*)*$`);

function isX(s: string | undefined): boolean {
  return s === 'x' || s === 'X' || s === '*';
}

function rewriteRange(text: string): string {
  let out = text;
  for (const m of text.matchAll(RANGE)) {
    out = out.replace(m[0], `>= ${m[1]}, <= ${m[11]} `);
  }
  return out;
}

function parseComparator(text: string): Comparator {
  if (text.length === 0) {
    return { op: '', con: parseVersion('0.0.0'), orig: text, dirty: true, minorDirty: false, patchDirty: false };
  }
  const m = CONSTRAINT.exec(text);
  if (!m) throw new SemverError(`improper constraint: ${JSON.stringify(text)}`);
  const [, op, orig, major, minor, patch, , pre] = m as unknown as string[];
  let ver = orig as string;
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  const preSuffix = pre ? `-${pre}` : '';
  if (isX(major) || !major) {
    ver = `0.0.0${preSuffix}`;
    dirty = true;
  } else if (isX(minor?.replace(/^\./, '')) || !minor) {
    ver = `${major}.0.0${preSuffix}`;
    dirty = minorDirty = true;
  } else if (isX(patch?.replace(/^\./, '')) || !patch) {
    ver = `${major}${minor}.0${preSuffix}`;
    dirty = patchDirty = true;
  }
  let con: Version;
  try {
    con = parseVersion(ver);
  } catch {
    throw new SemverError('constraint parser error');
  }
  return { op: op as Op, con, orig: orig as string, dirty, minorDirty, patchDirty };
}

function tilde(v: Version, c: Comparator): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== c.con.major) return false;
  return !(v.minor !== c.con.minor && !c.minorDirty);
}

function caret(v: Version, c: Comparator): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
  if (v.major > 0n) return false;
  if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
  if (v.minor > 0n) return false;
  return v.patch === c.con.patch;
}

function notEqual(v: Version, c: Comparator): boolean {
  if (c.dirty) {
    if (c.con.major !== v.major) return true;
    if (c.con.minor !== v.minor && !c.minorDirty) return true;
    if (c.minorDirty) return false;
    if (c.con.patch !== v.patch && !c.patchDirty) return true;
    if (c.patchDirty) {
      if (v.prerelease !== '' || c.con.prerelease !== '') return comparePrerelease(v.prerelease, c.con.prerelease) !== 0;
      return false;
    }
  }
  return compareVersions(v, c.con) !== 0;
}

function greaterThan(v: Version, c: Comparator): boolean {
  if (!c.dirty) return compareVersions(v, c.con) === 1;
  if (v.major > c.con.major) return true;
  if (v.major < c.con.major) return false;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > c.con.minor;
  return compareVersions(v, c.con) === 1;
}

function lessThanEqual(v: Version, c: Comparator): boolean {
  if (!c.dirty) return compareVersions(v, c.con) <= 0;
  if (v.major > c.con.major) return false;
  return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
}

function check(v: Version, c: Comparator, includePre: boolean): boolean {
  if (v.prerelease !== '' && !includePre) return false;
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : compareVersions(v, c.con) === 0;
    case '!=':
      return notEqual(v, c);
    case '>':
      return greaterThan(v, c);
    case '<':
      return compareVersions(v, c.con) < 0;
    case '>=':
    case '=>':
      return compareVersions(v, c.con) >= 0;
    case '<=':
    case '=<':
      return lessThanEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
  }
}

export interface Constraint {
  /** The text the constraint was parsed from. */
  readonly source: string;
  check(version: Version): boolean;
}

/** Parse a version constraint (">=1.2 <2", "^1.4.0", "1.2.x || 2.0.0"). Throws SemverError. */
export function parseConstraint(text: string): Constraint {
  const branches = rewriteRange(text).split('||').map((branch) => {
    if (!VALID.test(branch)) throw new SemverError(`improper constraint: ${JSON.stringify(branch)}`);
    const parts = [...branch.matchAll(FIND)].map((m) => m[0]);
    const comparators = (parts.length > 0 ? parts : [branch]).map(parseComparator);
    return { comparators, hasPre: comparators.some((c) => c.con.prerelease !== '') };
  });
  return {
    source: text,
    check: (version) =>
      branches.some((b) => b.comparators.every((c) => check(version, c, b.hasPre)))
  };
}

/** True if text parses as a version constraint. */
export function isValidConstraint(text: string): boolean {
  try {
    parseConstraint(text);
    return true;
  } catch {
    return false;
  }
}
