// OCI chart dependencies (`oci://...`) through the `helm` binary: Helm speaks the registry
// protocol (tags, manifests, auth) that we do not reimplement. Helm runs with a throw-away
// HELM_* home so it neither reads nor writes the user's config, registry logins included, and
// passwords reach it on stdin only.

import { constants, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getExecOutput } from '@actions/exec';
import type { BasicAuth } from './repo.js';

export class HelmBinaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmBinaryError';
  }
}

export const HELM_NOT_FOUND_HINT =
  'the helm binary was not found on PATH; install Helm 3.8 or later before this step (for example with azure/setup-helm)';

/** The absolute path of `helm` on PATH (or pathEnv), or undefined. */
export async function findHelmBinary(pathEnv: string | undefined = process.env.PATH): Promise<string | undefined> {
  const names = process.platform === 'win32' ? ['helm.exe', 'helm'] : ['helm'];
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        const stats = await fs.stat(candidate);
        if (!stats.isFile()) continue;
        await fs.access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** The registry host of an OCI reference (`oci://host[:port]/path`). */
export function ociHost(repository: string): string {
  const rest = repository.replace(/^oci:\/\//, '');
  const host = rest.split('/')[0] ?? '';
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

export interface HelmRunnerOptions {
  helmPath: string;
  signal?: AbortSignal;
  /** Per command; default 5 minutes. */
  timeoutMs?: number;
}

/** A helm CLI confined to a private, temporary home. Call dispose() when done. */
export class IsolatedHelm {
  private constructor(
    private readonly opts: HelmRunnerOptions,
    private readonly home: string
  ) {}

  static async create(opts: HelmRunnerOptions): Promise<IsolatedHelm> {
    const home = await fs.mkdtemp(path.join(tmpdir(), 'helm-home-'));
    return new IsolatedHelm(opts, home);
  }

  private env(): Record<string, string> {
    const keep: Record<string, string> = {};
    for (const key of ['PATH', 'HOME', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR']) {
      const value = process.env[key];
      if (value !== undefined) keep[key] = value;
    }
    return {
      ...keep,
      HELM_CACHE_HOME: path.join(this.home, 'cache'),
      HELM_CONFIG_HOME: path.join(this.home, 'config'),
      HELM_DATA_HOME: path.join(this.home, 'data'),
      HELM_REGISTRY_CONFIG: path.join(this.home, 'registry', 'config.json'),
      HELM_REPOSITORY_CONFIG: path.join(this.home, 'repositories.yaml'),
      HELM_REPOSITORY_CACHE: path.join(this.home, 'repository')
    };
  }

  /** Run helm with args (never a shell); stdin carries secrets. Throws HelmBinaryError. */
  async run(args: string[], what: string, input?: string): Promise<string> {
    const signals = [AbortSignal.timeout(this.opts.timeoutMs ?? 300_000)];
    if (this.opts.signal) signals.push(this.opts.signal);
    const signal = AbortSignal.any(signals);
    // @actions/exec cannot kill its child; on timeout or cancel we stop waiting for it.
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new HelmBinaryError(`${what}: helm did not finish in time or the step was cancelled`));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const result = await Promise.race([
        getExecOutput(this.opts.helmPath, args, {
          silent: true,
          ignoreReturnCode: true,
          env: this.env(),
          ...(input !== undefined ? { input: Buffer.from(input) } : {})
        }),
        aborted
      ]);
      if (result.exitCode !== 0) {
        const detail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
        throw new HelmBinaryError(`${what}: helm exited with code ${result.exitCode}: ${detail}`);
      }
      return result.stdout;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
    }
  }

  /** `helm registry login host --username u --password-stdin`. */
  async login(host: string, auth: BasicAuth): Promise<void> {
    await this.run(['registry', 'login', host, '--username', auth.username, '--password-stdin'], `log in to OCI registry ${host}`, auth.password);
  }

  /**
   * `helm pull oci://<repository>/<name> --version <constraint>` into destination (an empty
   * directory). Returns the path of the archive helm wrote.
   */
  async pull(repository: string, name: string, version: string, destination: string): Promise<string> {
    const ref = `${repository.replace(/\/+$/, '')}/${name}`;
    const args = ['pull', ref, '--destination', destination];
    if (version) args.push('--version', version);
    await this.run(args, `pull ${ref}${version ? ` version ${version}` : ''}`);
    const files = (await fs.readdir(destination)).filter((f) => f.endsWith('.tgz'));
    if (files.length !== 1) throw new HelmBinaryError(`pull ${ref}: expected one chart archive from helm, found ${files.length}`);
    return path.join(destination, files[0]!);
  }

  async dispose(): Promise<void> {
    await fs.rm(this.home, { recursive: true, force: true });
  }
}
