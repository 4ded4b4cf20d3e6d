// A small OCI distribution client (the registry HTTP API v2): manifests and blobs, get and put,
// cross-repository mounts, with the auth dance registries expect: ping /v2/, then either Basic
// credentials or a Bearer token fetched from the WWW-Authenticate realm for the scopes needed
// (repository:<name>:pull / push,pull). Behaviour follows go-containerregistry, which Kargo uses.

import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import { allowsPlainHTTP } from './reference.js';
import { BodyTooLargeError, httpRequest, readLimited, type HeaderList, type HttpResponse, errorText } from './transport.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws'
} as const;

export const IMAGE_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest];
export const INDEX_MEDIA_TYPES: readonly string[] = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList];
const ALL_MANIFEST_TYPES = [
  MEDIA_TYPES.dockerSchema1,
  MEDIA_TYPES.dockerSchema1Signed,
  ...IMAGE_MEDIA_TYPES,
  ...INDEX_MEDIA_TYPES
];

export function isImageMediaType(mediaType: string): boolean {
  return IMAGE_MEDIA_TYPES.includes(mediaType);
}

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.includes(mediaType);
}

/** Layers that may not be copied (ggcr's MediaType.IsDistributable() false). */
export function isNonDistributable(mediaType: string): boolean {
  return (
    mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' ||
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.')
  );
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryOptions {
  credentials?: RegistryCredentials;
  insecureSkipTLSVerify?: boolean;
  signal?: AbortSignal;
  /** Bound on each request; default none (the step's own timeout applies). */
  timeoutMs?: number;
}

export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

const HTTP_STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  416: 'Requested Range Not Satisfiable',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout'
};

/** A registry's error response, formatted as ggcr's transport.Error. */
export class RegistryError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly codes: string[],
    detail: string
  ) {
    super(`${method} ${url}: ${detail}`);
    this.name = 'RegistryError';
  }
}

async function readText(body: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    if (total < limit) chunks.push(buf.subarray(0, limit - total));
    total += buf.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function registryError(method: string, response: HttpResponse): Promise<RegistryError> {
  const url = redact(response.url);
  const statusLine = `${response.status} ${HTTP_STATUS_TEXT[response.status] ?? ''}`.trim();
  const raw = method === 'HEAD' ? '' : await readText(response.body).catch(() => '');
  if (method === 'HEAD') response.body.resume();
  let diagnostics: Array<{ code?: string; message?: string; detail?: unknown }> = [];
  try {
    const parsed = JSON.parse(raw) as { errors?: typeof diagnostics };
    if (Array.isArray(parsed.errors)) diagnostics = parsed.errors;
  } catch {
    // not a registry error document
  }
  const describe = (d: (typeof diagnostics)[number]) => {
    let text = `${d.code ?? 'UNKNOWN'}: ${d.message ?? ''}`;
    if (d.detail !== undefined && d.detail !== null) text += `; ${typeof d.detail === 'string' ? d.detail : JSON.stringify(d.detail)}`;
    return text;
  };
  let detail: string;
  if (diagnostics.length === 1) detail = describe(diagnostics[0] as (typeof diagnostics)[number]);
  else if (diagnostics.length > 1) detail = `multiple errors returned: ${diagnostics.map(describe).join('; ')}`;
  else if (raw.trim()) detail = `unexpected status code ${statusLine}: ${raw.trim()}`;
  else if (method === 'HEAD') detail = `unexpected status code ${statusLine} (HEAD responses have no body, use GET for details)`;
  else detail = `unexpected status code ${statusLine}`;
  return new RegistryError(method, url, response.status, diagnostics.map((d) => d.code ?? ''), detail);
}

function redact(url: URL): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  for (const key of [...shown.searchParams.keys()]) {
    if (/token|signature|credential|secret|password/i.test(key)) shown.searchParams.set(key, 'REDACTED');
  }
  return shown.toString();
}

