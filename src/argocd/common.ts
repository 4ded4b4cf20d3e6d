// What argocd-update and argocd-wait share: the client made from the action's inputs, finding
// Applications by name or selector, and reading their conditions.

import type { StepContext } from '../promotion/types.js';
import { ArgoCDClient } from './client.js';
import { buildLabelSelector } from './selector.js';
import type { AppSelector, Application, ApplicationCondition, OperationPhase } from './types.js';

export const DEFAULT_ARGOCD_NAMESPACE = 'argocd';

/** The client for this step, or undefined when the argocd-server input was not given. */
export function argocdClientFor(ctx: StepContext<unknown>): ArgoCDClient | undefined {
  const settings = ctx.capabilities.argocd;
  if (!settings?.server) return undefined;
  return new ArgoCDClient({
    server: settings.server,
    token: settings.token,
    insecure: settings.insecure,
    signal: ctx.signal
  });
}

/** Kargo's "integration is disabled" error, telling a workflow author what to set. */
export function argocdDisabledMessage(what: string): string {
  return (
    `Argo CD integration is disabled; cannot ${what} Argo CD Application resources: ` +
    'set the argocd-server input to the Argo CD API server URL and argocd-token to an Argo CD API token ' +
    '(CLI: --argocd-server, and --argocd-token or $ARGOCD_TOKEN)'
  );
}

export function namespaceOf(ctx: StepContext<unknown>, namespace: string | undefined): string {
  return namespace || ctx.capabilities.argocd?.namespace || DEFAULT_ARGOCD_NAMESPACE;
}

export function appNamespace(app: Application, fallback: string): string {
  return app.metadata.namespace || fallback;
}

/** Kargo's getArgoCDApplications (argocd-wait): an error when nothing is found. */
export async function findApplications(
  client: ArgoCDClient,
  name: string | undefined,
  namespace: string,
  selector: AppSelector | undefined
): Promise<Application[]> {
  if (selector) {
    let labelSelector: string;
    try {
      labelSelector = buildLabelSelector(selector);
    } catch (err) {
      throw new Error(`error building label selector: ${(err as Error).message}`, { cause: err });
    }
    let apps: Application[];
    try {
      apps = await client.listApplications(namespace, labelSelector);
    } catch (err) {
      throw new Error(`error listing Argo CD Applications matching selector: ${(err as Error).message}`, { cause: err });
    }
    if (apps.length === 0) {
      throw new Error(`no Argo CD Applications found matching selector in namespace "${namespace}"`);
    }
    return apps;
  }
  const app = await getApplication(client, name ?? '', namespace);
  if (!app) throw new Error(`unable to find Argo CD Application "${name}" in namespace "${namespace}"`);
  return [app];
}

export async function getApplication(client: ArgoCDClient, name: string, namespace: string): Promise<Application | undefined> {
  try {
    return await client.getApplication(name, namespace);
  } catch (err) {
    throw new Error(
      `error finding Argo CD Application "${name}" in namespace "${namespace}": ${(err as Error).message}`,
      { cause: err }
    );
  }
}

export const ERROR_CONDITIONS = ['ComparisonError', 'InvalidSpecError'];

export function errorConditions(app: Application): ApplicationCondition[] {
  return (app.status?.conditions ?? []).filter((c) => ERROR_CONDITIONS.includes(c.type));
}

export function conditionMessages(app: Application, namespace: string): string {
  return errorConditions(app)
    .map((c) => `Argo CD Application "${app.metadata.name}" in namespace "${namespace}" has "${c.type}" condition: ${c.message}`)
    .join('\n');
}

/** True when the last operation finished but the controller has not reconciled since. */
export function notReconciledSinceOperation(app: Application): boolean {
  const finishedAt = app.status?.operationState?.finishedAt;
  if (!finishedAt) return false;
  const reconciledAt = app.status?.reconciledAt;
  return !reconciledAt || Date.parse(reconciledAt) < Date.parse(finishedAt);
}

export function phaseCompleted(phase: OperationPhase | string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Error';
}

export function phaseFailed(phase: OperationPhase | string | undefined): boolean {
  return phase === 'Failed' || phase === 'Error';
}

/** The Application's sources as a list (a single `source` becomes a list of one). */
export function sourcesOf(app: Application) {
  const sources = app.spec.sources ?? [];
  if (sources.length === 0 && app.spec.source) return [app.spec.source];
  return sources;
}

/** Ask Argo CD to refresh the Application (Kargo's RequestAppRefresh); failures are only logged. */
export async function requestRefresh(
  ctx: StepContext<unknown>,
  client: ArgoCDClient,
  app: Application,
  namespace: string
): Promise<void> {
  try {
    await client.getApplication(app.metadata.name, namespace, 'hard');
  } catch (err) {
    ctx.logger.warning(`failed to request a hard refresh of Argo CD Application "${app.metadata.name}": ${(err as Error).message}`);
  }
}
