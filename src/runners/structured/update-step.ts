// The shape the *-update steps share: read the file inside the WorkDir, apply every update to its
// text (each format splicing only the values it changes), write it back atomically if it changed,
// and answer with Kargo's commit message. Every failure is a retryable Errored, as in Kargo.

import { writeFileAtomic } from '../../fs/atomic.js';
import { messageOf } from '../../promotion/errors.js';
import type { StepContext, StepResult } from '../../promotion/types.js';
import { readUserFile, userFile } from './files.js';

export interface KeyUpdate {
  key: string;
  value?: unknown;
}

export interface UpdateFormat<U extends KeyUpdate> {
  /** Named in messages about the file: `YAML`, `JSON`, `TOML`. */
  format: string;
  /** Kargo's prefix for this step's failures, e.g. `values file update failed`. */
  failure: string;
  /** The updated text; throws an Error whose message names the key or the file. */
  edit(text: string, updates: U[], path: string): string;
  /** How a value reads in the commit message (Kargo formats each step's values its own way). */
  valueText(value: unknown): string;
}

/** Kargo's commit message: `Updated <path>` and one `- key: value` line per update. */
export function updateCommitMessage<U extends KeyUpdate>(path: string, updates: U[], valueText: (v: unknown) => string): string {
  return [`Updated ${path}\n`, ...updates.map(({ key, value }) => `\n- ${key}: ${valueText(value)}`)].join('');
}

/** Run `attempt`, rethrowing its failure with context (`<context>: <message>`). */
export function withContext<T>(context: string, attempt: () => T): T {
  try {
    return attempt();
  } catch (err) {
    throw new Error(`${context}: ${messageOf(err)}`, { cause: err });
  }
}

export async function runUpdateStep<U extends KeyUpdate>(
  ctx: StepContext<{ path: string; updates: U[] }>,
  format: UpdateFormat<U>
): Promise<StepResult> {
  const { path, updates } = ctx.config;
  const file = userFile(ctx.workDir, path);
  let updated: string;
  let text: string;
  try {
    text = await readUserFile(file, format.format);
    updated = format.edit(text, updates, path);
  } catch (err) {
    return { status: 'Errored', error: new Error(`${format.failure}: ${messageOf(err)}`, { cause: err }) };
  }
  if (updated !== text) await writeFileAtomic(file.absolute, updated);
  return { status: 'Succeeded', output: { commitMessage: updateCommitMessage(path, updates, format.valueText) } };
}
