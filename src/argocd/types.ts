// The parts of Argo CD's Application resource (argoproj.io/v1alpha1) the argocd-* steps read and
// write. Applications travel as the JSON the Argo CD API serves; fields we do not model are kept
// as they are, so an update never drops what a newer Argo CD added.

export interface HelmParameter {
  name: string;
  value: string;
  forceString?: boolean;
  [key: string]: unknown;
}

export interface ApplicationSource {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  helm?: { parameters?: HelmParameter[]; [key: string]: unknown };
  kustomize?: { images?: string[]; [key: string]: unknown };
  [key: string]: unknown;
}

export interface Info {
  name: string;
  value: string;
}

export interface RetryStrategy {
  limit?: number;
  backoff?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Operation {
  initiatedBy?: { username?: string; automated?: boolean };
  info?: Info[];
  sync?: Record<string, unknown>;
  retry?: RetryStrategy;
  [key: string]: unknown;
}

/** Argo CD's OperationPhase. */
export type OperationPhase = 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';

export interface OperationState {
  operation: Operation;
  phase: OperationPhase;
  message?: string;
  syncResult?: { revision?: string; revisions?: string[]; [key: string]: unknown };
  startedAt?: string;
  finishedAt?: string;
  [key: string]: unknown;
}

export interface ApplicationCondition {
  type: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ApplicationStatus {
  health?: { status?: string; message?: string };
  sync?: { status?: string; revision?: string; revisions?: string[] };
  operationState?: OperationState;
  reconciledAt?: string;
  conditions?: ApplicationCondition[];
  [key: string]: unknown;
}

export interface Application {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  spec: {
    source?: ApplicationSource;
    sources?: ApplicationSource[];
    syncPolicy?: { syncOptions?: string[]; retry?: RetryStrategy; [key: string]: unknown };
    [key: string]: unknown;
  };
  operation?: Operation;
  status?: ApplicationStatus;
}

/** A label selector as Kargo's step configs write it (Kubernetes' LabelSelector). */
export interface AppSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** The annotation an Application carries to let Kargo Stages change it. */
export const AUTHORIZED_STAGE_ANNOTATION = 'kargo.akuity.io/authorized-stage';
/** The Operation info key that ties a sync to the promotion that started it. */
export const PROMOTION_INFO_KEY = 'kargo.akuity.io/promotion';
/** Argo CD's refresh annotation. */
export const REFRESH_ANNOTATION = 'argocd.argoproj.io/refresh';
