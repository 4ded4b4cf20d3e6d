// Errors of the expression language: what went wrong, in which expression, and where.

/** A syntax or runtime error in an expression; the message names the column and the text. */
export class ExpressionError extends Error {
  /** The expression (or template) text the error is about. */
  readonly expression: string;
  /** 0-based offset in `expression`, when known. */
  readonly position?: number;
  /** The bare reason, without the location suffix. */
  readonly reason: string;

  constructor(reason: string, expression: string, position?: number) {
    super(formatMessage(reason, expression, position));
    this.name = 'ExpressionError';
    this.reason = reason;
    this.expression = expression;
    this.position = position;
  }
}

const SHOWN_LIMIT = 200;

function formatMessage(reason: string, expression: string, position?: number): string {
  const trimmed = expression.trim();
  const shown = trimmed.length > SHOWN_LIMIT ? `${trimmed.slice(0, SHOWN_LIMIT)}...` : trimmed;
  if (position === undefined) return `${reason} in ${JSON.stringify(shown)}`;
  const lead = expression.length - expression.trimStart().length;
  const column = Math.max(0, position - lead) + 1;
  return `${reason} at column ${column} in ${JSON.stringify(shown)}`;
}

/** A runtime fault raised by helpers that do not know the position; the evaluator adds it. */
export class Fault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Fault';
  }
}

export function fault(message: string): never {
  throw new Fault(message);
}
