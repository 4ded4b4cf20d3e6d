// Classic (HTTP) chart repositories: fetching index.yaml, finding a chart's versions in it and
// downloading chart archives, the way Helm 3.21's repo and getter packages do. Credentials are
// sent only to the repository's own scheme and host (Helm's passCredentialsAll=false).

import { parse as parseYAML } from 'yaml';
import { compareVersions, tryParseVersion, type Version } from './semver.js';

export class RepositoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RepositoryError';
  }
}

export interface BasicAuth {
  username: string;
  password: string;
}

export interface HttpOptions {
  auth?: BasicAuth;
  signal?: AbortSignal;
  /** Per request; default 2 minutes. */
  timeoutMs?: number;
  /** Largest body accepted; default 256 MiB. */
  maxBytes?: number;
}

export interface ChartVersionEntry {
  name: string;
  version: string;
  parsed: Version;
  urls: string[];
  digest?: string;
}

export interface RepositoryIndex {
  repoURL: string;
  apiVersion: string;
  /** Chart name -> its versions, highest first (Helm's IndexFile.SortEntries). */
  entries: Map<string, ChartVersionEntry[]>;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** `<repo>/index.yaml`, keeping any query string (Helm's repo.ResolveReferenceURL). */
export function indexURL(repoURL: string): string {
  const url = new URL(repoURL);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/index.yaml`;
  return url.toString();
}

/** Where a chart listed with urlOrPath is downloaded from (Helm's downloader normalizeURL). */
export function chartDownloadURL(repoURL: string, urlOrPath: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(urlOrPath)) return urlOrPath;
  const base = new URL(repoURL);
  const joined = `${base.pathname.replace(/\/+$/, '')}/${urlOrPath}`;
  // path.Join semantics: clean `.`/`..` and duplicate slashes, never climbing above `/`.
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  base.pathname = `/${parts.join('/')}`;
  return base.toString();
}

/** Two repository URLs name the same repository (Helm's urlutil.Equal). */
export function sameRepositoryURL(a: string, b: string): boolean {
  const norm = (u: string): string => {
    try {
      const url = new URL(u);
      url.pathname = url.pathname.replace(/\/+$/, '') || '/';
      return url.toString();
    } catch {
      return u.replace(/\/+$/, '');
    }
  };
  return norm(a) === norm(b);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}

/** Fetch url; credentials go only to authURL's scheme and host. Returns the body. */
export async function httpGet(url: string, authURL: string, opts: HttpOptions = {}): Promise<Buffer> {
  const headers: Record<string, string> = { 'User-Agent': 'Helm/3.21 (kargo-promote-action)' };
  if (opts.auth && opts.auth.password !== '' && sameOrigin(url, authURL)) {
    headers.Authorization = `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`;
  }
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)];
  if (opts.signal) signals.push(opts.signal);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new RepositoryError(`failed to fetch ${url}: ${cause ?? (err as Error).message}`, { cause: err });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new RepositoryError(`failed to fetch ${url} : ${response.status} ${response.statusText}`.trimEnd());
  }
  const max = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > max) throw new RepositoryError(`failed to fetch ${url}: body larger than ${max} bytes`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > max) throw new RepositoryError(`failed to fetch ${url}: body larger than ${max} bytes`);
  return body;
}

/** Parse index.yaml text (YAML or JSON) as Helm's repo.loadIndex does. Throws RepositoryError. */
export function parseRepositoryIndex(text: string, repoURL: string): RepositoryIndex {
  if (text.length === 0) throw new RepositoryError('empty index.yaml file');
  let data: unknown;
  try {
    data = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYAML(text, { maxAliasCount: -1, uniqueKeys: false });
  } catch (err) {
    throw new RepositoryError(`index.yaml is not valid YAML: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RepositoryError('index.yaml must hold a mapping with apiVersion and entries');
  }
  const doc = data as Record<string, unknown>;
  const entries = new Map<string, ChartVersionEntry[]>();
  const rawEntries = (doc.entries ?? {}) as Record<string, unknown>;
  if (typeof rawEntries === 'object' && rawEntries !== null) {
    for (const [name, list] of Object.entries(rawEntries)) {
      const versions: ChartVersionEntry[] = [];
      for (const item of Array.isArray(list) ? list : []) {
        if (item === null || typeof item !== 'object') continue; // Helm skips empty entries
        const e = item as Record<string, unknown>;
        if (typeof e.version !== 'string') continue;
        const parsed = tryParseVersion(e.version);
        if (!parsed) continue; // Helm skips entries whose version is not SemVer
        const urls = Array.isArray(e.urls) ? e.urls.filter((u): u is string => typeof u === 'string') : [];
        versions.push({
          name: typeof e.name === 'string' ? e.name : name,
          version: e.version,
          parsed,
          urls,
          ...(typeof e.digest === 'string' ? { digest: e.digest } : {})
        });
      }
      versions.sort((a, b) => compareVersions(b.parsed, a.parsed));
      entries.set(name, versions);
    }
  }
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  if (!apiVersion) throw new RepositoryError('no API version specified');
  return { repoURL, apiVersion, entries };
}

/** Download and parse `<repoURL>/index.yaml`. Throws RepositoryError. */
export async function fetchRepositoryIndex(repoURL: string, opts: HttpOptions = {}): Promise<RepositoryIndex> {
  let text: string;
  try {
    const url = indexURL(repoURL);
    text = (await httpGet(url, repoURL, opts)).toString('utf8');
    return parseRepositoryIndex(text, repoURL);
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    throw new RepositoryError(
      `looks like ${JSON.stringify(repoURL)} is not a valid chart repository or cannot be reached: ${(err as Error).message}`,
      { cause: err }
    );
  }
}

/** Download a chart archive listed in repoURL's index. Throws RepositoryError. */
export function downloadChart(url: string, repoURL: string, opts: HttpOptions = {}): Promise<Buffer> {
  return httpGet(url, repoURL, opts);
}
