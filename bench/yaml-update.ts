// Format-preserving YAML edit: the yaml-update runner on a large Helm values file (about 5,000
// lines, with comments) against the `yaml` package's own parse + stringify of the same text.
// Memory is measured in fresh child processes (a peak is a high-water mark: two sides cannot
// share one process), one side per child, alternating, medians over several children.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parse, parseDocument, stringify } from 'yaml';
import { executeRunner } from '../src/promotion/execute.js';
import type { StepContext, StepRunner } from '../src/promotion/types.js';
import { yamlUpdateRunner } from '../src/runners/yaml-update.js';
import { collect, compare, formatBytes, median, report, reportSpeed, type Outcome } from './lib/measure.js';

export const VALUES_FILE = 'values.yaml';

/** A Helm-style values file: `services` blocks of 25 lines each, with comments and mixed styles. */
export function generateValues(services: number | number[]): string {
  const indices = typeof services === 'number' ? Array.from({ length: services }, (_, i) => i) : services;
  const lines: string[] = [
    '# Default values for the acme platform umbrella chart.',
    '# This is a YAML-formatted file; each service below is a subchart.',
    '',
    'global:',
    '  imageRegistry: ghcr.io/acme   # every image comes from here',
    '  imagePullSecrets: []',
    ''
  ];
  for (const i of indices) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    lines.push(
      `# -- ${name}: service number ${i} of the platform`,
      `${name}:`,
      '  # Number of pods; the HPA overrides it in prod',
      `  replicaCount: ${1 + (i % 4)}`,
      '  image:',
      `    repository: ghcr.io/acme/${name}  # where the image lives`,
      `    tag: "v1.${i}.0"   # bumped by Kargo`,
      '    pullPolicy: IfNotPresent',
      '  resources:',
      '    limits: {cpu: 500m, memory: 512Mi}',
      '    requests:',
      '      cpu: 100m',
      "      memory: '128Mi'",
      '  env:',
      '    - name: LOG_LEVEL',
      '      value: info',
      '    - name: FEATURE_FLAGS',
      `      value: "a,b,c-${i}"`,
      '  ingress:',
      '    enabled: true',
      '    hosts:',
      `      - host: ${name}.example.com`,
      '        paths: ["/"]',
      '  podAnnotations:',
      '    prometheus.io/scrape: "true"',
      ''
    );
  }
  return lines.join('\n');
}

/** Three edits spread over the file (start, middle, end; a map key, a nested key, a list item). */
export function updatesFor(round: number): Array<{ key: string; value: unknown }> {
  const tag = `v2.${round % 2}.0`;
  return [
    { key: 'svc-002.image.tag', value: tag },
    { key: 'svc-100.replicaCount', value: 3 + (round % 2) },
    { key: 'svc-197.env.1.value', value: `x,y,z-${round % 2}` }
  ];
}

function stepContext(workDir: string, config: Record<string, unknown>): StepContext {
  const noop = () => undefined;
  return {
    uiBaseURL: '',
    workDir,
    sharedState: {},
    alias: 'update-values',
    config,
    project: 'bench',
    stage: 'bench',
    promotion: 'bench-promotion',
    promotionActor: 'bench',
    rollback: false,
    freightRequests: [],
    freight: { items: {} },
    capabilities: { gitUser: { name: 'Bench', email: 'bench@example.com' }, secrets: {}, mask: noop },
    logger: { debug: noop, info: noop, warning: noop, error: noop },
    signal: new AbortController().signal
  };
}

/** The edit the Document API would make (it loses formatting): the reference point for yaml-update. */
function documentApiEdit(text: string, updates: Array<{ key: string; value: unknown }>): string {
  const doc = parseDocument(text);
  for (const { key, value } of updates) doc.setIn(key.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value);
  return doc.toString();
}

/** One yaml-update through the engine's executeRunner (schema check, read, edit, atomic write). */
async function runnerEdit(workDir: string, round: number): Promise<void> {
  const result = await executeRunner(yamlUpdateRunner, stepContext(workDir, { path: VALUES_FILE, updates: updatesFor(round) }));
  if (result.status !== 'Succeeded') throw new Error(`yaml-update ${result.status}: ${String((result.error as Error | undefined)?.message ?? result.message)}`);
}

/** The side a memory child measures, and what: peak RSS (default flags) or heap allocation. */
export type MemorySide = 'ours' | 'baseline';
export type MemoryKind = 'rss' | 'alloc';

// A young generation big enough that one edit of the large file runs without a collection, so
// the heapUsed growth is what the edit allocated.
const ALLOC_FLAGS = ['--min-semi-space-size=256', '--max-semi-space-size=256'];

/**
 * Child mode: warm up on a small file holding the same keys, then measure one edit of the large
 * file: the rise of the peak RSS over the RSS before it, and the heapUsed growth (no collection
 * forced; the parent checks none ran when measuring allocation).
 */
