// argocd-update: points Argo CD Applications at new revisions, images or Helm parameters, starts
// a sync through the Argo CD API and reports Running until that sync, started for this very
// promotion, has finished and the Applications are healthy.

import type { ArgoCDClient } from '../argocd/client.js';
import {
  appNamespace,
  argocdClientFor,
  argocdDisabledMessage,
  conditionMessages,
  getApplication,
  namespaceOf,
  notReconciledSinceOperation,
  phaseCompleted,
  phaseFailed,
  requestRefresh,
  sourcesOf
} from '../argocd/common.js';
import { normalizeGitURL } from '../argocd/git-url.js';
import { buildLabelSelector } from '../argocd/selector.js';
import {
  AUTHORIZED_STAGE_ANNOTATION,
  PROMOTION_INFO_KEY,
  REFRESH_ANNOTATION,
  type Application,
  type ApplicationSource,
  type OperationPhase
} from '../argocd/types.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepContext, StepResult, StepRunner } from '../promotion/types.js';
import {
  argocdUpdateSchema,
  type ArgoCDAppUpdate,
  type ArgoCDSourceUpdate,
  type ArgocdUpdateConfig
} from './schemas/argocd-update.js';

type Ctx = StepContext<ArgocdUpdateConfig>;

const POLL_INTERVAL_MS = 5_000;
const SYNC_REASON = 'Promotion triggered a sync of this Application resource.';

/** Go's %v of a []string. */
function goList(values: readonly string[]): string {
  return `[${values.join(' ')}]`;
}

// ---- authorization ----

/** Kargo's api.AuthorizedStages: `project:stage[, project:stage...]`. */
export function parseAuthorizedStages(value: string): Array<{ project: string; stage: string }> {
  const stages: Array<{ project: string; stage: string }> = [];
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const colon = entry.indexOf(':');
    const project = colon >= 0 ? entry.slice(0, colon).trim() : '';
    const stage = colon >= 0 ? entry.slice(colon + 1).trim() : '';
    if (colon < 0 || project === '' || stage === '') {
      throw new Error(`invalid authorized Stage "${entry}": expected format "<project>:<stage>"`);
    }
    if (project.includes('*') || stage.includes('*')) {
      throw new Error(`invalid authorized Stage "${entry}": deprecated glob expressions are no longer supported`);
    }
    stages.push({ project, stage });
  }
  if (stages.length === 0) throw new Error(`no authorized Stages found in "${value}"`);
  return stages;
}

/** Why the Stage may not change app, or undefined when it may. */
export function authorizationProblem(ctx: { project: string; stage: string }, app: Application, namespace: string): string | undefined {
  const name = app.metadata.name;
  const denied =
    `Argo CD Application "${name}" in namespace "${namespace}" does not permit mutation by ` +
    `Kargo Stage ${ctx.stage} in namespace ${ctx.project}`;
  const value = app.metadata.annotations?.[AUTHORIZED_STAGE_ANNOTATION];
  if (value === undefined) {
    return `${denied} (annotate it with ${AUTHORIZED_STAGE_ANNOTATION}: "${ctx.project}:${ctx.stage}")`;
  }
  let stages;
  try {
    stages = parseAuthorizedStages(value);
  } catch (err) {
    return (
      `unable to parse value of annotation "${AUTHORIZED_STAGE_ANNOTATION}" (${JSON.stringify(value)}) on ` +
      `Argo CD Application "${name}" in namespace "${namespace}": ${(err as Error).message}`
    );
  }
  return stages.some((s) => s.project === ctx.project && s.stage === ctx.stage) ? undefined : denied;
}

