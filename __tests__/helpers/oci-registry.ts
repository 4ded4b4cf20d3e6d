// A real OCI registry for tests: the CNCF distribution registry (Debian package docker-registry,
// binary /usr/bin/docker-registry) on 127.0.0.1 and a free port, storing into a temp dir, with
// optional auth:
// - 'htpasswd': Basic auth (bcrypt file made with apache2-utils' htpasswd);
// - 'token': Bearer tokens from a small token server in this process (RS256 JWTs with an x5c
//   header, signed by a self-signed certificate the registry trusts), which grants the requested
//   scopes to valid Basic credentials and nothing to anonymous callers.
// Plus raw helpers to seed and inspect artifacts without going through the code under test.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { makeTempDir } from './step-context.js';
import { selfSignedCertificate } from './http-server.js';

const BINARIES = ['/usr/bin/docker-registry', '/usr/local/bin/registry', '/usr/bin/registry'];

export function registryBinary(): string | undefined {
  return BINARIES.find((candidate) => existsSync(candidate));
}

function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['-h'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Whether registry tests can run. Outside CI a missing binary skips them (with this reason);
 * in CI (process.env.CI set) the test files fail instead.
 */
export function registryAvailability(): { available: boolean; reason: string } {
  if (!registryBinary()) {
    return { available: false, reason: 'the docker-registry binary is not installed (apt-get install docker-registry apache2-utils)' };
  }
  if (!hasCommand('htpasswd')) return { available: false, reason: 'htpasswd is not installed (apt-get install apache2-utils)' };
  return { available: true, reason: '' };
}

export interface RegistryAuth {
  username: string;
  password: string;
}

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:40321 */
  host: string;
  /** http(s)://host:port */
  url: string;
  /** The `scope` parameters of every token request (token mode), in order. */
  tokenScopes: string[][];
  /** An Authorization header with full access, for seeding and inspecting. */
  adminAuthorization(scopes: string[]): string | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

interface TokenIssuer {
  issue(access: Array<{ type: string; name: string; actions: string[] }>): string;
}

function tokenIssuer(key: string, cert: string, service: string): TokenIssuer {
  const der = new X509Certificate(cert).raw.toString('base64');
  const privateKey = createPrivateKey(key);
  return {
    issue(access) {
      const now = Math.floor(Date.now() / 1000);
      const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der] }));
      const claims = base64url(
        JSON.stringify({ iss: 'test-issuer', sub: 'tester', aud: service, exp: now + 600, nbf: now - 60, iat: now, jti: randomBytes(8).toString('hex'), access })
      );
      const signature = sign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
      return `${header}.${claims}.${base64url(signature)}`;
    }
  };
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const match = /^([^:]+):(.+):([^:]+)$/.exec(scope);
  if (!match) return undefined;
  return { type: match[1] as string, name: match[2] as string, actions: (match[3] as string).split(',') };
}

