import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isTerminal } from '../../src/promotion/errors.js';
import { httpDownloadRunner, MAX_DOWNLOAD_BYTES } from '../../src/runners/http-download.js';
import { startHttpServer, startHttpsServer, type TestServer } from '../helpers/http-server.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

let server: TestServer;
let tlsServer: TestServer;

beforeAll(async () => {
  server = await startHttpServer();
  tlsServer = await startHttpsServer((_req, res) => res.end('over tls'));
});

afterAll(async () => {
  await server.close();
  await tlsServer.close();
});

beforeEach(() => {
  server.requests.length = 0;
});

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Files in dir other than the expected ones: temp files must never be left behind. */
function leftovers(dir: string, expected: string[]): string[] {
  return readdirSync(dir).filter((name) => !expected.includes(name));
}

describe('http-download config', () => {
  it.each([
    ['url missing', { outPath: 'f' }, 'must have required property \'url\''],
    ['url empty', { url: '', outPath: 'f' }, 'url: must NOT have fewer than 1 characters'],
    ['outPath missing', { url: 'http://x' }, 'must have required property \'outPath\''],
    ['outPath empty', { url: 'http://x', outPath: '' }, 'outPath: must NOT have fewer than 1 characters'],
    ['header name missing', { url: 'http://x', outPath: 'f', headers: [{ value: 'v' }] }, 'headers[0]: must have required property \'name\''],
    ['header value empty', { url: 'http://x', outPath: 'f', headers: [{ name: 'A', value: '' }] }, 'headers[0].value: must NOT have fewer than 1 characters'],
    ['query param value missing', { url: 'http://x', outPath: 'f', queryParams: [{ name: 'a' }] }, 'queryParams[0]: must have required property \'value\''],
    ['query param name empty', { url: 'http://x', outPath: 'f', queryParams: [{ name: '', value: 'v' }] }, 'queryParams[0].name: must NOT have fewer than 1 characters'],
    ['timeout not a duration', { url: 'http://x', outPath: 'f', timeout: 'invalid' }, 'timeout: must match pattern'],
    ['unknown field', { url: 'http://x', outPath: 'f', method: 'POST' }, "unknown field 'method'"]
  ])('%s is an invalid config', async (_name, config, problem) => {
    const result = await runStep(httpDownloadRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toContain('invalid http-download config: ');
    expect(message(result.error)).toContain(problem);
  });
});

describe('http-download', () => {
  it.each([
    ['a file at the top of the WorkDir', 'out.txt', 'Hello, World!'],
    ['a nested path whose directories do not exist yet', 'a/b/c/nested.txt', 'nested content'],
    ['an empty file', 'empty.txt', ''],
    ['a path climbing out of the WorkDir, clamped inside it', '../../escape.txt', 'clamped']
  ])('downloads %s', async (_name, outPath, content) => {
    server.handle((_req, res) => res.end(content));
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/file`, outPath }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    const target = outPath.startsWith('../') ? path.join(workDir, 'escape.txt') : path.join(workDir, outPath);
    expect(readFileSync(target, 'utf8')).toBe(content);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(leftovers(path.dirname(target), [path.basename(target)])).toEqual([]);
    expect(existsSync(path.join(path.dirname(workDir), 'escape.txt'))).toBe(false);
  });

  it('refuses to replace an existing file without allowOverwrite (Errored, terminal) and sends nothing', async () => {
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'out.txt'), 'existing');
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/file`, outPath: 'out.txt' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toBe('file already exists at out.txt and overwrite is not allowed; set allowOverwrite: true to replace it');
    expect(readFileSync(path.join(workDir, 'out.txt'), 'utf8')).toBe('existing');
    expect(server.requests).toHaveLength(0);
  });

  it('replaces an existing file with allowOverwrite', async () => {
    server.handle((_req, res) => res.end('new content'));
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'out.txt'), 'existing');
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/f`, outPath: 'out.txt', allowOverwrite: true }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'out.txt'), 'utf8')).toBe('new content');
  });

  it.each([404, 500, 302])('fails (retryable) on HTTP status %i and writes nothing', async (status) => {
    server.handle((_req, res) => {
      res.statusCode = status;
      res.end('nope');
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/missing`, outPath: 'out.txt' }, { workDir });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toBe(`HTTP request failed with status ${status}`);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('sends headers and merges query params into the URL, sorted and encoded as Kargo does', async () => {
    server.handle((_req, res) => res.end('authenticated content'));
    const workDir = makeTempDir();
    const result = await runStep(
      httpDownloadRunner,
      {
        url: `${server.url}/file.txt?z=last&a=first`,
        outPath: 'out.txt',
        headers: [
          { name: 'Authorization', value: 'Bearer token123' },
          { name: 'X-Multi', value: 'one' },
          { name: 'x-multi', value: 'two' }
        ],
        queryParams: [
          { name: 'version', value: 'some value' },
          { name: 'a', value: 'again&more' }
        ]
      },
      { workDir }
    );
    expect(result).toEqual({ status: 'Succeeded' });
    const [request] = server.requests;
    expect(request?.method).toBe('GET');
    expect(request?.url).toBe('/file.txt?a=first&a=again%26more&version=some+value&z=last');
    expect(request?.headers.authorization).toBe('Bearer token123');
    expect(request?.headers['x-multi']).toBe('one, two');
    expect(readFileSync(path.join(workDir, 'out.txt'), 'utf8')).toBe('authenticated content');
  });

  it('follows redirects', async () => {
    server.handle((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { Location: '/new' });
        res.end();
      } else res.end(`moved to ${req.url}`);
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/old`, outPath: 'f' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(readFileSync(path.join(workDir, 'f'), 'utf8')).toBe('moved to /new');
  });

  it('stores a gzip-encoded response decoded, as Go’s transport does', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end(gzipSync('plain text after decoding'));
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/z`, outPath: 'f' }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(server.requests[0]?.headers['accept-encoding']).toBe('gzip');
    expect(readFileSync(path.join(workDir, 'f'), 'utf8')).toBe('plain text after decoding');
  });

  it('fails terminally when Content-Length announces more than 100 MiB', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(MAX_DOWNLOAD_BYTES + 1) });
      res.write('x');
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/big`, outPath: 'f' }, { workDir });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toBe(`download exceeds limit of ${MAX_DOWNLOAD_BYTES} bytes`);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it.each([
    ['exactly 100 MiB is accepted', MAX_DOWNLOAD_BYTES, 'Succeeded'],
    ['one byte more, streamed without Content-Length, is an error', MAX_DOWNLOAD_BYTES + 1, 'Errored']
  ])('%s', async (_name, size, status) => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    server.handle((_req, res) => {
      res.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      let left = size;
      const pump = () => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/stream`, outPath: 'f' }, { workDir });
    expect(result.status).toBe(status);
    if (status === 'Succeeded') {
      expect(statSync(path.join(workDir, 'f')).size).toBe(MAX_DOWNLOAD_BYTES);
    } else {
      expect(isTerminal(result.error)).toBe(false);
      expect(message(result.error)).toBe(`download exceeds limit of ${MAX_DOWNLOAD_BYTES} bytes`);
      expect(readdirSync(workDir)).toEqual([]);
    }
  });

  it('errors (retryable) when the server does not answer within timeout', async () => {
    server.handle(() => undefined);
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/slow`, outPath: 'f', timeout: '200ms' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toMatch(/^error sending HTTP request: GET http:\/\/127\.0\.0\.1:\d+\/slow: request timed out after 200ms$/);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it('errors (retryable) when a timeout matches the schema but is not a Go duration', async () => {
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/f`, outPath: 'f', timeout: '5s5x' });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toBe('error creating HTTP client: error parsing timeout: invalid duration "5s5x"');
  });

  it('stops and cleans up when the step is cancelled mid-download', async () => {
    const controller = new AbortController();
    server.handle((_req, res) => {
      res.writeHead(200);
      res.write('partial', () => setTimeout(() => controller.abort(new Error('job cancelled')), 20));
    });
    const workDir = makeTempDir();
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/f`, outPath: 'f' }, { workDir, signal: controller.signal });
    expect(result.status).toBe('Errored');
    expect(message(result.error)).toMatch(/^download canceled: /);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it.each([
    ['an unparsable URL is terminal', 'not a url', true, /^error building HTTP request: error creating HTTP request: parse "not a url"/],
    ['an unsupported scheme is retryable', 'ftp://127.0.0.1/f', false, /^error sending HTTP request: GET ftp:\/\/127\.0\.0\.1\/f: unsupported protocol scheme "ftp"$/],
    ['a refused connection is retryable', 'http://127.0.0.1:1/f', false, /^error sending HTTP request: GET http:\/\/127\.0\.0\.1:1\/f: connect ECONNREFUSED/],
    ['a link-local address is refused', 'http://169.254.169.254/latest/meta-data', false, /link-local addresses are not permitted/]
  ])('%s', async (_name, url, terminal, pattern) => {
    const result = await runStep(httpDownloadRunner, { url, outPath: 'f' });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(terminal);
    expect(message(result.error)).toMatch(pattern);
  });

  it.each([
    [false, 'Errored'],
    [true, 'Succeeded']
  ])('with insecureSkipTLSVerify %s, a self-signed certificate gives %s', async (insecure, status) => {
    const workDir = makeTempDir();
    const result = await runStep(
      httpDownloadRunner,
      { url: `${tlsServer.url}/f`, outPath: 'f', insecureSkipTLSVerify: insecure },
      { workDir }
    );
    expect(result.status).toBe(status);
    if (insecure) expect(readFileSync(path.join(workDir, 'f'), 'utf8')).toBe('over tls');
    else expect(message(result.error)).toMatch(/self[- ]signed certificate/);
  });

  it('errors when outPath is an existing directory and overwriting is allowed', async () => {
    server.handle((_req, res) => res.end('x'));
    const workDir = makeTempDir();
    mkdirSync(path.join(workDir, 'dir'));
    const result = await runStep(httpDownloadRunner, { url: `${server.url}/f`, outPath: 'dir', allowOverwrite: true }, { workDir });
    expect(result.status).toBe('Errored');
    expect(message(result.error)).toMatch(/^failed to move file to final destination: /);
    expect(readdirSync(workDir)).toEqual(['dir']);
    expect(readdirSync(path.join(workDir, 'dir'))).toEqual([]);
  });
});
