// A small HTTP client over node:http/https that behaves like the Go client Kargo's network steps
// use (net/http with go-cleanhttp's transport and Kargo's SafeTransport):
// - the whole exchange, body included, is bounded by one timeout (http.Client.Timeout);
// - redirects are followed (at most 10), credentials are dropped when the host changes;
// - gzip is requested and transparently decoded unless the caller asked for an encoding;
// - proxies: an explicit one, else HTTP(S)_PROXY/NO_PROXY (never for localhost/loopback);
// - dialing link-local addresses (169.254.0.0/16, fe80::/10) is refused (SSRF guard);
// - TLS verification can be switched off per request (insecureSkipTLSVerify).
// fetch cannot do the last three without the undici package, hence node:http.

import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';

export type HeaderList = Array<[string, string]>;

export interface HttpRequestOptions {
  method?: string;
  url: string | URL;
  headers?: HeaderList;
  /** A Uint8Array/string is replayable across redirects; a stream is not. */
  body?: Uint8Array | string | Readable;
  /** Length of a stream body, when known (sent as Content-Length). */
  bodyLength?: number;
  /** Bound on the whole exchange, reading the body included; 0/undefined: none. */
  timeoutMs?: number;
  signal?: AbortSignal;
  insecureSkipTLSVerify?: boolean;
  /** Explicit proxy URL; undefined: from the environment. */
  proxy?: string;
  /** Refuse link-local addresses (Kargo's SafeTransport); default true. */
  blockLinkLocal?: boolean;
  /** Follow redirects (default true). */
  followRedirects?: boolean;
  /** Ask for gzip and decode it transparently, as Go's transport does (default true). */
  decompress?: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** The URL that answered (after redirects). */
  url: URL;
  /** Go's http.Header: canonical keys, every value kept. */
  headers: Record<string, string[]>;
  /** -1 when unknown (chunked, or decoded from gzip). */
  contentLength: number;
  body: Readable;
  /** First value of a header, case-insensitive; "" when absent (Header.Get). */
  header(name: string): string;
}

export class HttpTimeoutError extends Error {
  constructor(ms: number) {
    super(`request timed out after ${ms}ms`);
    this.name = 'HttpTimeoutError';
  }
}

const MAX_REDIRECTS = 10;

/** Go's textproto.CanonicalMIMEHeaderKey. */
export function canonicalHeaderKey(key: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) return key;
  return key
    .toLowerCase()
    .split('-')
    .map((part) => (part ? part[0]!.toUpperCase() + part.slice(1) : part))
    .join('-');
}

function headerMap(raw: string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = canonicalHeaderKey(raw[i] as string);
    (headers[key] ??= []).push(raw[i + 1] as string);
  }
  return headers;
}

function isLinkLocal(address: string): boolean {
  if (net.isIPv4(address)) return address.startsWith('169.254.');
  if (net.isIPv6(address)) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isLinkLocal(mapped[1] as string);
    return /^fe[89ab][0-9a-f]?:/.test(lower);
  }
  return false;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function linkLocalError(host: string): Error {
  return new Error(
    `connections to link-local addresses are not permitted (host "${host}" resolved to link-local IPs only)`
  );
}

/** A dns lookup that drops link-local answers (SafeDialContext). */
function safeLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void
): void {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const safe = (addresses as dns.LookupAddress[]).filter((a) => !isLinkLocal(a.address));
    if (safe.length === 0) return callback(linkLocalError(hostname), '', 0);
    if (options.all) return callback(null, safe);
    const first = safe[0] as dns.LookupAddress;
    callback(null, first.address, first.family);
  });
}

function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host).toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  return h === '::1';
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** Go's httpproxy.FromEnvironment().ProxyFunc(), reduced to what users set in practice. */
export function proxyFromEnvironment(target: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  if (isLoopbackHost(target.hostname)) return undefined;
  const raw =
    target.protocol === 'https:'
      ? (env.HTTPS_PROXY ?? env.https_proxy)
      : target.protocol === 'http:'
        ? (env.HTTP_PROXY ?? env.http_proxy)
        : undefined;
  if (!raw) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').trim();
  if (noProxy && bypassProxy(target, noProxy)) return undefined;
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    return undefined;
  }
}