async function startTokenServer(
  issuer: TokenIssuer,
  users: Record<string, string>,
  scopesSeen: string[][]
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope');
    scopesSeen.push(scopes);
    const auth = req.headers.authorization ?? '';
    let granted = false;
    if (auth.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (users[user ?? ''] === undefined || users[user ?? ''] !== rest.join(':')) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      granted = true;
    }
    const access = granted ? scopes.map(parseScope).filter((s) => s !== undefined) : [];
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: issuer.issue(access), expires_in: 600 }));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8')}`);
    const status = await rawStatus(`${url}/v2/`).catch(() => 0);
    if (status === 200 || status === 401) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not start: ${readFileSync(logFile, 'utf8')}`);
}

function rawStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.startsWith('https:') ? https : http).get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

export async function startRegistry(
  options: { auth?: 'htpasswd' | 'token'; users?: Record<string, string>; tls?: boolean } = {}
): Promise<TestRegistry> {
  const binary = registryBinary();
  if (!binary) throw new Error(registryAvailability().reason);
  const dir = makeTempDir('oci-registry-');
  const port = await freePort();
  const users = options.users ?? { admin: 'admin-password' };
  const tokenScopes: string[][] = [];
  const scheme = options.tls ? 'https' : 'http';
  const lines = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(16).toString('hex')}`
  ];
  let tls: { key: string; cert: string } | undefined;
  if (options.tls || options.auth === 'token') tls = await selfSignedCertificate();
  if (options.tls && tls) {
    writeFileSync(path.join(dir, 'tls.key'), tls.key);
    writeFileSync(path.join(dir, 'tls.crt'), tls.cert);
    lines.push('  tls:', `    certificate: ${path.join(dir, 'tls.crt')}`, `    key: ${path.join(dir, 'tls.key')}`);
  }
  let tokenServer: { url: string; close(): Promise<void> } | undefined;
  let issuer: TokenIssuer | undefined;
  const service = 'test-registry';
  if (options.auth === 'htpasswd') {
    const entries = Object.entries(users).map(([user, password]) =>
      execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim()
    );
    writeFileSync(path.join(dir, 'htpasswd'), `${entries.join('\n')}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: test-realm', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (options.auth === 'token' && tls) {
    writeFileSync(path.join(dir, 'token.crt'), tls.cert);
    issuer = tokenIssuer(tls.key, tls.cert, service);
    tokenServer = await startTokenServer(issuer, users, tokenScopes);
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${tokenServer.url}`,
      `    service: ${service}`,
      '    issuer: test-issuer',
      `    rootcertbundle: ${path.join(dir, 'token.crt')}`
    );
  }
  const config = path.join(dir, 'config.yml');
  writeFileSync(config, `${lines.join('\n')}\n`);
  mkdirSync(path.join(dir, 'data'));
  const logFile = path.join(dir, 'registry.log');
  const log = openSync(logFile, 'w');
  const child = spawn(binary, ['serve', config], { stdio: ['ignore', log, log] });
  const host = `127.0.0.1:${port}`;
  const url = `${scheme}://${host}`;
  try {
    await waitUntilReady(url, child, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await tokenServer?.close();
    throw err;
  }
  const [adminUser, adminPassword] = Object.entries(users)[0] ?? ['', ''];
  return {
    host,
    url,
    tokenScopes,
    adminAuthorization: (scopes) => {
      if (options.auth === 'htpasswd') return `Basic ${Buffer.from(`${adminUser}:${adminPassword}`).toString('base64')}`;
      if (issuer) return `Bearer ${issuer.issue(scopes.map(parseScope).filter((s) => s !== undefined))}`;
      return undefined;
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      await tokenServer?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

// ---- raw registry access for seeding and checking --------------------------------------------

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function rawRequest(
  registry: TestRegistry,
  method: string,
  pathOrUrl: string,
  options: { headers?: Record<string, string>; body?: Buffer; scopes?: string[] } = {}
): Promise<RawResponse> {
  const url = new URL(pathOrUrl, registry.url);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  const auth = registry.adminAuthorization(options.scopes ?? []);
  if (auth) headers.Authorization = auth;
  if (options.body) headers['Content-Length'] = String(options.body.length);
  else if (method === 'PUT' || method === 'POST') headers['Content-Length'] = '0';
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method, headers, agent: false, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      }
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

export function digestOf(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export async function seedBlob(registry: TestRegistry, repository: string, content: Buffer | string): Promise<{ digest: string; size: number }> {
  const bytes = Buffer.from(content);
  const digest = digestOf(bytes);
  const scopes = [`repository:${repository}:push,pull`];
  const started = await rawRequest(registry, 'POST', `/v2/${repository}/blobs/uploads/`, { scopes });
  if (started.status !== 202) throw new Error(`upload start: ${started.status} ${started.body.toString()}`);
  const location = new URL(started.headers.location as string, registry.url);
  location.searchParams.set('digest', digest);
  const put = await rawRequest(registry, 'PUT', location.toString(), { body: bytes, scopes, headers: { 'Content-Type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${put.body.toString()}`);
  return { digest, size: bytes.length };
}

export async function seedManifest(
  registry: TestRegistry,
  repository: string,
  reference: string,
  manifest: object | string,
  mediaType: string
): Promise<{ digest: string; size: number; bytes: Buffer }> {
  const bytes = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  const put = await rawRequest(registry, 'PUT', `/v2/${repository}/manifests/${reference}`, {
    body: bytes,
    headers: { 'Content-Type': mediaType },
    scopes: [`repository:${repository}:push,pull`]
  });
  if (put.status !== 201) throw new Error(`manifest put: ${put.status} ${put.body.toString()}`);
  return { digest: digestOf(bytes), size: bytes.length, bytes };
}

export async function fetchManifest(
  registry: TestRegistry,
  repository: string,
  reference: string
): Promise<{ status: number; bytes: Buffer; mediaType: string; digest: string }> {
  const res = await rawRequest(registry, 'GET', `/v2/${repository}/manifests/${reference}`, {
    scopes: [`repository:${repository}:pull`],
    headers: {
      Accept: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json'
      ].join(',')
    }
  });
  return { status: res.status, bytes: res.body, mediaType: String(res.headers['content-type'] ?? ''), digest: digestOf(res.body) };
}

export async function fetchBlob(registry: TestRegistry, repository: string, digest: string): Promise<RawResponse> {
  return rawRequest(registry, 'GET', `/v2/${repository}/blobs/${digest}`, { scopes: [`repository:${repository}:pull`] });
}

export const OCI = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  helmConfig: 'application/vnd.cncf.helm.config.v1+json',
  helmChart: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip'
} as const;

export interface SeededImage {
  digest: string;
  size: number;
  bytes: Buffer;
  layers: Array<{ digest: string; size: number; mediaType: string; content: Buffer }>;
  config: { digest: string; size: number };
}

/** Push an image (config + layers + manifest) built here, tagged or by digest. */
export async function seedImage(
  registry: TestRegistry,
  repository: string,
  reference: string | undefined,
  spec: {
    layers: Array<{ content: Buffer | string; mediaType?: string }>;
    configMediaType?: string;
    config?: object;
    mediaType?: string;
    annotations?: Record<string, string>;
    platform?: string;
  }
): Promise<SeededImage> {
  const configBytes = Buffer.from(
    JSON.stringify(spec.config ?? { architecture: spec.platform?.split('/')[1] ?? 'amd64', os: spec.platform?.split('/')[0] ?? 'linux', rootfs: { type: 'layers', diff_ids: [] } })
  );
  const config = await seedBlob(registry, repository, configBytes);
  const layers = [];
  for (const layer of spec.layers) {
    const content = Buffer.from(layer.content);
    const blob = await seedBlob(registry, repository, content);
    layers.push({ ...blob, mediaType: layer.mediaType ?? OCI.layer, content });
  }
  const mediaType = spec.mediaType ?? OCI.manifest;
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: spec.configMediaType ?? OCI.config, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))
  };
  if (spec.annotations) manifest.annotations = spec.annotations;
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const ref = reference ?? digestOf(bytes);
  const seeded = await seedManifest(registry, repository, ref, bytes.toString(), mediaType);
  return { ...seeded, layers, config };
}

/** Push an index over images already pushed (by digest), tagged. */
export async function seedIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  children: Array<{ image: SeededImage; platform?: { os: string; architecture: string; variant?: string }; mediaType?: string }>,
  extra: { annotations?: Record<string, string>; mediaType?: string } = {}
): Promise<{ digest: string; size: number; bytes: Buffer }> {
  const mediaType = extra.mediaType ?? OCI.index;
  const index: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c) => ({
      mediaType: c.mediaType ?? OCI.manifest,
      digest: c.image.digest,
      size: c.image.size,
      ...(c.platform ? { platform: c.platform } : {})
    }))
  };
  if (extra.annotations) index.annotations = extra.annotations;
  return seedManifest(registry, repository, tag, JSON.stringify(index, null, 2), mediaType);
}

/**
 * `describe` when a registry can run here; outside CI without one, `describe.skip` with a warning
 * naming what to install (in CI a missing registry fails the suite instead).
 */
export function describeWithRegistry(suite: string): jest.Describe {
  const availability = registryAvailability();
  if (availability.available || process.env.CI) return describe;
  console.warn(`${suite} tests skipped: ${availability.reason}`);
  return describe.skip;
}

/** Capabilities for OCI steps: only the secrets matter. */
export function registryCapabilities(secrets: Record<string, Record<string, string>> = {}) {
  return { gitUser: { name: 't', email: 't@example.com' }, secrets, mask: () => undefined };
}

/** Fail the suite (it runs in CI) when no registry can be started here. */
export function assertRegistry(suite: string): void {
  const availability = registryAvailability();
  if (!availability.available) throw new Error(`${suite} tests need a registry in CI: ${availability.reason}`);
}
