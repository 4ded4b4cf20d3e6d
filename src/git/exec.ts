// Runs the git CLI the way every step needs it: an argument array (never a shell string), a
// hermetic environment, a bounded time, and credentials that reach git only through the
// child's environment (an askpass helper reads them; no argv, no config file, no URL).
//
// Why not @actions/exec: it gives no handle on the child, so a hung `git fetch` could not be
// killed. node:child_process.spawn with `shell: false` has the same argument-array semantics
// and lets us kill the whole process group (git plus its git-remote-http child).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TerminalError } from '../promotion/errors.js';
import { isSecretEnvName } from '../tools/run.js';
import type { Credentials } from '../credentials/index.js';
import { promptOrigin, redactURL } from './url.js';

/** Tunables; tests shorten them. Environment: KARGO_GIT_TIMEOUT_SECONDS overrides both. */
export const gitSettings = {
  /** Bound on a local git call (status, commit, worktree add...). */
  localTimeoutMs: 2 * 60_000,
  /** Bound on a call that talks to a remote (clone, fetch, push, ls-remote, pull). */
  networkTimeoutMs: 5 * 60_000,
  /** Grace between SIGTERM and SIGKILL once a call is over its time. */
  killGraceMs: 3_000,
  /** git push retry backoff (Kargo's: 1s, x1.5, jitter 0.5, cap 30s). */
  pushBackoff: { initialMs: 1_000, factor: 1.5, jitter: 0.5, capMs: 30_000 }
};

function envTimeoutMs(): number | undefined {
  const raw = process.env.KARGO_GIT_TIMEOUT_SECONDS;
  if (!raw) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** The git subcommands that reach a remote. */
const NETWORK_COMMANDS = new Set(['clone', 'fetch', 'push', 'pull', 'ls-remote', 'submodule']);

export interface RunGitOptions {
  cwd: string;
  /** Credentials for the remote; only ever placed in the child's environment. */
  credentials?: Credentials;
  /** The remote these credentials belong to: git is handed them only for this origin. */
  remoteURL?: string;
  /** Overrides the default bound (ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written to git's stdin. */
  input?: string;
  /** Exit codes that are answers rather than failures (e.g. 1 for `merge-base --is-ancestor`). */
  okExitCodes?: number[];
  /** Extra `-c key=value` settings scoped to this call (no secrets). */
  config?: Record<string, string>;
}

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for binary content such as `git cat-file blob`). */
  stdoutBytes: Buffer;
}

/** A git call that failed. Its message never contains a credential. */
export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly timedOut: boolean,
    readonly aborted: boolean
  ) {
    super(message);
    this.name = 'GitCommandError';
  }

  /** stdout + stderr, for pattern checks. */
  get output(): string {
    return `${this.stdout}\n${this.stderr}`;
  }
}

/** A git call that talked to a remote and was over its time: retryable. */
export class GitTimeoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GitTimeoutError';
  }
}

/** The remote refused the credentials (or wanted some and none were found): terminal. */
export class GitAuthenticationError extends TerminalError {
  constructor(message: string) {
    super(message);
    this.name = 'GitAuthenticationError';
  }
}

// ---------------------------------------------------------------------------------------------
// The private directory: askpass helper + an empty global config, outside any WorkDir, 0700.

const ASKPASS_SCRIPT = `#!/bin/sh
# Prints a git credential from the environment, only for the expected origin. Holds no secret.
case "$1" in
  Username*) want="'$KARGO_GIT_ORIGIN'"; value="$KARGO_GIT_USERNAME" ;;
  Password*) want="'$KARGO_GIT_ORIGIN_WITH_USER'"; value="$KARGO_GIT_PASSWORD" ;;
  *) exit 1 ;;
esac
[ -n "$KARGO_GIT_ORIGIN" ] || exit 1
case "$1" in
  *"$want"*) printf '%s\\n' "$value" ;;
  *) exit 1 ;;
esac
`;

const GLOBAL_CONFIG = `# Written by kargo-promote: the only "global" git config its git calls see.
[init]
\tdefaultBranch = main
[advice]
\tdetachedHead = false
[protocol "ext"]
\tallow = never
`;

interface PrivateDir {
  dir: string;
  askpass: string;
  globalConfig: string;
  home: string;
  /** GnuPG home for signing keys (see signing.ts). */
  gnupg: string;
}

let privateDir: PrivateDir | undefined;