function bypassProxy(target: URL, noProxy: string): boolean {
  const host = stripBrackets(target.hostname).toLowerCase();
  const port = target.port || defaultPort(target.protocol);
  for (let entry of noProxy.split(',').map((e) => e.trim().toLowerCase())) {
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/') && net.isIP(host)) {
      const [base, bits] = entry.split('/');
      if (base && bits && cidrContains(base, Number(bits), host)) return true;
      continue;
    }
    let entryPort: string | undefined;
    const portMatch = /^(.*):(\d+)$/.exec(entry);
    if (portMatch && !net.isIPv6(entry)) {
      entry = portMatch[1] as string;
      entryPort = portMatch[2];
    }
    entry = stripBrackets(entry);
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entryPort && entryPort !== port) continue;
    if (entry === host) return true;
    const suffix = entry.startsWith('.') ? entry : `.${entry}`;
    if (!net.isIP(host) && host.endsWith(suffix)) return true;
  }
  return false;
}

function cidrContains(base: string, bits: number, ip: string): boolean {
  if (!net.isIPv4(base) || !net.isIPv4(ip)) return false;
  const toInt = (a: string) => a.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(base) & mask) === (toInt(ip) & mask);
}

function sameOrSubdomain(from: string, to: string): boolean {
  const a = from.toLowerCase();
  const b = to.toLowerCase();
  return a === b || b.endsWith(`.${a}`);
}

interface Attempt {
  method: string;
  url: URL;
  headers: HeaderList;
  body?: Uint8Array | Readable;
  bodyLength?: number;
}

function toBytes(body: Uint8Array | string | Readable | undefined): Uint8Array | Readable | undefined {
  return typeof body === 'string' ? Buffer.from(body) : body;
}

function describeTarget(method: string, url: URL): string {
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return `${method} ${shown.toString()}`;
}

/** Send one request, following redirects as Go's http.Client does. */
export async function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw options.signal.reason ?? new Error('request aborted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (timeoutMs > 0) timer = setTimeout(() => controller.abort(new HttpTimeoutError(timeoutMs)), timeoutMs);
  const release = () => {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  };

  let attempt: Attempt = {
    method: (options.method ?? 'GET').toUpperCase(),
    url: new URL(options.url),
    headers: [...(options.headers ?? [])],
    body: toBytes(options.body),
    bodyLength: options.bodyLength
  };
  const followRedirects = options.followRedirects ?? true;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await sendOnce(attempt, options, controller.signal);
      const location = response.header('Location');
      if (!followRedirects || ![301, 302, 303, 307, 308].includes(response.status) || !location) {
        return finish(response, controller.signal, release);
      }
      const keepsBody = response.status === 307 || response.status === 308;
      if (keepsBody && attempt.body instanceof Readable) return finish(response, controller.signal, release);
      if (redirects + 1 >= MAX_REDIRECTS) {
        response.body.destroy();
        throw new Error(`${describeTarget(attempt.method, attempt.url)}: stopped after ${MAX_REDIRECTS} redirects`);
      }
      response.body.resume();
      const next = new URL(location, attempt.url);
      let headers = attempt.headers;
      if (!sameOrSubdomain(attempt.url.hostname, next.hostname)) {
        const sensitive = new Set(['authorization', 'www-authenticate', 'cookie', 'cookie2']);
        headers = headers.filter(([name]) => !sensitive.has(name.toLowerCase()));
      }
      if (keepsBody) {
        attempt = { ...attempt, url: next, headers };
      } else {
        // 301/302/303: the body is never resent; anything but GET/HEAD becomes GET.
        const method = attempt.method === 'GET' || attempt.method === 'HEAD' ? attempt.method : 'GET';
        const dropped = new Set(['content-type', 'content-length']);
        attempt = { method, url: next, headers: headers.filter(([n]) => !dropped.has(n.toLowerCase())) };
      }
    }
  } catch (err) {
    release();
    if (controller.signal.aborted && controller.signal.reason instanceof HttpTimeoutError) {
      throw new Error(`${describeTarget(attempt.method, attempt.url)}: ${controller.signal.reason.message}`, {
        cause: err
      });
    }
    throw err;
  }
}