interface Challenge {
  scheme: 'none' | 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parse a WWW-Authenticate header: `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string): Challenge {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return { scheme: 'none', params: {} };
  const scheme = (match[1] as string).toLowerCase();
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const m of (match[2] as string).matchAll(re)) {
    params[(m[1] as string).toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: scheme === 'basic' ? 'basic' : scheme === 'bearer' ? 'bearer' : 'none', params };
}

/** One registry host, with its auth state. */
export class RegistryClient {
  private base?: string;
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly registry: string,
    private readonly options: RegistryOptions = {}
  ) {}

  private async send(init: {
    method: string;
    url: string | URL;
    headers?: HeaderList;
    body?: Uint8Array | Readable;
    bodyLength?: number;
    followRedirects?: boolean;
  }): Promise<HttpResponse> {
    return httpRequest({
      ...init,
      insecureSkipTLSVerify: this.options.insecureSkipTLSVerify,
      signal: this.options.signal,
      timeoutMs: this.options.timeoutMs,
      decompress: false
    });
  }

  /** GET /v2/: finds the scheme (https, or http for local hosts) and the auth challenge. */
  private async ping(): Promise<string> {
    if (this.base) return this.base;
    const schemes = allowsPlainHTTP(this.registry) ? ['https', 'http'] : ['https'];
    const failures: string[] = [];
    for (const scheme of schemes) {
      const url = `${scheme}://${this.registry}/v2/`;
      let response: HttpResponse;
      try {
        response = await this.send({ method: 'GET', url });
      } catch (err) {
        if (this.options.signal?.aborted) throw err;
        failures.push(errorText(err));
        continue;
      }
      if (response.status === 200 || response.status === 401) {
        response.body.resume();
        this.challenge = response.status === 200 ? { scheme: 'none', params: {} } : parseChallenge(response.header('WWW-Authenticate'));
        this.base = `${scheme}://${this.registry}`;
        return this.base;
      }
      failures.push((await registryError('GET', response)).message);
    }
    throw new Error(failures.join('; '));
  }

  private basicHeader(): string | undefined {
    const creds = this.options.credentials;
    if (!creds || (creds.username === '' && creds.password === '')) return undefined;
    return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  }

  /** The Authorization header for these scopes, fetching a bearer token when needed. */
  private async authorization(scopes: string[]): Promise<string | undefined> {
    await this.ping();
    const challenge = this.challenge as Challenge;
    if (challenge.scheme === 'basic') return this.basicHeader();
    if (challenge.scheme !== 'bearer') return undefined;
    const key = scopes.join(' ');
    const cached = this.tokens.get(key);
    if (cached) return `Bearer ${cached}`;
    const realm = challenge.params.realm;
    if (!realm) throw new Error(`registry ${this.registry} asked for a bearer token without naming a realm`);
    const tokenURL = new URL(realm);
    if (challenge.params.service) tokenURL.searchParams.append('service', challenge.params.service);
    for (const scope of scopes) tokenURL.searchParams.append('scope', scope);
    const headers: HeaderList = [];
    const basic = this.basicHeader();
    if (basic) headers.push(['Authorization', basic]);
    const response = await this.send({ method: 'GET', url: tokenURL, headers });
    if (response.status !== 200) throw await registryError('GET', response);
    const text = await readText(response.body, 1 << 20);
    let token: string | undefined;
    try {
      const parsed = JSON.parse(text) as { token?: string; access_token?: string };
      token = parsed.token || parsed.access_token;
    } catch {
      token = undefined;
    }
    if (!token) throw new Error(`GET ${redact(tokenURL)}: the token response holds no token`);
    this.tokens.set(key, token);
    return `Bearer ${token}`;
  }

  private async request(
    method: string,
    path: string,
    scopes: string[],
    extra: { headers?: HeaderList; body?: Uint8Array | Readable; bodyLength?: number; absolute?: string } = {}
  ): Promise<HttpResponse> {
    const base = await this.ping();
    const attempt = async () => {
      const auth = await this.authorization(scopes);
      const headers: HeaderList = [...(extra.headers ?? [])];
      if (auth) headers.push(['Authorization', auth]);
      return this.send({ method, url: extra.absolute ?? `${base}${path}`, headers, body: extra.body, bodyLength: extra.bodyLength });
    };
    const response = await attempt();
    // A bearer token can expire during a long copy: fetch a fresh one once, as ggcr does.
    const key = scopes.join(' ');
    if (response.status === 401 && this.challenge?.scheme === 'bearer' && this.tokens.has(key) && !(extra.body instanceof Readable)) {
      response.body.resume();
      this.tokens.delete(key);
      return attempt();
    }
    return response;
  }

  /** GET a manifest by tag or digest, checking the digest when asked by digest. */
  async getManifest(repository: string, reference: string, accept: readonly string[] = ALL_MANIFEST_TYPES): Promise<Manifest> {
    const response = await this.request('GET', `/v2/${repository}/manifests/${reference}`, [pullScope(repository)], {
      headers: [['Accept', accept.join(',')]]
    });
    if (response.status !== 200) throw await registryError('GET', response);
    const bytes = Buffer.from(await readAll(response.body, 4 << 20));
    const digest = sha256Digest(bytes);
    if (reference.startsWith('sha256:') && reference !== digest) {
      throw new Error(`manifest digest: ${JSON.stringify(digest)} does not match requested digest: ${JSON.stringify(reference)} for ${JSON.stringify(`${this.registry}/${repository}`)}`);
    }
    let mediaType = (response.header('Content-Type').split(';')[0] ?? '').trim();
    if (!ALL_MANIFEST_TYPES.includes(mediaType as (typeof ALL_MANIFEST_TYPES)[number])) {
      // Some registries answer application/json: trust the document's own mediaType then.
      try {
        const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
        if (typeof declared === 'string' && declared) mediaType = declared;
      } catch {
        // keep the header's type
      }
    }
    return { bytes, mediaType, digest };
  }

  /** HEAD a manifest: its digest, or undefined when absent (404, or a registry's 403). */
  async headManifest(repository: string, reference: string, scopes: string[]): Promise<string | undefined> {
    const response = await this.request('HEAD', `/v2/${repository}/manifests/${reference}`, scopes, {
      headers: [['Accept', ALL_MANIFEST_TYPES.join(',')]]
    });
    response.body.resume();
    if (response.status === 404 || response.status === 403) return undefined;
    if (response.status !== 200) throw await registryError('HEAD', response);
    return response.header('Docker-Content-Digest') || undefined;
  }

  async putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string, scopes: string[]): Promise<void> {
    const response = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, scopes, {
      headers: [['Content-Type', mediaType]],
      body: bytes
    });
    if (![200, 201, 202].includes(response.status)) throw await registryError('PUT', response);
    response.body.resume();
  }

  async blobExists(repository: string, digest: string, scopes: string[]): Promise<boolean> {
    const response = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`, scopes);
    response.body.resume();
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await registryError('HEAD', response);
  }

  /** A blob's content, verified against its digest as it streams. */
  async getBlob(repository: string, digest: string): Promise<{ stream: Readable; size: number }> {
    const response = await this.request('GET', `/v2/${repository}/blobs/${digest}`, [pullScope(repository)]);
    if (response.status !== 200) throw await registryError('GET', response);
    const verified = verifyDigest(digest);
    pipeline(response.body, verified, () => undefined);
    return { stream: verified, size: response.contentLength };
  }

  /**
   * Start an upload, asking to mount the blob from another repository of this registry
   * (`from`); resolves to undefined when the registry mounted it.
   */
  async startUpload(repository: string, scopes: string[], mount?: { digest: string; from: string; origin: string }): Promise<string | undefined> {
    const query = mount
      ? `?${new URLSearchParams({ from: mount.from, mount: mount.digest, origin: mount.origin }).toString()}`
      : '';
    let response: HttpResponse;
    try {
      response = await this.request('POST', `/v2/${repository}/blobs/uploads/${query}`, scopes, {
        headers: [['Content-Type', 'application/json']]
      });
    } catch (err) {
      if (mount) return this.startUpload(repository, scopes);
      throw err;
    }
    if (response.status === 201) {
      response.body.resume();
      return undefined;
    }
    if (response.status !== 202) {
      const error = await registryError('POST', response);
      if (mount) return this.startUpload(repository, scopes);
      throw error;
    }
    response.body.resume();
    return nextLocation(response);
  }

  /** PATCH the content to the upload location, then PUT to commit it under its digest. */
  async upload(location: string, scopes: string[], content: Readable, size: number, digest: string): Promise<void> {
    const patched = await this.request('PATCH', '', scopes, {
      absolute: location,
      headers: [['Content-Type', 'application/octet-stream']],
      body: content,
      bodyLength: size >= 0 ? size : undefined
    });
    if (![202, 201, 204].includes(patched.status)) throw await registryError('PATCH', patched);
    patched.body.resume();
    const commit = new URL(nextLocation(patched));
    commit.searchParams.set('digest', digest);
    const committed = await this.request('PUT', '', scopes, {
      absolute: commit.toString(),
      headers: [['Content-Type', 'application/octet-stream']]
    });
    if (committed.status !== 201) throw await registryError('PUT', committed);
    committed.body.resume();
  }
}

function nextLocation(response: HttpResponse): string {
  const location = response.header('Location');
  if (!location) throw new Error('missing Location header');
  return new URL(location, response.url).toString();
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:push,pull`;
}

/** A manifest body, at most limit bytes ("manifest exceeds limit of N bytes" beyond). */
async function readAll(body: Readable, limit: number): Promise<Buffer> {
  try {
    return await readLimited(body, limit);
  } catch (err) {
    if (err instanceof BodyTooLargeError) throw new Error(`manifest exceeds limit of ${limit} bytes`);
    throw err;
  }
}

/** Pass bytes through, failing at the end if they do not hash to digest. */
function verifyDigest(digest: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = `sha256:${hash.digest('hex')}`;
      if (digest.startsWith('sha256:') && actual !== digest) {
        callback(new Error(`error verifying sha256 checksum after reading: want ${digest} got ${actual}`));
      } else callback();
    }
  });
}
