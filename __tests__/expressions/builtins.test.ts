import { evaluateExpression, ExpressionError, goStruct, toExprJSON } from '../../src/expressions/index.js';

const env = {
  m: { b: 2, a: 1 },
  list: [3, 1, 2],
  words: ['pear', 'apple', 'fig'],
  none: null
};

function run(source: string): unknown {
  return evaluateExpression(source, env);
}

function errorOf(source: string): string {
  try {
    run(source);
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return (err as Error).message;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('builtins', () => {
  it.each<[string, unknown]>([
    ['len([1, 2, 3])', 3],
    ['len(m)', 2],
    ['len("hello")', 5],
    ['len("héllo")', 5],
    ['len("北京")', 2],
    ['upper("abc")', 'ABC'],
    ['lower("ABC")', 'abc'],
    ['trim("  x  ")', 'x'],
    ['trim("__x__", "_")', 'x'],
    ['trimPrefix("HelloWorld", "Hello")', 'World'],
    ['trimPrefix(" x")', 'x'],
    ['trimSuffix("HelloWorld", "World")', 'Hello'],
    ['split("a,b,c", ",")', ['a', 'b', 'c']],
    ['split("a,b,c", ",", 2)', ['a', 'b,c']],
    ['split("abc", "")', ['a', 'b', 'c']],
    ['splitAfter("a,b,c", ",")', ['a,', 'b,', 'c']],
    ['splitAfter("a,b,c", ",", 2)', ['a,', 'b,c']],
    ['replace("Hello World", "World", "Universe")', 'Hello Universe'],
    ['replace("aaa", "a", "b")', 'bbb'],
    ['replace("foo,bar,baz,goo", ",", ";", 2)', 'foo;bar;baz,goo'],
    ['replace("ab", "", "-")', '-a-b-'],
    ['replace("ab", "", "-", 2)', '-a-b'],
    ['repeat("Hi", 3)', 'HiHiHi'],
    ['join(["a", "b"], ",")', 'a,b'],
    ['join(["a", "b"])', 'ab'],
    ['join([], ",")', ''],
    ['indexOf("apple pie", "pie")', 6],
    ['indexOf("apple", "z")', -1],
    ['lastIndexOf("apple pie apple", "apple")', 10],
    ['hasPrefix("HelloWorld", "Hello")', true],
    ['hasSuffix("HelloWorld", "World")', true],
    ['string(123)', '123'],
    ['string(1.5)', '1.5'],
    ['string(1234567.5)', '1.2345675e+06'],
    ['string(nil)', '<nil>'],
    ['string(true)', 'true'],
    ['string([1, "a"])', '[1 a]'],
    ['string(m)', 'map[a:1 b:2]'],
    ['int("123")', 123],
    ['int(3.9)', 3],
    ['int(-3.9)', -3],
    ['float("1.5")', 1.5],
    ['float(2)', 2],
    ['abs(-5)', 5],
    ['ceil(1.2)', 2],
    ['floor(1.8)', 1],
    ['round(1.5)', 2],
    ['round(-1.5)', -2],
    ['round(2.4)', 2],
    ['max(5, 7)', 7],
    ['min(5, 7)', 5],
    ['max([1, 9, 3])', 9],
    ['mean([1, 2, 3])', 2],
    ['median([1, 2, 3, 4])', 2.5],
    ['type(42)', 'int'],
    ['type(4.2)', 'float'],
    ['type("s")', 'string'],
    ['type(nil)', 'nil'],
    ['type(true)', 'bool'],
    ['type([])', 'array'],
    ['type({})', 'map'],
    ['type(now())', 'time.Time'],
    ['toJSON({"b": 1, "a": [1, 2]})', '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}'],
    ['toJSON("x")', '"x"'],
    ['fromJSON(\'{"a": [1, true, null]}\')', { a: [1, true, null] }],
    ['toBase64("Hello World")', 'SGVsbG8gV29ybGQ='],
    ['fromBase64("SGVsbG8gV29ybGQ=")', 'Hello World'],
    ['first(list)', 3],
    ['last(list)', 2],
    ['first([])', null],
    ['first(none)', null],
    ['get(list, 1)', 1],
    ['get(list, 10)', null],
    ['get(m, "a")', 1],
    ['get(m, "zz")', null],
    ['get(none, "a")', null],
    ['take([1, 2, 3, 4], 2)', [1, 2]],
    ['take([1], 5)', [1]],
    ['sort(keys(m))', ['a', 'b']],
    ['sort(values(m))', [1, 2]],
    ['toPairs({"a": 1})', [['a', 1]]],
    ['fromPairs([["a", 1], ["b", 2]])', { a: 1, b: 2 }],
    ['reverse([3, 1, 4])', [4, 1, 3]],
    ['uniq([1, 2, 1, 2.0, 3])', [1, 2, 3]],
    ['concat([1, 2], [3], [])', [1, 2, 3]],
    ['flatten([1, [2, [3, 4]], []])', [1, 2, 3, 4]],
    ['sort(list)', [1, 2, 3]],
    ['sort(list, "desc")', [3, 2, 1]],
    ['sort(words)', ['apple', 'fig', 'pear']],
    ['bitand(0b1010, 0b1100)', 8],
    ['bitor(0b1010, 0b1100)', 14],
    ['bitxor(0b1010, 0b1100)', 6],
    ['bitnand(0b1010, 0b1100)', 2],
    ['bitnot(0b1010)', -11],
    ['bitshl(0b101101, 2)', 180],
    ['bitshr(0b101101, 2)', 11],
    ['date("2023-08-14").Year()', 2023],
    ['date("2023-08-14T10:20:30Z").Hour()', 10],
    ['date("2023-08-14") < date("2023-08-15")', true],
    ['now().Year() >= 2024', true],
    ['date("2023-08-04T09:05:07.25Z").Format("2006-01-02T15:04:05Z07:00")', '2023-08-04T09:05:07Z'],
    ['date("2023-08-04T09:05:07.25Z").Format("20060102-150405.000")', '20230804-090507.250'],
    ['date("2023-08-04T21:05:07Z").Format("Mon Jan _2 3:04PM 06 .999")', 'Fri Aug  4 9:05PM 23 '],
    ['date("2023-08-04T21:05:07Z").Format("January 2, 2006")', 'August 4, 2023'],
    ['date("2023-08-04T21:05:07Z").String()', '2023-08-04 21:05:07 +0000 UTC'],
    ['"hello" | upper() | split("L")', ['HE', '', 'O']]
  ])('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const data = { list: [3, 1, 2] };
    expect(evaluateExpression('sort(list)', data)).toEqual([1, 2, 3]);
    expect(evaluateExpression('reverse(list)', data)).toEqual([2, 1, 3]);
    expect(data.list).toEqual([3, 1, 2]);
  });

  it('builtins shadow environment entries of the same name', () => {
    expect(evaluateExpression('len("abc")', { len: () => 99 })).toBe(3);
  });

  it.each<[string, string]>([
    ['len(1)', 'invalid argument for len (type int)'],
    ['len(none)', 'invalid argument for len (type nil)'],
    ['upper(1)', 'invalid argument for upper (type int, a string is needed)'],
    ['join([1, 2])', 'invalid argument for join (type int, a string is needed)'],
    ['int("abc")', 'invalid operation: int(abc)'],
    ['float("x")', 'invalid operation: float(x)'],
    ['fromBase64("!!")', 'illegal base64 data'],
    ['fromJSON("{")', 'invalid JSON'],
    ['max()', 'not enough arguments to call max'],
    ['max("a")', 'invalid argument for max (type string)'],
    ['keys([1])', 'cannot get keys from array'],
    ['sort([1, "a"])', 'when sorting'],
    ['sort(list, "up")', 'unknown order up'],
    ['repeat("x", -1)', 'invalid argument for repeat (expected positive integer, got -1)'],
    ['repeat("x", 2000000)', 'memory budget exceeded'],
    ['upper("a", "b")', 'invalid number of arguments (expected 1, got 2)'],
    ['len()', 'invalid number of arguments (expected 1, got 0)'],
    ['get(1, 2)', 'type int does not support indexing'],
    ['flatten(1)', 'cannot flatten int'],
    ['bitand("1", 1)', 'cannot use string as argument (type int) to call bitand'],
    ['bitshl(1, -1)', 'invalid operation: negative shift count -1 (type int)'],
    ['duration("1h")', 'function duration() is not supported'],
    ['date("yesterday")', 'invalid date "yesterday"']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source)).toContain(message);
  });
});

