// Running a tool: @actions/exec with an argument array (never a shell), output captured, and
// the wait bounded by the step's abort signal and a time limit.

import { getExecOutput, type ExecOutput } from '@actions/exec';

export interface RunOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Give up waiting after this long; default 10 minutes. */
  timeoutMs?: number;
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
      getExecOutput(binary, args, { cwd: options.cwd, silent: true, ignoreReturnCode: true }),
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
