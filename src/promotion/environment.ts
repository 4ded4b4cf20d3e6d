// The expression environments of a promotion, site by site, as Kargo builds them
// (pkg/promotion StepEvaluator): global vars see ctx and earlier vars; step vars also see outputs,
// task and stepMetas; `if` and config also get the status functions.

import { goStruct, kargoFunctions, type Env } from '../expressions/index.js';
import type { FreightOrigin, FreightReference } from './freight.js';
import {
  findArtifact,
  findChart,
  findCommit,
  findImage,
  type FreightSources
} from './freight-lookup.js';
import { setOwn } from './state.js';
import { splitAlias } from './steps.js';
import type { State, StepStatus } from './types.js';

export interface StepMeta {
  alias: string;
  status?: StepStatus;
  message?: string;
  errorCount: number;
  startedAt?: Date;
  finishedAt?: Date;
  continueOnError: boolean;
}

export interface PromotionInfo {
  uiBaseURL: string;
  project: string;
  stage: string;
  promotion: string;
  actor: string;
  rollback: boolean;
  targetFreight?: FreightReference;
}

// Freight artifacts are Go structs to expressions: `.Tag`, `.RepoURL` by Go name, JSON by json name.
function commitView(c: NonNullable<ReturnType<typeof findCommit>>) {
  return goStruct(
    {
      RepoURL: c.repoURL,
      ID: c.id ?? '',
      Branch: c.branch ?? '',
      Tag: c.tag ?? '',
      Message: c.message ?? '',
      Author: c.author ?? '',
      Committer: c.committer ?? '',
      SubscriptionName: c.subscriptionName ?? ''
    },
    c,
    '*v1alpha1.GitCommit'
  );
}

function imageView(i: NonNullable<ReturnType<typeof findImage>>) {
  return goStruct(
    {
      RepoURL: i.repoURL,
      Tag: i.tag ?? '',
      Digest: i.digest ?? '',
      Annotations: i.annotations ?? {},
      SubscriptionName: i.subscriptionName ?? ''
    },
    i,
    '*v1alpha1.Image'
  );
}

function chartView(c: NonNullable<ReturnType<typeof findChart>>) {
  return goStruct(
    { RepoURL: c.repoURL, Name: c.name ?? '', Version: c.version ?? '', SubscriptionName: c.subscriptionName ?? '' },
    c,
    '*v1alpha1.Chart'
  );
}

function artifactView(a: NonNullable<ReturnType<typeof findArtifact>>) {
  return goStruct(
    {
      ArtifactType: a.artifactType ?? '',
      SubscriptionName: a.subscriptionName,
      Version: a.version ?? '',
      Metadata: a.metadata ?? {}
    },
    a,
    '*v1alpha1.ArtifactReference'
  );
}

