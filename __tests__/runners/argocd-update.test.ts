import type { Application } from '../../src/argocd/types.js';
import { buildLabelSelector } from '../../src/argocd/selector.js';
import { normalizeGitURL } from '../../src/argocd/git-url.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities, StepResult } from '../../src/promotion/types.js';
import {
  applySourceUpdate,
  argocdUpdateRunner,
  authorizationProblem,
  parseAuthorizedStages,
  syncMessage
} from '../../src/runners/argocd-update.js';
import { startArgoCDServer, type ArgoCDServer } from '../helpers/argocd-server.js';
import { runStep } from '../helpers/step-context.js';

const REPO = 'https://github.com/example/gitops.git';
let server: ArgoCDServer;

beforeAll(async () => {
  server = await startArgoCDServer();
});
afterAll(() => server.close());

function caps(overrides: Partial<Capabilities['argocd']> = {}): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    secrets: {},
    mask: () => undefined,
    argocd: { server: server.url, token: server.token, namespace: 'argocd', ...overrides }
  };
}

function app(name: string, extra: Partial<Application> & { annotation?: string | null; labels?: Record<string, string> } = {}): Application {
  const { annotation = 'test-project:test', labels, ...rest } = extra;
  return {
    metadata: {
      name,
      namespace: 'argocd',
      ...(labels ? { labels } : {}),
      annotations: annotation === null ? {} : { 'kargo.akuity.io/authorized-stage': annotation }
    },
    spec: { source: { repoURL: REPO, path: 'apps/web', targetRevision: 'main' } },
    status: { health: { status: 'Healthy' }, sync: { status: 'Synced', revision: 'old' } },
    ...rest
  };
}

function run(config: Record<string, unknown>, promotion = 'promo-1', capabilities = caps()): Promise<StepResult> {
  return runStep(argocdUpdateRunner, config, { capabilities, promotion });
}

/** Poll the step as the engine would until it leaves Running (at most `max` runs). */
async function pollUntilDone(config: Record<string, unknown>, promotion: string, max = 12) {
  const statuses: string[] = [];
  for (let i = 0; i < max; i++) {
    const result = await run(config, promotion);
    statuses.push(result.status);
    if (result.status !== 'Running') return { statuses, result };
  }
  throw new Error(`still Running after ${max} polls: ${statuses.join(',')}`);
}

function errorOf(result: StepResult): string {
  return (result.error as Error | undefined)?.message ?? '';
}

function requestsFor(name: string, method?: string) {
  return server.requests.filter((r) => r.path.startsWith(`/api/v1/applications/${name}`) && (!method || r.method === method));
}

