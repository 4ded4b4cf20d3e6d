// Value formatting shared by the structured-file steps: Go's %q (the quoting Kargo's commit
// messages use) and the scalar checks the update steps apply to their values.

/** A value an update step can write: string, finite number, boolean (null where a step allows it). */
export type Scalar = string | number | boolean | null;

export function isScalar(value: unknown): value is Scalar {
  return (
    value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number'
  );
}

/** A human name for a value's type in error messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/** Go's strconv.Quote (fmt's %q on a string): double quotes, Go escapes for what is not printable. */
export function goQuote(s: string): string {
  let out = '"';
  for (const char of s) {
    const code = char.codePointAt(0) as number;
    if (char === '"' || char === '\\') {
      out += `\\${char}`;
    } else if (PRINTABLE.test(char)) {
      out += char;
    } else {
      out += goEscape(code);
    }
  }
  return `${out}"`;
}

function goEscape(code: number): string {
  switch (code) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
    default:
      if (code < 0x20 || code === 0x7f) return `\\x${hex(code, 2)}`;
      if (code < 0x10000) return `\\u${hex(code, 4)}`;
      return `\\U${hex(code, 8)}`;
  }
}

/** A number written plainly: integers without exponent or fraction (Kargo: `100`, never `1e+02`). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n);
}
