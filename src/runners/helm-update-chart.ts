import { findCredentials } from '../credentials/index.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { HelmDependencyError, updateDependencies } from '../helm/index.js';
import { helmUpdateChartSchema, type HelmUpdateChartConfig } from './schemas/helm-update-chart.js';

/**
 * Kargo's commit message: a line per changed dependency (`name: old -> new`, `name: new` when
 * added, `name: removed`). Sorted by name so the same change always reads the same (Kargo
 * follows Go's random map order).
 */
export function generateCommitMessage(chartPath: string, changes: ReadonlyMap<string, string>): string {
  if (changes.size === 0) return '';
  const lines = [...changes.keys()].sort().map((name) => `\n- ${name}: ${changes.get(name) || 'removed'}`);
  return `Updated chart dependencies for ${chartPath}\n${lines.join('')}`;
}

/**
 * helm-update-chart: sets dependency versions in a chart's Chart.yaml, then refreshes Chart.lock
 * and charts/ as `helm dependency update` does, in-process (oci:// dependencies use the helm
 * binary). Output `commitMessage` when a locked version changed.
 */
export const helmUpdateChartRunner: StepRunner<HelmUpdateChartConfig> = {
  name: 'helm-update-chart',
  schema: helmUpdateChartSchema,
  effects: 'reads-remote',
  run: async (ctx): Promise<StepResult> => {
    const { path: chartPath, charts = [] } = ctx.config;
    try {
      const result = await updateDependencies(
        chartPath,
        charts.map((c) => ({ repository: c.repository, name: c.name, version: c.version })),
        {
          workDir: ctx.workDir,
          signal: ctx.signal,
          logger: ctx.logger,
          credentials: (_kind, url) => {
            const creds = findCredentials(ctx.capabilities, 'helm', url);
            if (!creds) return undefined;
            ctx.capabilities.mask(creds.password);
            ctx.logger.debug(`using credentials from ${creds.source} for ${url}`);
            return { username: creds.username, password: creds.password };
          }
        }
      );
      const commitMessage = generateCommitMessage(chartPath, result.changes);
      return commitMessage ? { status: 'Succeeded', output: { commitMessage } } : { status: 'Succeeded' };
    } catch (err) {
      // Kargo reports every failure of this step as Errored; those no retry can fix (a bad
      // Chart.yaml, an unknown dependency) are also terminal so the step stops at once.
      if (err instanceof HelmDependencyError && err.terminal) return { status: 'Errored', error: new TerminalError(err) };
      return { status: 'Errored', error: err };
    }
  }
};
