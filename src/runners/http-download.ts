import path from 'node:path';
import { httpRequest, withQueryParams, type HttpResponse, errorText } from '../oci/transport.js';
import { parseDuration } from '../promotion/duration.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import { BodyTooLargeError } from '../oci/transport.js';
import { prepareOutputPath, writeStreamAtomic } from '../oci/output-file.js';
import { httpDownloadSchema, type HttpDownloadConfig } from './schemas/http-download.js';

// Kargo's http-download step (http_downloader.go): GET a URL into a file in the WorkDir,
// through a temp file that is renamed into place, so a failed download never leaves half a file.

export const MAX_DOWNLOAD_BYTES = 100 << 20;
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

type Config = HttpDownloadConfig & {
  headers?: Array<{ name: string; value: string }>;
  queryParams?: Array<{ name: string; value: string }>;
};

function errored(error: unknown): StepResult {
  return { status: 'Errored', error };
}

async function send(cfg: Config, signal: AbortSignal): Promise<HttpResponse> {
  let url: URL;
  try {
    url = withQueryParams(new URL(cfg.url), cfg.queryParams ?? []);
  } catch {
    throw new TerminalError(
      `error building HTTP request: error creating HTTP request: parse ${JSON.stringify(cfg.url)}: not an absolute URL (e.g. https://example.com/file.tgz)`
    );
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (cfg.timeout) {
    const parsed = parseDuration(cfg.timeout);
    if (parsed === undefined) throw new Error(`error creating HTTP client: error parsing timeout: invalid duration ${JSON.stringify(cfg.timeout)}`);
    timeoutMs = parsed;
  }
  try {
    return await httpRequest({
      method: 'GET',
      url,
      headers: (cfg.headers ?? []).filter((h) => h.name.toLowerCase() !== 'host').map((h) => [h.name, h.value]),
      timeoutMs,
      insecureSkipTLSVerify: cfg.insecureSkipTLSVerify ?? false,
      signal
    });
  } catch (err) {
    throw new Error(`error sending HTTP request: ${errorText(err)}`, { cause: err });
  }
}

/** http-download: downloads a file over HTTP(S) into the WorkDir. */
export const httpDownloadRunner: StepRunner<Config> = {
  name: 'http-download',
  schema: httpDownloadSchema,
  effects: 'reads-remote',
  run: async (ctx) => {
    const cfg = ctx.config;
    let target: string;
    try {
      target = await prepareOutputPath(ctx.workDir, cfg.outPath, cfg.allowOverwrite ?? false);
    } catch (err) {
      return errored(err);
    }

    let response: HttpResponse;
    try {
      response = await send(cfg, ctx.signal);
    } catch (err) {
      return errored(err);
    }

    if (response.status < 200 || response.status >= 300) {
      response.body.destroy();
      // Failed with a plain error: Kargo retries it up to the error threshold.
      return { status: 'Failed', error: new Error(`HTTP request failed with status ${response.status}`) };
    }
    if (response.contentLength > MAX_DOWNLOAD_BYTES) {
      response.body.destroy();
      return { status: 'Failed', error: new TerminalError(`download exceeds limit of ${MAX_DOWNLOAD_BYTES} bytes`) };
    }

    try {
      const size = await writeStreamAtomic(response.body, target, MAX_DOWNLOAD_BYTES, ctx.signal);
      ctx.logger.debug(`downloaded ${size} bytes to ${path.relative(ctx.workDir, target)}`);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return errored(new Error(`download exceeds limit of ${MAX_DOWNLOAD_BYTES} bytes`));
      if (ctx.signal.aborted) return errored(new Error(`download canceled: ${errorText(err)}`, { cause: err }));
      return errored(err);
    }
    return { status: 'Succeeded' };
  }
};
