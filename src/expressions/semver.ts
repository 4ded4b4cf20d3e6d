// Masterminds/semver/v3 Version (what Kargo's semverParse returns), with its methods as
// expressions call them: Major(), IncMinor().String(), LessThan(other), ...

import { fault } from './errors.js';

const LOOSE = /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;
const ALLOWED = /^[0-9A-Za-z-]+$/;

function checkPrerelease(pre: string): void {
  for (const part of pre.split('.')) {
    if (/^\d+$/.test(part)) {
      if (part.length > 1 && part[0] === '0') fault('version segment starts with 0');
    } else if (!ALLOWED.test(part)) {
      fault('invalid prerelease string');
    }
  }
}

function validMetadata(meta: string): boolean {
  return meta.split('.').every((p) => p !== '' && ALLOWED.test(p));
}

function segment(text: string | undefined): bigint {
  return text ? BigInt(text.replace(/^\./, '')) : 0n;
}

const MAX_UINT64 = (1n << 64n) - 1n;

function compareSegment(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const sNum = /^\d+$/.test(s);
  const oNum = /^\d+$/.test(o);
  if (sNum && oNum) return compareSegment(BigInt(s), BigInt(o));
  if (sNum) return -1;
  if (oNum) return 1;
  return s > o ? 1 : -1;
}

function comparePrerelease(a: string, b: string): number {
  const sp = a.split('.');
  const op = b.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

export class SemverVersion {
  static readonly goType = '*semver.Version';

  readonly #major: bigint;
  readonly #minor: bigint;
  readonly #patch: bigint;
  readonly #pre: string;
  readonly #metadata: string;
  readonly #original: string;

  constructor(major: bigint, minor: bigint, patch: bigint, pre: string, metadata: string, original: string) {
    this.#major = major;
    this.#minor = minor;
    this.#patch = patch;
    this.#pre = pre;
    this.#metadata = metadata;
    this.#original = original;
  }

  /** semver.NewVersion: lenient ("v" prefix, "1.2" = 1.2.0); throws "invalid semantic version". */
  static parse(text: string): SemverVersion {
    const m = LOOSE.exec(text);
    if (!m) return fault('invalid semantic version');
    const [major, minor, patch] = [segment(m[1]), segment(m[2]), segment(m[3])];
    if ([major, minor, patch].some((n) => n > MAX_UINT64)) return fault('error parsing version segment: value out of range');
    const pre = m[5] ?? '';
    const meta = m[8] ?? '';
    if (pre) checkPrerelease(pre);
    if (meta && !validMetadata(meta)) return fault('invalid metadata string');
    return new SemverVersion(major, minor, patch, pre, meta, text);
  }

  Major(): number {
    return Number(this.#major);
  }

  Minor(): number {
    return Number(this.#minor);
  }

  Patch(): number {
    return Number(this.#patch);
  }

  Prerelease(): string {
    return this.#pre;
  }

  Metadata(): string {
    return this.#metadata;
  }

  Original(): string {
    return this.#original;
  }

  String(): string {
    let out = `${this.#major}.${this.#minor}.${this.#patch}`;
    if (this.#pre) out += `-${this.#pre}`;
    if (this.#metadata) out += `+${this.#metadata}`;
    return out;
  }

  #next(major: bigint, minor: bigint, patch: bigint): SemverVersion {
    const bare = new SemverVersion(major, minor, patch, '', '', '');
    const prefix = this.#original.startsWith('v') ? 'v' : '';
    return new SemverVersion(major, minor, patch, '', '', prefix + bare.String());
  }

  IncPatch(): SemverVersion {
    return this.#next(this.#major, this.#minor, this.#pre ? this.#patch : this.#patch + 1n);
  }

  IncMinor(): SemverVersion {
    return this.#next(this.#major, this.#minor + 1n, 0n);
  }

  IncMajor(): SemverVersion {
    return this.#next(this.#major + 1n, 0n, 0n);
  }

  Compare(other: unknown): number {
    const o = asVersion(other);
    const d = compareSegment(this.#major, o.#major) || compareSegment(this.#minor, o.#minor) || compareSegment(this.#patch, o.#patch);
    if (d !== 0) return d;
    if (this.#pre === '' && o.#pre === '') return 0;
    if (this.#pre === '') return 1;
    if (o.#pre === '') return -1;
    return comparePrerelease(this.#pre, o.#pre);
  }

  LessThan(other: unknown): boolean {
    return this.Compare(other) < 0;
  }

  LessThanEqual(other: unknown): boolean {
    return this.Compare(other) <= 0;
  }

  GreaterThan(other: unknown): boolean {
    return this.Compare(other) > 0;
  }

  GreaterThanEqual(other: unknown): boolean {
    return this.Compare(other) >= 0;
  }

  Equal(other: unknown): boolean {
    return this.Compare(other) === 0;
  }

  /** Masterminds marshals a Version as its String(). */
  toJSON(): string {
    return this.String();
  }
}

/** A Version argument; a version string is accepted too (parsed leniently). */
function asVersion(v: unknown): SemverVersion {
  if (v instanceof SemverVersion) return v;
  if (typeof v === 'string') return SemverVersion.parse(v);
  return fault('expected a semantic version (from semverParse) or a version string');
}
