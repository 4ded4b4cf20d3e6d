// Tokenizer for expr-lang (github.com/expr-lang/expr v1.17 lexer rules).

import { ExpressionError } from './errors.js';

export type TokenKind = 'Identifier' | 'Number' | 'String' | 'Operator' | 'Bracket' | 'EOF';

export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
}

const WORD_OPERATORS = new Set([
  'not', 'in', 'or', 'and', 'matches', 'contains', 'startsWith', 'endsWith', 'let', 'if', 'else'
]);

export function isAlphaNumeric(ch: string): boolean {
  return ch === '_' || ch === '$' || /^[\p{L}\p{Nd}]$/u.test(ch);
}

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\f' || ch === '\v';
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

class Lexer {
  private pos = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly src: string) {}

  private fail(message: string, pos: number): never {
    throw new ExpressionError(message, this.src, pos);
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private emit(kind: TokenKind, value: string, pos: number): void {
    this.tokens.push({ kind, value, pos });
  }

  run(): Token[] {
    while (this.pos < this.src.length) this.step();
    this.emit('EOF', '', this.src.trimEnd().length);
    return this.tokens;
  }

  private step(): void {
    const ch = this.src[this.pos];
    const start = this.pos;
    if (isSpace(ch)) {
      this.pos++;
    } else if (ch === '"' || ch === "'") {
      this.emit('String', this.scanString(ch), start);
    } else if (ch === '`') {
      this.emit('String', this.scanRaw(), start);
    } else if (isDigit(ch) || (ch === '.' && isDigit(this.peek(1)))) {
      this.emit('Number', this.scanNumber(), start);
    } else if (ch === '/' && (this.peek(1) === '/' || this.peek(1) === '*')) {
      this.skipComment();
    } else if (ch === '#') {
      this.scanPointer();
    } else if ('([{)]}'.includes(ch)) {
      this.pos++;
      this.emit('Bracket', ch, start);
    } else if (isAlphaNumeric(ch)) {
      this.scanIdentifier();
    } else {
      this.emit('Operator', this.scanOperator(), start);
    }
  }

  private scanOperator(): string {
    const ch = this.src[this.pos];
    const two = this.src.slice(this.pos, this.pos + 2);
    const pairs = ['?.', '??', '||', '::', '&&', '!=', '==', '**', '<=', '>=', '..'];
    if (pairs.includes(two)) {
      this.pos += 2;
      return two;
    }
    if ('?|:,;%+-^&!=*<>/.'.includes(ch)) {
      this.pos++;
      return ch;
    }
    return this.fail(`unrecognized character: ${JSON.stringify(ch)}`, this.pos);
  }

  private scanPointer(): void {
    const start = this.pos++;
    this.emit('Operator', '#', start);
    const nameStart = this.pos;
    while (this.pos < this.src.length && isAlphaNumeric(this.src[this.pos])) this.pos++;
    if (this.pos > nameStart) this.emit('Identifier', this.src.slice(nameStart, this.pos), nameStart);
  }

  private scanIdentifier(): void {
    const start = this.pos;
    while (this.pos < this.src.length && isAlphaNumeric(this.src[this.pos])) this.pos++;
    const word = this.src.slice(start, this.pos);
    this.emit(WORD_OPERATORS.has(word) ? 'Operator' : 'Identifier', word, start);
  }

  private skipComment(): void {
    const start = this.pos;
    if (this.src[this.pos + 1] === '/') {
      const end = this.src.indexOf('\n', this.pos);
      this.pos = end < 0 ? this.src.length : end + 1;
      return;
    }
    const end = this.src.indexOf('*/', this.pos + 2);
    if (end < 0) this.fail('unclosed comment', start);
    this.pos = end + 2;
  }

  private acceptRun(chars: string): void {
    while (this.pos < this.src.length && chars.includes(this.src[this.pos])) this.pos++;
  }

  private scanNumber(): string {
    const start = this.pos;
    let digits = '0123456789_';
    if (this.src[this.pos] === '0') {
      this.pos++;
      const p = this.peek();
      if (p === 'x' || p === 'X') digits = '0123456789abcdefABCDEF_';
      else if (p === 'o' || p === 'O') digits = '01234567_';
      else if (p === 'b' || p === 'B') digits = '01_';
      if (digits !== '0123456789_') this.pos++;
    }
    this.acceptRun(digits);
    if (this.peek() === '.' && this.peek(1) !== '.') {
      this.pos++;
      this.acceptRun(digits);
    }
    if (this.peek() === 'e' || this.peek() === 'E') {
      this.pos++;
      if (this.peek() === '+' || this.peek() === '-') this.pos++;
      this.acceptRun(digits);
    }
    const next = this.peek();
    if (next !== undefined && isAlphaNumeric(next)) {
      this.fail(`bad number syntax: ${JSON.stringify(this.src.slice(start, this.pos + 1))}`, start);
    }
    return this.src.slice(start, this.pos);
  }

  private scanRaw(): string {
    const start = this.pos;
    const end = this.src.indexOf('`', start + 1);
    if (end < 0) this.fail('literal not terminated', start);
    this.pos = end + 1;
    return this.src.slice(start + 1, end).replace(/\r\n?/g, '\n');
  }

  private scanString(quote: string): string {
    const start = this.pos++;
    let out = '';
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined || ch === '\n') this.fail('literal not terminated', start);
      this.pos++;
      if (ch === quote) return out;
      out += ch === '\\' ? this.scanEscape(quote) : ch;
    }
  }

  private scanEscape(quote: string): string {
    const escPos = this.pos - 1;
    const ch = this.src[this.pos++];
    const simple: Record<string, string> = {
      a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\'
    };
    if (ch in simple) return simple[ch];
    if (ch === quote) return ch;
    const hex = { x: 2, u: 4, U: 8 }[ch as 'x' | 'u' | 'U'];
    if (hex !== undefined) return this.scanCodePoint(16, hex, escPos);
    if (ch !== undefined && ch >= '0' && ch <= '7') {
      this.pos--;
      return this.scanCodePoint(8, 3, escPos);
    }
    return this.fail('invalid char escape', escPos);
  }

  private scanCodePoint(base: number, length: number, escPos: number): string {
    const text = this.src.slice(this.pos, this.pos + length);
    const valid = base === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
    if (text.length !== length || !valid.test(text)) this.fail('invalid char escape', escPos);
    this.pos += length;
    const code = parseInt(text, base);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) this.fail('invalid char escape', escPos);
    return String.fromCodePoint(code);
  }
}

export function tokenize(source: string): Token[] {
  return new Lexer(source).run();
}
