import { promises as fs } from 'node:fs';
import { parseDocument } from 'yaml';
import { compileExpression, evaluateExpression, type CompiledExpression } from '../expressions/index.js';
import { secureJoin } from '../fs/paths.js';
import { BodyTooLargeError, errorText, httpRequest, readLimited, withQueryParams, type HttpResponse } from '../oci/transport.js';
import { parseDuration } from '../promotion/duration.js';
import { TerminalError } from '../promotion/errors.js';
import type { Logger, StepContext, StepResult, StepRunner } from '../promotion/types.js';
import { httpSchema, type HttpConfig } from './schemas/http.js';

// Kargo's http step (http_requester.go): send one request, parse the response, and decide with
// plain expressions over `response` whether the step succeeded, failed, or must poll again.

export const MAX_HTTP_BODY_BYTES = 2 << 20;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_INTERVAL_MS = 30_000;

type Config = HttpConfig & {
  body?: string | null;
  bodyFromFile?: string | null;
  headers?: Array<{ name: string; value: string }>;
  queryParams?: Array<{ name: string; value: string }>;
  outputs?: Array<{ name: string; fromExpression: string }>;
};

// ---- expressions: compile (terminal when broken) then run (retryable when it fails) ----------

type Outcome = { ok: true; value: unknown } | { ok: false; phase: 'compile' | 'run'; error: Error };

function asError(err: unknown): Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string' ? (err as Error) : new Error(String(err));
}

function runExpression(source: string, env: Record<string, unknown>): Outcome {
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(source);
  } catch (err) {
    return { ok: false, phase: 'compile', error: asError(err) };
  }
  try {
    return { ok: true, value: evaluateExpression(compiled, env) };
  } catch (err) {
    return { ok: false, phase: 'run', error: asError(err) };
  }
}

/** Go's %T for what an expression returns. */
function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (typeof value === 'function') return 'func(string) string';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** success/failure criteria: undefined when the expression is not set. */
function evaluateCriterion(kind: 'success' | 'failure', source: string | undefined, env: Record<string, unknown>): boolean | undefined {
  if (!source) return undefined;
  const outcome = runExpression(source, env);
  if (!outcome.ok) {
    const verb = outcome.phase === 'compile' ? 'compiling' : 'evaluating';
    const err = new Error(`error ${verb} ${kind} expression ${JSON.stringify(source)}: ${outcome.error.message}`, {
      cause: outcome.error
    });
    throw outcome.phase === 'compile' ? new TerminalError(err) : err;
  }
  if (typeof outcome.value !== 'boolean') {
    throw new Error(`${kind} expression ${JSON.stringify(source)} did not evaluate to a boolean (got ${goTypeName(outcome.value)})`);
  }
  return outcome.value;
}

/**
 * The message errorExpression extracts: "" when unset, failing at run time (the response may not
 * be shaped as expected) or not a string; a compile error is a misconfiguration (terminal).
 */
function extractErrorMessage(source: string | undefined, env: Record<string, unknown>, logger: Logger): string {
  if (!source) return '';
  const outcome = runExpression(source, env);
  if (!outcome.ok) {
    if (outcome.phase === 'compile') {
      throw new TerminalError(`error compiling error expression ${JSON.stringify(source)}: ${outcome.error.message}`);
    }
    logger.debug(`errorExpression ${JSON.stringify(source)} failed on this response: ${outcome.error.message}`);
    return '';
  }
  return typeof outcome.value === 'string' ? outcome.value : '';
}

function buildOutputs(outputs: Config['outputs'], env: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const output of outputs ?? []) {
    const outcome = runExpression(output.fromExpression, env);
    if (!outcome.ok) {
      if (outcome.phase === 'compile') {
        throw new TerminalError(`error compiling output expression ${JSON.stringify(output.name)}: ${outcome.error.message}`);
      }
      throw new Error(`error evaluating output expression ${JSON.stringify(output.name)}: ${outcome.error.message}`);
    }
    result[output.name] = toJSONValue(outcome.value);
  }
  return result;
}

/** Outputs live in the shared state: keep them JSON-native (functions become null). */
function toJSONValue(value: unknown): unknown {
  if (value === undefined || typeof value === 'function') return null;
  return JSON.parse(JSON.stringify(value) ?? 'null');
}

// ---- the response ------------------------------------------------------------------------------

type ParseMode = 'JSON' | 'YAML' | 'text';

