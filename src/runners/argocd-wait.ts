// argocd-wait: read-only; reports Running until the Applications meet the conditions asked for
// (health, sync, no operation in progress...). Needs no authorization annotation.

import type { ArgoCDClient } from '../argocd/client.js';
import {
  appNamespace,
  argocdClientFor,
  argocdDisabledMessage,
  conditionMessages,
  findApplications,
  namespaceOf,
  notReconciledSinceOperation,
  requestRefresh
} from '../argocd/common.js';
import type { Application } from '../argocd/types.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepContext, StepResult, StepRunner } from '../promotion/types.js';
import { argocdWaitSchema, type ArgocdWaitConfig, type WaitFor } from './schemas/argocd-wait.js';

const DEFAULT_WAIT_FOR: WaitFor[] = ['health', 'sync', 'operation'];
const POLL_INTERVAL_MS = 5_000;
const HEALTH_STATUS_KEY = 'healthStatus';

function operationInProgress(app: Application): boolean {
  if (app.operation) return true;
  const state = app.status?.operationState;
  return state !== undefined && !state.finishedAt;
}

interface Readiness {
  ready: boolean;
  healthStatus: string;
  error?: TerminalError;
}

/** Kargo's checkAppReadiness. */
export async function checkAppReadiness(
  ctx: StepContext<unknown>,
  client: ArgoCDClient | undefined,
  app: Application,
  namespace: string,
  waitFor: readonly WaitFor[],
  previousHealth: string
): Promise<Readiness> {
  const name = app.metadata.name;
  const healthStatus = app.status?.health?.status ?? '';
  const conditions = conditionMessages(app, namespace);
  if (conditions) return { ready: false, healthStatus, error: new TerminalError(conditions) };

  if (waitFor.includes('operation') && operationInProgress(app)) {
    ctx.logger.info(`Argo CD Application "${name}": operation is in progress`);
    return { ready: false, healthStatus };
  }

  const healthChecked = waitFor.includes('health') || waitFor.includes('suspended') || waitFor.includes('degraded');
  if (healthChecked) {
    if (notReconciledSinceOperation(app)) {
      if (client) await requestRefresh(ctx, client, app, namespace);
      ctx.logger.info(`Argo CD Application "${name}": not yet reconciled after its last operation, health not trusted`);
      return { ready: false, healthStatus };
    }
    const passed =
      (waitFor.includes('health') && healthStatus === 'Healthy') ||
      (waitFor.includes('suspended') && healthStatus === 'Suspended') ||
      (waitFor.includes('degraded') && healthStatus === 'Degraded');
    if (
      waitFor.includes('health') &&
      healthStatus === 'Degraded' &&
      previousHealth !== '' &&
      previousHealth !== 'Degraded' &&
      previousHealth !== 'Unknown'
    ) {
      return {
        ready: false,
        healthStatus,
        error: new TerminalError(
          `Argo CD Application "${name}" in namespace "${namespace}" health has regressed from ${previousHealth} to ${healthStatus}`
        )
      };
    }
    if (!passed) {
      ctx.logger.info(`Argo CD Application "${name}": health is ${healthStatus || 'unknown'}`);
      return { ready: false, healthStatus };
    }
  }

  if (waitFor.includes('sync') && app.status?.sync?.status !== 'Synced') {
    ctx.logger.info(`Argo CD Application "${name}": sync status is ${app.status?.sync?.status || 'unknown'}`);
    return { ready: false, healthStatus };
  }
  return { ready: true, healthStatus };
}

function previousHealthStatuses(ctx: StepContext<unknown>): Record<string, string> {
  const previous = ctx.sharedState[ctx.alias];
  if (!previous || typeof previous !== 'object') return {};
  const statuses = (previous as Record<string, unknown>)[HEALTH_STATUS_KEY];
  if (!statuses || typeof statuses !== 'object') return {};
  return Object.fromEntries(Object.entries(statuses).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export const argocdWaitRunner: StepRunner<ArgocdWaitConfig> = {
  name: 'argocd-wait',
  schema: argocdWaitSchema,
  effects: 'reads-remote',
  run: async (ctx): Promise<StepResult> => {
    const client = argocdClientFor(ctx);
    if (!client) return { status: 'Errored', error: new TerminalError(argocdDisabledMessage('wait for')) };

    const previous = previousHealthStatuses(ctx);
    const health: Record<string, string> = { ...previous };
    const apps: Array<{ name: string; namespace: string }> = [];
    const output = () => ({ apps: apps.map((a) => ({ ...a })), [HEALTH_STATUS_KEY]: { ...health } });

    let allReady = true;
    for (const entry of ctx.config.apps) {
      const namespace = namespaceOf(ctx, entry.namespace);
      let found: Application[];
      try {
        found = await findApplications(client, entry.name, namespace, entry.selector);
      } catch (error) {
        return { status: 'Errored', error };
      }
      for (const app of found) {
        const ns = appNamespace(app, namespace);
        const key = `${ns}/${app.metadata.name}`;
        apps.push({ name: app.metadata.name, namespace: ns });
        const readiness = await checkAppReadiness(ctx, client, app, ns, entry.waitFor ?? DEFAULT_WAIT_FOR, previous[key] ?? '');
        if (readiness.healthStatus !== '') health[key] = readiness.healthStatus;
        if (readiness.error) return { status: 'Errored', output: output(), error: readiness.error };
        if (!readiness.ready) allReady = false;
      }
    }
    if (allReady) return { status: 'Succeeded', output: output() };
    return { status: 'Running', output: output(), retryAfterMs: POLL_INTERVAL_MS, message: 'waiting for Argo CD Applications to become ready' };
  }
};
