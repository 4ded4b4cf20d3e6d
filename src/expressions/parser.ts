// Pratt parser for expr-lang (precedences and grammar of expr v1.17's parser).

import type { Node } from './ast.js';
import { ExpressionError } from './errors.js';
import { isAlphaNumeric, tokenize, type Token, type TokenKind } from './lexer.js';

const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 };

const BINARY: Record<string, { prec: number; right?: boolean }> = {
  '|': { prec: 0 },
  or: { prec: 10 }, '||': { prec: 10 },
  and: { prec: 15 }, '&&': { prec: 15 },
  '==': { prec: 20 }, '!=': { prec: 20 }, '<': { prec: 20 }, '>': { prec: 20 },
  '>=': { prec: 20 }, '<=': { prec: 20 }, in: { prec: 20 }, matches: { prec: 20 },
  contains: { prec: 20 }, startsWith: { prec: 20 }, endsWith: { prec: 20 },
  '..': { prec: 25 },
  '+': { prec: 30 }, '-': { prec: 30 },
  '*': { prec: 60 }, '/': { prec: 60 }, '%': { prec: 60 },
  '**': { prec: 100, right: true }, '^': { prec: 100, right: true },
  '??': { prec: 500 }
};

const NEGATABLE = new Set(['contains', 'matches', 'startsWith', 'endsWith', 'in']);
const COMPARISONS = new Set(['<', '>', '<=', '>=']);

type ArgKind = 'expr' | 'predicate' | 'optional-predicate' | 'optional-expr';
const PREDICATES: Record<string, ArgKind[]> = {
  all: ['expr', 'predicate'], none: ['expr', 'predicate'], any: ['expr', 'predicate'],
  one: ['expr', 'predicate'], filter: ['expr', 'predicate'], map: ['expr', 'predicate'],
  count: ['expr', 'optional-predicate'], sum: ['expr', 'optional-predicate'],
  find: ['expr', 'predicate'], findIndex: ['expr', 'predicate'], findLast: ['expr', 'predicate'],
  findLastIndex: ['expr', 'predicate'], groupBy: ['expr', 'predicate'],
  sortBy: ['expr', 'predicate', 'optional-expr'], reduce: ['expr', 'predicate', 'optional-expr']
};

/** Names expr parses as built-in functions (they shadow environment entries of the same name). */
export const BUILTIN_NAMES = new Set([
  ...Object.keys(PREDICATES),
  'len', 'type', 'abs', 'ceil', 'floor', 'round', 'int', 'float', 'string', 'trim', 'trimPrefix',
  'trimSuffix', 'upper', 'lower', 'split', 'splitAfter', 'replace', 'repeat', 'join', 'indexOf',
  'lastIndexOf', 'hasPrefix', 'hasSuffix', 'max', 'min', 'mean', 'median', 'toJSON', 'fromJSON',
  'toBase64', 'fromBase64', 'now', 'duration', 'date', 'timezone', 'first', 'last', 'get', 'take',
  'keys', 'values', 'toPairs', 'fromPairs', 'reverse', 'uniq', 'concat', 'flatten', 'sort',
  'bitand', 'bitor', 'bitxor', 'bitnand', 'bitnot', 'bitshl', 'bitshr', 'bitushr'
]);

