// Builds a StepContext for runner tests, with a fresh WorkDir under the OS temp dir.

import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { executeRunner } from '../../src/promotion/execute.js';
import type { FreightCollection } from '../../src/promotion/freight.js';
import type { Config, Logger, StepContext, StepResult, StepRunner } from '../../src/promotion/types.js';

export function makeTempDir(prefix = 'kargo-test-'): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
}

export interface CapturedLog {
  lines: string[];
  logger: Logger;
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const push = (level: string) => (message: string) => lines.push(`${level}: ${message}`);
  return {
    lines,
    logger: { debug: push('debug'), info: push('info'), warning: push('warning'), error: push('error') }
  };
}

export function makeStepContext(overrides: Partial<StepContext> & { workDir?: string } = {}): StepContext {
  const freight: FreightCollection = overrides.freight ?? { items: {} };
  return {
    uiBaseURL: '',
    workDir: overrides.workDir ?? makeTempDir(),
    sharedState: {},
    alias: 'step-1',
    config: {},
    project: 'test-project',
    stage: 'test',
    promotion: 'test-promotion',
    promotionActor: 'tester',
    rollback: false,
    freightRequests: [],
    freight,
    capabilities: {
      gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
      secrets: {},
      mask: () => undefined
    },
    logger: captureLog().logger,
    signal: new AbortController().signal,
    ...overrides
  };
}

/** Validate config against the runner's schema and run it once, exactly as the engine does. */
export function runStep(
  runner: StepRunner<any>,
  config: Config,
  overrides: Partial<StepContext> = {}
): Promise<StepResult> {
  return executeRunner(runner, makeStepContext({ ...overrides, config }));
}
