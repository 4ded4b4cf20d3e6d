// A real HTTP server on 127.0.0.1 (a free port) for the network steps' tests. Each test sets
// the handler it needs; every request is recorded with its body.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => unknown;

export interface TestServer {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The node server itself. */
  server: http.Server;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

// CONNECT tunnels leave the server's bookkeeping: close() must end them itself.
const tunnels = new WeakMap<http.Server, Set<import('node:net').Socket>>();

export async function startHttpServer(initial?: Handler): Promise<TestServer> {
  let handler: Handler = initial ?? ((_req, res) => res.end());
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks)
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  // Keep-alive sockets would hold the test process open after close().
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    server,
    handle: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels.get(server) ?? []) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

/**
 * A forward proxy: relays plain-HTTP requests (marking them with x-relayed-by-proxy) and opens
 * CONNECT tunnels for HTTPS. `hosts` maps made-up host names to 127.0.0.1, so tests can address
 * a name that only the proxy can resolve. CONNECT targets are recorded as `CONNECT host:port`.
 */
export async function startForwardProxy(hosts: Record<string, string> = {}): Promise<TestServer> {
  const resolve = (host: string) => hosts[host] ?? host;
  const proxy = await startHttpServer();
  proxy.handle(
    (req, res) =>
      new Promise<void>((done) => {
        const target = new URL(req.url);
        const headers = { ...req.headers, 'x-relayed-by-proxy': 'true' };
        const out = http.request(
          { host: resolve(target.hostname), port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers },
          (upstream) => {
            res.writeHead(upstream.statusCode ?? 502, upstream.headers);
            upstream.pipe(res);
            upstream.on('end', done);
          }
        );
        out.on('error', (err) => {
          res.statusCode = 502;
          res.end(String(err));
          done();
        });
        out.end(req.body);
      })
  );
  tunnelConnects(proxy.server, proxy.requests, hosts);
  return proxy;
}

/** Add CONNECT tunnelling to a server made by startHttpServer (see startForwardProxy). */
export function tunnelConnects(server: http.Server, record: RecordedRequest[], hosts: Record<string, string> = {}): void {
  server.on('connect', (req: http.IncomingMessage, client: import('node:net').Socket, head: Buffer) => {
    const open = tunnels.get(server) ?? new Set();
    tunnels.set(server, open);
    open.add(client);
    client.once('close', () => open.delete(client));
    record.push({ method: 'CONNECT', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.alloc(0) });
    const [host = '', port = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
    void import('node:net').then(({ connect }) => {
      const upstream = connect(Number(port), hosts[host] ?? host, () => {
        open.add(upstream);
        upstream.once('close', () => open.delete(upstream));
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
      client.on('error', () => upstream.destroy());
    });
  });
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' }
    );
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS server on 127.0.0.1 with a self-signed certificate (for insecureSkipTLSVerify). */
export async function startHttpsServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const https = await import('node:https');
  const server = https.createServer(await selfSignedCertificate(), handler);
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests: [],
    server,
    handle: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
