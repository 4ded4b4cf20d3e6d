// The action's and the CLI's settings, in one typed object: inputs are read once, checked once,
// and every later module receives this instead of reading the environment itself.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isWithin, resolveStrictly } from './fs/paths.js';
import { parseDuration } from './promotion/duration.js';
import { InputError } from './promotion/errors.js';
import { parseSecretsInput, parseVarsInput } from './promotion/load.js';
import type { ArgoCDSettings, GitHubSettings, GitUser } from './promotion/types.js';

/** Raw inputs by their action names (`steps-file`, `error-threshold`, ...). */
export type RawInputs = Record<string, string | undefined>;

export interface Settings {
  stepsText: string;
  stepsSource: string;
  freightText?: string;
  freightSource?: string;
  vars: Record<string, string>;
  secrets: Record<string, Record<string, string>>;
  project?: string;
  stage?: string;
  promotion: string;
  workspace: string;
  workDir: string;
  github: GitHubSettings;
  argocd?: ArgoCDSettings;
  gitUser: GitUser;
  errorThreshold: number;
  timeoutMs?: number;
  uiBaseURL: string;
  actor: string;
  defaultProject: string;
}

export const DEFAULT_GIT_USER: GitUser = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
};

function input(raw: RawInputs, name: string): string {
  return (raw[name] ?? '').trim();
}

export interface ReadOptions {
  /** The action keeps steps and freight files inside the workspace; the CLI reads any path. */
  confineFiles?: boolean;
}

async function readInside(workspace: string, file: string, inputName: string, options: ReadOptions): Promise<string> {
  let resolved = path.resolve(workspace, file);
  if (options.confineFiles !== false) {
    try {
      resolved = resolveStrictly(workspace, file);
    } catch {
      throw new InputError(`${inputName}: "${file}" must be a path inside the workspace (${workspace})`);
    }
    // resolveStrictly leaves the last component unresolved: a link there must not lead out either.
    const real = await fs.realpath(resolved).catch(() => resolved);
    const root = await fs.realpath(workspace).catch(() => workspace);
    if (!isWithin(root, real)) {
      throw new InputError(`${inputName}: "${file}" must be a path inside the workspace (${workspace}); it is a symlink that leads out`);
    }
  }
  try {
    return await fs.readFile(resolved, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    throw new InputError(`${inputName}: "${file}" ${why} in the workspace; check the path (it is relative to ${workspace})`);
  }
}

async function readSteps(raw: RawInputs, workspace: string, options: ReadOptions): Promise<{ text: string; source: string }> {
  const inline = raw.steps ?? '';
  const file = input(raw, 'steps-file');
  if (inline.trim() !== '' && file !== '') throw new InputError('steps and steps-file: give exactly one of them, not both');
  if (file !== '') return { text: await readInside(workspace, file, 'steps-file', options), source: file };
  if (inline.trim() === '') throw new InputError('steps or steps-file is required: give inline YAML steps or the path of a steps file');
  return { text: inline, source: 'steps' };
}

async function readFreight(raw: RawInputs, workspace: string, options: ReadOptions): Promise<{ text?: string; source?: string }> {
  const inline = raw.freight ?? '';
  const file = input(raw, 'freight-file');
  if (inline.trim() !== '' && file !== '') throw new InputError('freight and freight-file: give at most one of them');
  if (file !== '') return { text: await readInside(workspace, file, 'freight-file', options), source: file };
  if (inline.trim() !== '') return { text: inline, source: 'freight' };
  return {};
}

function parseThreshold(text: string): number {
  if (text === '') return 3;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`error-threshold: "${text}" must be a whole number of at least 1`);
  return n;
}

function parseTimeout(text: string): number | undefined {
  if (text === '') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0) throw new InputError(`timeout: "${text}" is not a duration; use Go syntax such as "10m" or "1h30m"`);
  return ms === 0 ? undefined : ms;
}

/**
 * Argo CD from the argocd-server/argocd-token inputs, or else from a secret named `argocd` with
 * `server` and `token` keys (so one `secrets` input can carry every credential).
 */
function parseArgoCD(raw: RawInputs, secrets: Record<string, Record<string, string>>): ArgoCDSettings | undefined {
  const fromSecret = secrets.argocd ?? {};
  const server = input(raw, 'argocd-server') || (fromSecret.server ?? '').trim();
  if (server === '') return undefined;
  try {
    new URL(server);
  } catch {
    throw new InputError(`argocd-server: "${server}" is not a URL; give the Argo CD API server's base URL, e.g. https://argocd.example.com`);
  }
  return {
    server: server.replace(/\/+$/, ''),
    token: input(raw, 'argocd-token') || fromSecret.token || undefined,
    namespace: input(raw, 'argocd-namespace') || 'argocd',
    insecure: input(raw, 'argocd-insecure') === 'true'
  };
}

/** The context of the run that neither inputs nor flags give (GitHub's environment). */
export interface RunEnvironment {
  workspace: string;
  serverUrl: string;
  apiUrl: string;
  repository?: string;
  runId?: string;
  actor?: string;
}

export function runEnvironment(env: NodeJS.ProcessEnv): RunEnvironment {
  return {
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    repository: env.GITHUB_REPOSITORY,
    runId: env.GITHUB_RUN_ID,
    actor: env.GITHUB_ACTOR
  };
}

/** Read and check every input; throws InputError naming the input and the fix. */
export async function readSettings(raw: RawInputs, run: RunEnvironment, options: ReadOptions = {}): Promise<Settings> {
  const workspace = path.resolve(run.workspace);
  const steps = await readSteps(raw, workspace, options);
  const freight = await readFreight(raw, workspace, options);
  const workingDirectory = input(raw, 'working-directory');
  const secrets = parseSecretsInput(raw.secrets ?? '');
  const runUrl = run.repository && run.runId ? `${run.serverUrl}/${run.repository}/actions/runs/${run.runId}` : '';
  return {
    stepsText: steps.text,
    stepsSource: steps.source,
    freightText: freight.text,
    freightSource: freight.source,
    vars: parseVarsInput(raw.vars ?? ''),
    secrets,
    project: input(raw, 'project') || undefined,
    stage: input(raw, 'stage') || undefined,
    promotion: input(raw, 'promotion') || run.runId || `local-${Date.now()}`,
    workspace,
    workDir: workingDirectory ? path.resolve(workspace, workingDirectory) : workspace,
    github: { serverUrl: run.serverUrl, apiUrl: run.apiUrl, token: input(raw, 'github-token') || undefined },
    argocd: parseArgoCD(raw, secrets),
    gitUser: {
      name: input(raw, 'git-user-name') || DEFAULT_GIT_USER.name,
      email: input(raw, 'git-user-email') || DEFAULT_GIT_USER.email
    },
    errorThreshold: parseThreshold(input(raw, 'error-threshold')),
    timeoutMs: parseTimeout(input(raw, 'timeout')),
    uiBaseURL: runUrl,
    actor: run.actor ?? '',
    defaultProject: run.repository?.split('/')[1] ?? path.basename(workspace)
  };
}

// Keys of a credential secret that describe it rather than hold a secret; masking "true" or
// "git" would blank those words out of every log line.
const DESCRIPTIVE_KEYS = new Set(['type', 'repoURLIsRegex']);

/** Every value that must never be printed. */
export function secretValues(settings: Settings): string[] {
  const values = [settings.github.token, settings.argocd?.token];
  for (const data of Object.values(settings.secrets)) {
    values.push(...Object.entries(data).filter(([k]) => !DESCRIPTIVE_KEYS.has(k)).map(([, v]) => v));
  }
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}
