// Retries and statuses of the http step through the engine, against a real server on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promote } from './helpers/promote.js';

let server: http.Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const n = (hits.get(req.url ?? '') ?? 0) + 1;
    hits.set(req.url ?? '', n);
    if (req.url === '/flaky' && n === 1) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"warming up"}');
      return;
    }
    if (req.url === '/gone') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such rollout"}');
      return;
    }
    if (req.url === '/drop' && n === 1) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"done","id":7}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('http through the engine', () => {
  it('polls again after a 503 (neither expression matches) and succeeds on the 200 under errorThreshold 3', async () => {
    const result = await promote(`
- uses: http
  as: check
  retry: {errorThreshold: 3}
  config:
    url: ${base}/flaky
    pollInterval: 100ms
    successExpression: response.status == 200
    failureExpression: response.status == 404
    outputs: [{name: id, fromExpression: response.body.id}]
`);
    expect(result.status).toBe('Succeeded');
    expect(result.state.check).toEqual({ id: 7 });
    expect(hits.get('/flaky')).toBe(2);
  });

  it('retries a dropped connection as a retryable error within the threshold', async () => {
    const result = await promote(`
- {uses: http, as: check, retry: {errorThreshold: 3}, config: {url: "${base}/drop", successExpression: "response.status == 200"}}
`);
    expect(result.status).toBe('Succeeded');
    expect(result.steps[0]).toMatchObject({ attempts: 2, errorCount: 1 });
  });

  it('fails at once when the failureExpression matches, whatever the threshold', async () => {
    const result = await promote(`
- {uses: http, as: check, retry: {errorThreshold: 5}, config: {url: "${base}/gone", failureExpression: "response.status == 404"}}
`);
    expect(result.status).toBe('Failed');
    expect(result.steps[0]).toMatchObject({ attempts: 1 });
    expect(result.message).toContain('HTTP (404) response met failure criteria');
    expect(hits.get('/gone')).toBe(1);
  });
});
