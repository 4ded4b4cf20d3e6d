import { ArgoCDClient } from '../../src/argocd/client.js';
import type { Application, ApplicationStatus } from '../../src/argocd/types.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities, StepResult } from '../../src/promotion/types.js';
import { argocdWaitRunner } from '../../src/runners/argocd-wait.js';
import { startArgoCDServer, type ArgoCDServer } from '../helpers/argocd-server.js';
import { runStep } from '../helpers/step-context.js';

let server: ArgoCDServer;
beforeAll(async () => {
  server = await startArgoCDServer();
});
afterAll(() => server.close());

function caps(): Capabilities {
  return {
    gitUser: { name: 'Kargo Test', email: 'kargo-test@example.com' },
    secrets: {},
    mask: () => undefined,
    argocd: { server: server.url, token: server.token, namespace: 'argocd' }
  };
}

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

function app(name: string, status: ApplicationStatus, extra: Partial<Application> = {}, labels?: Record<string, string>): Application {
  return {
    metadata: { name, namespace: 'argocd', ...(labels ? { labels } : {}) },
    spec: { source: { repoURL: 'https://github.com/example/gitops', targetRevision: 'main' } },
    status,
    ...extra
  };
}

const healthySynced: ApplicationStatus = { health: { status: 'Healthy' }, sync: { status: 'Synced' } };

function run(config: Record<string, unknown>, sharedState: Record<string, unknown> = {}): Promise<StepResult> {
  return runStep(argocdWaitRunner, config, { capabilities: caps(), sharedState, alias: 'wait' });
}

function errorOf(result: StepResult): string {
  return (result.error as Error | undefined)?.message ?? '';
}

describe('argocd-wait config', () => {
  it.each([
    ['neither name nor selector', { apps: [{}] }],
    ['both name and selector', { apps: [{ name: 'a', selector: { matchLabels: { a: 'b' } } }] }],
    ['an invalid waitFor value', { apps: [{ name: 'a', waitFor: ['ready'] }] }],
    ['a repeated waitFor value', { apps: [{ name: 'a', waitFor: ['sync', 'sync'] }] }],
    ['an empty waitFor', { apps: [{ name: 'a', waitFor: [] }] }],
    ['no apps', { apps: [] }]
  ])('rejects %s', async (_n, config) => {
    const result = await run(config);
    expect(result.status).toBe('Failed');
    expect(errorOf(result)).toMatch(/^invalid argocd-wait config: /);
  });
});