async function authorizedApplications(ctx: Ctx, client: ArgoCDClient, update: ArgoCDAppUpdate): Promise<Application[]> {
  const namespace = namespaceOf(ctx, update.namespace);
  let apps: Application[];
  if (update.selector) {
    let selector: string;
    try {
      selector = buildLabelSelector(update.selector);
    } catch (err) {
      throw new TerminalError(`error building label selector: ${(err as Error).message}`);
    }
    try {
      apps = await client.listApplications(namespace, selector);
    } catch (err) {
      throw new Error(`error listing Argo CD Applications matching selector: ${(err as Error).message}`, { cause: err });
    }
  } else {
    const app = await getApplication(client, update.name ?? '', namespace);
    if (!app) throw new Error(`unable to find Argo CD Application "${update.name}" in namespace "${namespace}"`);
    apps = [app];
  }
  const authorized: Application[] = [];
  const reasons: string[] = [];
  for (const app of apps) {
    const problem = authorizationProblem(ctx, app, appNamespace(app, namespace));
    if (problem) {
      ctx.logger.info(`skipping unauthorized Application "${app.metadata.name}": ${problem}`);
      reasons.push(problem);
      continue;
    }
    authorized.push(app);
  }
  if (authorized.length > 0) return authorized;
  if (update.selector) {
    if (apps.length === 0) throw new Error(`no Argo CD Applications found matching selector in namespace "${namespace}"`);
    throw new TerminalError(
      `found ${apps.length} Application(s) matching selector in namespace "${namespace}", ` +
        `but none are authorized for Stage ${ctx.project}:${ctx.stage}`
    );
  }
  throw new TerminalError(`Argo CD Application "${update.name}" in namespace "${namespace}" is not authorized: ${reasons[0]}`);
}

// ---- source updates ----

/** Whether update targets source: charts by exact repoURL and chart, Git by normalised URL. */
function updateTargets(update: ArgoCDSourceUpdate, source: ApplicationSource): boolean {
  if (source.chart || update.chart) return source.repoURL === update.repoURL && (source.chart ?? '') === (update.chart ?? '');
  return normalizeGitURL(source.repoURL) === normalizeGitURL(update.repoURL);
}

// Kargo matches the exact repoURL here but the normalised one when applying the update, so a
// differently spelled Git URL is updated yet never verified; we use one rule for both.
function findSourceUpdate(update: ArgoCDAppUpdate, src: ApplicationSource): ArgoCDSourceUpdate | undefined {
  return (update.sources ?? []).find((u) => updateTargets(u, src));
}

/** One desired revision per source of app ("" where the config names none). */
export function desiredRevisions(update: ArgoCDAppUpdate, app: Application): string[] {
  return sourcesOf(app).map((src) => findSourceUpdate(update, src)?.desiredRevision ?? '');
}

function kustomizeImages(update: NonNullable<ArgoCDSourceUpdate['kustomize']>): string[] {
  return (update.images ?? []).map((image) => {
    let ref = image.newName ? `${image.repoURL}=${image.newName}` : image.repoURL;
    ref += image.digest ? `@${image.digest}` : `:${image.tag ?? ''}`;
    return ref;
  });
}

/** Kargo's applyArgoCDSourceUpdate: the updated source, or undefined when update is not for it. */
export function applySourceUpdate(
  update: ArgoCDSourceUpdate,
  desiredRevision: string,
  original: ApplicationSource
): ApplicationSource | undefined {
  if (!updateTargets(update, original)) return undefined;
  const source: ApplicationSource = structuredClone(original);
  if (update.updateTargetRevision && desiredRevision !== '') source.targetRevision = desiredRevision;
  if (update.kustomize?.images?.length) {
    source.kustomize = { ...(source.kustomize ?? {}), images: kustomizeImages(update.kustomize) };
  }
  if (update.helm?.images.length) {
    const helm = (source.helm ??= {});
    const parameters = (helm.parameters ??= []);
    const changes = new Map(update.helm.images.map((i) => [i.key, i.value]));
    for (const [name, value] of changes) {
      const at = parameters.findIndex((p) => p.name === name);
      if (at >= 0) parameters[at] = { name, value };
      else parameters.push({ name, value });
    }
  }
  return source;
}

/** Kargo's buildDesiredSources: every source update must land on some source. */
export function buildDesiredSources(update: ArgoCDAppUpdate, revisions: string[], app: Application, namespace: string): ApplicationSource[] {
  const desired = sourcesOf(app).map((s) => structuredClone(s));
  const name = app.metadata.name;
  if (desired.length !== revisions.length) {
    throw new Error(
      `Argo CD Application "${name}" in namespace "${namespace}" has ${desired.length} sources but ${revisions.length} desired revisions`
    );
  }
  for (const srcUpdate of update.sources ?? []) {
    const index = desired.findIndex((src, j) => {
      const updated = applySourceUpdate(srcUpdate, revisions[j], src);
      if (updated) desired[j] = updated;
      return updated !== undefined;
    });
    if (index >= 0) continue;
    const which = srcUpdate.chart
      ? `for source with repoURL ${srcUpdate.repoURL} and chart "${srcUpdate.chart}"`
      : `for source with repoURL ${srcUpdate.repoURL}`;
    throw new Error(`no source of Argo CD Application "${name}" in namespace "${namespace}" matched update ${which}`);
  }
  return desired;
}

