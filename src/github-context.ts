// Freight from the run itself: when a workflow gives no freight, the commit that triggered it
// is the Freight (so commitFrom('<server>/<owner>/<repo>') answers GITHUB_SHA), plus the tag a
// release or tag push names and the image a registry_package event publishes.

import { readFileSync } from 'node:fs';
import type { FreightInput } from './promotion/load.js';
import type { FreightReference, GitCommit, Image } from './promotion/freight.js';

type Payload = Record<string, any>;

function readPayload(eventPath: string | undefined): Payload {
  if (!eventPath) return {};
  try {
    return JSON.parse(readFileSync(eventPath, 'utf8')) as Payload;
  } catch {
    return {};
  }
}

function commitOf(env: NodeJS.ProcessEnv, serverUrl: string, payload: Payload): GitCommit | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_SHA) return undefined;
  const commit: GitCommit = { repoURL: `${serverUrl}/${env.GITHUB_REPOSITORY}`, id: env.GITHUB_SHA };
  const refName = env.GITHUB_REF_NAME;
  const tagFromRelease = payload.release?.tag_name as string | undefined;
  if (env.GITHUB_REF_TYPE === 'tag' && refName) commit.tag = refName;
  else if (tagFromRelease) commit.tag = tagFromRelease;
  else if (env.GITHUB_REF_TYPE === 'branch' && refName) commit.branch = refName;
  const message = (payload.head_commit?.message as string | undefined)?.split('\n')[0];
  if (message) commit.message = message;
  return commit;
}

// registry_package events name a container image: ghcr.io/<owner>/<package>:<tag>@<digest>.
function imageOf(payload: Payload): Image | undefined {
  const pkg = payload.registry_package;
  if (!pkg || pkg.package_type?.toLowerCase() !== 'container') return undefined;
  const version = pkg.package_version ?? {};
  const owner = (pkg.namespace ?? pkg.owner?.login ?? '').toLowerCase();
  const host = typeof version.package_url === 'string' ? version.package_url.split('/')[0] : 'ghcr.io';
  const image: Image = { repoURL: `${host}/${owner}/${String(pkg.name).toLowerCase()}` };
  const tag = version.container_metadata?.tag?.name;
  if (tag) image.tag = tag;
  const digest = version.container_metadata?.tag?.digest ?? version.version;
  if (typeof digest === 'string' && digest.startsWith('sha256:')) image.digest = digest;
  return image;
}

/** One Freight built from GitHub's environment and event payload, or undefined outside Actions. */
export function workflowFreight(env: NodeJS.ProcessEnv, serverUrl: string): FreightInput | undefined {
  const payload = readPayload(env.GITHUB_EVENT_PATH);
  const commit = commitOf(env, serverUrl, payload);
  if (!commit) return undefined;
  const image = imageOf(payload);
  const repoName = (env.GITHUB_REPOSITORY as string).split('/')[1] as string;
  const freight: FreightReference = {
    name: commit.id as string,
    origin: { kind: 'Warehouse', name: repoName },
    commits: [commit],
    images: image ? [image] : [],
    charts: []
  };
  return { collection: { items: { [`Warehouse/${repoName}`]: freight } }, target: freight, warehouses: [] };
}