/** The process-wide private directory (created on first use, removed at exit). */
export function gitPrivateDir(): PrivateDir {
  if (privateDir) return privateDir;
  const base = process.env.RUNNER_TEMP && process.env.RUNNER_TEMP.trim() ? process.env.RUNNER_TEMP : os.tmpdir();
  const dir = mkdtempSync(path.join(base, 'kargo-git-'));
  chmodSync(dir, 0o700);
  const askpass = path.join(dir, 'askpass.sh');
  writeFileSync(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
  chmodSync(askpass, 0o700);
  const globalConfig = path.join(dir, 'gitconfig');
  writeFileSync(globalConfig, GLOBAL_CONFIG, { mode: 0o600 });
  const home = path.join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  const gnupg = path.join(dir, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  privateDir = { dir, askpass, globalConfig, home, gnupg };
  process.once('exit', disposeGitPrivateDir);
  return privateDir;
}

/**
 * Remove the private directory (and stop a gpg-agent a signing key started there). Runs at
 * process exit; a long-lived caller (or a test file) may call it when done with git.
 */
export function disposeGitPrivateDir(): void {
  const current = privateDir;
  if (!current) return;
  privateDir = undefined;
  process.removeListener('exit', disposeGitPrivateDir);
  if (existsSync(path.join(current.gnupg, 'S.gpg-agent'))) {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: current.gnupg }, stdio: 'ignore' });
  }
  rmSync(current.dir, { recursive: true, force: true });
}

/** Variables git (or ssh) would honour that must not leak into our calls. */
function inheritable(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper === 'GIT_SSL_CAINFO' || upper === 'GIT_SSL_CAPATH') return true;
  if (upper.startsWith('GIT_') || upper.startsWith('KARGO_GIT_')) return false;
  if (isSecretEnvName(upper)) return false; // action inputs and runner tokens: never for git
  return !['SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE', 'HOME', 'XDG_CONFIG_HOME', 'PREFIX', 'GNUPGHOME'].includes(upper);
}

/**
 * The environment of a git child: the parent's minus anything that redirects git, plus a
 * private HOME and global config, no system config, no prompts, English messages, git's stall
 * detector, and (when given) the credentials for one origin.
 */
export function gitEnv(credentials?: Credentials, remoteURL?: string): Record<string, string> {
  const priv = gitPrivateDir();
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && inheritable(name)) env[name] = value;
  }
  Object.assign(env, {
    HOME: priv.home,
    XDG_CONFIG_HOME: path.join(priv.home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: priv.globalConfig,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: priv.askpass,
    GCM_INTERACTIVE: 'never',
    GNUPGHOME: priv.gnupg,
    LC_ALL: 'C',
    LANGUAGE: 'C',
    GIT_HTTP_LOW_SPEED_LIMIT: '1024',
    GIT_HTTP_LOW_SPEED_TIME: '30'
  });
  const origin = remoteURL ? promptOrigin(remoteURL) : undefined;
  if (credentials && credentials.password && origin) {
    const username = credentials.username || 'x-access-token';
    env.KARGO_GIT_ORIGIN = `${origin.protocol}://${origin.host}`;
    env.KARGO_GIT_ORIGIN_WITH_USER = `${origin.protocol}://${username}@${origin.host}`;
    env.KARGO_GIT_USERNAME = username;
    env.KARGO_GIT_PASSWORD = credentials.password;
  }
  return env;
}

/**
 * `-c` settings on every call: no credential helper (none could store or add a token), and no
 * inherited extra headers (a persisted actions/checkout token would otherwise be sent too).
 */
function baseConfig(remoteURL: string | undefined): string[] {
  const args = ['-c', 'credential.helper=', '-c', 'http.extraHeader=', '-c', 'core.hooksPath=/dev/null'];
  if (remoteURL && /^https?:\/\//i.test(remoteURL)) {
    args.push('-c', `http.${remoteURL}.extraHeader=`);
    const origin = promptOrigin(remoteURL);
    if (origin) args.push('-c', `http.${origin.protocol}://${origin.host}/.extraHeader=`);
  }
  return args;
}

/** Every form of a credential a log could show: raw, URL-encoded, and as a Basic header. */
export function secretForms(credentials: Credentials | undefined): string[] {
  if (!credentials?.password) return [];
  const username = credentials.username || 'x-access-token';
  const forms = new Set<string>([
    credentials.password,
    encodeURIComponent(credentials.password),
    Buffer.from(`${username}:${credentials.password}`).toString('base64')
  ]);
  return [...forms].filter((form) => form.length > 0);
}

/** Remove every form of the credential and any URL password from text. */
export function redactText(text: string, credentials?: Credentials): string {
  let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:]*):[^\s/@]*@/gi, '$1:***@');
  for (const form of secretForms(credentials)) out = out.split(form).join('***');
  return out;
}

/** The last meaningful lines of git's output, for an error message. */
export function summarizeOutput(stderr: string, stdout = ''): string {
  const lines = `${stderr}\n${stdout}`
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !/^hint:/i.test(line) && !/^(Cloning into|Preparing worktree|HEAD is now at)/.test(line));
  return lines.slice(-6).join('; ');
}