const MAX_REPORTED = 3;

function validateSourceUpdatesApplicable(update: ArgoCDAppUpdate, apps: Application[], namespace: string): void {
  if (apps.length <= 1) return;
  const problems: string[] = [];
  for (const app of apps) {
    const ns = appNamespace(app, namespace);
    try {
      buildDesiredSources(update, desiredRevisions(update, app), app, ns);
    } catch (err) {
      problems.push(`Application "${app.metadata.name}" in namespace "${ns}": ${(err as Error).message}`);
    }
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_REPORTED).join('\n');
  const count = problems.length > MAX_REPORTED ? `${problems.length} incompatible (showing first ${MAX_REPORTED})` : `${problems.length} incompatible`;
  throw new Error(`selected Applications must have compatible sources; ${count}. No Applications were updated:\n${shown}`);
}

// ---- the operation ----

interface UpdateDecision {
  phase: OperationPhase | '';
  mustUpdate: boolean;
  reason?: string;
}

/** Kargo's mustPerformUpdate, keyed on the promotion name in the operation's info. */
export function mustPerformUpdate(promotion: string, update: ArgoCDAppUpdate, app: Application): UpdateDecision {
  const state = app.status?.operationState;
  if (!state) return { phase: '', mustUpdate: true };
  const infos = state.operation?.info ?? [];
  const kargoInfo = infos.find((i) => i?.name === PROMOTION_INFO_KEY);
  if (!kargoInfo) {
    if (!phaseCompleted(state.phase)) {
      const user = state.operation?.initiatedBy?.username ?? '';
      return {
        phase: state.phase,
        mustUpdate: false,
        reason: `current operation was initiated by "${user}": waiting for operation to complete`
      };
    }
    return { phase: '', mustUpdate: true };
  }
  if (kargoInfo.value !== promotion) {
    if (!phaseCompleted(state.phase)) {
      return {
        phase: state.phase,
        mustUpdate: false,
        reason: `current operation was not initiated for Promotion ${promotion}: waiting for operation to complete`
      };
    }
    return { phase: '', mustUpdate: true };
  }
  if (!phaseCompleted(state.phase)) return { phase: state.phase, mustUpdate: false };
  if (!state.syncResult) return { phase: '', mustUpdate: true, reason: 'operation completed without a sync result' };
  const desired = desiredRevisions(update, app);
  if (desired.length === 0) return { phase: state.phase, mustUpdate: false };
  const observed = state.syncResult.revisions?.length ? state.syncResult.revisions : [state.syncResult.revision ?? ''];
  for (const [i, revision] of observed.entries()) {
    const want = desired[i] ?? '';
    if (want === '') continue;
    if (revision !== want) {
      return {
        phase: '',
        mustUpdate: true,
        reason: `sync result revisions ${goList(observed)} do not match desired revisions ${goList(desired)}`
      };
    }
  }
  return { phase: state.phase, mustUpdate: false };
}

export function syncMessage(sources: ApplicationSource[], multi: boolean): string {
  if (!multi) return `initiated sync to ${sources[0]?.targetRevision ?? ''}`;
  if (sources.length === 1) return `initiated sync to ${sources[0].targetRevision ?? ''}`;
  return `initiated sync to ${sources.length} sources`;
}

