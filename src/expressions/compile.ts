// Parsed expressions, cached by source text (a promotion evaluates the same texts many times).

import type { Node } from './ast.js';
import { ExpressionError } from './errors.js';
import { parse } from './parser.js';

/** A parsed expression, ready to evaluate many times. */
export interface CompiledExpression {
  readonly source: string;
  readonly ast: Node;
}

const cache = new Map<string, CompiledExpression>();
const CACHE_LIMIT = 1000;

function parseBounded(source: string): Node {
  try {
    return parse(source);
  } catch (err) {
    if (err instanceof RangeError) throw new ExpressionError('expression is nested too deeply', source);
    throw err;
  }
}

/** Parse `source`; throws ExpressionError on a syntax error. */
export function compile(source: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached) return cached;
  const compiled: CompiledExpression = Object.freeze({ source, ast: parseBounded(source) });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}
