// A small client for the Argo CD API server's REST routes (the ones `argocd app get/patch/sync`
// use), authenticated with a bearer token. Node's http/https modules rather than fetch, because
// `insecure` (a self-signed Argo CD) needs per-request TLS options that fetch does not take.

import http from 'node:http';
import https from 'node:https';
import type { Application, Info, RetryStrategy } from './types.js';

export interface ArgoCDClientOptions {
  /** Base URL of the Argo CD API server, e.g. https://argocd.example.com */
  server: string;
  token?: string;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
  signal?: AbortSignal;
  /** Bound for each request; default 30 s. */
  requestTimeoutMs?: number;
}

/** An HTTP error answered by the Argo CD API; `status` 404 means the Application is absent. */
export class ArgoCDAPIError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
    this.name = 'ArgoCDAPIError';
  }
}

export interface SyncRequest {
  infos: Info[];
  syncOptions?: string[];
  retryStrategy?: RetryStrategy;
}

interface Response {
  status: number;
  body: string;
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const text = parsed.message ?? parsed.error;
    if (typeof text === 'string' && text !== '') return text;
  } catch {
    // not JSON: fall through to the raw body
  }
  return body.trim().slice(0, 500) || 'no message';
}

export class ArgoCDClient {
  private readonly base: URL;

  constructor(private readonly options: ArgoCDClientOptions) {
    const server = /^[a-z][a-z0-9+.-]*:\/\//i.test(options.server) ? options.server : `https://${options.server}`;
    this.base = new URL(server.replace(/\/+$/, '') + '/');
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new Error(`Argo CD server ${JSON.stringify(options.server)} must be an http(s) URL`);
    }
  }

  private url(route: string, query: Record<string, string | undefined>): URL {
    const url = new URL(route.replace(/^\//, ''), this.base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url;
  }

  private request(method: string, url: URL, body?: unknown): Promise<Response> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload) headers['Content-Type'] = 'application/json';
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          headers,
          signal: this.options.signal,
          timeout: this.options.requestTimeoutMs ?? 30_000,
          ...(url.protocol === 'https:' && this.options.insecure ? { rejectUnauthorized: false } : {})
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        }
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from the Argo CD API at ${url.origin} in time`)));
      req.on('error', (err) => reject(new Error(`cannot reach the Argo CD API at ${url.origin}: ${err.message}`)));
      req.end(payload);
    });
  }

  private async json<T>(method: string, url: URL, body?: unknown): Promise<T> {
    const res = await this.request(method, url, body);
    if (res.status < 200 || res.status >= 300) {
      const hint =
        res.status === 401
          ? ' (check the argocd-token input)'
          : res.status === 403
            ? ' (the Application does not exist, or the token lacks the Argo CD RBAC permission for this action)'
            : '';
      throw new ArgoCDAPIError(res.status, `${method} ${url.pathname}: HTTP ${res.status}: ${errorText(res.body)}${hint}`);
    }
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new Error(`${method} ${url.pathname}: the Argo CD API answered with something other than JSON`);
    }
  }

  /** The Application, or undefined when Argo CD says it does not exist (or is hidden by RBAC). */
  async getApplication(name: string, namespace: string, refresh?: 'normal' | 'hard'): Promise<Application | undefined> {
    const url = this.url(`/api/v1/applications/${encodeURIComponent(name)}`, { appNamespace: namespace, refresh });
    try {
      return await this.json<Application>('GET', url);
    } catch (err) {
      if (err instanceof ArgoCDAPIError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Applications in namespace whose labels match selector (Kubernetes selector syntax). */
  async listApplications(namespace: string, selector: string): Promise<Application[]> {
    const url = this.url('/api/v1/applications', { appNamespace: namespace, selector });
    const list = await this.json<{ items?: Application[] | null }>('GET', url);
    return list.items ?? [];
  }

  /** A JSON merge patch (RFC 7386) of the Application, as `argocd app patch --type merge`. */
  patchApplication(name: string, namespace: string, patch: Record<string, unknown>): Promise<Application> {
    const url = this.url(`/api/v1/applications/${encodeURIComponent(name)}`, {});
    return this.json<Application>('PATCH', url, {
      name,
      appNamespace: namespace,
      patch: JSON.stringify(patch),
      patchType: 'merge'
    });
  }

  /** Start a sync operation to the revisions in the Application's spec. */
  syncApplication(name: string, namespace: string, request: SyncRequest): Promise<Application> {
    const url = this.url(`/api/v1/applications/${encodeURIComponent(name)}/sync`, {});
    const body: Record<string, unknown> = { name, appNamespace: namespace, infos: request.infos };
    if (request.syncOptions) body.syncOptions = { items: request.syncOptions };
    if (request.retryStrategy) body.retryStrategy = request.retryStrategy;
    return this.json<Application>('POST', url, body);
  }
}
