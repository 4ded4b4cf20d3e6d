// expr's operators on values (vm/runtime helpers): arithmetic, comparison, membership, strings.

import { fault } from './errors.js';
import { equal, hasMember, kindOf, typeName } from './values.js';
import { compileRegExp } from './regexp.js';

/** expr's default memory budget: the most elements one operation may create. */
const MEMORY_BUDGET = 1_000_000;

function isNumber(v: unknown): v is number {
  return typeof v === 'number';
}

function mismatch(op: string, a: unknown, b: unknown): never {
  return fault(`invalid operation: ${typeName(a)} ${op} ${typeName(b)} (mismatched types ${typeName(a)} and ${typeName(b)})`);
}

function numbers(op: string, a: unknown, b: unknown): [number, number] {
  if (!isNumber(a) || !isNumber(b)) return mismatch(op, a, b);
  return [a, b];
}

function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (a instanceof Date && isNumber(b)) return new Date(a.getTime() + b / 1e6);
  const [x, y] = numbers('+', a, b);
  return x + y;
}

function modulo(a: unknown, b: unknown): number {
  const [x, y] = numbers('%', a, b);
  if (!Number.isInteger(x) || !Number.isInteger(y)) return mismatch('%', a, b);
  if (y === 0) fault('integer divide by zero');
  return x % y;
}

function range(a: unknown, b: unknown): number[] {
  const [from, to] = numbers('..', a, b);
  if (!Number.isInteger(from) || !Number.isInteger(to)) return mismatch('..', a, b);
  if (to - from >= MEMORY_BUDGET) fault('memory budget exceeded');
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const comparable = (isNumber(a) && isNumber(b)) || (typeof a === 'string' && typeof b === 'string');
  const dates = a instanceof Date && b instanceof Date;
  if (!comparable && !dates) return mismatch(op, a, b);
  const x = dates ? (a as Date).getTime() : (a as number | string);
  const y = dates ? (b as Date).getTime() : (b as number | string);
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

function strings(op: string, a: unknown, b: unknown): [string, string] {
  if (typeof a !== 'string' || typeof b !== 'string') return mismatch(op, a, b);
  return [a, b];
}

function inOperator(needle: unknown, haystack: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => equal(item, needle));
  return hasMember(haystack, needle);
}

function subtract(a: unknown, b: unknown): unknown {
  if (a instanceof Date && b instanceof Date) return (a.getTime() - b.getTime()) * 1e6;
  const [x, y] = numbers('-', a, b);
  return x - y;
}

const BINARY: Record<string, (a: unknown, b: unknown) => unknown> = {
  '+': add,
  '-': subtract,
  '*': (a, b) => {
    const [x, y] = numbers('*', a, b);
    return x * y;
  },
  '/': (a, b) => {
    const [x, y] = numbers('/', a, b);
    return x / y;
  },
  '%': modulo,
  '**': (a, b) => Math.pow(...numbers('**', a, b)),
  '^': (a, b) => Math.pow(...numbers('^', a, b)),
  '..': range,
  '==': (a, b) => equal(a, b),
  '!=': (a, b) => !equal(a, b),
  '<': (a, b) => compare('<', a, b),
  '>': (a, b) => compare('>', a, b),
  '<=': (a, b) => compare('<=', a, b),
  '>=': (a, b) => compare('>=', a, b),
  in: inOperator,
  contains: (a, b) => {
    const [x, y] = strings('contains', a, b);
    return x.includes(y);
  },
  startsWith: (a, b) => {
    const [x, y] = strings('startsWith', a, b);
    return x.startsWith(y);
  },
  endsWith: (a, b) => {
    const [x, y] = strings('endsWith', a, b);
    return x.endsWith(y);
  },
  matches: (a, b) => {
    const [x, y] = strings('matches', a, b);
    return compileRegExp(y).test(x);
  }
};

/** Apply a non-short-circuit binary operator. */
export function applyBinary(op: string, a: unknown, b: unknown): unknown {
  const fn = BINARY[op];
  if (!fn) return fault(`unknown operator ${op}`);
  return fn(a, b);
}

export function applyUnary(op: string, v: unknown): unknown {
  if (op === 'not' || op === '!') return !asBool(v, op);
  if (!isNumber(v)) return fault(`invalid operation: ${op}${typeName(v)}`);
  return op === '-' ? -v : v;
}

/** A value used where a bool is required (conditions, &&, ||, !, predicates). */
export function asBool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') return fault(`${where} needs a bool, got ${kindOf(v) === 'nil' ? 'nil' : typeName(v)}`);
  return v;
}