async function syncApplication(ctx: Ctx, client: ArgoCDClient, app: Application, namespace: string, desired: ApplicationSource[]) {
  const multi = (app.spec.sources ?? []).length > 0;
  const name = app.metadata.name;
  // A merge patch: objects merge key by key and lists are replaced, so the desired sources (built
  // from the current ones) land whole and everything else in the Application stays as it is.
  try {
    await client.patchApplication(name, namespace, {
      metadata: { annotations: { [REFRESH_ANNOTATION]: 'hard' } },
      spec: multi ? { sources: desired } : { source: desired[0] }
    });
  } catch (err) {
    throw new Error(`error patching Argo CD Application "${name}": ${(err as Error).message}`, { cause: err });
  }
  const policy = app.spec.syncPolicy;
  await client.syncApplication(name, namespace, {
    infos: [
      { name: 'Reason', value: SYNC_REASON },
      { name: PROMOTION_INFO_KEY, value: ctx.promotion }
    ],
    ...(policy?.syncOptions ? { syncOptions: policy.syncOptions } : {}),
    ...(policy?.retry ? { retryStrategy: policy.retry } : {})
  }).catch((err: unknown) => {
    throw new Error(`error starting a sync of Argo CD Application "${name}": ${(err as Error).message}`, { cause: err });
  });
  ctx.logger.info(`Argo CD Application "${name}" in namespace "${namespace}": ${syncMessage(desired, multi)}`);
}

async function processApplication(ctx: Ctx, client: ArgoCDClient, update: ArgoCDAppUpdate, app: Application, namespace: string) {
  const name = app.metadata.name;
  const decision = mustPerformUpdate(ctx.promotion, update, app);
  if (!decision.mustUpdate) {
    if (decision.reason) {
      if (decision.phase === '') throw new Error(decision.reason);
      ctx.logger.info(`Argo CD Application "${name}" cannot be updated yet: ${decision.reason}`);
    }
    if (phaseFailed(decision.phase) && app.status?.operationState) {
      throw new Error(
        `Argo CD Application "${name}" in namespace "${namespace}" failed with: ${app.status.operationState.message ?? ''}`
      );
    }
    return decision.phase;
  }
  if (decision.reason) ctx.logger.info(`updating Argo CD Application "${name}": ${decision.reason}`);
  let desired: ApplicationSource[];
  try {
    desired = buildDesiredSources(update, desiredRevisions(update, app), app, namespace);
  } catch (err) {
    throw new Error(
      `error building desired sources for Argo CD Application "${name}" in namespace "${namespace}": ${(err as Error).message}`,
      { cause: err }
    );
  }
  try {
    await syncApplication(ctx, client, app, namespace, desired);
  } catch (err) {
    throw new Error(
      `error syncing Argo CD Application "${name}" in namespace "${namespace}": ${(err as Error).message}`,
      { cause: err }
    );
  }
  return 'Running' as const;
}

const PHASE_ORDER: Record<string, number> = { Failed: 0, Error: 1, Running: 2, Terminating: 3, Succeeded: 4 };

function aggregate(phases: string[]): StepResult['status'] | undefined {
  if (phases.length === 0) return undefined;
  const first = [...phases].sort((a, b) => {
    const x = PHASE_ORDER[a];
    const y = PHASE_ORDER[b];
    if (x !== undefined && y !== undefined) return x - y;
    if (x === undefined && y === undefined) return a < b ? -1 : a > b ? 1 : 0;
    return x !== undefined ? -1 : 1;
  })[0];
  if (first === 'Running' || first === 'Terminating') return 'Running';
  if (first === 'Failed' || first === 'Error') return 'Errored';
  if (first === 'Succeeded') return 'Succeeded';
  return undefined;
}

// ---- health (Kargo's argocd-update health checker, run before the step reports success) ----

interface AppHealthCheck {
  name: string;
  namespace: string;
  desiredRevisions?: string[];
}

type Health = 'Healthy' | 'Progressing' | 'Unknown' | 'Unhealthy';