function describe(token: Token): string {
  if (token.kind === 'EOF') return 'end of expression';
  return `token ${JSON.stringify(token.value)}`;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(private readonly src: string) {
    this.tokens = tokenize(src);
  }

  private get current(): Token {
    return this.tokens[this.index];
  }

  private next(): void {
    if (this.index < this.tokens.length - 1) this.index++;
  }

  private is(kind: TokenKind, value?: string): boolean {
    return this.current.kind === kind && (value === undefined || this.current.value === value);
  }

  private fail(message: string, token: Token = this.current): never {
    throw new ExpressionError(message, this.src, token.pos);
  }

  private unexpected(token: Token = this.current): never {
    return this.fail(`unexpected ${describe(token)}`, token);
  }

  private expect(kind: TokenKind, value?: string): Token {
    const token = this.current;
    if (!this.is(kind, value)) this.unexpected();
    this.next();
    return token;
  }

  parse(): Node {
    const node = this.parseSequence();
    if (!this.is('EOF')) this.unexpected();
    return node;
  }

  private parseSequence(): Node {
    const nodes = [this.parseExpression(0)];
    while (this.is('Operator', ';')) {
      this.next();
      if (this.is('EOF')) break;
      nodes.push(this.parseExpression(0));
    }
    return nodes.length === 1 ? nodes[0] : { type: 'sequence', nodes, pos: nodes[0].pos };
  }

  private parseExpression(precedence: number): Node {
    if (precedence === 0 && this.is('Operator', 'let')) return this.parseLet();
    if (precedence === 0 && this.is('Operator', 'if')) return this.parseIf();
    let left = this.parsePrimary();
    let previous = '';
    while (this.is('Operator')) {
      const result = this.parseInfix(left, precedence, previous);
      if (!result) break;
      [left, previous] = result;
    }
    return precedence === 0 ? this.parseConditional(left) : left;
  }

  /** One binary operator after `left`, or undefined when it binds looser than `precedence`. */
  private parseInfix(left: Node, precedence: number, previous: string): [Node, string] | undefined {
    let opToken = this.current;
    let negate = false;
    if (opToken.value === 'not') {
      const following = this.tokens[this.index + 1];
      if (!(following.kind === 'Operator' && NEGATABLE.has(following.value))) this.unexpected(following);
      if (BINARY[following.value].prec < precedence) return undefined;
      this.next();
      opToken = following;
      negate = true;
    }
    const op = BINARY[opToken.value];
    if (!op || op.prec < precedence) return undefined;
    this.next();
    if (opToken.value === '|') return [this.parsePipe(left), '|'];
    if (previous === '??' && opToken.value !== '??') {
      this.fail(`operator (${opToken.value}) and coalesce expressions (??) cannot be mixed; wrap either in parentheses`, opToken);
    }
    if (COMPARISONS.has(opToken.value)) return [this.parseComparison(left, opToken, op.prec), opToken.value];
    const right = this.parseExpression(op.right ? op.prec : op.prec + 1);
    let node: Node = { type: 'binary', op: opToken.value, left, right, pos: opToken.pos };
    if (negate) node = { type: 'unary', op: 'not', operand: node, pos: opToken.pos };
    return [node, opToken.value];
  }

  private parsePipe(left: Node): Node {
    const ident = this.expect('Identifier');
    return this.parseCall(ident, [left]);
  }

  private parseComparison(left: Node, token: Token, prec: number): Node {
    let root: Node | undefined;
    let op = token;
    for (;;) {
      const right = this.parseExpression(prec + 1);
      const cmp: Node = { type: 'binary', op: op.value, left, right, pos: op.pos };
      root = root ? { type: 'binary', op: '&&', left: root, right: cmp, pos: op.pos } : cmp;
      left = right;
      if (!(this.is('Operator') && COMPARISONS.has(this.current.value))) return root;
      op = this.current;
      this.next();
    }
  }

  private parseLet(): Node {
    this.expect('Operator', 'let');
    const name = this.expect('Identifier');
    this.expect('Operator', '=');
    const value = this.parseExpression(0);
    this.expect('Operator', ';');
    const body = this.parseSequence();
    return { type: 'let', name: name.value, value, body, pos: name.pos };
  }

  private parseIf(): Node {
    const token = this.expect('Operator', 'if');
    const cond = this.parseExpression(0);
    this.expect('Bracket', '{');
    const then = this.parseSequence();
    this.expect('Bracket', '}');
    this.expect('Operator', 'else');
    let otherwise: Node;
    if (this.is('Operator', 'if')) {
      otherwise = this.parseIf();
    } else {
      this.expect('Bracket', '{');
      otherwise = this.parseSequence();
      this.expect('Bracket', '}');
    }
    return { type: 'conditional', cond, then, else: otherwise, pos: token.pos };
  }

  private parseConditional(node: Node): Node {
    while (this.is('Operator', '?')) {
      const token = this.current;
      this.next();
      let then: Node;
      let otherwise: Node;
      if (this.is('Operator', ':')) {
        this.next();
        then = node;
        otherwise = this.parseExpression(0);
      } else {
        then = this.parseExpression(0);
        this.expect('Operator', ':');
        otherwise = this.parseExpression(0);
      }
      node = { type: 'conditional', cond: node, then, else: otherwise, pos: token.pos };
    }
    return node;
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'Operator' && token.value in UNARY) {
      this.next();
      const operand = this.parseExpression(UNARY[token.value]);
      return this.parsePostfix({ type: 'unary', op: token.value, operand, pos: token.pos });
    }
    if (this.is('Bracket', '(')) {
      this.next();
      const inner = this.parseSequence();
      this.expect('Bracket', ')');
      return this.parsePostfix(inner);
    }
    if (this.depth > 0 && (this.is('Operator', '#') || this.is('Operator', '.'))) {
      return this.parsePointer();
    }
    if (this.is('Operator', '::')) {
      this.next();
      const name = this.expect('Identifier');
      if (!this.is('Bracket', '(')) this.unexpected();
      return this.parsePostfix(this.parseCall(name, []));
    }
    return this.parseSecondary();
  }

  private parsePointer(): Node {
    const token = this.current;
    let name = '';
    if (token.value === '#') {
      this.next();
      if (this.is('Identifier')) {
        name = this.current.value;
        this.next();
      }
    }
    return this.parsePostfix({ type: 'pointer', name, pos: token.pos });
  }

  private parseSecondary(): Node {
    const token = this.current;
    switch (token.kind) {
      case 'Identifier':
        this.next();
        return this.parsePostfix(this.parseIdentifier(token));
      case 'Number':
        this.next();
        return this.parsePostfix({ type: 'literal', value: this.parseNumber(token), pos: token.pos });
      case 'String':
        this.next();
        return this.parsePostfix({ type: 'literal', value: token.value, pos: token.pos });
      default:
        if (this.is('Bracket', '[')) return this.parsePostfix(this.parseArray());
        if (this.is('Bracket', '{')) return this.parsePostfix(this.parseMap());
        return this.unexpected();
    }
  }

  private parseIdentifier(token: Token): Node {
    const constants: Record<string, unknown> = { true: true, false: false, nil: null };
    // An own key only: `constructor` or `__proto__` must stay identifiers, not Object.prototype's.
    if (Object.prototype.hasOwnProperty.call(constants, token.value)) return { type: 'literal', value: constants[token.value], pos: token.pos };
    if (this.is('Bracket', '(')) return this.parseCall(token, []);
    return { type: 'identifier', name: token.value, pos: token.pos };
  }

  private parseNumber(token: Token): number {
    const value = Number(token.value.replace(/_/g, ''));
    if (!Number.isFinite(value)) this.fail(`invalid number literal ${JSON.stringify(token.value)}`, token);
    return value;
  }

  private parseCall(token: Token, args: Node[]): Node {
    const kinds = PREDICATES[token.value];
    if (kinds) return this.parsePredicateCall(token, args, kinds);
    const parsed = this.parseArguments(args);
    if (BUILTIN_NAMES.has(token.value)) return { type: 'builtin', name: token.value, args: parsed, pos: token.pos };
    const callee: Node = { type: 'identifier', name: token.value, pos: token.pos };
    return { type: 'call', callee, args: parsed, pos: token.pos };
  }

  private parsePredicateCall(token: Token, args: Node[], kinds: ArgKind[]): Node {
    this.expect('Bracket', '(');
    const remaining = kinds.slice(args.length);
    for (let i = 0; i < remaining.length; i++) {
      const optional = remaining[i].startsWith('optional');
      if (this.is('Bracket', ')')) {
        if (optional) break;
        this.fail(`expected at least ${remaining.length} arguments`);
      }
      if (i > 0) this.expect('Operator', ',');
      if (optional && this.is('Bracket', ')')) break;
      args.push(remaining[i].endsWith('predicate') ? this.parsePredicate() : this.parseExpression(0));
    }
    if (this.is('Operator', ',')) this.next();
    this.expect('Bracket', ')');
    return { type: 'builtin', name: token.value, args, pos: token.pos };
  }

  private parseArguments(args: Node[]): Node[] {
    const offset = args.length;
    this.expect('Bracket', '(');
    while (!this.is('Bracket', ')')) {
      if (args.length > offset) this.expect('Operator', ',');
      if (this.is('Bracket', ')')) break;
      args.push(this.parseExpression(0));
    }
    this.expect('Bracket', ')');
    return args;
  }

  private parsePredicate(): Node {
    const start = this.current;
    const braces = this.is('Bracket', '{');
    if (braces) this.next();
    this.depth++;
    const body = braces ? this.parseSequence() : this.parseExpression(0);
    if (!braces && this.is('Operator', ';')) this.fail('wrap predicate with brackets { and }');
    this.depth--;
    if (braces) this.expect('Bracket', '}');
    return { type: 'predicate', body, pos: start.pos };
  }

  private parseArray(): Node {
    const start = this.expect('Bracket', '[');
    const items: Node[] = [];
    while (!this.is('Bracket', ']')) {
      if (items.length > 0) {
        this.expect('Operator', ',');
        if (this.is('Bracket', ']')) break;
      }
      items.push(this.parseExpression(0));
    }
    this.expect('Bracket', ']');
    return { type: 'array', items, pos: start.pos };
  }

  private parseMap(): Node {
    const start = this.expect('Bracket', '{');
    const pairs: Array<[Node, Node]> = [];
    while (!this.is('Bracket', '}')) {
      if (pairs.length > 0) {
        this.expect('Operator', ',');
        if (this.is('Bracket', '}')) break;
      }
      const key = this.parseMapKey();
      this.expect('Operator', ':');
      pairs.push([key, this.parseExpression(0)]);
    }
    this.expect('Bracket', '}');
    return { type: 'map', pairs, pos: start.pos };
  }

  private parseMapKey(): Node {
    const token = this.current;
    if (token.kind === 'Number' || token.kind === 'String' || token.kind === 'Identifier') {
      this.next();
      return { type: 'literal', value: token.value, pos: token.pos };
    }
    if (this.is('Bracket', '(')) return this.parseExpression(0);
    return this.fail(
      `a map key must be a quoted string, a number, an identifier, or an expression in parentheses (unexpected ${describe(token)})`
    );
  }

  private parsePostfix(node: Node): Node {
    let chained = false;
    for (;;) {
      const token = this.current;
      if (token.kind === 'Operator' && (token.value === '.' || token.value === '?.')) {
        const optional = token.value === '?.';
        chained ||= optional;
        this.next();
        node = optional && this.is('Bracket', '[') ? this.parseIndex(node, true) : this.parseMember(node, optional);
      } else if (this.is('Bracket', '[')) {
        node = this.parseIndex(node, false);
      } else {
        break;
      }
    }
    return chained ? { type: 'chain', node, pos: node.pos } : node;
  }

  private parseMember(object: Node, optional: boolean): Node {
    const prop = this.current;
    const validName = prop.kind === 'Identifier' || (prop.kind === 'Operator' && isName(prop.value));
    if (!validName) this.fail('expected name');
    this.next();
    const property: Node = { type: 'literal', value: prop.value, pos: prop.pos };
    const member: Node = { type: 'member', object, property, optional, pos: prop.pos };
    if (!this.is('Bracket', '(')) return member;
    return { type: 'call', callee: member, args: this.parseArguments([]), pos: prop.pos };
  }

  private parseIndex(object: Node, optional: boolean): Node {
    const start = this.expect('Bracket', '[');
    if (this.is('Operator', ':')) {
      this.next();
      const to = this.is('Bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('Bracket', ']');
      return { type: 'slice', object, to, pos: start.pos };
    }
    const from = this.parseExpression(0);
    if (this.is('Operator', ':')) {
      this.next();
      const to = this.is('Bracket', ']') ? undefined : this.parseExpression(0);
      this.expect('Bracket', ']');
      return { type: 'slice', object, from, to, pos: start.pos };
    }
    this.expect('Bracket', ']');
    return { type: 'member', object, property: from, optional, pos: start.pos };
  }
}

function isName(value: string): boolean {
  return [...value].every(isAlphaNumeric);
}

/** Parse an expression into its syntax tree; throws ExpressionError on a syntax error. */
export function parse(source: string): Node {
  return new Parser(source).parse();
}
