// Tree-walking evaluator: runs a parsed expression against an environment, as expr's VM does.

import type { Node, NodeOf } from './ast.js';
import { callBuiltin, callPredicateBuiltin, isPredicateBuiltin, type Predicate } from './builtins.js';
import { ExpressionError, Fault } from './errors.js';
import { applyBinary, applyUnary, asBool } from './operators.js';
import { fetch, hasOwn, isNil, isPlainMap, kindOf, typeName } from './values.js';

export type Functions = Record<string, unknown>;

interface Frame {
  item: unknown;
  index: number;
  acc?: unknown;
}

interface Scope {
  vars: Record<string, unknown>;
  frame?: Frame;
}

/** Thrown by `?.` on nil; caught by the enclosing chain, which then yields nil. */
const CHAIN_BREAK = { chainBreak: true };

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class Evaluator {
  constructor(
    private readonly source: string,
    private readonly env: unknown,
    private readonly functions: Functions
  ) {}

  evaluate(node: Node): unknown {
    return this.run(node, { vars: Object.create(null) as Record<string, unknown> });
  }

  private run(node: Node, scope: Scope): unknown {
    try {
      const value = this.dispatch(node, scope);
      return value === undefined ? null : value;
    } catch (err) {
      if (err === CHAIN_BREAK || err instanceof ExpressionError) throw err;
      const reason = err instanceof Fault ? err.message : messageOf(err);
      throw new ExpressionError(reason, this.source, node.pos);
    }
  }

  private dispatch(node: Node, scope: Scope): unknown {
    switch (node.type) {
      case 'literal':
        return node.value;
      case 'identifier':
        return this.identifier(node.name, scope);
      case 'pointer':
        return this.pointer(node.name, scope);
      case 'member':
        return this.member(node, scope);
      case 'chain':
        return this.chain(node, scope);
      case 'slice':
        return this.slice(node, scope);
      case 'call':
        return this.call(node, scope);
      case 'builtin':
        return this.builtin(node, scope);
      case 'unary':
        return applyUnary(node.op, this.run(node.operand, scope));
      case 'binary':
        return this.binary(node, scope);
      case 'conditional':
        return asBool(this.run(node.cond, scope), 'a condition')
          ? this.run(node.then, scope)
          : this.run(node.else, scope);
      case 'array':
        return node.items.map((item) => this.run(item, scope));
      case 'map':
        return this.map(node, scope);
      case 'let':
        return this.run(node.body, { ...scope, vars: { ...scope.vars, [node.name]: this.run(node.value, scope) } });
      case 'sequence':
        return node.nodes.reduce<unknown>((_, n) => this.run(n, scope), null);
      case 'predicate':
        throw new Fault('a predicate is only allowed as an argument of a predicate function');
    }
  }

  private identifier(name: string, scope: Scope): unknown {
    if (hasOwn(scope.vars, name)) return scope.vars[name];
    if (name === '$env') return this.env;
    return this.lookupEnv(name);
  }

  /** Kargo compiles without a typed environment, so an absent name reads as nil. */
  private lookupEnv(name: string): unknown {
    const env = this.env;
    if (isNil(env)) return null;
    if (isPlainMap(env)) return hasOwn(env, name) ? env[name] : null;
    if (kindOf(env) === 'struct') return fetch(env, name);
    throw new Fault(`cannot fetch ${name} from ${typeName(env)}`);
  }

  private pointer(name: string, scope: Scope): unknown {
    const frame = scope.frame;
    if (!frame) throw new Fault('# is only allowed inside a predicate');
    if (name === '') return frame.item;
    if (name === 'index') return frame.index;
    if (name === 'acc') return frame.acc;
    throw new Fault(`unknown pointer #${name}`);
  }

  private member(node: NodeOf<'member'>, scope: Scope): unknown {
    const object = this.run(node.object, scope);
    if (node.optional && isNil(object)) throw CHAIN_BREAK;
    return fetch(object, this.run(node.property, scope));
  }

  private chain(node: NodeOf<'chain'>, scope: Scope): unknown {
    try {
      return this.run(node.node, scope);
    } catch (err) {
      if (err === CHAIN_BREAK) return null;
      throw err;
    }
  }

  private slice(node: NodeOf<'slice'>, scope: Scope): unknown {
    const object = this.run(node.object, scope);
    if (!Array.isArray(object) && typeof object !== 'string') throw new Fault(`cannot slice ${typeName(object)}`);
    const length = object.length;
    const bound = (n: Node | undefined, dflt: number): number => {
      if (!n) return dflt;
      const v = this.run(n, scope);
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new Fault(`cannot use ${typeName(v)} as a slice index`);
      return Math.min(Math.max(v < 0 ? length + v : v, 0), length);
    };
    const to = bound(node.to, length);
    const from = Math.min(bound(node.from, 0), to);
    return object.slice(from, to);
  }

  private call(node: NodeOf<'call'>, scope: Scope): unknown {
    const fn = this.callee(node.callee, scope);
    const args = node.args.map((a) => this.run(a, scope));
    return (fn as (...a: unknown[]) => unknown)(...args);
  }

  private callee(callee: Node, scope: Scope): unknown {
    if (callee.type === 'identifier') {
      const name = callee.name;
      const fn = hasOwn(this.functions, name) ? this.functions[name] : this.identifier(name, scope);
      if (typeof fn !== 'function') {
        throw new Fault(isNil(fn) ? `unknown function ${name}()` : `${name} is not a function (it is ${typeName(fn)})`);
      }
      return fn;
    }
    const fn = this.run(callee, scope);
    if (typeof fn === 'function') return fn;
    const name = callee.type === 'member' && callee.property.type === 'literal' ? String(callee.property.value) : 'the value';
    throw new Fault(`${name} is not a function (it is ${typeName(fn)})`);
  }

  private builtin(node: NodeOf<'builtin'>, scope: Scope): unknown {
    if (!isPredicateBuiltin(node.name)) {
      return callBuiltin(node.name, node.args.map((a) => this.run(a, scope)));
    }
    const [first, second, third] = node.args;
    const collection = this.run(first, scope);
    const predicate = second ? this.predicate(second as NodeOf<'predicate'>, scope) : undefined;
    const extra = third ? [this.run(third, scope)] : [];
    return callPredicateBuiltin(node.name, collection, predicate, extra);
  }

  private predicate(node: NodeOf<'predicate'>, scope: Scope): Predicate {
    return (item, index, acc) => this.run(node.body, { vars: scope.vars, frame: { item, index, acc } });
  }

  private binary(node: NodeOf<'binary'>, scope: Scope): unknown {
    const op = node.op;
    if (op === '&&' || op === 'and') {
      return asBool(this.run(node.left, scope), op) && asBool(this.run(node.right, scope), op);
    }
    if (op === '||' || op === 'or') {
      return asBool(this.run(node.left, scope), op) || asBool(this.run(node.right, scope), op);
    }
    if (op === '??') {
      const left = this.run(node.left, scope);
      return isNil(left) ? this.run(node.right, scope) : left;
    }
    return applyBinary(op, this.run(node.left, scope), this.run(node.right, scope));
  }

  private map(node: NodeOf<'map'>, scope: Scope): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [keyNode, valueNode] of node.pairs) {
      const key = this.run(keyNode, scope);
      if (typeof key !== 'string' && typeof key !== 'number') throw new Fault(`a map key must be a string, got ${typeName(key)}`);
      Object.defineProperty(out, String(key), {
        value: this.run(valueNode, scope), enumerable: true, writable: true, configurable: true
      });
    }
    return out;
  }
}