export async function memoryChild(side: MemorySide, workDir: string): Promise<void> {
  const warmDir = mkdtempSync(path.join(tmpdir(), 'kargo-bench-warm-'));
  const small = generateValues([2, 100, 197]);
  const op = async (dir: string, text: string, round: number) => {
    if (side === 'baseline') stringify(parse(text));
    else await runnerEdit(dir, round);
  };
  try {
    writeFileSync(path.join(warmDir, VALUES_FILE), small);
    for (let i = 0; i < 3; i++) await op(warmDir, small, i);
  } finally {
    rmSync(warmDir, { recursive: true, force: true });
  }
  const large = readFileSync(path.join(workDir, VALUES_FILE), 'utf8');
  let collections = 0;
  // Only collections that free memory count: scavenges and mark-compacts (incremental marking
  // steps and weak callbacks do not lower heapUsed).
  const freeing = new Set<number>([constants.NODE_PERFORMANCE_GC_MINOR, constants.NODE_PERFORMANCE_GC_MAJOR]);
  let opStart = Infinity;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
      if (entry.startTime >= opStart && freeing.has(kind)) collections++;
    }
  });
  collect();
  collect();
  // Let any collection those scheduled (idle-time finalization) run before the measured edit.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.observe({ entryTypes: ['gc'] });
  opStart = performance.now();
  const rssBefore = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  await op(workDir, large, 1);
  const heapAfter = process.memoryUsage().heapUsed;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  await new Promise((resolve) => setTimeout(resolve, 5));
  observer.disconnect();
  process.stdout.write(`${JSON.stringify({ rss: Math.max(0, peakRss - rssBefore), heap: heapAfter - heapBefore, collections })}\n`);
}

interface MemoryMeasure {
  rss: number;
  heap: number;
  collections: number;
}

function spawnMemoryChild(kind: MemoryKind, side: MemorySide, workDir: string): MemoryMeasure {
  const entry = process.argv[1]!;
  const flags = ['--expose-gc', ...(kind === 'alloc' ? ALLOC_FLAGS : [])];
  const child = spawnSync(process.execPath, [...flags, entry, 'memory-child', side, workDir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  });
  if (child.status !== 0) throw new Error(`memory child (${side}) failed: ${child.stderr || child.stdout}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!) as MemoryMeasure;
}

/** `children` fresh processes per side, alternating which side goes first, each on `text`. */
function measureMemory(kind: MemoryKind, workDir: string, text: string, children: number): Record<MemorySide, MemoryMeasure[]> {
  const measured: Record<MemorySide, MemoryMeasure[]> = { ours: [], baseline: [] };
  for (let i = 0; i < children; i++) {
    for (const side of i % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const)) {
      writeFileSync(path.join(workDir, VALUES_FILE), text); // so every run really edits and writes
      measured[side].push(spawnMemoryChild(kind, side, workDir));
    }
  }
  return measured;
}

export async function runYamlBenchmarks(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const text = generateValues(200);
  const lineCount = text.split('\n').length;
  const workDir = mkdtempSync(path.join(tmpdir(), 'kargo-bench-yaml-'));
  const file = path.join(workDir, VALUES_FILE);
  let sink: unknown;
  try {
    writeFileSync(file, text);
    let round = 0;

    {
      // Sanity: the edit changes the three values and nothing else.
      await runnerEdit(workDir, 1);
      const edited = readFileSync(file, 'utf8');
      const before = text.split('\n');
      const after = edited.split('\n');
      const changed = before.filter((line, i) => line !== after[i]).length;
      if (after.length !== before.length || changed !== 3) {
        throw new Error(`yaml-update changed ${changed} lines (of ${before.length}), expected exactly 3`);
      }
      const speed = await compare(
        () => runnerEdit(workDir, round++),
        () => (sink = stringify(parse(text))),
        { rounds: 9, batchMs: 100, warmup: 1 }
      );
      outcomes.push(
        reportSpeed('yaml:update', speed, 2, `3 edits in ${lineCount} lines incl. read + atomic write, vs yaml parse+stringify`)
      );
    }

    // The obvious alternative: the Document API (parse to nodes, setIn, re-serialize everything).
    const docApi = await compare(
      () => (sink = documentApiEdit(text, updatesFor(round++))),
      () => (sink = stringify(parse(text))),
      { rounds: 5, batchMs: 100, warmup: 1 }
    );
    outcomes.push(reportSpeed('yaml:document-api', docApi, 1.5, 'parseDocument+setIn+toString vs parse+stringify'));

    const what = 'yaml-update run';
    const children = 3;
    const rss = measureMemory('rss', workDir, text, children);
    const rssOurs = median(rss.ours.map((m) => m.rss));
    const rssBase = median(rss.baseline.map((m) => m.rss));
    outcomes.push(
      report({
        name: 'yaml:update-peak-rss',
        ours: formatBytes(rssOurs),
        baseline: formatBytes(rssBase),
        ratio: rssOurs / Math.max(rssBase, 1),
        target: 2,
        note: `rise of peak RSS over one ${what}, median of ${children} fresh processes per side`
      })
    );
    // Allocation without a collection is nearly deterministic: two processes per side suffice.
    const alloc = measureMemory('alloc', workDir, text, 2);
    const allocOurs = median(alloc.ours.map((m) => m.heap));
    const allocBase = median(alloc.baseline.map((m) => m.heap));
    const collected = [...alloc.ours, ...alloc.baseline].filter((m) => m.collections > 0).length;
    outcomes.push(
      report({
        name: 'yaml:update-heap',
        ours: formatBytes(allocOurs),
        baseline: formatBytes(allocBase),
        ratio: allocOurs / Math.max(allocBase, 1),
        target: 2,
        note: `heapUsed growth over one ${what} with a 256 MiB young generation${collected ? `; a GC ran in ${collected} of 4 processes, so it may undercount` : ': no GC ran, so it is the bytes allocated'}`
      })
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    collect();
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return outcomes;
}
