import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { workflowFreight } from '../src/github-context.js';
import { findCommit, findImage } from '../src/promotion/freight-lookup.js';
import { makeTempDir } from './helpers/step-context.js';

// Payloads trimmed to the fields the runner writes that we read (GITHUB_EVENT_PATH).
function eventFile(payload: unknown): string {
  const file = path.join(makeTempDir('kargo-event-'), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

const base = { GITHUB_REPOSITORY: 'example/app', GITHUB_SHA: '8f3e2d1c0b9a' };

function freightFor(env: NodeJS.ProcessEnv) {
  const input = workflowFreight(env, 'https://github.com');
  if (!input) throw new Error('no freight');
  const sources = { freight: input.collection, requests: [{ origin: input.target!.origin }], warehouses: [] };
  return { input, sources };
}

describe('freight from the workflow run', () => {
  it('makes the triggering commit the Freight, so commitFrom(repo) answers GITHUB_SHA', () => {
    const { input, sources } = freightFor({
      ...base,
      GITHUB_REF_TYPE: 'branch',
      GITHUB_REF_NAME: 'main',
      GITHUB_EVENT_PATH: eventFile({ head_commit: { message: 'Bump app\n\nDetails' } })
    });
    expect(findCommit(sources, 'https://github.com/example/app')).toEqual({
      repoURL: 'https://github.com/example/app',
      id: '8f3e2d1c0b9a',
      branch: 'main',
      message: 'Bump app'
    });
    expect(input.target?.origin).toEqual({ kind: 'Warehouse', name: 'app' });
  });

  it('carries the tag of a tag push', () => {
    const { sources } = freightFor({ ...base, GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v1.4.0', GITHUB_EVENT_PATH: eventFile({}) });
    expect(findCommit(sources, 'https://github.com/example/app.git')?.tag).toBe('v1.4.0');
  });

  it('carries the tag of a published release', () => {
    const { sources } = freightFor({ ...base, GITHUB_REF_TYPE: 'tag', GITHUB_REF_NAME: 'v2.0.0', GITHUB_EVENT_PATH: eventFile({ action: 'published', release: { tag_name: 'v2.0.0' } }) });
    expect(findCommit(sources, 'https://github.com/example/app')?.tag).toBe('v2.0.0');
  });

  it('carries the image a registry_package event publishes', () => {
    const { sources } = freightFor({
      ...base,
      GITHUB_EVENT_PATH: eventFile({
        action: 'published',
        registry_package: {
          name: 'App',
          namespace: 'Example',
          package_type: 'CONTAINER',
          package_version: {
            version: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
            package_url: 'ghcr.io/example/app:1.5.0',
            container_metadata: { tag: { name: '1.5.0', digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222' } }
          }
        }
      })
    });
    expect(findImage(sources, 'ghcr.io/example/app')).toEqual({
      repoURL: 'ghcr.io/example/app',
      tag: '1.5.0',
      digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222'
    });
  });

  it('gives no Freight outside GitHub Actions', () => {
    expect(workflowFreight({}, 'https://github.com')).toBeUndefined();
  });
});
