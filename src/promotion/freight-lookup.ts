// Finding a commit, image, chart or artifact in the Freight a promotion sees, with Kargo's
// origin and ambiguity rules (pkg/controller/freight/finder.go). A workflow has no cluster to
// ask for Warehouses, so an origin's possible artifacts come from its Warehouse manifest when
// the freight file carries one, and otherwise from the Freight of that origin itself.

import { normalizeGitURL } from '../credentials/index.js';
import {
  originKey,
  type ArtifactReference,
  type Chart,
  type FreightCollection,
  type FreightOrigin,
  type FreightReference,
  type FreightRequest,
  type GitCommit,
  type Image,
  type Warehouse,
  type WarehouseSubscription
} from './freight.js';

export interface FreightSources {
  freight: FreightCollection;
  /** The origins the Stage requests; defaults to the origins of the Freight given. */
  requests: FreightRequest[];
  warehouses: Warehouse[];
}

export class FreightNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FreightNotFoundError';
  }
}

interface ArtifactKind<T> {
  /** Does a Warehouse subscription promise such an artifact? */
  subscribes(sub: WarehouseSubscription): boolean;
  /** The artifact of this kind in a Freight, if it carries one. */
  pick(freight: FreightReference): T | undefined;
  ambiguity: string;
}

function references(freight: FreightCollection): FreightReference[] {
  return Object.keys(freight.items)
    .sort()
    .map((key) => freight.items[key] as FreightReference);
}

function couldProvide<T>(sources: FreightSources, origin: FreightOrigin, kind: ArtifactKind<T>): boolean {
  const warehouse = sources.warehouses.find((w) => w.name === origin.name);
  if (warehouse) return warehouse.subscriptions.some((sub) => kind.subscribes(sub));
  const freight = sources.freight.items[originKey(origin)];
  return freight !== undefined && kind.pick(freight) !== undefined;
}

function resolveOrigin<T>(sources: FreightSources, kind: ArtifactKind<T>): FreightOrigin | undefined {
  let found: FreightOrigin | undefined;
  for (const request of sources.requests) {
    if (!couldProvide(sources, request.origin, kind)) continue;
    if (found) throw new Error(kind.ambiguity);
    found = request.origin;
  }
  return found;
}

function find<T>(sources: FreightSources, origin: FreightOrigin | undefined, kind: ArtifactKind<T>): T | undefined {
  const desired = origin ?? resolveOrigin(sources, kind);
  if (!desired) return undefined;
  const freight = references(sources.freight).find((f) => originKey(f.origin) === originKey(desired));
  return freight ? kind.pick(freight) : undefined;
}

export function findCommit(sources: FreightSources, repoURL: string, origin?: FreightOrigin): GitCommit | undefined {
  const url = normalizeGitURL(repoURL);
  return find(sources, origin, {
    subscribes: (sub) => sub.git !== undefined && normalizeGitURL(sub.git.repoURL) === url,
    pick: (f) => f.commits?.find((c) => normalizeGitURL(c.repoURL) === url),
    ambiguity: `multiple requested Freight could potentially provide a commit from repo ${url}; please update promotion steps to disambiguate`
  });
}

export function findImage(sources: FreightSources, repoURL: string, origin?: FreightOrigin): Image | undefined {
  return find(sources, origin, {
    subscribes: (sub) => sub.image?.repoURL === repoURL,
    pick: (f) => f.images?.find((i) => i.repoURL === repoURL),
    ambiguity: `multiple requested Freight could potentially provide a container image from repository ${repoURL}: please provide a Freight origin to disambiguate`
  });
}

export function findChart(
  sources: FreightSources,
  repoURL: string,
  chartName: string,
  origin?: FreightOrigin
): Chart | undefined {
  const sameChart = (c: { repoURL: string; name?: string }) => c.repoURL === repoURL && (c.name ?? '') === chartName;
  const kind: ArtifactKind<Chart> = {
    subscribes: (sub) => sub.chart !== undefined && sameChart(sub.chart),
    pick: (f) => f.charts?.find(sameChart),
    ambiguity: `multiple requested Freight could potentially provide a chart from repository ${repoURL}: please provide a Freight origin to disambiguate`
  };
  if (!origin && !resolveOrigin(sources, kind)) {
    throw new FreightNotFoundError(
      chartName
        ? `chart "${chartName}" from repo ${repoURL} not found in referenced Freight`
        : `chart from repo ${repoURL} not found in referenced Freight`
    );
  }
  return find(sources, origin, kind);
}

export function findArtifact(
  sources: FreightSources,
  subscriptionName: string,
  origin?: FreightOrigin
): ArtifactReference | undefined {
  return find(sources, origin, {
    subscribes: (sub) => sub.subscription?.name === subscriptionName,
    pick: (f) => f.artifacts?.find((a) => a.subscriptionName === subscriptionName),
    ambiguity: `multiple requested Freight could potentially provide a "${subscriptionName}" artifact; please update promotion steps to disambiguate`
  });
}

/**
 * Kargo's HasAmbiguousImageRequest: is any image repository promised by two requested origins?
 * Returns the first such repository, or undefined.
 */
export function ambiguousImageRepo(sources: FreightSources): string | undefined {
  const seen = new Set<string>();
  for (const request of sources.requests) {
    const warehouse = sources.warehouses.find((w) => w.name === request.origin.name);
    const repos = warehouse
      ? warehouse.subscriptions.flatMap((s) => (s.image ? [s.image.repoURL] : []))
      : (sources.freight.items[originKey(request.origin)]?.images ?? []).map((i) => i.repoURL);
    for (const repo of new Set(repos)) {
      if (seen.has(repo)) return repo;
      seen.add(repo);
    }
  }
  return undefined;
}