/** How to parse a body of this media type (case-insensitive; unknown types: try JSON). */
export function determineResponseParseMode(contentType: string): ParseMode {
  const type = contentType.toLowerCase();
  if (type === 'application/json') return 'JSON';
  if (type === 'application/yaml' || type === 'text/yaml' || type === 'application/x-yaml') return 'YAML';
  if (type === 'text/plain') return 'text';
  return 'JSON';
}

/** Go's mime.ParseMediaType, reduced to the media type: lower-cased, parameters dropped. */
function mediaTypeOf(header: string): string {
  const type = (header.split(';')[0] ?? '').trim().toLowerCase();
  return /^[!#$%&'*+.^_`|~0-9a-z-]+(\/[!#$%&'*+.^_`|~0-9a-z-]+)?$/.test(type) ? type : '';
}

function parseYAML(text: string): unknown {
  // sigs.k8s.io/yaml: YAML 1.1 scalars, timestamps stay strings, the result is JSON-shaped.
  const doc = parseDocument(text, {
    version: '1.1',
    customTags: (tags) => tags.filter((tag) => (tag as { tag?: string }).tag !== 'tag:yaml.org,2002:timestamp')
  });
  if (doc.errors.length > 0) throw new Error(doc.errors[0]?.message ?? 'invalid YAML');
  return JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: 100 })) ?? 'null');
}

/** The `response` the expressions see (Kargo's buildExprEnv). */
export async function buildExprEnv(
  response: HttpResponse,
  responseContentType: string | undefined
): Promise<Record<string, unknown>> {
  if (response.contentLength > MAX_HTTP_BODY_BYTES) {
    response.body.destroy();
    throw new Error(`response body size ${response.contentLength} exceeds limit of ${MAX_HTTP_BODY_BYTES} bytes`);
  }
  let bytes: Buffer;
  try {
    bytes = await readLimited(response.body, MAX_HTTP_BODY_BYTES);
  } catch (err) {
    throw new Error(`reading response body: ${errorText(err)}`, { cause: err });
  }
  const env: Record<string, unknown> = {
    status: response.status,
    header: (name: string) => response.header(String(name)),
    headers: response.headers,
    body: {}
  };
  const contentType = responseContentType || mediaTypeOf(response.header('Content-Type'));
  if (bytes.length > 0) {
    const text = bytes.toString('utf8');
    switch (determineResponseParseMode(contentType)) {
      case 'JSON': {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          // An unknown type that is not JSON: leave the body empty.
          if (contentType.toLowerCase() !== 'application/json') break;
          throw new Error(`failed to parse JSON response: ${errorText(err)}`);
        }
        env.body = parsed;
        break;
      }
      case 'YAML':
        try {
          env.body = parseYAML(text);
        } catch (err) {
          throw new Error(`failed to parse YAML response: ${errorText(err)}`);
        }
        break;
      case 'text':
        env.body = text;
        break;
    }
  }
  return { response: env };
}

// ---- the request -------------------------------------------------------------------------------

async function readBodyFromFile(workDir: string, file: string): Promise<Buffer> {
  const full = secureJoin(workDir, file);
  try {
    const handle = await fs.open(full, 'r');
    try {
      return await readLimited(handle.createReadStream({ autoClose: false }), MAX_HTTP_BODY_BYTES);
    } finally {
      await handle.close();
    }
  } catch (err) {
    const reason = err instanceof BodyTooLargeError ? err.message : errorText(err).replace(full, file);
    throw new Error(`could not read bodyFromFile ${JSON.stringify(file)}: ${reason}`, { cause: err });
  }
}

interface PreparedRequest {
  url: URL;
  method: string;
  headers: Array<[string, string]>;
  body?: Buffer;
}

async function buildRequest(ctx: StepContext<Config>): Promise<PreparedRequest> {
  const cfg = ctx.config;
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    throw new Error(`error creating HTTP request: parse ${JSON.stringify(cfg.url)}: not an absolute URL (e.g. https://example.com/path)`);
  }
  let body: Buffer | undefined = cfg.body ? Buffer.from(cfg.body) : undefined;
  if (cfg.bodyFromFile) body = await readBodyFromFile(ctx.workDir, cfg.bodyFromFile);
  // Go ignores a Host entry in the header map; the URL's host is sent.
  const headers = (cfg.headers ?? [])
    .filter((h) => h.name.toLowerCase() !== 'host')
    .map((h) => [h.name, h.value] as [string, string]);
  return { url: withQueryParams(url, cfg.queryParams ?? []), method: cfg.method ?? 'GET', headers, body: body?.length ? body : undefined };
}

