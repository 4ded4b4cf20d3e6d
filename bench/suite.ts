// The benchmark suite, bundled by bench/run.mjs and run with --expose-gc.
//   suite.js [filter...]                      run the benchmarks whose name contains a filter
//   suite.js memory-child <side> <workDir>    (internal) one memory measurement, for yaml-update
// A WARN is information, not a failure: the exit code is 0 unless something crashed.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runEngineBenchmarks } from './engine.js';
import { runExpressionBenchmarks } from './expressions.js';
import type { Outcome } from './lib/measure.js';
import { memoryChild, runYamlBenchmarks, type MemorySide } from './yaml-update.js';

const GROUPS: Array<{ name: string; run: (workDir: string) => Promise<Outcome[]> }> = [
  { name: 'expr', run: () => runExpressionBenchmarks() },
  { name: 'yaml', run: () => runYamlBenchmarks() },
  { name: 'engine', run: (workDir) => runEngineBenchmarks(workDir) }
];

async function main(args: string[]): Promise<void> {
  if (args[0] === 'memory-child') {
    await memoryChild(args[1] as MemorySide, args[2]!);
    return;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    console.log('note: run with --expose-gc (bench/run.mjs does) for steadier numbers');
  }
  const started = Date.now();
  const workDir = mkdtempSync(path.join(tmpdir(), 'kargo-bench-'));
  const outcomes: Outcome[] = [];
  try {
    for (const group of GROUPS) {
      if (args.length > 0 && !args.some((filter) => group.name.includes(filter) || filter.startsWith(`${group.name}:`))) continue;
      outcomes.push(...(await group.run(workDir)));
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const warned = outcomes.filter((o) => !o.pass);
  console.log(
    `\n${outcomes.length} benchmarks, ${outcomes.length - warned.length} PASS, ${warned.length} WARN` +
      `${warned.length ? ` (${warned.map((o) => o.name).join(', ')})` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