describe('argocd-wait run', () => {
  it('is Errored, naming the inputs to set, when Argo CD is not configured', async () => {
    const capabilities = caps();
    delete capabilities.argocd;
    const result = await runStep(argocdWaitRunner, { apps: [{ name: 'x' }] }, { capabilities });
    expect(result.status).toBe('Errored');
    expect(errorOf(result)).toMatch(/^Argo CD integration is disabled; cannot wait for Argo CD Application resources: set the argocd-server input .* argocd-token/);
  });

  it('reports Running while a sync progresses, then Succeeded once Synced and Healthy', async () => {
    server.put(app('moving', healthySynced), { syncPolls: 2, healthPolls: 2 });
    await new ArgoCDClient({ server: server.url, token: server.token }).syncApplication('moving', 'argocd', { infos: [] });
    const statuses: string[] = [];
    let shared: Record<string, unknown> = {};
    let result: StepResult | undefined;
    for (let i = 0; i < 10; i++) {
      result = await run({ apps: [{ name: 'moving' }] }, shared);
      statuses.push(result.status);
      shared = { wait: result.output };
      if (result.status !== 'Running') break;
    }
    expect(statuses).toEqual(['Running', 'Running', 'Running', 'Succeeded']);
    expect(result!.output).toEqual({ apps: [{ name: 'moving', namespace: 'argocd' }], healthStatus: { 'argocd/moving': 'Healthy' } });
  });

  const finished = { phase: 'Succeeded' as const, operation: {}, startedAt: T0, finishedAt: T1 };

  it.each([
    ['healthy and synced', healthySynced, undefined, undefined, 'Succeeded'],
    ['progressing', { health: { status: 'Progressing' }, sync: { status: 'Synced' } }, undefined, undefined, 'Running'],
    ['out of sync', { health: { status: 'Healthy' }, sync: { status: 'OutOfSync' } }, undefined, undefined, 'Running'],
    ['an operation in progress', healthySynced, { operation: { sync: {} } }, undefined, 'Running'],
    ['an operation state without finishedAt', { ...healthySynced, operationState: { phase: 'Running', operation: {}, startedAt: T0 } }, undefined, undefined, 'Running'],
    ['reconciledAt equal to finishedAt', { ...healthySynced, operationState: finished, reconciledAt: T1 }, undefined, undefined, 'Succeeded'],
    ['sync only: degraded health ignored', { health: { status: 'Degraded' }, sync: { status: 'Synced' } }, undefined, ['sync'], 'Succeeded'],
    ['health or suspended: suspended passes', { health: { status: 'Suspended' }, sync: { status: 'OutOfSync' } }, undefined, ['health', 'suspended'], 'Succeeded'],
    ['degraded wanted and seen', { health: { status: 'Degraded' } }, undefined, ['degraded'], 'Succeeded'],
    ['degraded without a prior health status', { health: { status: 'Degraded' }, sync: { status: 'Synced' } }, undefined, undefined, 'Running'],
    ['operation only: done, health and sync ignored', { health: { status: 'Missing' }, sync: { status: 'OutOfSync' }, operationState: finished }, undefined, ['operation'], 'Succeeded']
  ])('%s: %s', async (name, status, extra, waitFor, expected) => {
    const appName = `c-${name.replace(/[^a-z]+/g, '-')}`.slice(0, 50);
    server.put(app(appName, status as ApplicationStatus, extra as Partial<Application> | undefined));
    const result = await run({ apps: [{ name: appName, ...(waitFor ? { waitFor } : {}) }] });
    expect(result.status).toBe(expected);
    expect(result.error).toBeUndefined();
  });

  it('requests a refresh and waits when health was not reconciled after the last operation', async () => {
    server.put(app('stale', { ...healthySynced, operationState: { phase: 'Succeeded', operation: {}, startedAt: T0, finishedAt: T1 } }));
    const result = await run({ apps: [{ name: 'stale' }] });
    expect(result.status).toBe('Running');
    expect(server.requests.some((r) => r.path === '/api/v1/applications/stale' && r.query.refresh === 'hard')).toBe(true);
  });

  it('fails terminally on a ComparisonError condition', async () => {
    server.put(app('cmp', { ...healthySynced, conditions: [{ type: 'ComparisonError', message: 'repo not found' }, { type: 'SharedResourceWarning', message: 'x' }] }));
    const result = await run({ apps: [{ name: 'cmp' }] });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toBe('Argo CD Application "cmp" in namespace "argocd" has "ComparisonError" condition: repo not found');
  });

  it('fails terminally when health regresses to Degraded from a status seen before', async () => {
    server.put(app('regress', { health: { status: 'Degraded' }, sync: { status: 'Synced' } }));
    const result = await run({ apps: [{ name: 'regress' }] }, { wait: { healthStatus: { 'argocd/regress': 'Progressing', 'argocd/other': 'Healthy' } } });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toBe('Argo CD Application "regress" in namespace "argocd" health has regressed from Progressing to Degraded');
    expect(result.output).toEqual({
      apps: [{ name: 'regress', namespace: 'argocd' }],
      healthStatus: { 'argocd/regress': 'Degraded', 'argocd/other': 'Healthy' }
    });
  });

  it('is Running while one of several selected Applications is not ready', async () => {
    server.put(app('grp-a', healthySynced, {}, { group: 'g' }));
    server.put(app('grp-b', { health: { status: 'Progressing' }, sync: { status: 'Synced' } }, {}, { group: 'g' }));
    const result = await run({ apps: [{ selector: { matchLabels: { group: 'g' } } }] });
    expect(result.status).toBe('Running');
    expect(result.output?.healthStatus).toEqual({ 'argocd/grp-a': 'Healthy', 'argocd/grp-b': 'Progressing' });
  });

  it.each([
    ['an unknown Application', { name: 'ghost' }, 'unable to find Argo CD Application "ghost" in namespace "argocd"'],
    ['an unknown namespace', { name: 'ghost', namespace: 'apps' }, 'unable to find Argo CD Application "ghost" in namespace "apps"'],
    ['a selector matching nothing', { selector: { matchLabels: { group: 'none' } } }, 'no Argo CD Applications found matching selector in namespace "argocd"']
  ])('is Errored for %s', async (_n, entry, message) => {
    const result = await run({ apps: [entry] });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(errorOf(result)).toBe(message);
  });
});

describe('argocd settings: insecure', () => {
  let tlsServer: import('node:https').Server;
  let url: string;

  beforeAll(async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const https = await import('node:https');
    const { makeTempDir } = await import('../helpers/step-context.js');
    const dir = makeTempDir('tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    tlsServer = https.createServer({ key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(app('tls', healthySynced)));
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(tlsServer.address() as import('node:net').AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));

  it.each([
    [true, 'Succeeded', ''],
    [false, 'Errored', 'self-signed certificate']
  ])('insecure=%s: %s', async (insecure, status, message) => {
    const capabilities = { ...caps(), argocd: { server: url, token: 't', namespace: 'argocd', insecure } };
    const result = await runStep(argocdWaitRunner, { apps: [{ name: 'tls' }] }, { capabilities });
    expect(result.status).toBe(status);
    expect(errorOf(result)).toContain(message);
  });
});
