import {
  compileExpression,
  evaluateExpression,
  ExpressionError,
  goStruct,
  kargoFunctions
} from '../../src/expressions/index.js';

const env = {
  s: 'hello',
  n: 42,
  f: 3.14,
  t: true,
  none: null,
  list: [1, 2, 3, 4, 5],
  words: ['a', 'b', 'c'],
  m: { a: 1, 'k-x': 'dash', nested: { deep: 'yes' }, empty: null },
  users: [
    { user: 'alice', age: 31, admin: true },
    { user: 'bob', age: 17, admin: false }
  ],
  image: goStruct({ RepoURL: 'nginx', Tag: '1.27.0' }, { repoURL: 'nginx', tag: '1.27.0' }, 'v1alpha1.Image'),
  add: (a: number, b: number) => a + b,
  boom: () => {
    throw new Error('it broke');
  }
};

function run(source: string, scope: unknown = env): unknown {
  return evaluateExpression(source, scope);
}

function errorOf(source: string, scope: unknown = env): ExpressionError {
  try {
    run(source, scope);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('compileExpression', () => {
  it('parses once and evaluates many times against different environments', () => {
    const compiled = compileExpression('response.status == 200 && response.body.ok');
    expect(compiled.source).toBe('response.status == 200 && response.body.ok');
    expect(evaluateExpression(compiled, { response: { status: 200, body: { ok: true } } })).toBe(true);
    expect(evaluateExpression(compiled, { response: { status: 500, body: { ok: true } } })).toBe(false);
  });

  it('throws ExpressionError on a syntax error without evaluating anything', () => {
    expect(() => compileExpression('a +')).toThrow(ExpressionError);
    expect(() => compileExpression('boom() + 1')).not.toThrow();
  });

  it('plain expressions do not get the Kargo template functions', () => {
    expect(errorOf('quote(1)', {}).message).toContain('unknown function quote()');
    expect(Object.keys(kargoFunctions).sort()).toEqual(['asJSON', 'asYAML', 'quote', 'semverDiff', 'semverParse', 'unsafeQuote']);
  });
});

describe('literals', () => {
  it.each<[string, unknown]>([
    ['42', 42],
    ['1_000_000', 1000000],
    ['0x2A', 42],
    ['0o52', 42],
    ['0b101010', 42],
    ['3.5', 3.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['2.5e-1', 0.25],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['"tab\\there"', 'tab\there'],
    ['"quote \\" inside"', 'quote " inside'],
    ["'it\\'s'", "it's"],
    ['"\\u00e9\\x41\\101"', 'éAA'],
    ['`raw \\n string`', 'raw \\n string'],
    ['true', true],
    ['false', false],
    ['nil', null],
    ['[1, "a", nil]', [1, 'a', null]],
    ['[1, 2,]', [1, 2]],
    ["{'k': 1, k2: 2, 3: 'three', ('k' + '4'): 4}", { k: 1, k2: 2, '3': 'three', k4: 4 }],
    ['{}', {}],
    ['/* comment */ 1 // trailing', 1]
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('member access', () => {
  it.each<[string, unknown]>([
    ['m.a', 1],
    ["m['k-x']", 'dash'],
    ['m.nested.deep', 'yes'],
    ['m["nested"]["deep"]', 'yes'],
    ['m.missing', null],
    ['m.empty', null],
    ['m?.nested?.deep', 'yes'],
    ['none?.x', null],
    ['none?.x.y.z', null],
    ["none?.['x']", null],
    ['m.missing?.x', null],
    ['list[0]', 1],
    ['list[-1]', 5],
    ['list[1:3]', [2, 3]],
    ['list[:2]', [1, 2]],
    ['list[3:]', [4, 5]],
    ['list[:]', [1, 2, 3, 4, 5]],
    ['list[1:-1]', [2, 3, 4]],
    ['list[-2:]', [4, 5]],
    ['s[1:3]', 'el'],
    ['users[1].user', 'bob'],
    ['image.Tag', '1.27.0'],
    ['image?.RepoURL', 'nginx'],
    ['undefinedName', null],
    ['undefinedName ?? "fallback"', 'fallback'],
    ['$env.n', 42],
    ["$env['s']", 'hello'],
    ["'s' in $env", true],
    ["'nope' in $env", false]
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['none.x', 'cannot fetch x from nil'],
    ['m.missing.x', 'cannot fetch x from nil'],
    ['list[10]', 'index out of range: 10 (array length is 5)'],
    ['list[-6]', 'index out of range: -1 (array length is 5)'],
    ["list['a']", 'cannot use string as index'],
    ['image.tag', 'cannot fetch tag from v1alpha1.Image'],
    ['n.x', 'cannot fetch x from int']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });

  it('$env is the whole environment when it is an array (the *-parse steps)', () => {
    const doc = [{ name: 'first' }, { name: 'second' }];
    expect(run('$env[0].name', doc)).toBe('first');
    expect(run('len($env)', doc)).toBe(2);
    expect(run('map($env, .name)', doc)).toEqual(['first', 'second']);
  });

  it('$env may be a scalar', () => {
    expect(run('$env + 1', 41)).toBe(42);
    expect(run('$env', 'text')).toBe('text');
  });

  it('treats a plain object with its own toJSON as a struct view', () => {
    const view = { Tag: '1.0' };
    Object.defineProperty(view, 'toJSON', { value: () => ({ tag: '1.0' }), enumerable: false });
    expect(run('v.Tag', { v: view })).toBe('1.0');
    expect(run('toJSON(v)', { v: view })).toBe('{\n  "tag": "1.0"\n}');
    expect(errorOf('v.tag', { v: view }).message).toContain('cannot fetch tag from struct');
  });

  it('does not reach into JavaScript prototypes', () => {
    expect(run('m.constructor')).toBeNull();
    expect(run('m.__proto__')).toBeNull();
    expect(run('m.toString')).toBeNull();
    expect(errorOf('image.constructor').message).toContain('cannot fetch constructor');
  });
});

describe('calls', () => {
  it.each<[string, unknown]>([
    ['add(1, 2)', 3],
    ['add(n, 1)', 43],
    ['1 | add(2)', 3],
    ['::len("abc")', 3],
    ['::upper("x") + "y"', 'Xy']
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('calls methods of class values', () => {
    class Counter {
      constructor(private readonly n: number) {}
      Next(): Counter {
        return new Counter(this.n + 1);
      }
      Value(): number {
        return this.n;
      }
    }
    expect(run('c.Next().Next().Value()', { c: new Counter(1) })).toBe(3);
  });

  it.each<[string, string]>([
    ['nothere(1)', 'unknown function nothere() at column 1'],
    ['s(1)', 's is not a function'],
    ['boom()', 'it broke at column 1 in "boom()"']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });
});

describe('operators', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 / 2', 3.5],
    ['8 / 2', 4],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['2 ** 10', 1024],
    ['2 ^ 3 ^ 2', 512],
    ['-n', -42],
    ['+n', 42],
    ['- -1', 1],
    ['"a" + "b"', 'ab'],
    ['1 == 1.0', true],
    ['1 != 2', true],
    ['[1, 2] == [1, 2]', true],
    ["{'a': 1} == {'a': 1}", true],
    ['nil == nil', true],
    ['none == nil', true],
    ['"1" == 1', false],
    ['1 < 2', true],
    ['2 <= 2', true],
    ['"a" < "b"', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 2', false],
    ['true && false', false],
    ['true and true', true],
    ['false || true', true],
    ['false or false', false],
    ['!true', false],
    ['not false', true],
    ['not true || true', true],
    ['false && nosuch.field', false],
    ['true || nosuch.field', true],
    ['nil ?? 1', 1],
    ['0 ?? 1', 0],
    ['m.missing ?? m.a', 1],
    ['t ? "yes" : "no"', 'yes'],
    ['false ? 1 : true ? 2 : 3', 2],
    ['2 in list', true],
    ['9 in list', false],
    ['9 not in list', true],
    ["'a' in m", true],
    ["'zz' in m", false],
    ["'Tag' in image", true],
    ['"ell" in ["hello"]', false],
    ['s contains "ell"', true],
    ['s not contains "z"', true],
    ['s startsWith "he"', true],
    ['s endsWith "lo"', true],
    ['s not startsWith "x"', true],
    ["s matches '^h.*o$'", true],
    ["s matches '(?i)^HELLO$'", true],
    ["'v1.2.3' matches '^v(?P<major>\\\\d+)'", true],
    ["s not matches 'x'", true],
    ['1..3', [1, 2, 3]],
    ['3..1', []],
    ['let x = 2; x * n', 84],
    ['let x = 1; let y = x + 1; [x, y]', [1, 2]],
    ['if t { "a" } else { "b" }', 'a'],
    ['if false { 1 } else if true { 2 } else { 3 }', 2],
    ['1; 2', 2]
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['"a" + 1', 'invalid operation: string + int'],
    ['1 + nil', 'invalid operation: int + nil'],
    ['"a" < 1', 'mismatched types string and int'],
    ['5 % 0', 'integer divide by zero'],
    ['5.5 % 2', 'invalid operation: float % int'],
    ['1 && true', '&& needs a bool, got int'],
    ['!nil', '! needs a bool, got nil'],
    ['n ? 1 : 2', 'a condition needs a bool, got int'],
    ['1 in nil', 'operator "in" not defined on nil'],
    ["s matches '('", 'error parsing regexp'],
    ['-"a"', 'invalid operation: -string'],
    ['len(1..100000000)', 'memory budget exceeded']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });

  it('refuses to mix ?? with other operators without parentheses', () => {
    expect(errorOf('nil ?? 1 + 2').message).toContain('cannot be mixed');
    expect(run('(nil ?? 1) + 2')).toBe(3);
  });
});

describe('predicates', () => {
  it.each<[string, unknown]>([
    ['map(users, .user)', ['alice', 'bob']],
    ['map(users, "- " + .user)', ['- alice', '- bob']],
    ['map(users, {#.age + 1})', [32, 18]],
    ['map(words, # + string(#index))', ['a0', 'b1', 'c2']],
    ['filter(users, .age > 18)', [{ user: 'alice', age: 31, admin: true }]],
    ['filter(list, # % 2 == 0)', [2, 4]],
    ['any(words, {# in ["b", "z"]})', true],
    ['any(words, # == "z")', false],
    ['all(list, # > 0)', true],
    ['all([], false)', true],
    ['none(list, # > 5)', true],
    ['one(users, .admin)', true],
    ['count(list, # > 2)', 3],
    ['count([true, false, true])', 2],
    ['find(list, # > 2)', 3],
    ['find(list, # > 9)', null],
    ['findIndex(list, # > 2)', 2],
    ['findLast(list, # < 3)', 2],
    ['findLastIndex(list, # < 3)', 1],
    ['sum(list)', 15],
    ['sum(users, .age)', 48],
    ['reduce(list, #acc + #)', 15],
    ['reduce(list, #acc + #, 10)', 25],
    ['reduce(words, #acc + #, "")', 'abc'],
    ['sortBy(users, .age)[0].user', 'bob'],
    ['sortBy(users, .age, "desc")[0].user', 'alice'],
    ['groupBy(users, .admin)["true"][0].user', 'alice'],
    ['list | filter(# > 3) | map(# * 10)', [40, 50]],
    ['map(users, {let u = #; any(words, u.user startsWith #)})', [true, true]],
    ['filter(users, {.user == "bob"; .age < 18})[0].user', 'bob']
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['map(none, #)', 'cannot iterate over nil in map()'],
    ['filter(list, #)', 'the predicate of filter needs a bool, got int'],
    ['#', 'unexpected token "#"'],
    ['map(list, #nope)', 'unknown pointer #nope']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });
});

describe('error locations', () => {
  it.each<[string, string]>([
    ['vars.x +)', 'unexpected token ")" at column 9 in "vars.x +)"'],
    ['(1 + 2', 'unexpected end of expression at column 7 in "(1 + 2"'],
    ["'abc", 'literal not terminated at column 1 in "\'abc"'],
    ['1 @ 2', 'unrecognized character: "@" at column 3'],
    ['12abc', 'bad number syntax: "12a" at column 1'],
    ['a.', 'expected name at column 3'],
    ['{1 + 2: 3}', 'unexpected token "+" at column 4'],
    ['[1 2]', 'unexpected token "2" at column 4'],
    ['"\\q"', 'invalid char escape at column 2'],
    ['m.nested.none.y', 'cannot fetch y from nil at column 15'],
    ['  none.x', 'cannot fetch x from nil at column 6 in "none.x"']
  ])('%s -> %s', (source, message) => {
    expect(errorOf(source).message).toContain(message);
  });

  it('refuses an expression nested too deeply for the parser', () => {
    const deep = '('.repeat(20000) + '1' + ')'.repeat(20000);
    expect(errorOf(deep).message).toContain('expression is nested too deeply');
  });

  it('keeps the expression and the 0-based position on the error', () => {
    const err = errorOf('vars.x +)');
    expect(err.expression).toBe('vars.x +)');
    expect(err.position).toBe(8);
    expect(err.reason).toBe('unexpected token ")"');
  });
});
