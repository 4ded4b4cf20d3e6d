// A stand-in Argo CD API server on 127.0.0.1: the REST routes argocd-update and argocd-wait use,
// Applications held in memory. A sync moves an Application over the following reads (each GET
// is one poll): the operation runs for `syncPolls` reads, then succeeds (or fails), the
// Application turns Synced and Progressing, and `healthPolls` reads later it is Healthy.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Application } from '../../src/argocd/types.js';

export interface SyncBehaviour {
  syncPolls: number;
  healthPolls: number;
  result: 'Succeeded' | 'Failed';
  finalHealth: string;
  message: string;
  /** Revision Argo CD reports for each source once synced; default: each targetRevision. */
  resolvedRevisions?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: any;
  authorization?: string;
}

interface Entry {
  app: Application;
  behaviour: SyncBehaviour;
  pollsSinceSync?: number;
}

export interface ArgoCDServer {
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** Add or replace an Application (namespace defaults to argocd). */
  put(app: Application, behaviour?: Partial<SyncBehaviour>): void;
  app(name: string, namespace?: string): Application | undefined;
  close(): Promise<void>;
}

const DEFAULT_BEHAVIOUR: SyncBehaviour = { syncPolls: 2, healthPolls: 2, result: 'Succeeded', finalHealth: 'Healthy', message: 'successfully synced' };

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

/** Kubernetes selector syntax, parsed independently of the client's builder. */
function matches(labels: Record<string, string>, selector: string): boolean {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.every((raw) => {
    const part = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = m[1] in labels && values.includes(labels[m[1]]);
      return m[2] === 'in' ? has : !has;
    }
    m = /^(\S+?)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
    if (part.startsWith('!')) return !(part.slice(1) in labels);
    return part in labels;
  });
}

function now(offsetSeconds = 0): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** One poll of an Application whose sync is under way. */
function advance(entry: Entry): void {
  if (entry.pollsSinceSync === undefined) return;
  entry.pollsSinceSync += 1;
  const { app, behaviour } = entry;
  const status = (app.status ??= {});
  const polls = entry.pollsSinceSync;
  if (polls === behaviour.syncPolls && status.operationState) {
    const sources = app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
    const revisions = behaviour.resolvedRevisions ?? sources.map((s) => s.targetRevision ?? 'HEAD');
    const multi = (app.spec.sources ?? []).length > 0;
    const finishedAt = now();
    delete app.operation;
    status.operationState = {
      ...status.operationState,
      phase: behaviour.result,
      message: behaviour.message,
      finishedAt,
      syncResult: multi ? { revisions } : { revision: revisions[0] }
    };
    status.reconciledAt = finishedAt;
    if (behaviour.result === 'Succeeded') {
      status.sync = multi ? { status: 'Synced', revisions } : { status: 'Synced', revision: revisions[0] };
      status.health = { status: 'Progressing' };
    }
  }
  if (polls === behaviour.syncPolls + behaviour.healthPolls && behaviour.result === 'Succeeded') {
    status.health = { status: behaviour.finalHealth };
    entry.pollsSinceSync = undefined;
  }
}

export async function startArgoCDServer(token = 'test-argocd-token'): Promise<ArgoCDServer> {
  const entries = new Map<string, Entry>();
  const requests: RecordedRequest[] = [];

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const grpcError = (res: http.ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { error: message, code, message });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      const query = Object.fromEntries(url.searchParams.entries());
      requests.push({ method: req.method ?? '', path: url.pathname, query, body, authorization: req.headers.authorization });
      if (req.headers.authorization !== `Bearer ${token}`) {
        return grpcError(res, 401, 16, 'invalid session: token signature is invalid');
      }
      const namespace = query.appNamespace || body?.appNamespace || 'argocd';
      if (req.method === 'GET' && url.pathname === '/api/v1/applications') {
        const items = [...entries.values()].filter(
          (e) => (e.app.metadata.namespace ?? 'argocd') === namespace && matches(e.app.metadata.labels ?? {}, query.selector ?? '')
        );
        items.forEach(advance);
        return send(res, 200, { metadata: {}, items: items.map((e) => e.app) });
      }
      const m = /^\/api\/v1\/applications\/([^/]+)(\/sync)?$/.exec(url.pathname);
      if (!m) return grpcError(res, 404, 5, `no route ${req.method} ${url.pathname}`);
      const name = decodeURIComponent(m[1]);
      const entry = entries.get(key(namespace, name));
      if (!entry) return grpcError(res, 404, 5, `applications.argoproj.io "${name}" not found`);
      const { app } = entry;
      if (req.method === 'GET' && !m[2]) {
        advance(entry);
        if (query.refresh) {
          app.metadata.annotations = { ...(app.metadata.annotations ?? {}), 'argocd.argoproj.io/refresh': query.refresh };
          (app.status ??= {}).reconciledAt = now(1);
        }
        return send(res, 200, app);
      }
      if (req.method === 'PATCH' && !m[2]) {
        if (body?.patchType !== 'merge' || typeof body?.patch !== 'string') return grpcError(res, 400, 3, 'unsupported patch');
        const patch = JSON.parse(body.patch);
        app.metadata = mergePatch(app.metadata, patch.metadata) as Application['metadata'];
        app.spec = mergePatch(app.spec, patch.spec) as Application['spec'];
        return send(res, 200, app);
      }
      if (req.method === 'POST' && m[2]) {
        if (app.operation) return grpcError(res, 400, 9, 'another operation is already in progress');
        const operation = {
          sync: { syncOptions: body?.syncOptions?.items ?? app.spec.syncPolicy?.syncOptions },
          initiatedBy: { username: 'admin' },
          info: body?.infos ?? [],
          ...(body?.retryStrategy ? { retry: body.retryStrategy } : {})
        };
        app.operation = operation;
        const status = (app.status ??= {});
        status.operationState = { operation, phase: 'Running', startedAt: now() };
        status.sync = { status: 'OutOfSync' };
        status.health = { status: 'Progressing' };
        entry.pollsSinceSync = 0;
        return send(res, 200, app);
      }
      return grpcError(res, 405, 12, 'method not allowed');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    requests,
    put(app, behaviour = {}) {
      const ns = app.metadata.namespace ?? 'argocd';
      entries.set(key(ns, app.metadata.name), { app: structuredClone(app), behaviour: { ...DEFAULT_BEHAVIOUR, ...behaviour } });
    },
    app(name, namespace = 'argocd') {
      return entries.get(key(namespace, name))?.app;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}
