// Dates for expr's now() and date(): JavaScript Dates with a few of Go's time.Time methods.

import { fault } from './errors.js';

const LAYOUTS: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^(\d{4}-\d{2}-\d{2})$/, (m) => `${m[1]}T00:00:00Z`],
  [/^(\d{2}:\d{2}:\d{2})$/, (m) => `0000-01-01T${m[1]}Z`],
  [/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/, (m) => `${m[1]}T${m[2]}Z`],
  [/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))$/, (m) => m[1]]
];

/** date(str): the layouts expr accepts without an explicit format (RFC3339 and ISO dates/times). */
export function parseDate(s: string, layout?: unknown, tz?: unknown): Date {
  if (layout !== undefined || tz !== undefined) {
    return fault('date() with a layout or a time zone is not supported; pass an RFC 3339 string');
  }
  for (const [re, iso] of LAYOUTS) {
    const m = re.exec(s);
    if (!m) continue;
    const date = new Date(iso(m));
    if (!Number.isNaN(date.getTime())) return date;
  }
  return fault(`invalid date ${JSON.stringify(s)}: use RFC 3339, 2006-01-02, 2006-01-02 15:04:05 or 15:04:05`);
}

/** Go's time.RFC3339Nano, how a time.Time marshals to JSON and YAML. */
export const RFC3339_NANO = '2006-01-02T15:04:05.999999999Z07:00';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function fraction(d: Date, token: string): string {
  const digits = token.length - 1;
  const value = pad(d.getUTCMilliseconds(), 3).padEnd(9, '0').slice(0, digits);
  return token[1] === '9' ? (value.replace(/0+$/, '') ? `.${value.replace(/0+$/, '')}` : '') : `.${value}`;
}

/** Go layout elements, longest first, and what each prints for a UTC time. */
const LAYOUT_TOKENS: Array<[RegExp, (d: Date, token: string) => string]> = [
  [/^2006/, (d) => pad(d.getUTCFullYear(), 4)],
  [/^January/, (d) => MONTHS[d.getUTCMonth()]],
  [/^Monday/, (d) => DAYS[d.getUTCDay()]],
  [/^Jan/, (d) => MONTHS[d.getUTCMonth()].slice(0, 3)],
  [/^Mon/, (d) => DAYS[d.getUTCDay()].slice(0, 3)],
  [/^MST/, () => 'UTC'],
  [/^Z07:00/, () => 'Z'],
  [/^Z0700/, () => 'Z'],
  [/^Z07/, () => 'Z'],
  [/^-07:00/, () => '+00:00'],
  [/^-0700/, () => '+0000'],
  [/^-07/, () => '+00'],
  [/^[.,](0+|9+)/, fraction],
  [/^06/, (d) => pad(d.getUTCFullYear() % 100, 2)],
  [/^01/, (d) => pad(d.getUTCMonth() + 1, 2)],
  [/^02/, (d) => pad(d.getUTCDate(), 2)],
  [/^_2/, (d) => String(d.getUTCDate()).padStart(2, ' ')],
  [/^15/, (d) => pad(d.getUTCHours(), 2)],
  [/^03/, (d) => pad(d.getUTCHours() % 12 || 12, 2)],
  [/^04/, (d) => pad(d.getUTCMinutes(), 2)],
  [/^05/, (d) => pad(d.getUTCSeconds(), 2)],
  [/^PM/, (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM')],
  [/^pm/, (d) => (d.getUTCHours() < 12 ? 'am' : 'pm')],
  [/^1/, (d) => String(d.getUTCMonth() + 1)],
  [/^2/, (d) => String(d.getUTCDate())],
  [/^3/, (d) => String(d.getUTCHours() % 12 || 12)],
  [/^4/, (d) => String(d.getUTCMinutes())],
  [/^5/, (d) => String(d.getUTCSeconds())]
];

/** Go's time.Time.Format(layout), for UTC times. */
export function formatTime(d: Date, layout: string): string {
  let out = '';
  let rest = layout;
  while (rest) {
    const match = LAYOUT_TOKENS.map(([re, fn]) => [re.exec(rest), fn] as const).find(([m]) => m);
    if (match) {
      const token = match[0]![0];
      out += match[1](d, token);
      rest = rest.slice(token.length);
    } else {
      out += rest[0];
      rest = rest.slice(1);
    }
  }
  return out;
}

/** Methods of Go's time.Time that expressions may call on a date (UTC). */
export const TIME_METHODS: Record<string, (d: Date, ...args: unknown[]) => unknown> = {
  Year: (d) => d.getUTCFullYear(),
  Month: (d) => d.getUTCMonth() + 1,
  Day: (d) => d.getUTCDate(),
  Hour: (d) => d.getUTCHours(),
  Minute: (d) => d.getUTCMinutes(),
  Second: (d) => d.getUTCSeconds(),
  Weekday: (d) => d.getUTCDay(),
  YearDay: (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1,
  Unix: (d) => Math.floor(d.getTime() / 1000),
  UnixMilli: (d) => d.getTime(),
  String: (d) => formatTime(d, '2006-01-02 15:04:05.999999999 -0700 MST'),
  Format: (d, layout) => {
    if (typeof layout !== 'string') return fault('Format needs a layout string');
    return formatTime(d, layout);
  },
  Before: (d, o) => o instanceof Date && d.getTime() < o.getTime(),
  After: (d, o) => o instanceof Date && d.getTime() > o.getTime(),
  Equal: (d, o) => o instanceof Date && d.getTime() === o.getTime()
};
