// Running a tool: @actions/exec with an argument array (never a shell), output captured, and
// the wait bounded by the step's abort signal and a time limit.

import { getExecOutput, type ExecOutput } from '@actions/exec';

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Give up waiting after this long; default 10 minutes. */
  timeoutMs?: number;
}

/** Names of the runner's variables that hold secrets: action inputs and the runner's tokens. */
export function isSecretEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    upper.startsWith('INPUT_') ||
    ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', 'GITHUB_TOKEN', 'GH_TOKEN'].includes(upper)
  );
}

/** The environment of a tool: ours, minus every variable that could hold a secret. */
export function toolEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !isSecretEnvName(name)) env[name] = value;
  }
  return env;
}

export async function runTool(binary: string, args: string[], options: RunOptions = {}): Promise<ExecOutput> {
  const { signal, timeoutMs = 10 * 60 * 1000 } = options;
  signal?.throwIfAborted();
  const name = binary.split(/[\\/]/).pop();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
    onAbort = () => reject(new Error(`${name} was canceled`));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      getExecOutput(binary, args, { cwd: options.cwd, env: toolEnv(), silent: true, ignoreReturnCode: true }),
      stop
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** The last meaningful lines of a tool's error output, for messages. */
export function toolError(output: ExecOutput): string {
  const text = (output.stderr.trim() || output.stdout.trim()).split('\n').slice(-20).join('\n');
  return text || `exit code ${output.exitCode}`;
}
