// Kargo's TerminalError: an error that tells the engine not to retry the step.

export class TerminalError extends Error {
  readonly err: unknown;

  constructor(err: unknown) {
    super(messageOf(err));
    this.name = 'TerminalError';
    this.err = err;
  }
}

/** True if err is a TerminalError or wraps one through `cause` chains (Go's errors.As). */
export function isTerminal(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof TerminalError) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}

/** Wrap err with context, keeping it reachable for isTerminal (Go's fmt.Errorf("%w")). */
export function wrapError(context: string, err: unknown): Error {
  return new Error(`${context}: ${messageOf(err)}`, { cause: err });
}

export function messageOf(err: unknown): string {
  if (err === undefined || err === null) return '';
  // Duck-typed: errors from another realm (node's own, under jest's VM modules) fail instanceof.
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  return String(err);
}

/**
 * An input the user must fix before anything runs (bad YAML, an unknown step, an expression
 * that does not parse). The doors print it and exit without touching the WorkDir.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