function clientSettings(cfg: Config): { timeoutMs: number; proxy?: string } {
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (cfg.timeout) {
    const parsed = parseDuration(cfg.timeout);
    if (parsed === undefined) throw new Error(`error parsing timeout: invalid duration ${JSON.stringify(cfg.timeout)}`);
    timeoutMs = parsed;
  }
  if (cfg.proxy) {
    try {
      new URL(cfg.proxy);
    } catch {
      throw new Error(`error parsing proxy URL: ${JSON.stringify(cfg.proxy)} is not a valid URL`);
    }
  }
  return { timeoutMs, proxy: cfg.proxy || undefined };
}

function errored(error: unknown): StepResult {
  return { status: 'Errored', error };
}

/** http: sends an HTTP request and judges the response with expressions. */
export const httpRunner: StepRunner<Config> = {
  name: 'http',
  schema: httpSchema,
  effects: 'writes-remote',
  run: async (ctx) => {
    const cfg = ctx.config;
    let prepared: PreparedRequest;
    try {
      prepared = await buildRequest(ctx);
    } catch (err) {
      return errored(new TerminalError(`error building HTTP request: ${errorText(err)}`));
    }
    let settings: { timeoutMs: number; proxy?: string };
    try {
      settings = clientSettings(cfg);
    } catch (err) {
      return errored(new TerminalError(`error creating HTTP client: ${errorText(err)}`));
    }

    let response: HttpResponse;
    try {
      response = await httpRequest({
        method: prepared.method,
        url: prepared.url,
        headers: prepared.headers,
        body: prepared.body,
        timeoutMs: settings.timeoutMs,
        proxy: settings.proxy,
        insecureSkipTLSVerify: cfg.insecureSkipTLSVerify ?? false,
        signal: ctx.signal
      });
    } catch (err) {
      return errored(new Error(`error sending HTTP request: ${errorText(err)}`, { cause: err }));
    }
    ctx.logger.debug(`HTTP ${prepared.method} ${prepared.url.origin}${prepared.url.pathname}: ${response.status}`);

    let env: Record<string, unknown>;
    try {
      env = await buildExprEnv(response, cfg.responseContentType);
    } catch (err) {
      return errored(new Error(`error building expression context from HTTP response: ${errorText(err)}`, { cause: err }));
    }

    let success: boolean | undefined;
    let failure: boolean | undefined;
    try {
      success = evaluateCriterion('success', cfg.successExpression, env);
    } catch (err) {
      return errored(wrap('error evaluating success criteria', err));
    }
    try {
      failure = evaluateCriterion('failure', cfg.failureExpression, env);
    } catch (err) {
      return errored(wrap('error evaluating failure criteria', err));
    }

    if (failure === true) {
      let message: string;
      try {
        message = extractErrorMessage(cfg.errorExpression, env, ctx.logger);
      } catch (err) {
        return errored(err);
      }
      const text = message
        ? `HTTP (${response.status}) response met failure criteria: ${JSON.stringify(message)}`
        : `HTTP (${response.status}) response met failure criteria`;
      return { status: 'Failed', error: new TerminalError(text) };
    }
    if (success === true || (success === undefined && failure === undefined && response.status >= 200 && response.status < 300)) {
      try {
        return { status: 'Succeeded', output: buildOutputs(cfg.outputs, env) };
      } catch (err) {
        return errored(wrap('error extracting outputs from HTTP response', err));
      }
    }
    if (success === undefined && failure === undefined) {
      // Kargo: Failed without an error, which its engine treats as "not done yet": the step is
      // run again later until it succeeds or times out.
      return { status: 'Failed', message: `HTTP (${response.status}) response is not 2xx; the request will be sent again` };
    }
    let retryAfterMs = DEFAULT_POLL_INTERVAL_MS;
    if (cfg.pollInterval) {
      const parsed = parseDuration(cfg.pollInterval);
      if (parsed === undefined) return errored(new Error(`error parsing pollInterval: invalid duration ${JSON.stringify(cfg.pollInterval)}`));
      retryAfterMs = parsed;
    }
    return { status: 'Running', retryAfterMs };
  }
};

/** Keep a TerminalError terminal while adding context (Go's %w). */
function wrap(context: string, err: unknown): Error {
  const wrapped = new Error(`${context}: ${errorText(err)}`, { cause: err });
  return err instanceof TerminalError ? new TerminalError(wrapped) : wrapped;
}