describe('argocd-update config', () => {
  it.each([
    ['name and selector both specified', { apps: [{ name: 'a', selector: { matchLabels: { a: 'b' } } }] }],
    ['neither name nor selector', { apps: [{ namespace: 'x' }] }],
    ['apps empty', { apps: [] }],
    ['selector empty', { apps: [{ selector: {} }] }],
    ['matchLabels empty object', { apps: [{ selector: { matchLabels: {} } }] }],
    ['matchExpressions empty array', { apps: [{ selector: { matchExpressions: [] } }] }],
    ['operator invalid', { apps: [{ selector: { matchExpressions: [{ key: 'a', operator: 'Nope' }] } }] }],
    ['kustomize digest and tag both', { apps: [{ name: 'a', sources: [{ repoURL: REPO, kustomize: { images: [{ repoURL: 'r', tag: 't', digest: 'd' }] } }] }] }],
    ['updateTargetRevision without desiredRevision', { apps: [{ name: 'a', sources: [{ repoURL: REPO, updateTargetRevision: true }] }] }],
    ['helm images empty', { apps: [{ name: 'a', sources: [{ repoURL: REPO, helm: { images: [] } }] }] }],
    ['unknown field', { apps: [{ name: 'a', bogus: true }] }],
    ['sources empty', { apps: [{ name: 'a', sources: [] }] }]
  ])('%s is an invalid config', async (_name, config) => {
    const result = await run(config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toMatch(/^invalid argocd-update config: /);
  });

  it('accepts a kitchen-sink config', async () => {
    server.put(app('sink', { annotation: 'other:stage' }));
    const result = await run({
      apps: [
        {
          name: 'sink',
          namespace: 'argocd',
          sources: [
            {
              repoURL: REPO,
              desiredRevision: 'abc',
              updateTargetRevision: true,
              kustomize: { images: [{ repoURL: 'nginx', tag: '1.0', newName: 'mirror/nginx' }, { repoURL: 'redis' }] },
              helm: { images: [{ key: 'image.tag', value: '1.0' }] }
            }
          ]
        }
      ]
    });
    // valid: it gets as far as authorization
    expect(errorOf(result)).toMatch(/does not permit mutation by Kargo Stage test in namespace test-project/);
  });
});

describe('argocd-update run', () => {
  it('is Errored, naming the inputs to set, when Argo CD is not configured', async () => {
    const capabilities = caps();
    delete capabilities.argocd;
    const result = await run({ apps: [{ name: 'x' }] }, 'p', capabilities);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toMatch(/Argo CD integration is disabled; cannot update Argo CD Application resources/);
    expect(errorOf(result)).toMatch(/argocd-server/);
    expect(errorOf(result)).toMatch(/argocd-token/);
  });

  it('updates, syncs and reports Running for a few polls until Synced and Healthy', async () => {
    server.put(app('web', { spec: { source: { repoURL: REPO, path: 'apps/web', targetRevision: 'main', kustomize: { images: ['old:1'] } }, syncPolicy: { syncOptions: ['CreateNamespace=true'], retry: { limit: 2 } } } }));
    const config = {
      apps: [
        {
          name: 'web',
          sources: [
            {
              repoURL: 'https://GitHub.com/example/gitops/',
              desiredRevision: 'abc123',
              updateTargetRevision: true,
              kustomize: { images: [{ repoURL: 'nginx', digest: 'sha256:feed' }] }
            }
          ]
        }
      ]
    };
    const { statuses, result } = await pollUntilDone(config, 'promo-web');
    expect(statuses.filter((s) => s === 'Running').length).toBeGreaterThanOrEqual(3);
    expect(result.status).toBe('Succeeded');
    expect(result.output).toEqual({ apps: [{ name: 'web', namespace: 'argocd' }] });
    expect(result.healthCheck).toEqual({
      kind: 'argocd-update',
      input: { apps: [{ name: 'web', namespace: 'argocd', desiredRevisions: ['abc123'] }] }
    });
    const patched = server.app('web')!;
    expect(patched.spec.source).toEqual({ repoURL: REPO, path: 'apps/web', targetRevision: 'abc123', kustomize: { images: ['nginx@sha256:feed'] } });
    expect(patched.metadata.annotations?.['argocd.argoproj.io/refresh']).toBe('hard');
    const patches = requestsFor('web', 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0].body).toMatchObject({ name: 'web', appNamespace: 'argocd', patchType: 'merge' });
    const syncs = requestsFor('web/sync', 'POST');
    expect(syncs).toHaveLength(1);
    expect(syncs[0].body).toEqual({
      name: 'web',
      appNamespace: 'argocd',
      infos: [
        { name: 'Reason', value: 'Promotion triggered a sync of this Application resource.' },
        { name: 'kargo.akuity.io/promotion', value: 'promo-web' }
      ],
      syncOptions: { items: ['CreateNamespace=true'] },
      retryStrategy: { limit: 2 }
    });
    expect(syncs[0].authorization).toBe(`Bearer ${server.token}`);
    // A later run of the same promotion recognises its own finished sync and changes nothing.
    const again = await run(config, 'promo-web');
    expect(again.status).toBe('Succeeded');
    expect(requestsFor('web', 'PATCH')).toHaveLength(1);
  });

  it('fails terminally for an Application that does not authorize the Stage, changing nothing', async () => {
    server.put(app('locked', { annotation: null }));
    const result = await run({ apps: [{ name: 'locked' }] });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toBe(
      'Argo CD Application "locked" in namespace "argocd" is not authorized: Argo CD Application "locked" in namespace "argocd" ' +
        'does not permit mutation by Kargo Stage test in namespace test-project ' +
        '(annotate it with kargo.akuity.io/authorized-stage: "test-project:test")'
    );
    expect(requestsFor('locked', 'PATCH')).toHaveLength(0);
    expect(requestsFor('locked/sync', 'POST')).toHaveLength(0);
  });

  it.each([
    ['an unknown Application', 'ghost', /^unable to find Argo CD Application "ghost" in namespace "argocd"$/],
  ])('is Errored for %s', async (_n, name, message) => {
    const result = await run({ apps: [{ name }] });
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toMatch(message);
  });

  it('is Errored with a hint when the token is refused', async () => {
    server.put(app('tok'));
    const result = await run({ apps: [{ name: 'tok' }] }, 'p', caps({ token: 'wrong' }));
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toMatch(/error finding Argo CD Application "tok" in namespace "argocd": GET \/api\/v1\/applications\/tok: HTTP 401: .*check the argocd-token input/);
    expect(errorOf(result)).not.toContain('wrong');
  });

  const running = (extra: object) => ({ phase: 'Running', startedAt: '2026-01-01T00:00:00Z', ...extra });
  const done = (extra: object) => ({ phase: 'Succeeded', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', ...extra });
  const byOther = { operation: { initiatedBy: { username: 'alice' } } };
  const byPromo = (p: string) => ({ operation: { initiatedBy: { username: 'admin' }, info: [{ name: 'kargo.akuity.io/promotion', value: p }] } });

  it.each([
    ['no operation state', undefined, true, 'Running'],
    ['a running operation started by someone else', running(byOther), false, 'Running'],
    ['a completed operation started by someone else', done(byOther), true, 'Running'],
    ['a running operation for another promotion', running(byPromo('other')), false, 'Running'],
    ['a completed operation for another promotion', done(byPromo('other')), true, 'Running'],
    ['a running operation for this promotion', running(byPromo('promo-x')), false, 'Running'],
    ['a completed operation for this promotion without a sync result', done(byPromo('promo-x')), true, 'Running'],
    ['a completed operation for this promotion at another revision', done({ ...byPromo('promo-x'), syncResult: { revision: 'zzz' } }), true, 'Running'],
    ['a completed operation for this promotion at the desired revision', done({ ...byPromo('promo-x'), syncResult: { revision: 'want' } }), false, 'Succeeded']
  ])('with %s: update=%s, status %s', async (name, operationState, updates, status) => {
    const appName = `op-${name.replace(/[^a-z]+/g, '-')}`.slice(0, 50);
    server.put(
      app(appName, {
        status: {
          health: { status: 'Healthy' },
          sync: { status: 'Synced', revision: 'want' },
          reconciledAt: '2026-01-01T00:02:00Z',
          ...(operationState ? { operationState: operationState as any } : {})
        }
      })
    );
    const result = await run({ apps: [{ name: appName, sources: [{ repoURL: REPO, desiredRevision: 'want' }] }] }, 'promo-x');
    expect(result.status).toBe(status);
    expect(requestsFor(`${appName}/sync`, 'POST')).toHaveLength(updates ? 1 : 0);
  });

  it('is Errored with the operation message when its own sync failed', async () => {
    server.put(app('broken'), { result: 'Failed', message: 'one or more objects failed to apply', syncPolls: 1 });
    const config = { apps: [{ name: 'broken' }] };
    const { statuses, result } = await pollUntilDone(config, 'promo-broken');
    expect(statuses[0]).toBe('Running');
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toBe('Argo CD Application "broken" in namespace "argocd" failed with: one or more objects failed to apply');
  });

  it('is Errored (retryable) when the synced Application turns Degraded', async () => {
    server.put(app('sad'), { finalHealth: 'Degraded', syncPolls: 1, healthPolls: 1 });
    const { result } = await pollUntilDone({ apps: [{ name: 'sad' }] }, 'promo-sad');
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(errorOf(result)).toBe('Argo CD Application "sad" in namespace "argocd" has health state "Degraded"');
  });

  it('is Errored when an update matches no source of the Application', async () => {
    server.put(app('nomatch'));
    const result = await run({ apps: [{ name: 'nomatch', sources: [{ repoURL: 'https://example.com/other.git' }] }] });
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toBe(
      'error building desired sources for Argo CD Application "nomatch" in namespace "argocd": no source of Argo CD Application "nomatch" in namespace "argocd" matched update for source with repoURL https://example.com/other.git'
    );
  });

  it('updates every source of a multi-source Application, Helm parameters upserted', async () => {
    server.put(
      app('multi', {
        spec: {
          sources: [
            { repoURL: 'https://charts.example.com', chart: 'web', targetRevision: '1.0.0', helm: { parameters: [{ name: 'image.tag', value: 'old' }, { name: 'keep', value: 'me' }] } },
            { repoURL: REPO, path: 'values', targetRevision: 'main' }
          ]
        }
      })
    );
    const config = {
      apps: [
        {
          name: 'multi',
          sources: [
            { repoURL: 'https://charts.example.com', chart: 'web', desiredRevision: '2.0.0', updateTargetRevision: true, helm: { images: [{ key: 'image.tag', value: 'v2' }, { key: 'image.repo', value: 'r' }] } }
          ]
        }
      ]
    };
    const { result } = await pollUntilDone(config, 'promo-multi');
    expect(result.status).toBe('Succeeded');
    expect(server.app('multi')!.spec.sources).toEqual([
      {
        repoURL: 'https://charts.example.com',
        chart: 'web',
        targetRevision: '2.0.0',
        helm: { parameters: [{ name: 'image.tag', value: 'v2' }, { name: 'keep', value: 'me' }, { name: 'image.repo', value: 'r' }] }
      },
      { repoURL: REPO, path: 'values', targetRevision: 'main' }
    ]);
    expect(result.healthCheck?.input).toEqual({ apps: [{ name: 'multi', namespace: 'argocd', desiredRevisions: ['2.0.0', ''] }] });
  });

  describe('with a selector', () => {
    beforeAll(() => {
      server.put(app('sel-a', { labels: { team: 'web', env: 'prod' } }));
      server.put(app('sel-b', { labels: { team: 'web', env: 'prod' } }), { syncPolls: 4 });
      server.put(app('sel-c', { labels: { team: 'web', env: 'prod' }, annotation: 'other:stage' }));
      server.put(app('sel-d', { labels: { team: 'db' }, annotation: null }));
      server.put(
        app('sel-e', { labels: { team: 'mixed' }, spec: { source: { repoURL: 'https://example.com/else.git', targetRevision: 'main' } } })
      );
      server.put(app('sel-f', { labels: { team: 'mixed' } }));
    });

    it('updates only the authorized matches and waits for the slowest', async () => {
      const config = { apps: [{ selector: { matchLabels: { team: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } }] };
      const first = await run(config, 'promo-sel');
      expect(first.status).toBe('Running');
      expect(first.output).toEqual({ apps: [{ name: 'sel-a', namespace: 'argocd' }, { name: 'sel-b', namespace: 'argocd' }] });
      expect(server.requests.find((r) => r.path === '/api/v1/applications')?.query).toEqual({
        appNamespace: 'argocd',
        selector: 'env in (prod),team=web'
      });
      expect(requestsFor('sel-c/sync', 'POST')).toHaveLength(0);
      const { statuses, result } = await pollUntilDone(config, 'promo-sel');
      expect(statuses.slice(0, 2)).toEqual(['Running', 'Running']);
      expect(result.status).toBe('Succeeded');
    });

    it.each([
      ['none authorized', { matchLabels: { team: 'db' } }, 'found 1 Application(s) matching selector in namespace "argocd", but none are authorized for Stage test-project:test', true],
      ['no matches', { matchExpressions: [{ key: 'team', operator: 'In', values: ['nobody'] }] }, 'no Argo CD Applications found matching selector in namespace "argocd"', false],
      ['an invalid requirement', { matchExpressions: [{ key: 'team', operator: 'Exists', values: ['x'] }] }, 'error building label selector: invalid matchExpression: values: Invalid value: ["x"]: values set must be empty for exists and does not exist', true]
    ])('is Errored for %s', async (_n, selector, message, terminal) => {
      const result = await run({ apps: [{ selector }] });
      expect(result.status).toBe('Errored');
      expect(errorOf(result)).toBe(message);
      expect(isTerminal(result.error)).toBe(terminal);
    });

    it('updates none when a source update does not fit every selected Application', async () => {
      const result = await run({ apps: [{ selector: { matchLabels: { team: 'mixed' } }, sources: [{ repoURL: REPO, desiredRevision: 'x' }] }] });
      expect(result.status).toBe('Errored');
      expect(errorOf(result)).toBe(
        'selected Applications must have compatible sources; 1 incompatible. No Applications were updated:\n' +
          'Application "sel-e" in namespace "argocd": no source of Argo CD Application "sel-e" in namespace "argocd" matched update for source with repoURL ' +
          REPO
      );
      expect(requestsFor('sel-f', 'PATCH')).toHaveLength(0);
    });
  });
});

describe('argocd-update helpers', () => {
  it.each([
    ['test-project:test', undefined],
    [' other:x , test-project : test ', undefined],
    ['other:x', 'does not permit mutation by Kargo Stage test in namespace test-project'],
    ['bogus', 'unable to parse value of annotation "kargo.akuity.io/authorized-stage" ("bogus") on Argo CD Application "a" in namespace "argocd": invalid authorized Stage "bogus": expected format "<project>:<stage>"'],
    ['*:test', 'deprecated glob expressions are no longer supported'],
    ['test-project:*', 'deprecated glob expressions are no longer supported'],
    [' , ', 'no authorized Stages found in " , "']
  ])('annotation %j: %s', (value, problem) => {
    const result = authorizationProblem({ project: 'test-project', stage: 'test' }, app('a', { annotation: value }), 'argocd');
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });

  it('parses a list of authorized stages', () => {
    expect(parseAuthorizedStages('a:b, c:d')).toEqual([{ project: 'a', stage: 'b' }, { project: 'c', stage: 'd' }]);
  });

  it.each([
    ['git target revision', { repoURL: 'git@github.com:example/gitops.git', desiredRevision: 'abc', updateTargetRevision: true }, { repoURL: 'ssh://git@github.com/example/gitops', targetRevision: 'main' }, { repoURL: 'ssh://git@github.com/example/gitops', targetRevision: 'abc' }],
    ['helm chart revision', { repoURL: 'https://charts', chart: 'c', desiredRevision: '2', updateTargetRevision: true }, { repoURL: 'https://charts', chart: 'c', targetRevision: '1' }, { repoURL: 'https://charts', chart: 'c', targetRevision: '2' }],
    ['helm chart of another name', { repoURL: 'https://charts', chart: 'd' }, { repoURL: 'https://charts', chart: 'c' }, undefined],
    ['desired revision without updateTargetRevision', { repoURL: REPO, desiredRevision: 'abc' }, { repoURL: REPO, targetRevision: 'main' }, { repoURL: REPO, targetRevision: 'main' }],
    ['kustomize images', { repoURL: REPO, kustomize: { images: [{ repoURL: 'nginx', tag: '1.2' }, { repoURL: 'redis', newName: 'mirror/redis', digest: 'sha256:ab' }, { repoURL: 'bare' }] } }, { repoURL: REPO, kustomize: { images: ['x:1'], namePrefix: 'p-' } }, { repoURL: REPO, kustomize: { images: ['nginx:1.2', 'redis=mirror/redis@sha256:ab', 'bare:'], namePrefix: 'p-' } }]
  ])('applies a source update: %s', (_n, update, source, expected) => {
    expect(applySourceUpdate(update as any, (update as any).desiredRevision ?? '', source as any)).toEqual(expected);
  });

  it.each([
    [[{ targetRevision: 'abc' }], false, 'initiated sync to abc'],
    [[{ targetRevision: 'abc' }], true, 'initiated sync to abc'],
    [[{ targetRevision: 'a' }, { targetRevision: 'b' }], true, 'initiated sync to 2 sources']
  ])('sync message for %j (multi=%s)', (sources, multi, message) => {
    expect(syncMessage(sources as any, multi)).toBe(message);
  });

  it.each([
    [{ matchLabels: { b: '2', a: '1' } }, 'a=1,b=2'],
    [{ matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['b', 'a'] }, { key: 'y', operator: 'DoesNotExist' }, { key: 'w', operator: 'Exists' }] }, 'w,x notin (a,b),!y']
  ])('builds selector %j', (selector, text) => {
    expect(buildLabelSelector(selector as any)).toBe(text);
  });

  it.each([
    [{}, 'selector must have at least one match criterion'],
    [{ matchLabels: { 'bad key!': 'v' } }, 'invalid matchLabel bad key!=v: key: Invalid value: "bad key!"'],
    [{ matchExpressions: [{ key: 'k', operator: 'In', values: [] }] }, "for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: 'k', operator: 'Bad' }] }, 'invalid operator: Bad']
  ])('rejects selector %j', (selector, message) => {
    expect(() => buildLabelSelector(selector as any)).toThrow(message);
  });

  it.each([
    ['https://github.com/Example/Repo.git/', 'https://github.com/example/repo'],
    ['https://user:pw@github.com/example/repo', 'https://github.com/example/repo'],
    ['git@github.com:example/repo.git', 'ssh://git@github.com/example/repo'],
    ['ssh://git@github.com/example/repo.git', 'ssh://git@github.com/example/repo'],
    ['https://github.com/example/repo?x=1', 'https://github.com/example/repo?x=1']
  ])('normalizes %s', (url, normalized) => {
    expect(normalizeGitURL(url)).toBe(normalized);
  });
});
