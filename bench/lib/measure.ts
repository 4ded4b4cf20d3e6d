// Timing and reporting for the benchmarks. Every benchmark compares "ours" with a baseline run in
// the same process, interleaved round by round, so the machine's speed and the load from other
// processes cancel out: what is reported and judged is the median of the per-round ratios.

export type Work = () => unknown;

export interface CompareOptions {
  /** Rounds of (ours, baseline) batches; the ratio is the median over rounds. */
  rounds?: number;
  /** Wall time one batch should take, in ms (the batch size is calibrated from it). */
  batchMs?: number;
  /** Unmeasured calls of each side before calibration (JIT warm-up, caches, lazy loading). */
  warmup?: number;
}

export interface Comparison {
  /** Median time per call, in nanoseconds. */
  oursNs: number;
  baselineNs: number;
  /** Median over rounds of ours/baseline. */
  ratio: number;
  /** The spread of the per-round ratios (quartiles), to judge how steady the run was. */
  ratioLow: number;
  ratioHigh: number;
  rounds: number;
  oursBatch: number;
  baselineBatch: number;
}

const gc: ((options?: { type: 'major' | 'minor' }) => void) | undefined = (globalThis as { gc?: () => void }).gc;

/**
 * Collect garbage so one side's litter is not collected on the other side's clock. Short batches
 * get a young-generation collection only: a full one would cost more than the batch itself.
 */
export function collect(type: 'major' | 'minor' = 'major'): void {
  gc?.({ type });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Run `work` `times` times (awaiting it when it returns a promise); returns elapsed ns. */
async function timeBatch(work: Work, times: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < times; i++) {
    const result = work();
    if (isPromise(result)) await result;
  }
  return Number(process.hrtime.bigint() - start);
}

/** How many calls fill about `batchMs`. */
async function calibrate(work: Work, batchMs: number): Promise<number> {
  let times = 1;
  for (;;) {
    const ns = await timeBatch(work, times);
    if (ns >= 5e6 || times >= 1 << 24) {
      const perCall = ns / times;
      return Math.max(1, Math.round((batchMs * 1e6) / perCall));
    }
    times *= ns < 5e5 ? 10 : 2;
  }
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/** Time `ours` against `baseline`, interleaved, and return medians and the median ratio. */
export async function compare(ours: Work, baseline: Work, options: CompareOptions = {}): Promise<Comparison> {
  const rounds = options.rounds ?? 61;
  const batchMs = options.batchMs ?? 4;
  const warmup = options.warmup ?? 3;
  for (let i = 0; i < warmup; i++) {
    for (const work of [ours, baseline]) {
      const result = work();
      if (isPromise(result)) await result;
    }
  }
  const oursBatch = await calibrate(ours, batchMs);
  const baselineBatch = await calibrate(baseline, batchMs);
  const oursTimes: number[] = [];
  const baselineTimes: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first, so neither always runs right after a collection.
    const order = round % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const);
    const perCall: Record<'ours' | 'baseline', number> = { ours: 0, baseline: 0 };
    for (const side of order) {
      collect(batchMs < 20 ? 'minor' : 'major');
      const [work, batch] = side === 'ours' ? [ours, oursBatch] : [baseline, baselineBatch];
      perCall[side] = (await timeBatch(work, batch)) / batch;
    }
    oursTimes.push(perCall.ours);
    baselineTimes.push(perCall.baseline);
    ratios.push(perCall.ours / perCall.baseline);
  }
  return {
    oursNs: median(oursTimes),
    baselineNs: median(baselineTimes),
    ratio: median(ratios),
    ratioLow: quantile(ratios, 0.25),
    ratioHigh: quantile(ratios, 0.75),
    rounds,
    oursBatch,
    baselineBatch
  };
}

export function formatNs(ns: number): string {
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  const b = Math.abs(bytes);
  if (b < 1024) return `${sign}${b.toFixed(0)} B`;
  if (b < 1024 * 1024) return `${sign}${(b / 1024).toFixed(1)} KiB`;
  return `${sign}${(b / 1024 / 1024).toFixed(1)} MiB`;
}

export interface Line {
  name: string;
  ours: string;
  baseline: string;
  ratio: number;
  /** The ratio must stay at or below this (at or above when `atLeast`). */
  target: number;
  atLeast?: boolean;
  note?: string;
}

export interface Outcome {
  name: string;
  ratio: number;
  target: number;
  pass: boolean;
}

export function judge(line: Line): boolean {
  return line.atLeast ? line.ratio >= line.target : line.ratio <= line.target;
}

/** Print one benchmark line: name, ours, baseline, ratio, target and PASS/WARN. */
export function report(line: Line): Outcome {
  const pass = judge(line);
  const target = `${line.atLeast ? '>=' : '<='} ${line.target.toFixed(2)}`;
  const text = [
    line.name.padEnd(24),
    `ours ${line.ours.padStart(10)}`,
    `baseline ${line.baseline.padStart(10)}`,
    `ratio ${line.ratio.toFixed(2).padStart(7)}`,
    `target ${target.padStart(8)}`,
    pass ? 'PASS' : 'WARN'
  ].join('  ');
  console.log(line.note ? `${text}  (${line.note})` : text);
  return { name: line.name, ratio: line.ratio, target: line.target, pass };
}

/** A speed line from a comparison: per-call medians and the median ratio with its spread. */
export function reportSpeed(name: string, result: Comparison, target: number, note?: string): Outcome {
  const spread = `IQR ${result.ratioLow.toFixed(2)}-${result.ratioHigh.toFixed(2)}`;
  return report({
    name,
    ours: formatNs(result.oursNs),
    baseline: formatNs(result.baselineNs),
    ratio: result.ratio,
    target,
    note: note ? `${spread}; ${note}` : spread
  });
}