function requireString(fn: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${fn}: ${what} must be a string, got ${typeof value}`);
  return value;
}

function asOrigin(fn: string, value: unknown): FreightOrigin {
  const origin = value as { kind?: unknown; name?: unknown } | null;
  if (!origin || typeof origin !== 'object' || origin.kind !== 'Warehouse' || typeof origin.name !== 'string') {
    throw new Error(`${fn}: the origin argument must be warehouse("<name>")`);
  }
  return { kind: 'Warehouse', name: origin.name };
}

function arity(fn: string, args: unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    throw new Error(`${fn}: expected ${expected} arguments, got ${args.length}`);
  }
}

/** A freight function `fn(key[, origin])`: the artifact found, as a Go struct view, or nil. */
function byKeyAndOrigin<T>(
  fn: string,
  what: string,
  find: (key: string, origin: FreightOrigin | undefined) => T | undefined,
  view: (found: T) => Record<string, unknown>
) {
  return (...args: unknown[]) => {
    arity(fn, args, 1, 2);
    const key = requireString(fn, args[0], what);
    const found = find(key, args.length > 1 ? asOrigin(fn, args[1]) : undefined);
    return found ? view(found) : null;
  };
}

/** warehouse, commitFrom, imageFrom, chartFrom, artifactFrom over the Freight given. */
export function freightFunctions(sources: FreightSources): Env {
  return {
    warehouse: (...args: unknown[]) => {
      arity('warehouse', args, 1, 1);
      const name = requireString('warehouse', args[0], 'name');
      if (name === '') throw new Error('warehouse: name must not be empty');
      return { kind: 'Warehouse', name };
    },
    commitFrom: byKeyAndOrigin('commitFrom', 'repoURL', (key, origin) => findCommit(sources, key, origin), commitView),
    imageFrom: byKeyAndOrigin('imageFrom', 'repoURL', (key, origin) => findImage(sources, key, origin), imageView),
    chartFrom: (...args: unknown[]) => {
      arity('chartFrom', args, 1, 3);
      const url = requireString('chartFrom', args[0], 'repoURL');
      let name = '';
      let origin: FreightOrigin | undefined;
      if (args.length === 3) {
        name = requireString('chartFrom', args[1], 'chart name');
        origin = asOrigin('chartFrom', args[2]);
      } else if (args.length === 2) {
        if (typeof args[1] === 'string') name = args[1];
        else origin = asOrigin('chartFrom', args[1]);
      }
      const found = findChart(sources, url, name, origin);
      return found ? chartView(found) : null;
    },
    artifactFrom: byKeyAndOrigin('artifactFrom', 'subscription name', (key, origin) => findArtifact(sources, key, origin), artifactView)
  };
}

/**
 * secret() reads the `secrets` input. A workflow has no cluster, so configMap() and the metadata
 * functions answer as Kargo does for something absent: an empty map, or nil.
 */
export function dataFunctions(secrets: Record<string, Record<string, string>>): Env {
  const secret = (name: unknown) => ({ ...(secrets[requireString('secret', name, 'name')] ?? {}) });
  return {
    secret,
    sharedSecret: secret,
    configMap: () => ({}),
    sharedConfigMap: () => ({}),
    stageMetadata: () => null,
    freightMetadata: () => null,
    freightStatus: () => null
  };
}

function hasFailures(metas: StepMeta[]): boolean {
  return metas.some((m) => !m.continueOnError && (m.status === 'Errored' || m.status === 'Failed'));
}

/** always(), success(), failure(), status(alias) for the step with the given alias. */
export function statusFunctions(metas: StepMeta[], currentAlias: string): Env {
  const { namespace } = splitAlias(currentAlias);
  return {
    always: () => true,
    failure: () => hasFailures(metas),
    success: () => !hasFailures(metas),
    status: (...args: unknown[]) => {
      arity('status', args, 1, 1);
      const alias = requireString('status', args[0], 'alias');
      if (alias === '') throw new Error('status: alias must not be empty');
      const meta = metas.find((m) => {
        const parts = splitAlias(m.alias);
        return parts.short === alias && parts.namespace === namespace;
      });
      return meta?.status ?? '';
    }
  };
}

/** The `ctx` variable as Kargo defines it. */
export function ctxVariable(info: PromotionInfo, alias?: string): Record<string, unknown> {
  const target = info.targetFreight;
  return {
    uiBaseUrl: info.uiBaseURL,
    project: info.project,
    stage: info.stage,
    promotion: info.promotion,
    targetFreight: target
      ? { name: target.name, alias: target.alias ?? '', origin: { name: target.origin.name } }
      : { name: '', alias: '', origin: { name: '' } },
    meta: {
      promotion: { actor: info.actor, rollback: info.rollback },
      ...(alias !== undefined ? { step: { alias } } : {})
    }
  };
}

/** task.outputs: the outputs of the current task instance, keyed by short alias. */
export function taskVariable(state: State, alias: string): Record<string, unknown> | undefined {
  const { namespace } = splitAlias(alias);
  if (namespace === undefined) return undefined;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    const parts = splitAlias(key);
    if (parts.namespace === namespace) setOwn(outputs, parts.short, value);
  }
  return { outputs };
}

function metaView(meta: StepMeta) {
  return {
    Alias: meta.alias,
    StartedAt: meta.startedAt?.toISOString() ?? null,
    FinishedAt: meta.finishedAt?.toISOString() ?? null,
    ErrorCount: meta.errorCount,
    Status: meta.status ?? '',
    Message: meta.message ?? '',
    ContinueOnError: meta.continueOnError
  };
}

export interface EnvironmentParts {
  info: PromotionInfo;
  functions: Env; // kargoFunctions + freight + data functions, shared by every site
}

export function baseFunctions(sources: FreightSources, secrets: Record<string, Record<string, string>>): Env {
  return { ...kargoFunctions, ...freightFunctions(sources), ...dataFunctions(secrets) };
}

export function globalVarsEnv(parts: EnvironmentParts, vars: Record<string, unknown>): Env {
  return { ...parts.functions, ctx: ctxVariable(parts.info), vars };
}

export function stepVarsEnv(
  parts: EnvironmentParts,
  alias: string,
  vars: Record<string, unknown>,
  state: State,
  metas: StepMeta[]
): Env {
  const env: Env = {
    ...parts.functions,
    ctx: ctxVariable(parts.info, alias),
    vars,
    outputs: state
  };
  // Built on first use only: most expressions never read stepMetas, and building it is O(steps).
  let stepMetas: Record<string, unknown> | undefined;
  Object.defineProperty(env, 'stepMetas', {
    enumerable: true,
    configurable: true,
    get: () => (stepMetas ??= Object.fromEntries(metas.map((m) => [m.alias, metaView(m)])))
  });
  const task = taskVariable(state, alias);
  if (task) env.task = task;
  return env;
}

export function stepEnv(
  parts: EnvironmentParts,
  alias: string,
  vars: Record<string, unknown>,
  state: State,
  metas: StepMeta[]
): Env {
  // Object.assign, not a spread: a spread would call the lazy stepMetas getter.
  return Object.assign(stepVarsEnv(parts, alias, vars, state, metas), statusFunctions(metas, alias));
}