describe('toExprJSON (Go json.Marshal)', () => {
  it.each<[string, unknown, string]>([
    ['nil', null, 'null'],
    ['undefined', undefined, 'null'],
    ['an integral float', 42.0, '42'],
    ['a float', 3.14, '3.14'],
    ['a huge float', 1e21, '1e+21'],
    ['a tiny float', 1e-7, '1e-7'],
    ['a small float', 0.000001, '0.000001'],
    ['a large int', 123456789012, '123456789012'],
    ['a string with HTML characters', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"'],
    ['line separators', '\u2028\u2029', '"\\u2028\\u2029"'],
    ['control characters', '\n\t\u0001', '"\\n\\t\\u0001"'],
    ['sorted map keys', { b: 1, a: { d: 2, c: 3 }, '10': 0, '9': 0 }, '{"10":0,"9":0,"a":{"c":3,"d":2},"b":1}'],
    ['arrays', [1, 'a', [true]], '[1,"a",[true]]'],
    [
      'a goStruct through its JSON side, in field order',
      goStruct({ RepoURL: 'r', Tag: 't' }, { repoURL: 'r', tag: 't', annotations: { z: '1', a: '2' } }),
      '{"repoURL":"r","tag":"t","annotations":{"a":"2","z":"1"}}'
    ],
    ['a goStruct with a lazy JSON side', goStruct({ ID: 'x' }, () => ({ id: 'x' })), '{"id":"x"}'],
    ['a date', new Date('2024-01-02T03:04:05.000Z'), '"2024-01-02T03:04:05Z"'],
    ['a date with milliseconds', new Date('2024-01-02T03:04:05.120Z'), '"2024-01-02T03:04:05.12Z"']
  ])('%s', (_name, value, expected) => {
    expect(toExprJSON(value)).toBe(expected);
  });

  it.each<[string, unknown, string]>([
    ['NaN', NaN, 'json: unsupported value: NaN'],
    ['Inf', Infinity, 'json: unsupported value: +Inf'],
    ['a function', () => 1, 'json: unsupported type: func']
  ])('refuses %s', (_name, value, message) => {
    expect(() => toExprJSON(value)).toThrow(message);
  });
});
