import { parse, TomlDate } from 'smol-toml';
import { makeParseRunner } from './structured/parse-step.js';
import { tomlParseSchema, type TomlParseConfig } from './schemas/toml-parse.js';

/** Go writes times with trailing zero fractions dropped (RFC 3339 "nano" form): `07:32:00`, `07:32:00.5`. */
function goTimeText(text: string): string {
  return text.replace(/\.(\d*?)0+(?=Z|[+-]\d\d:\d\d$|$)/, (_match, digits: string) => (digits ? `.${digits}` : ''));
}

/** go-toml's values as JSON holds them: dates and times as their text, every number a number. */
function jsonLike(value: unknown): unknown {
  if (value instanceof TomlDate) return goTimeText(value.toISOString());
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonLike);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonLike(v)]));
  }
  return value;
}

function parseTOML(text: string, display: string): unknown {
  if (text.length === 0) throw new Error(`could not parse empty TOML file: ${JSON.stringify(display)}`);
  try {
    return jsonLike(parse(text, { integersAsBigInt: 'asNeeded' }));
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    const line = (err as { line?: number }).line;
    const where = line === undefined ? '' : ` (line ${line})`;
    throw new Error(`could not parse TOML file ${JSON.stringify(display)}: ${message}${where}`, { cause: err });
  }
}

/** toml-parse: reads a TOML file and sets outputs from expr-lang expressions over its content. */
export const tomlParseRunner = makeParseRunner<TomlParseConfig>('toml-parse', 'TOML', tomlParseSchema, parseTOML);
