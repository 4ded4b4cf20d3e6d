// A real git server for tests: bare repositories on disk served by `git http-backend` (the CGI
// that ships with git) behind a node HTTP server on 127.0.0.1 with HTTP basic auth. The CGI is
// started with an argument array and a hermetic environment; nothing leaves 127.0.0.1.

import { spawn, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createBareRepo, fixtureEnv, type RepoSpec } from './git-fixtures.js';
import { makeTempDir } from './step-context.js';

export interface GitServerOptions {
  username?: string;
  password?: string;
  /** Allow clones and fetches without credentials (pushes still need them). */
  anonymousRead?: boolean;
  /** Status for wrong credentials (401 like most servers; 403 like a token without access). */
  refusedStatus?: 401 | 403;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  /** Every Authorization header the request carried (raw values). */
  authorizations: string[];
  status?: number;
}

export interface GitServer {
  /** Directory holding the bare repositories. */
  root: string;
  /** http://127.0.0.1:<port> */
  baseURL: string;
  username: string;
  password: string;
  requests: RecordedRequest[];
  /** The clone URL of repository name (e.g. `org/app.git`). */
  url(name: string): string;
  /** Create a bare repository `name` under root, returning its directory. */
  createRepo(name: string, spec?: RepoSpec): string;
  repoDir(name: string): string;
  /** Called (once per push) before a receive-pack POST reaches git: inject a race here. */
  beforeReceivePack?: (repoName: string) => void | Promise<void>;
  /** When true, requests are accepted and never answered (a hung server). */
  hang: boolean;
  close(): Promise<void>;
}

const httpBackend = path.join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');

function parseBasic(header: string): { user: string; pass: string } | undefined {
  const match = /^Basic\s+(.+)$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = makeTempDir('kargo-git-server-');
  const username = options.username ?? 'kargo-bot';
  const password = options.password ?? 's3cr3t-t0ken-for-tests';
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorizations: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === 'authorization') authorizations.push(req.rawHeaders[i + 1]);
    }
    const record: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.search, authorizations };
    requests.push(record);
    if (api.hang) return; // never answer

    const isPush = url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack';
    const creds = authorizations.length === 1 ? parseBasic(authorizations[0]) : undefined;
    const valid = creds?.user === username && creds?.pass === password;
    const send = (status: number, headers: Record<string, string> = {}, body = '') => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (authorizations.length > 1) return send(400, {}, 'more than one Authorization header\n');
    if (!valid) {
      if (authorizations.length === 0 && !(options.anonymousRead && !isPush)) {
        return send(401, { 'WWW-Authenticate': 'Basic realm="git"' }, 'authentication required\n');
      }
      if (authorizations.length > 0) {
        const status = options.refusedStatus ?? 401;
        return send(status, status === 401 ? { 'WWW-Authenticate': 'Basic realm="git"' } : {}, 'bad credentials\n');
      }
    }

    const runBackend = () => {
      const env: Record<string, string> = {
        ...(fixtureEnv() as Record<string, string>),
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        REMOTE_USER: valid ? username : ''
      };
      if (!valid) delete env.REMOTE_USER;
      if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
      if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
      if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
      const cgi = spawn(httpBackend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      req.pipe(cgi.stdin);
      cgi.stdin.on('error', () => undefined);
      let head = Buffer.alloc(0);
      let headersDone = false;
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) {
          res.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        let end = head.indexOf('\r\n\r\n');
        let sep = 4;
        if (end < 0) {
          end = head.indexOf('\n\n');
          sep = 2;
        }
        if (end < 0) return;
        headersDone = true;
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
          const colon = line.indexOf(':');
          if (colon < 0) continue;
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === 'status') status = parseInt(value, 10);
          else headers[name] = value;
        }
        record.status = status;
        res.writeHead(status, headers);
        res.write(head.subarray(end + sep));
      });
      cgi.stderr.resume();
      cgi.on('close', () => {
        if (!headersDone) {
          record.status = 500;
          res.writeHead(500);
        }
        res.end();
      });
    };

    if (req.method === 'POST' && url.pathname.endsWith('/git-receive-pack') && api.beforeReceivePack) {
      const repoName = url.pathname.replace(/^\//, '').replace(/\/git-receive-pack$/, '');
      req.pause();
      Promise.resolve(api.beforeReceivePack(repoName)).then(runBackend, (error) => send(500, {}, String(error)));
      return;
    }
    runBackend();
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseURL = `http://127.0.0.1:${port}`;

  const api: GitServer = {
    root,
    baseURL,
    username,
    password,
    requests,
    hang: false,
    url: (name) => `${baseURL}/${name}`,
    repoDir: (name) => path.join(root, name),
    createRepo: (name, spec) => createBareRepo(path.join(root, name), spec),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(root, { recursive: true, force: true });
          resolve();
        });
      })
  };
  return api;
}

/** The Basic header value for user:pass (what a leaked credential would look like in a log). */
export function basicHeaderValue(user: string, pass: string): string {
  return Buffer.from(`${user}:${pass}`).toString('base64');
}
