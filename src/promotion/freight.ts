// Kargo's Freight model (api/v1alpha1), in the JSON shape users write in Freight manifests.

export interface FreightOrigin {
  kind: 'Warehouse';
  name: string;
}

export interface GitCommit {
  repoURL: string;
  id?: string;
  branch?: string;
  tag?: string;
  message?: string;
  author?: string;
  committer?: string;
  subscriptionName?: string;
}

export interface Image {
  repoURL: string;
  tag?: string;
  digest?: string;
  annotations?: Record<string, string>;
  subscriptionName?: string;
}

export interface Chart {
  repoURL: string;
  name?: string;
  version?: string;
  subscriptionName?: string;
}

export interface ArtifactReference {
  artifactType?: string;
  subscriptionName: string;
  version?: string;
  metadata?: Record<string, unknown>;
}

/** A Freight minus its status (Kargo's FreightReference). */
export interface FreightReference {
  name: string;
  alias?: string;
  origin: FreightOrigin;
  commits?: GitCommit[];
  images?: Image[];
  charts?: Chart[];
  artifacts?: ArtifactReference[];
}

/** The Freight a promotion sees, one per origin, keyed `Warehouse/<name>`. */
export interface FreightCollection {
  id?: string;
  items: Record<string, FreightReference>;
}

/** A Stage's spec.requestedFreight entry. */
export interface FreightRequest {
  origin: FreightOrigin;
  sources?: { direct?: boolean; stages?: string[] };
}

/** The subscriptions of a Warehouse: what Kargo consults to find an artifact's origin. */
export interface WarehouseSubscription {
  git?: { repoURL: string };
  image?: { repoURL: string };
  chart?: { repoURL: string; name?: string };
  subscription?: { name: string };
}

export interface Warehouse {
  name: string;
  subscriptions: WarehouseSubscription[];
}

export function originKey(origin: FreightOrigin): string {
  return `${origin.kind}/${origin.name}`;
}