function finish(response: HttpResponse, signal: AbortSignal, release: () => void): HttpResponse {
  const body = response.body;
  const onAbort = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('request aborted'));
  signal.addEventListener('abort', onAbort, { once: true });
  body.once('close', () => {
    signal.removeEventListener('abort', onAbort);
    release();
  });
  return response;
}

async function checkLiteralHost(url: URL, blockLinkLocal: boolean): Promise<void> {
  const host = stripBrackets(url.hostname);
  if (blockLinkLocal && net.isIP(host) && isLinkLocal(host)) throw linkLocalError(host);
}

async function sendOnce(attempt: Attempt, options: HttpRequestOptions, signal: AbortSignal): Promise<HttpResponse> {
  const { url, method } = attempt;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${describeTarget(method, url)}: unsupported protocol scheme "${url.protocol.replace(/:$/, '')}"`);
  }
  const blockLinkLocal = options.blockLinkLocal ?? true;
  const proxy = options.proxy !== undefined ? new URL(options.proxy) : proxyFromEnvironment(url);
  await checkLiteralHost(proxy ?? url, blockLinkLocal);

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of attempt.headers) {
    const key = canonicalHeaderKey(name);
    const existing = headers[key];
    headers[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  if (url.username || url.password) {
    if (!headers.Authorization) {
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
  }
  headers['User-Agent'] ??= 'kargo-promote-action';
  const decompress =
    (options.decompress ?? true) && method !== 'HEAD' && headers['Accept-Encoding'] === undefined && headers.Range === undefined;
  if (decompress) headers['Accept-Encoding'] = 'gzip';
  const body = attempt.body;
  if (body instanceof Uint8Array) headers['Content-Length'] = String(body.byteLength);
  else if (body && attempt.bodyLength !== undefined) headers['Content-Length'] = String(attempt.bodyLength);
  else if (!body && ['POST', 'PUT', 'PATCH'].includes(method)) headers['Content-Length'] = '0';

  const lookup = blockLinkLocal ? (safeLookup as unknown as net.LookupFunction) : undefined;
  const secure = url.protocol === 'https:';
  const hostHeader = url.host;
  const requestOptions: https.RequestOptions = {
    method,
    headers: { Host: hostHeader, ...headers },
    agent: false,
    lookup,
    signal,
    rejectUnauthorized: !options.insecureSkipTLSVerify,
    servername: net.isIP(stripBrackets(url.hostname)) ? undefined : url.hostname
  };

  let request: http.ClientRequest;
  if (proxy && !secure) {
    // Absolute-form request through a forward proxy.
    const proxyHeaders = { ...(requestOptions.headers as Record<string, string>) };
    if (proxy.username || proxy.password) {
      proxyHeaders['Proxy-Authorization'] =
        `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
    }
    const viaTls = proxy.protocol === 'https:';
    request = (viaTls ? https : http).request({
      ...requestOptions,
      headers: proxyHeaders,
      host: stripBrackets(proxy.hostname),
      port: proxy.port || defaultPort(proxy.protocol),
      path: url.toString(),
      servername: undefined
    });
  } else if (proxy && secure) {
    const socket = await connectTunnel(proxy, url, signal, lookup, options.insecureSkipTLSVerify ?? false);
    request = https.request({
      ...requestOptions,
      host: stripBrackets(url.hostname),
      port: url.port || 443,
      path: `${url.pathname}${url.search}`,
      createConnection: () => socket
    });
  } else {
    request = (secure ? https : http).request({
      ...requestOptions,
      host: stripBrackets(url.hostname),
      port: url.port || defaultPort(url.protocol),
      path: `${url.pathname}${url.search}`
    });
  }

  return new Promise<HttpResponse>((resolve, reject) => {
    request.once('error', (err) => {
      const reason = signal.aborted ? signal.reason : undefined;
      if (reason && !(reason instanceof HttpTimeoutError)) return reject(reason);
      reject(new Error(`${describeTarget(method, url)}: ${err.message}`, { cause: err }));
    });
    request.once('response', (incoming) => {
      const headersOut = headerMap(incoming.rawHeaders);
      let stream: Readable = incoming;
      let contentLength = incoming.headers['content-length'] !== undefined ? Number(incoming.headers['content-length']) : -1;
      if (method === 'HEAD') contentLength = contentLength >= 0 ? contentLength : -1;
      const encoding = (incoming.headers['content-encoding'] ?? '').toLowerCase();
      if (decompress && encoding === 'gzip' && method !== 'HEAD') {
        const gunzip = zlib.createGunzip();
        incoming.on('error', (err) => gunzip.destroy(err));
        stream = incoming.pipe(gunzip);
        gunzip.once('close', () => incoming.destroy());
        delete headersOut['Content-Encoding'];
        delete headersOut['Content-Length'];
        contentLength = -1;
      }
      resolve({
        status: incoming.statusCode ?? 0,
        statusText: incoming.statusMessage ?? '',
        url,
        headers: headersOut,
        contentLength,
        body: stream,
        header: (name: string) => headersOut[canonicalHeaderKey(name)]?.[0] ?? ''
      });
    });
    if (body instanceof Readable) {
      body.once('error', (err) => request.destroy(err));
      body.pipe(request);
    } else {
      request.end(body);
    }
  });
}

