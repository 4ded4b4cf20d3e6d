// What both doors do once they have settings: build the capabilities, prepare the promotion
// (failing on bad input before anything runs) and run it.

import { promises as fs } from 'node:fs';
import { runPromotion, type Backoff, type PromotionEvents, type PromotionResult } from './promotion/engine.js';
import { InputError } from './promotion/errors.js';
import type { FreightInput } from './promotion/load.js';
import { preparePromotion, type PreparedPromotion } from './promotion/plan.js';
import type { Capabilities, Logger } from './promotion/types.js';
import { builtinRegistry } from './runners/index.js';
import type { Settings } from './settings.js';

export interface RunOptions {
  logger: Logger;
  mask(value: string): void;
  events?: PromotionEvents;
  signal?: AbortSignal;
  dryRun?: boolean;
  backoff?: Backoff;
  /** Freight to use when the inputs give none (the action's workflow context). */
  defaultFreight?: FreightInput;
}

export function capabilitiesFor(settings: Settings, mask: (value: string) => void): Capabilities {
  return {
    gitUser: settings.gitUser,
    github: settings.github,
    argocd: settings.argocd,
    secrets: settings.secrets,
    mask
  };
}

export function prepare(settings: Settings, defaultFreight?: FreightInput): PreparedPromotion {
  return preparePromotion(
    {
      stepsText: settings.stepsText,
      stepsSource: settings.stepsSource,
      freightText: settings.freightText,
      freightSource: settings.freightSource,
      defaultFreight,
      vars: settings.vars,
      project: settings.project,
      stage: settings.stage,
      promotion: settings.promotion,
      actor: settings.actor,
      uiBaseURL: settings.uiBaseURL,
      workDir: settings.workDir,
      defaultProject: settings.defaultProject
    },
    builtinRegistry()
  );
}

async function ensureWorkDir(workDir: string): Promise<void> {
  const stats = await fs.stat(workDir).catch(() => undefined);
  if (stats && !stats.isDirectory()) throw new InputError(`working-directory: "${workDir}" is not a directory`);
  if (!stats) await fs.mkdir(workDir, { recursive: true });
}

export async function runSettings(settings: Settings, options: RunOptions): Promise<{ prepared: PreparedPromotion; result: PromotionResult }> {
  const prepared = prepare(settings, options.defaultFreight);
  await ensureWorkDir(prepared.info.workDir);
  const result = await runPromotion(prepared, {
    registry: builtinRegistry(),
    capabilities: capabilitiesFor(settings, options.mask),
    logger: options.logger,
    signal: options.signal,
    defaultErrorThreshold: settings.errorThreshold,
    defaultTimeoutMs: settings.timeoutMs,
    backoff: options.backoff,
    dryRun: options.dryRun,
    events: options.events
  });
  return { prepared, result };
}
