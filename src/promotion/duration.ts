// Go's time.ParseDuration and Duration.String, because Kargo's configs and messages use them
// ("5m", "1h30m", "500ms"; "timed out after 5m0s").

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
};

/** Milliseconds in a Go duration string, or undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const match = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(trimmed);
  if (!match) return undefined;
  let total = 0;
  for (const part of trimmed.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += parseFloat(part[1] as string) * (UNIT_MS[part[2] as string] as number);
  }
  return match[1] === '-' ? -total : total;
}

function trimFraction(value: number): string {
  return value.toFixed(9).replace(/\.?0+$/, '');
}

/** Go's Duration.String for a millisecond count: 300000 -> "5m0s", 1500 -> "1.5s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1) return `${sign}${trimFraction(rest * 1000)}µs`;
  if (rest < 1000) return `${sign}${trimFraction(rest)}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${trimFraction(rest / 1000)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}
