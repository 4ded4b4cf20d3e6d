// Go's strconv.ParseFloat and strconv.ParseBool, which decide the type of a templated value.

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity)$/i;

function parseHexFloat(m: RegExpExecArray): number | undefined {
  const [, sign, whole, frac = '', exp] = m;
  if (whole === '' && frac === '') return undefined;
  const mantissa = parseInt(whole + frac || '0', 16) / Math.pow(16, frac.length);
  const value = mantissa * Math.pow(2, Number(exp));
  return sign === '-' ? -value : value;
}

/** strconv.ParseFloat(s, 64); undefined where Go returns an error (including out of range). */
export function parseGoFloat(s: string): number | undefined {
  if (DECIMAL.test(s)) {
    const value = Number(s);
    if (!Number.isFinite(value)) return undefined;
    return value;
  }
  const hex = HEX_FLOAT.exec(s);
  if (hex) {
    const value = parseHexFloat(hex);
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  }
  const special = SPECIAL.exec(s);
  if (special) return special[1] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  return undefined;
}

const BOOLS: Record<string, boolean> = {
  '1': true, t: true, T: true, TRUE: true, true: true, True: true,
  '0': false, f: false, F: false, FALSE: false, false: false, False: false
};

/** strconv.ParseBool(s); undefined where Go returns an error. */
export function parseGoBool(s: string): boolean | undefined {
  return Object.prototype.hasOwnProperty.call(BOOLS, s) ? BOOLS[s] : undefined;
}
