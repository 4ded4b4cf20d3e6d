import type http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { schemaProblems } from '../../src/promotion/config.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { StepResult } from '../../src/promotion/types.js';
import { determineResponseParseMode, httpRunner, MAX_HTTP_BODY_BYTES } from '../../src/runners/http.js';
import { httpSchema } from '../../src/runners/schemas/http.js';
import { startForwardProxy, startHttpServer, startHttpsServer, type TestServer } from '../helpers/http-server.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

let server: TestServer;
let proxy: TestServer;
let tlsServer: TestServer;

beforeAll(async () => {
  [server, proxy, tlsServer] = await Promise.all([
    startHttpServer(),
    startForwardProxy({ 'backend.invalid': '127.0.0.1' }),
    startHttpsServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end('{"secure": true}');
    })
  ]);
});

afterAll(async () => {
  await Promise.all([server.close(), proxy.close(), tlsServer.close()]);
});

beforeEach(() => {
  server.requests.length = 0;
});

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

type Reply = { status?: number; headers?: Record<string, string>; body?: string | Buffer };

function reply({ status = 200, headers = {}, body }: Reply) {
  return (_req: unknown, res: http.ServerResponse) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('http config', () => {
  it.each([
    ['url missing', {}, "(root): must have required property 'url'"],
    ['url empty', { url: '' }, 'url: must NOT have fewer than 1 characters'],
    ['invalid method', { url: 'http://x', method: 'invalid' }, 'method: must match pattern'],
    ['lower-case method', { url: 'http://x', method: 'get' }, 'method: must match pattern'],
    ['header name missing', { url: 'http://x', headers: [{ value: 'v' }] }, "headers[0]: must have required property 'name'"],
    ['header value empty', { url: 'http://x', headers: [{ name: 'A', value: '' }] }, 'headers[0].value: must NOT have fewer than 1 characters'],
    ['query param name empty', { url: 'http://x', queryParams: [{ name: '', value: 'v' }] }, 'queryParams[0].name: must NOT have fewer than 1 characters'],
    ['query param value missing', { url: 'http://x', queryParams: [{ name: 'a' }] }, "queryParams[0]: must have required property 'value'"],
    ['invalid timeout', { url: 'http://x', timeout: 'invalid' }, 'timeout: must match pattern'],
    ['invalid pollInterval', { url: 'http://x', pollInterval: 'invalid' }, 'pollInterval: must match pattern'],
    ['invalid response content type', { url: 'http://x', responseContentType: 'text/html' }, 'responseContentType: must match pattern'],
    ['output name missing', { url: 'http://x', outputs: [{ fromExpression: 'true' }] }, "outputs[0]: must have required property 'name'"],
    ['output fromExpression empty', { url: 'http://x', outputs: [{ name: 'a', fromExpression: '' }] }, 'outputs[0].fromExpression: must NOT have fewer than 1 characters'],
    ['proxy url has no scheme', { url: 'http://x', proxy: 'proxy.example.com:3000' }, 'proxy: must match pattern'],
    ['body and bodyFromFile are mutually exclusive', { url: 'http://x', body: '{}', bodyFromFile: 'payload.json' }, 'must match exactly one schema in oneOf'],
    ['unknown field', { url: 'http://x', expression: 'true' }, "unknown field 'expression'"]
  ])('%s is an invalid config', async (_name, config, problem) => {
    const result = await runStep(httpRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(message(result.error)).toContain('invalid http config: ');
    expect(message(result.error)).toContain(problem);
  });

  it('accepts the kitchen sink', () => {
    expect(
      schemaProblems(httpSchema, {
        method: 'GET',
        url: 'https://example.com',
        headers: [{ name: 'Accept', value: 'application/json' }],
        queryParams: [{ name: 'foo', value: 'bar' }],
        insecureSkipTLSVerify: true,
        timeout: '30s',
        pollInterval: '20s',
        successExpression: 'response.status == 200',
        failureExpression: 'response.status == 404',
        proxy: 'https://proxy.example.com:3000',
        errorExpression: 'response.body?.error ?? response.body?.errorMessage',
        responseContentType: 'application/yaml',
        outputs: [
          { name: 'fact1', fromExpression: 'response.body.facts[0]' },
          { name: 'fact2', fromExpression: 'response.body.facts[1]' }
        ]
      })
    ).toEqual([]);
  });

  it.each([
    ['an empty body with bodyFromFile', { url: 'http://x', body: '', bodyFromFile: 'f' }],
  ])('accepts %s, as Kargo’s oneOf does', (_name, config) => {
    expect(schemaProblems(httpSchema, config)).toEqual([]);
  });
});

interface RunCase {
  reply: Reply;
  config: Record<string, unknown>;
  expected: Omit<Partial<StepResult>, 'message'> & { message?: string | RegExp; terminal?: boolean };
}

// Kargo's Test_httpRequester_run cases, plus the fields and errors they do not cover.
const runCases: Array<[string, RunCase]> = [
  [
    'success and not failed; no body',
    {
      reply: {},
      config: {
        successExpression: 'true',
        outputs: [
          { name: 'status', fromExpression: 'response.status' },
          { name: 'theMeaningOfLife', fromExpression: 'response.body.theMeaningOfLife' }
        ]
      },
      expected: { status: 'Succeeded', output: { status: 200, theMeaningOfLife: null } }
    }
  ],
  [
    'unknown content-type with invalid JSON leaves body empty',
    {
      reply: { headers: { 'Content-Type': 'text/html' }, body: '<html>hello</html>' },
      config: { successExpression: 'true', outputs: [{ name: 'body', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { body: {} } }
    }
  ],
  [
    'success and not failed with json body',
    {
      reply: { headers: JSON_TYPE, body: '{"theMeaningOfLife": 42}' },
      config: { successExpression: 'true', outputs: [{ name: 'theMeaningOfLife', fromExpression: 'response.body.theMeaningOfLife' }] },
      expected: { status: 'Succeeded', output: { theMeaningOfLife: 42 } }
    }
  ],
  [
    'success and not failed with json body and response is array',
    {
      reply: { headers: JSON_TYPE, body: '[{"theMeaningOfLife": 42}]' },
      config: { successExpression: 'true', outputs: [{ name: 'theMeaningOfLife', fromExpression: 'response.body[0].theMeaningOfLife' }] },
      expected: { status: 'Succeeded', output: { theMeaningOfLife: 42 } }
    }
  ],
  [
    'failed and not success',
    {
      reply: { status: 404 },
      config: { failureExpression: 'response.status == 404' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (404) response met failure criteria' }
    }
  ],
  [
    'failed with errorExpression',
    {
      reply: { status: 404, headers: JSON_TYPE, body: '{"error": "resource not found"}' },
      config: { failureExpression: 'response.status == 404', errorExpression: 'response.body.error' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (404) response met failure criteria: "resource not found"' }
    }
  ],
  [
    'failed with errorExpression null coalescing',
    {
      reply: { status: 404, headers: JSON_TYPE, body: '{"errorMessage": "something went wrong"}' },
      config: { failureExpression: 'response.status == 404', errorExpression: 'response.body?.error ?? response.body?.errorMessage' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (404) response met failure criteria: "something went wrong"' }
    }
  ],
  [
    'failed with errorExpression evaluating to nil',
    {
      reply: { status: 404, headers: JSON_TYPE, body: '{}' },
      config: { failureExpression: 'response.status == 404', errorExpression: 'response.body?.error ?? response.body?.errorMessage' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (404) response met failure criteria' }
    }
  ],
  [
    'failed with errorExpression compile error',
    {
      reply: {},
      config: { failureExpression: 'true', errorExpression: '(1 + 2' },
      expected: { status: 'Errored', terminal: true, message: /^error compiling error expression "\(1 \+ 2": / }
    }
  ],
  [
    'failed with errorExpression non-string result',
    {
      reply: { status: 404, headers: JSON_TYPE, body: '{"error": 42}' },
      config: { failureExpression: 'response.status == 404', errorExpression: 'response.body.error' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (404) response met failure criteria' }
    }
  ],
  [
    'failed with errorExpression eval error',
    {
      reply: {},
      config: { failureExpression: 'true', errorExpression: 'invalid()' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (200) response met failure criteria' }
    }
  ],
  [
    'success AND failed is a failure',
    {
      reply: {},
      config: { successExpression: 'response.status == 200', failureExpression: 'response.status == 200' },
      expected: { status: 'Failed', terminal: true, message: 'HTTP (200) response met failure criteria' }
    }
  ],
  [
    'neither success nor failed polls again in 30s',
    {
      reply: { status: 502 },
      config: { successExpression: 'response.status == 200', failureExpression: 'response.status == 404' },
      expected: { status: 'Running', retryAfterMs: 30_000 }
    }
  ],
  [
    'neither success nor failed with explicit pollInterval',
    {
      reply: { status: 502 },
      config: { successExpression: 'response.status == 200', failureExpression: 'response.status == 404', pollInterval: '1m15s' },
      expected: { status: 'Running', retryAfterMs: 75_000 }
    }
  ],
  [
    'success unmet, failure undefined polls',
    {
      reply: { headers: JSON_TYPE, body: '{"state": "pending"}' },
      config: { successExpression: 'response.body.state == "done"' },
      expected: { status: 'Running', retryAfterMs: 30_000 }
    }
  ],
  [
    'failure unmet, success undefined polls',
    {
      reply: { status: 202 },
      config: { failureExpression: 'response.status >= 400' },
      expected: { status: 'Running', retryAfterMs: 30_000 }
    }
  ],
  [
    'ignored errorExpression while polling',
    {
      reply: { status: 502, headers: JSON_TYPE, body: '{"error": "should not appear"}' },
      config: { successExpression: 'response.status == 200', failureExpression: 'response.status == 404', errorExpression: 'response.body.error' },
      expected: { status: 'Running', retryAfterMs: 30_000 }
    }
  ],
  [
    'undefined criteria with 2xx response',
    { reply: { status: 204 }, config: {}, expected: { status: 'Succeeded', output: {} } }
  ],
  [
    'undefined criteria with non-2xx response is Failed without an error (Kargo re-runs it)',
    { reply: { status: 404 }, config: {}, expected: { status: 'Failed', error: undefined } }
  ],
  [
    'undefined criteria with 2xx response still extracts outputs',
    {
      reply: { headers: JSON_TYPE, body: '{"id": "abc"}' },
      config: { outputs: [{ name: 'id', fromExpression: 'response.body.id' }] },
      expected: { status: 'Succeeded', output: { id: 'abc' } }
    }
  ],
  [
    'text/plain response with numeric content stays a string',
    {
      reply: { headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: '1' },
      config: { successExpression: 'response.body == "1"', outputs: [{ name: 'numeric_response', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { numeric_response: '1' } }
    }
  ],
  [
    'text/plain with JSON-like content stays a string',
    {
      reply: { headers: { 'Content-Type': 'TEXT/PLAIN' }, body: '{"key": "value"}' },
      config: { outputs: [{ name: 'raw', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { raw: '{"key": "value"}' } }
    }
  ],
  [
    'YAML response with application/yaml content-type',
    {
      reply: { headers: { 'Content-Type': 'application/yaml' }, body: 'status: ok\ncount: 42\nenabled: yes\nwhen: 2001-12-14\n' },
      config: {
        successExpression: 'response.body.status == "ok"',
        outputs: [
          { name: 'yaml_status', fromExpression: 'response.body.status' },
          { name: 'yaml_count', fromExpression: 'response.body.count' },
          { name: 'yaml_enabled', fromExpression: 'response.body.enabled' },
          { name: 'yaml_when', fromExpression: 'response.body.when' }
        ]
      },
      expected: { status: 'Succeeded', output: { yaml_status: 'ok', yaml_count: 42, yaml_enabled: true, yaml_when: '2001-12-14' } }
    }
  ],
  [
    'text/yaml content-type parses as YAML',
    {
      reply: { headers: { 'Content-Type': 'text/yaml' }, body: 'items:\n  - one\n  - two\n' },
      config: { outputs: [{ name: 'items', fromExpression: 'response.body.items' }] },
      expected: { status: 'Succeeded', output: { items: ['one', 'two'] } }
    }
  ],
  [
    'responseContentType config override forces YAML parsing',
    {
      reply: { headers: { 'Content-Type': 'text/plain' }, body: 'key: value\n' },
      config: { responseContentType: 'application/yaml', successExpression: 'response.body.key == "value"', outputs: [{ name: 'yaml_key', fromExpression: 'response.body.key' }] },
      expected: { status: 'Succeeded', output: { yaml_key: 'value' } }
    }
  ],
  [
    'responseContentType config override forces text/plain parsing',
    {
      reply: { headers: JSON_TYPE, body: '{"foo": "bar"}' },
      config: { responseContentType: 'text/plain', successExpression: 'response.body == "{\\"foo\\": \\"bar\\"}"', outputs: [{ name: 'raw_body', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { raw_body: '{"foo": "bar"}' } }
    }
  ],
  [
    'responseContentType config override forces JSON parsing',
    {
      reply: { headers: { 'Content-Type': 'text/plain' }, body: '{"foo": "bar"}' },
      config: { responseContentType: 'application/json', outputs: [{ name: 'foo', fromExpression: 'response.body.foo' }] },
      expected: { status: 'Succeeded', output: { foo: 'bar' } }
    }
  ],
  [
    'JSON null response',
    {
      reply: { headers: JSON_TYPE, body: 'null' },
      config: { outputs: [{ name: 'body', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { body: null } }
    }
  ],
  [
    'empty content-type with non-JSON body leaves body empty',
    {
      reply: { body: 'hello world' },
      config: { outputs: [{ name: 'body', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { body: {} } }
    }
  ],
  [
    'missing content-type but valid JSON body',
    {
      reply: { body: '{"foo": "bar"}' },
      config: { outputs: [{ name: 'body', fromExpression: 'response.body' }] },
      expected: { status: 'Succeeded', output: { body: { foo: 'bar' } } }
    }
  ],
  [
    'invalid JSON with application/json is an error',
    {
      reply: { headers: JSON_TYPE, body: '{"foo":' },
      config: {},
      expected: { status: 'Errored', terminal: false, message: /^error building expression context from HTTP response: failed to parse JSON response: / }
    }
  ],
  [
    'invalid YAML is an error',
    {
      reply: { headers: { 'Content-Type': 'application/yaml' }, body: 'foo: [bar\n' },
      config: {},
      expected: { status: 'Errored', terminal: false, message: /^error building expression context from HTTP response: failed to parse YAML response: / }
    }
  ],
  [
    'headers and header() are readable',
    {
      reply: { headers: { 'x-request-id': 'r-1', 'Content-Type': 'application/json; charset=utf-8' }, body: '{}' },
      config: {
        successExpression: 'response.header("X-REQUEST-ID") == "r-1"',
        outputs: [
          { name: 'id', fromExpression: 'response.headers["X-Request-Id"]' },
          { name: 'type', fromExpression: 'response.header("content-type")' },
          { name: 'absent', fromExpression: 'response.header("X-Absent")' }
        ]
      },
      expected: { status: 'Succeeded', output: { id: ['r-1'], type: 'application/json; charset=utf-8', absent: '' } }
    }
  ],
  [
    'a success expression that does not compile is terminal',
    {
      reply: {},
      config: { successExpression: '(1 + 2' },
      expected: { status: 'Errored', terminal: true, message: /^error evaluating success criteria: error compiling success expression "\(1 \+ 2": / }
    }
  ],
  [
    'a success expression that fails at run time is retryable',
    {
      reply: {},
      config: { successExpression: 'invalid()' },
      expected: { status: 'Errored', terminal: false, message: /^error evaluating success criteria: error evaluating success expression "invalid\(\)": / }
    }
  ],
  [
    'a success expression that is not boolean',
    {
      reply: {},
      config: { successExpression: '"foo"' },
      expected: { status: 'Errored', terminal: false, message: 'error evaluating success criteria: success expression "\\"foo\\"" did not evaluate to a boolean (got string)' }
    }
  ],
  [
    'a failure expression that does not compile is terminal',
    {
      reply: {},
      config: { failureExpression: 'response.status ==' },
      expected: { status: 'Errored', terminal: true, message: /^error evaluating failure criteria: error compiling failure expression "response\.status ==": / }
    }
  ],
  [
    'a failure expression that is not boolean',
    {
      reply: {},
      config: { failureExpression: 'response.status' },
      expected: { status: 'Errored', terminal: false, message: 'error evaluating failure criteria: failure expression "response.status" did not evaluate to a boolean (got int)' }
    }
  ],
  [
    'an output expression that does not compile is terminal',
    {
      reply: {},
      config: { successExpression: 'true', outputs: [{ name: 'fake-output', fromExpression: '(1 + 2' }] },
      expected: { status: 'Errored', terminal: true, message: /^error extracting outputs from HTTP response: error compiling output expression "fake-output": / }
    }
  ],
  [
    'an output expression that fails at run time is retryable',
    {
      reply: {},
      config: { outputs: [{ name: 'fake-output', fromExpression: 'invalid()' }] },
      expected: { status: 'Errored', terminal: false, message: /^error extracting outputs from HTTP response: error evaluating output expression "fake-output": / }
    }
  ],
  [
    'gzip-encoded responses are decoded, as Go’s transport does',
    {
      reply: { headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: gzipSync('{"zipped": true}') },
      config: { outputs: [{ name: 'zipped', fromExpression: 'response.body.zipped' }, { name: 'encoding', fromExpression: 'response.header("Content-Encoding")' }] },
      expected: { status: 'Succeeded', output: { zipped: true, encoding: '' } }
    }
  ],
  [
    'a Content-Length over 2 MiB is an error',
    {
      reply: { headers: { 'Content-Length': String(MAX_HTTP_BODY_BYTES + 1) }, body: undefined },
      config: {},
      expected: {
        status: 'Errored',
        terminal: false,
        message: `error building expression context from HTTP response: response body size ${MAX_HTTP_BODY_BYTES + 1} exceeds limit of ${MAX_HTTP_BODY_BYTES} bytes`
      }
    }
  ],
  [
    'a streamed body over 2 MiB is an error',
    {
      reply: { body: Buffer.alloc(MAX_HTTP_BODY_BYTES + 1, 0x20) },
      config: {},
      expected: {
        status: 'Errored',
        terminal: false,
        message: `error building expression context from HTTP response: reading response body: content exceeds limit of ${MAX_HTTP_BODY_BYTES} bytes`
      }
    }
  ],
  [
    'a body of exactly 2 MiB is read',
    {
      reply: { headers: { 'Content-Type': 'text/plain' }, body: Buffer.alloc(MAX_HTTP_BODY_BYTES, 0x61) },
      config: { outputs: [{ name: 'length', fromExpression: 'len(response.body)' }] },
      expected: { status: 'Succeeded', output: { length: MAX_HTTP_BODY_BYTES } }
    }
  ]
];

describe('http', () => {
  it.each(runCases)('%s', async (_name, { reply: r, config, expected }) => {
    server.handle((req, res) => {
      if (r.headers?.['Content-Length'] && r.body === undefined) {
        // Announce a large body and send a little: the runner must give up on the header.
        res.writeHead(r.status ?? 200, r.headers);
        res.write('x');
        return;
      }
      reply(r)(req, res);
    });
    const result = await runStep(httpRunner, { url: `${server.url}/api`, ...config });
    const { message: expectedMessage, terminal, ...rest } = expected;
    const { error: _noError, ...comparable } = rest;
    expect(result).toMatchObject(comparable);
    if ('error' in rest) expect(result.error).toBeUndefined();
    if (terminal !== undefined) expect(isTerminal(result.error)).toBe(terminal);
    if (typeof expectedMessage === 'string') expect(message(result.error)).toBe(expectedMessage);
    if (expectedMessage instanceof RegExp) expect(message(result.error)).toMatch(expectedMessage);
    if (rest.status === 'Succeeded') expect(result.output).toEqual(rest.output);
  });

  it('sends method, headers, query params and body as configured', async () => {
    server.handle(reply({ status: 201 }));
    const result = await runStep(httpRunner, {
      url: `${server.url}/hooks?z=1&a=first`,
      method: 'POST',
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'Authorization', value: 'Bearer s3cr3t' },
        { name: 'X-Multi', value: 'one' },
        { name: 'x-multi', value: 'two' },
        { name: 'Host', value: 'ignored.example.com' }
      ],
      queryParams: [
        { name: 'param', value: 'some value' },
        { name: 'a', value: 'second&third' }
      ],
      body: '{"text": "promoted <v1.2.3> to prod"}'
    });
    expect(result).toEqual({ status: 'Succeeded', output: {} });
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/hooks?a=first&a=second%26third&param=some+value&z=1');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBe('Bearer s3cr3t');
    expect(request?.headers['x-multi']).toBe('one, two');
    expect(request?.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(request?.body.toString()).toBe('{"text": "promoted <v1.2.3> to prod"}');
  });

  it.each(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])('sends a %s request', async (method) => {
    server.handle(reply({ headers: JSON_TYPE, body: '{"ok": true}' }));
    const result = await runStep(httpRunner, { url: `${server.url}/m`, method, successExpression: 'response.status == 200' });
    expect(result.status).toBe('Succeeded');
    expect(server.requests[0]?.method).toBe(method);
  });

  it('sends bodyFromFile byte for byte', async () => {
    server.handle(reply({}));
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'payload.bin'), Buffer.from([0x00, 0xff, 0x01, 0x7f]));
    const result = await runStep(httpRunner, { url: `${server.url}/upload`, method: 'POST', bodyFromFile: 'payload.bin' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(server.requests[0]?.body).toEqual(Buffer.from([0x00, 0xff, 0x01, 0x7f]));
    expect(server.requests[0]?.headers['content-length']).toBe('4');
  });

  it.each([
    ['larger than 2 MiB', (dir: string) => writeFileSync(path.join(dir, 'payload.bin'), Buffer.alloc(MAX_HTTP_BODY_BYTES + 1)), 'payload.bin', `error building HTTP request: could not read bodyFromFile "payload.bin": content exceeds limit of ${MAX_HTTP_BODY_BYTES} bytes`],
    ['outside the WorkDir (clamped inside, where it is missing)', (dir: string) => writeFileSync(path.join(path.dirname(dir), 'payload.json'), 'outside'), '../payload.json', /^error building HTTP request: could not read bodyFromFile "\.\.\/payload\.json": ENOENT: no such file or directory, open '\.\.\/payload\.json'$/],
    ['missing', () => undefined, 'nope.json', /^error building HTTP request: could not read bodyFromFile "nope\.json": ENOENT: no such file or directory, open 'nope\.json'$/]
  ])('refuses (terminal) a bodyFromFile %s and sends nothing', async (_name, setup, file, expected) => {
    const workDir = path.join(makeTempDir(), 'work');
    mkdirSync(workDir);
    setup(workDir);
    const result = await runStep(httpRunner, { url: `${server.url}/upload`, method: 'POST', bodyFromFile: file }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    if (typeof expected === 'string') expect(message(result.error)).toBe(expected);
    else expect(message(result.error)).toMatch(expected);
    expect(server.requests).toHaveLength(0);
  });

  it('goes through the configured proxy', async () => {
    server.handle((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ reachedBackend: req.headers['x-relayed-by-proxy'] === 'true' }));
    });
    const result = await runStep(httpRunner, {
      url: `${server.url}/behind-proxy`,
      proxy: proxy.url,
      successExpression: 'response.status == 200',
      outputs: [{ name: 'reachedBackend', fromExpression: 'response.body.reachedBackend' }]
    });
    expect(result).toEqual({ status: 'Succeeded', output: { reachedBackend: true } });
    expect(proxy.requests.map((r) => r.url)).toContain(`${server.url}/behind-proxy`);
  });

  it('tunnels HTTPS through the configured proxy (CONNECT)', async () => {
    proxy.requests.length = 0;
    const result = await runStep(httpRunner, {
      url: `${tlsServer.url}/`,
      proxy: proxy.url,
      insecureSkipTLSVerify: true,
      outputs: [{ name: 'secure', fromExpression: 'response.body.secure' }]
    });
    expect(result).toEqual({ status: 'Succeeded', output: { secure: true } });
    expect(proxy.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`CONNECT 127.0.0.1:${tlsServer.port}`]);
  });

  it.each([
    ['HTTP_PROXY is used', { HTTP_PROXY: 'PROXY' }, 'Succeeded'],
    ['NO_PROXY bypasses it', { HTTP_PROXY: 'PROXY', NO_PROXY: 'example.com,backend.invalid' }, 'Errored']
  ])('without a proxy field, %s', async (_name, vars, status) => {
    server.handle((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ relayed: req.headers['x-relayed-by-proxy'] === 'true' }));
    });
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY, http_proxy: process.env.http_proxy, no_proxy: process.env.no_proxy };
    delete process.env.http_proxy;
    delete process.env.no_proxy;
    delete process.env.NO_PROXY;
    for (const [key, value] of Object.entries(vars)) process.env[key] = value.replace('PROXY', proxy.url);
    try {
      const result = await runStep(httpRunner, {
        url: `http://backend.invalid:${server.port}/via-env`,
        outputs: [{ name: 'relayed', fromExpression: 'response.body.relayed' }]
      });
      expect(result.status).toBe(status);
      if (status === 'Succeeded') expect(result.output).toEqual({ relayed: true });
      else expect(message(result.error)).toMatch(/^error sending HTTP request: GET http:\/\/backend\.invalid:\d+\/via-env: getaddrinfo (ENOTFOUND|EAI_AGAIN) backend\.invalid$/);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it.each([
    ['a proxy URL that does not parse', { proxy: 'http://[invalid-url' }, /^error creating HTTP client: error parsing proxy URL: /],
    ['a timeout the schema accepts but Go does not', { timeout: '5s5x' }, 'error creating HTTP client: error parsing timeout: invalid duration "5s5x"'],
    ['a URL that does not parse', { url: 'not a url' }, /^error building HTTP request: error creating HTTP request: parse "not a url"/]
  ])('errors terminally on %s', async (_name, config, expected) => {
    const result = await runStep(httpRunner, { url: `${server.url}/x`, ...config });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(true);
    if (typeof expected === 'string') expect(message(result.error)).toBe(expected);
    else expect(message(result.error)).toMatch(expected);
  });

  it.each([
    ['the server does not answer within timeout', () => ({ url: `${server.url}/slow`, timeout: '200ms' }), /^error sending HTTP request: GET http:\/\/127\.0\.0\.1:\d+\/slow: request timed out after 200ms$/],
    ['the connection is refused', () => ({ url: 'http://127.0.0.1:1/' }), /^error sending HTTP request: GET http:\/\/127\.0\.0\.1:1\/: connect ECONNREFUSED/],
    ['the address is link-local', () => ({ url: 'http://169.254.169.254/latest/meta-data/' }), /link-local addresses are not permitted/]
  ])('errors (retryable) when %s', async (_name, config, expected) => {
    server.handle(() => undefined);
    const result = await runStep(httpRunner, config());
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(message(result.error)).toMatch(expected);
  });

  it('stops waiting when the step is cancelled', async () => {
    const controller = new AbortController();
    server.handle(() => controller.abort(new Error('job cancelled')));
    const result = await runStep(httpRunner, { url: `${server.url}/hang`, timeout: '1m' }, { signal: controller.signal });
    expect(result.status).toBe('Errored');
    expect(message(result.error)).toBe('error sending HTTP request: job cancelled');
  });

  it.each([
    [true, 'Succeeded'],
    [false, 'Errored']
  ])('with insecureSkipTLSVerify %s, a self-signed server gives %s', async (insecure, status) => {
    const result = await runStep(httpRunner, {
      url: `${tlsServer.url}/`,
      insecureSkipTLSVerify: insecure,
      outputs: [{ name: 'secure', fromExpression: 'response.body.secure' }]
    });
    expect(result.status).toBe(status);
    if (insecure) expect(result.output).toEqual({ secure: true });
    else expect(message(result.error)).toMatch(/self[- ]signed certificate/);
  });
});

describe('determineResponseParseMode', () => {
  it.each([
    ['application/json', 'JSON'],
    ['APPLICATION/JSON', 'JSON'],
    ['Application/Json', 'JSON'],
    ['application/yaml', 'YAML'],
    ['text/yaml', 'YAML'],
    ['application/x-yaml', 'YAML'],
    ['APPLICATION/YAML', 'YAML'],
    ['TEXT/YAML', 'YAML'],
    ['text/plain', 'text'],
    ['TEXT/PLAIN', 'text'],
    ['', 'JSON'],
    ['text/html', 'JSON'],
    ['application/octet-stream', 'JSON'],
    ['unknown/type', 'JSON']
  ])('%j parses as %s', (contentType, mode) => {
    expect(determineResponseParseMode(contentType)).toBe(mode);
  });
});
