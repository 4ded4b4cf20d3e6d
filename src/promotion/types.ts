// The vocabulary of Kargo's pkg/promotion, in TypeScript. A reader who knows the Go package
// should find every name here: Config, State, StepContext, StepResult, StepRunner,
// RetryableStepRunner. Nothing in src/promotion imports @actions/*: the doors hand in a logger,
// the settings and an abort signal.

import type { FreightCollection, FreightReference, FreightRequest } from './freight.js';

/** An opaque map of configuration values for a step (Kargo's promotion.Config). */
export type Config = Record<string, unknown>;

/** The state shared by the steps of one promotion: each step's output keyed by its alias. */
export type State = Record<string, unknown>;

/** Step statuses, as Kargo's PromotionStepStatus. */
export type StepStatus = 'Running' | 'Succeeded' | 'Skipped' | 'Failed' | 'Errored' | 'Aborted';

/** The promotion's final phase. */
export type PromotionPhase = 'Succeeded' | 'Failed' | 'Errored' | 'Aborted';

export const STEP_STATUSES: readonly StepStatus[] = [
  'Running',
  'Succeeded',
  'Skipped',
  'Failed',
  'Errored',
  'Aborted'
];

/** Criteria a later health check may use (kept for fidelity; a workflow reports it in the state). */
export interface HealthCheckCriteria {
  kind: string;
  input: Record<string, unknown>;
}

/** The outcome of one run of a step (Kargo's StepResult, plus the error Go returns beside it). */
export interface StepResult {
  status: StepStatus;
  message?: string;
  output?: Record<string, unknown>;
  healthCheck?: HealthCheckCriteria;
  /** Suggested wait before the next poll of a Running step, in milliseconds. */
  retryAfterMs?: number;
  /**
   * The error Kargo's runners return beside the result. Wrap it in TerminalError when the step
   * must not be retried. A runner that throws is treated as `{status: 'Errored', error}`.
   */
  error?: unknown;
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** The system git identity (Kargo's access-git-user capability). */
export interface GitUser {
  name: string;
  email: string;
  signingKey?: string;
}

/** What a door knows about the GitHub server it runs against. */
export interface GitHubSettings {
  /** e.g. https://github.com or a GitHub Enterprise Server URL (scheme, host and port). */
  serverUrl: string;
  /** e.g. https://api.github.com */
  apiUrl: string;
  /** Masked; reaches git only through a child's environment, never argv or config. */
  token?: string;
}

export interface ArgoCDSettings {
  server: string;
  token?: string;
  /** Default namespace of Applications (Kargo's libargocd.Namespace(); "argocd"). */
  namespace: string;
  insecure?: boolean;
}

/**
 * Services the doors provide to runners: Kargo's capabilities (access-credentials,
 * access-git-user, access-argocd) adapted to a workflow.
 */
export interface Capabilities {
  gitUser: GitUser;
  github?: GitHubSettings;
  argocd?: ArgoCDSettings;
  /** The `secrets` input: secret name -> key -> value. */
  secrets: Record<string, Record<string, string>>;
  /** Register a value to be masked in every log (core.setSecret in the action). */
  mask(value: string): void;
}

/** The context one step runs in (Kargo's StepContext). */
export interface StepContext<C = Config> {
  uiBaseURL: string;
  /** Absolute path of the WorkDir; every path a step is given resolves inside it. */
  workDir: string;
  /** A deep copy of the shared state. */
  sharedState: State;
  alias: string;
  /** The evaluated, schema-validated configuration. */
  config: C;
  project: string;
  stage: string;
  promotion: string;
  promotionActor: string;
  rollback: boolean;
  freightRequests: FreightRequest[];
  freight: FreightCollection;
  targetFreightRef?: FreightReference;
  targetFreightAlias?: string;
  capabilities: Capabilities;
  logger: Logger;
  /** Aborted when the job is cancelled or the step's timeout passes. */
  signal: AbortSignal;
}

/** A plain JSON schema object (draft-07, as Kargo's gojsonschema). */
export type JSONSchemaObject = Record<string, unknown>;

/**
 * What a step does beyond the WorkDir, so a dry run knows what to skip:
 * - `local`: only reads and writes the WorkDir;
 * - `reads-remote`: reads from the outside world (a clone, a download) but changes nothing there;
 * - `writes-remote`: changes something outside (push, pull request, Argo CD, an HTTP call).
 */
export type StepEffects = 'local' | 'reads-remote' | 'writes-remote';

/**
 * A StepRunner executes one kind of step (Kargo's StepRunner and RetryableStepRunner in one).
 * The engine validates `config` against `schema` before `run`; a config that breaks the schema
 * fails the step with `invalid <name> config: ...` as Kargo's runners do.
 */
export interface StepRunner<C = Config> {
  readonly name: string;
  readonly schema?: JSONSchemaObject;
  /** Default timeout in milliseconds (RetryableStepRunner.DefaultTimeout); undefined: none. */
  readonly defaultTimeout?: number;
  /** RetryableStepRunner.DefaultErrorThreshold; undefined: the system default. */
  readonly defaultErrorThreshold?: number;
  /** A function when it depends on the config (git-clone pushes only to create a branch). */
  readonly effects: StepEffects | ((config: C) => StepEffects);
  /** Kargo's task-output-propagation capability (compose-output only). */
  readonly propagatesTaskOutput?: boolean;
  run(ctx: StepContext<C>): Promise<StepResult>;
}