async function appHealth(ctx: Ctx, client: ArgoCDClient, app: Application, check: AppHealthCheck): Promise<[Health, string?]> {
  const { name, namespace } = check;
  const where = `Argo CD Application "${name}" in namespace "${namespace}"`;
  if (notReconciledSinceOperation(app)) {
    await requestRefresh(ctx, client, app, namespace);
    return ['Unknown', `${where} was not reconciled after its most recent operation completed; Application health status not trusted`];
  }
  const conditions = conditionMessages(app, namespace);
  if (conditions) return ['Unhealthy', conditions];
  const desired = check.desiredRevisions ?? [];
  if (desired.some((r) => r !== '')) {
    const state = app.status?.operationState;
    if (app.operation?.sync || !state?.finishedAt) return ['Unknown', `${where} is being synced`];
    const sources = sourcesOf(app);
    if (sources.length !== desired.length) {
      return ['Unknown', `${where} has ${sources.length} sources but ${desired.length} desired revisions`];
    }
    const sync = app.status?.sync;
    const observed = sync?.revisions?.length ? sync.revisions : [sync?.revision ?? ''];
    if (observed.length !== desired.length) {
      return ['Unknown', `${where} has ${observed.length} observed revisions but ${desired.length} desired revisions`];
    }
    const issues = observed.flatMap((rev, i) =>
      desired[i] !== '' && rev !== desired[i]
        ? [`Source ${i} with RepoURL ${sources[i].repoURL} of Application "${name}" in namespace "${namespace}" does not match the desired revision "${desired[i]}".`]
        : []
    );
    if (issues.length > 0) {
      return ['Unhealthy', `Not all sources of Application "${name}" in namespace "${namespace}" are synced to the desired revisions. Issues: ${issues.join('; ')}`];
    }
  }
  const health = app.status?.health?.status ?? '';
  if (health === 'Healthy') return ['Healthy'];
  if (health === 'Progressing' || health === '') return ['Progressing', `${where} is progressing`];
  if (health === 'Suspended') return ['Progressing', `${where} is suspended`];
  return ['Unhealthy', `${where} has health state "${health}"`];
}

// ---- the runner ----

export const argocdUpdateRunner: StepRunner<ArgocdUpdateConfig> = {
  name: 'argocd-update',
  schema: argocdUpdateSchema,
  defaultTimeout: 5 * 60 * 1000,
  effects: 'writes-remote',
  run: async (ctx) => {
    const client = argocdClientFor(ctx);
    if (!client) return { status: 'Errored', error: new TerminalError(argocdDisabledMessage('update')) };

    const phases: string[] = [];
    const checks: AppHealthCheck[] = [];
    const seen: Application[] = [];
    try {
      for (const update of ctx.config.apps) {
        const apps = await authorizedApplications(ctx, client, update);
        const namespace = namespaceOf(ctx, update.namespace);
        if (update.sources?.length) validateSourceUpdatesApplicable(update, apps, namespace);
        for (const app of apps) {
          const ns = appNamespace(app, namespace);
          const revisions = desiredRevisions(update, app);
          checks.push({ name: app.metadata.name, namespace: ns, ...(revisions.length ? { desiredRevisions: revisions } : {}) });
          seen.push(app);
          const phase = await processApplication(ctx, client, update, app, ns);
          if (phaseFailed(phase)) {
            return { status: 'Errored', error: new Error(`Argo CD Application "${app.metadata.name}" in namespace "${ns}" failed`) };
          }
          if (phase) phases.push(phase);
        }
      }
    } catch (error) {
      return { status: 'Errored', error };
    }

    const output = { apps: checks.map((c) => ({ name: c.name, namespace: c.namespace })) };
    const healthCheck = { kind: 'argocd-update', input: { apps: checks.map((c) => ({ ...c })) } };
    const status = aggregate(phases);
    if (!status) {
      return { status: 'Errored', error: new Error(`could not determine promotion step status from operation phases: ${goList(phases)}`) };
    }
    if (status !== 'Succeeded') {
      return { status, output, healthCheck, retryAfterMs: POLL_INTERVAL_MS, message: 'waiting for the sync operations to complete' };
    }
    // Kargo's Stage watches this health check after the promotion; a workflow has no Stage, so
    // the step itself waits until every Application is synced to what was asked and healthy.
    const waiting: string[] = [];
    const unhealthy: string[] = [];
    for (const [i, check] of checks.entries()) {
      const [health, issue] = await appHealth(ctx, client, seen[i], check);
      if (health === 'Unhealthy') unhealthy.push(issue ?? '');
      else if (health !== 'Healthy') waiting.push(issue ?? '');
    }
    if (unhealthy.length > 0) return { status: 'Errored', output, healthCheck, error: new Error(unhealthy.join('\n')) };
    if (waiting.length > 0) return { status: 'Running', output, healthCheck, retryAfterMs: POLL_INTERVAL_MS, message: waiting.join('; ') };
    return { status: 'Succeeded', output, healthCheck };
  }
};
