// What a promotion tells its reader: the outputs (state, status, one per alias) and a table of
// the steps, rendered as Markdown for the job summary or as plain lines for a terminal.

import type { PromotionResult, StepExecution } from './promotion/engine.js';
import { formatDuration } from './promotion/duration.js';

type Metadata = Record<string, Record<string, Record<string, unknown>>>;

/**
 * What the set-metadata steps recorded, merged in order: `{Stage: {name: {key: value}}, Freight: ...}`
 * (Kargo would write it into the resources' status; a workflow reads it from this output).
 */
export function collectMetadata(result: PromotionResult): Metadata | undefined {
  let merged: Metadata | undefined;
  for (const step of result.steps) {
    if (step.kind !== 'set-metadata' || step.status !== 'Succeeded') continue;
    const metadata = (result.state[step.alias] as { metadata?: Metadata } | null)?.metadata ?? {};
    merged ??= {};
    for (const [kind, byName] of Object.entries(metadata)) {
      const target = (merged[kind] ??= {});
      for (const [name, values] of Object.entries(byName)) target[name] = { ...(target[name] ?? {}), ...values };
    }
  }
  return merged;
}

/** The action outputs: one per alias that has an output, `metadata` if any, `state` and `status`. */
export function promotionOutputs(result: PromotionResult): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const [alias, output] of Object.entries(result.state)) {
    if (output !== null && output !== undefined) outputs[alias] = JSON.stringify(output);
  }
  const metadata = collectMetadata(result);
  if (metadata) outputs.metadata = JSON.stringify(metadata);
  outputs.state = JSON.stringify(result.state);
  outputs.status = result.status;
  return outputs;
}

function roundedDuration(ms: number): string {
  return formatDuration(ms < 1000 ? Math.round(ms) : Math.round(ms / 100) * 100);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function markdownSummary(title: string, result: PromotionResult): string {
  const rows = result.steps.map((s: StepExecution) =>
    `| \`${cell(s.alias)}\` | \`${s.kind}\` | ${s.status}${s.continueOnError ? ' (continueOnError)' : ''} | ${s.attempts || '–'} | ${s.attempts ? roundedDuration(s.durationMs) : '–'} | ${cell(s.message)} |`
  );
  return [
    `### ${title}: ${result.status}`,
    '',
    result.message ? `${cell(result.message)}\n` : '',
    '| alias | step | status | attempts | duration | message |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    ''
  ].join('\n');
}

const SYMBOL: Record<string, string> = {
  Succeeded: '✔',
  Skipped: '○',
  Failed: '✖',
  Errored: '✖',
  Running: '…',
  Aborted: '■'
};

export function stepLine(s: StepExecution): string {
  const symbol = SYMBOL[s.status] ?? '?';
  const attempts = s.attempts > 1 ? `, ${s.attempts} attempts` : '';
  const message = s.message ? ` — ${s.message}` : '';
  return `${symbol} ${s.alias} (${s.kind}) ${s.status} in ${roundedDuration(s.durationMs)}${attempts}${message}`;
}