/** Open a CONNECT tunnel through proxy to target and wrap it in TLS. */
function connectTunnel(
  proxy: URL,
  target: URL,
  signal: AbortSignal,
  lookup: net.LookupFunction | undefined,
  insecure: boolean
): Promise<tls.TLSSocket> {
  const authority = `${target.hostname}:${target.port || 443}`;
  const headers: Record<string, string> = { Host: authority };
  if (proxy.username || proxy.password) {
    headers['Proxy-Authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }
  const connect = (proxy.protocol === 'https:' ? https : http).request({
    method: 'CONNECT',
    host: stripBrackets(proxy.hostname),
    port: proxy.port || defaultPort(proxy.protocol),
    path: authority,
    headers,
    agent: false,
    lookup,
    signal
  });
  return new Promise((resolve, reject) => {
    connect.once('error', (err) => reject(new Error(`proxyconnect tcp: ${err.message}`, { cause: err })));
    connect.once('connect', (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        reject(new Error(`proxy refused CONNECT to ${authority}: ${response.statusCode} ${response.statusMessage ?? ''}`.trim()));
        return;
      }
      const hostname = stripBrackets(target.hostname);
      const secured = tls.connect({
        socket,
        servername: net.isIP(hostname) ? undefined : hostname,
        rejectUnauthorized: !insecure
      });
      secured.once('secureConnect', () => resolve(secured));
      secured.once('error', reject);
    });
    connect.end();
  });
}

/**
 * Read a body up to limit bytes; a body longer than that rejects with
 * "content exceeds limit of N bytes" (Kargo's LimitRead).
 */
export async function readLimited(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > limit) {
      body.destroy();
      throw new BodyTooLargeError(limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`content exceeds limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Go's url.QueryEscape. */
export function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function queryUnescape(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Add query parameters the way Kargo does (`q := u.Query(); q.Add(...); u.RawQuery = q.Encode()`):
 * the existing query is parsed, the new values appended, and the whole query re-encoded sorted
 * by key.
 */
export function withQueryParams(url: URL, params: ReadonlyArray<{ name: string; value: string }>): URL {
  if (params.length === 0) return url;
  const values = new Map<string, string[]>();
  for (const pair of url.search.replace(/^\?/, '').split('&')) {
    if (!pair || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  for (const { name, value } of params) values.set(name, [...(values.get(name) ?? []), value]);
  const keys = [...values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const encoded = keys.flatMap((key) => (values.get(key) ?? []).map((v) => `${queryEscape(key)}=${queryEscape(v)}`));
  const result = new URL(url);
  result.search = `?${encoded.join('&')}`;
  return result;
}

/**
 * The message of anything thrown. Unlike an instanceof check, this also reads errors made in
 * another realm (node's own errors under a VM-module test runner).
 */
export function errorText(err: unknown): string {
  if (err === undefined || err === null) return '';
  if (typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}