function killTree(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') process.kill(pid, signal);
    else process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Run git with args (after our `-c` safety settings). Throws GitCommandError on failure. */
export async function runGit(args: string[], options: RunGitOptions): Promise<GitResult> {
  const subcommand = args.find((arg) => !arg.startsWith('-')) ?? '';
  const network = NETWORK_COMMANDS.has(subcommand);
  const timeoutMs =
    options.timeoutMs ?? envTimeoutMs() ?? (network ? gitSettings.networkTimeoutMs : gitSettings.localTimeoutMs);
  const extra: string[] = [];
  for (const [key, value] of Object.entries(options.config ?? {})) extra.push('-c', `${key}=${value}`);
  const fullArgs = [...baseConfig(options.remoteURL), ...extra, ...args];
  const env = gitEnv(options.credentials, options.remoteURL);
  const shown = `git ${redactText(args.join(' '), options.credentials)}`;

  if (options.signal?.aborted) {
    throw new GitCommandError(`${shown}: canceled before it started`, args, null, '', '', false, true);
  }

  return new Promise<GitResult>((resolve, reject) => {
    const child = spawn('git', fullArgs, {
      cwd: options.cwd,
      env,
      shell: false,
      windowsHide: true,
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe']
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let forceSettle: NodeJS.Timeout | undefined;

    const stop = () => {
      killTree(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killTree(child.pid, 'SIGKILL'), gitSettings.killGraceMs);
      killTimer.unref?.();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const onAbort = () => {
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (code: number | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      if (forceSettle) clearTimeout(forceSettle);
      options.signal?.removeEventListener('abort', onAbort);
      const stdoutBytes = Buffer.concat(out);
      const rawStdout = stdoutBytes.toString('utf8');
      const rawStderr = Buffer.concat(err).toString('utf8');
      // Returned output is data (file contents, logs): left as is. Anything that becomes part of
      // an error message is redacted.
      const stdout = redactText(rawStdout, options.credentials);
      const stderr = redactText(rawStderr, options.credentials);
      if (spawnError) {
        reject(new GitCommandError(`${shown}: could not start git: ${spawnError.message}`, args, null, '', '', false, false));
        return;
      }
      if (timedOut || aborted) {
        const why = timedOut ? `did not finish within ${Math.round(timeoutMs / 1000)}s and was stopped` : 'was canceled';
        reject(new GitCommandError(`${shown} ${why}`, args, code, stdout, stderr, timedOut, aborted));
        return;
      }
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) {
        resolve({ exitCode, stdout: rawStdout, stderr: rawStderr, stdoutBytes });
        return;
      }
      const summary = summarizeOutput(stderr, stdout);
      reject(
        new GitCommandError(
          `${shown} failed (exit code ${exitCode})${summary ? `: ${summary}` : ''}`,
          args,
          exitCode,
          stdout,
          stderr,
          false,
          false
        )
      );
    };

    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code));
    child.on('exit', (code) => {
      // A grandchild that inherited the pipes could keep 'close' from ever coming.
      if (timedOut || aborted) {
        forceSettle = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          finish(code);
        }, 1_000);
        forceSettle.unref?.();
      }
    });
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

const AUTH_PATTERNS = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /returned error: (401|403)\b/i,
  /HTTP Basic: Access denied/i,
  /Invalid username or (password|token)/i,
  /terminal prompts disabled/i,
  /Permission to .* denied/i,
  /403 Forbidden/i
];

/** True when git's output says the remote refused (or wanted) credentials. */
export function isAuthFailure(output: string): boolean {
  return AUTH_PATTERNS.some((pattern) => pattern.test(output));
}

/**
 * Turn a failed remote call into the error a step should return: an authentication failure is
 * terminal and names the repository and the credential's source; a timeout is retryable.
 */
export function classifyRemoteError(
  error: unknown,
  what: string,
  remoteURL: string,
  credentials: Credentials | undefined
): Error {
  const url = redactURL(remoteURL);
  if (error instanceof GitCommandError) {
    if (error.timedOut) {
      return new GitTimeoutError(
        `${what} ${url}: git did not answer in time (the server may be unreachable or hung); the step can be retried`,
        { cause: error }
      );
    }
    if (!error.aborted && isAuthFailure(error.output)) {
      if (credentials?.password) {
        const user = credentials.username ? ` (username "${credentials.username}")` : '';
        return new GitAuthenticationError(
          `${what} ${url}: authentication failed with the credentials from ${credentials.source}${user}; ` +
            'check that the token is valid, not expired, and has access to this repository'
        );
      }
      return new GitAuthenticationError(
        `${what} ${url}: the server requires authentication and no credentials were found for this URL; ` +
          'add a secret with a matching repoURL to the `secrets` input (or use the github-token for the workflow\'s GitHub server)'
      );
    }
    return new Error(`${what} ${url}: ${error.message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
