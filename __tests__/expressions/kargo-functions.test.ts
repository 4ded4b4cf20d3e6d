import {
  evaluateExpression,
  evaluateTemplate,
  ExpressionError,
  goStruct,
  kargoFunctions,
  toGoYAML
} from '../../src/expressions/index.js';

function run(source: string, env: Record<string, unknown> = {}): unknown {
  return evaluateExpression(source, { ...kargoFunctions, ...env });
}

function template(source: string, env: Record<string, unknown> = {}): unknown {
  return evaluateTemplate(source, { ...kargoFunctions, ...env });
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

describe('quote and unsafeQuote', () => {
  it.each<[string, unknown]>([
    ["quote('foo')", '"foo"'],
    ["quote('a\"b')", '"a\\"b"'],
    ["quote('tab\\tnew\\nline')", '"tab\\tnew\\nline"'],
    ["quote('back\\\\slash')", '"back\\\\slash"'],
    ["quote('é✓')", '"é✓"'],
    ["quote('\\x01\\u00a0')", '"\\x01\\u00a0"'],
    ['quote(42)', '"42"'],
    ['quote(1.5)', '"1.5"'],
    ['quote(true)', '"true"'],
    ['quote(nil)', '"null"'],
    ["quote({'b': 1, 'a': 2})", '"{"a":2,"b":1}"'],
    ["unsafeQuote('foo')", '""foo""'],
    ["unsafeQuote('<&>')", '""\\u003c\\u0026\\u003e""'],
    ['unsafeQuote([1, 2])', '"[1,2]"']
  ])('%s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ["${{ quote('foo') }}", 'foo'],
    ["${{ unsafeQuote('foo') }}", '"foo"'],
    ['${{ unsafeQuote(42) }}', '42'],
    ["${{ quote('a') }}-${{ quote('b') }}", 'a"-"b']
  ])('in a template: %s', (source, expected) => {
    expect(template(source)).toBe(expected);
  });

  it('takes exactly one argument', () => {
    expect(errorOf('quote(1, 2)')).toContain('quote() expects 1 argument, got 2');
  });
});

describe('asJSON', () => {
  it.each<[string, string]>([
    ["asJSON('foo')", '""foo"\n"'],
    ["asJSON({'foo': 'bar', 'count': 2})", '"{\n  "count": 2,\n  "foo": "bar"\n}\n"'],
    ["asJSON({'a': [1, {'z': nil, 'y': [ ]}], 'e': {}})", '"{\n  "a": [\n    1,\n    {\n      "y": [],\n      "z": null\n    }\n  ],\n  "e": {}\n}\n"'],
    ["asJSON('<tag>&')", '""\\u003ctag\\u003e\\u0026"\n"'],
    ['asJSON(42.0)', '"42\n"']
  ])('%s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('gives the JSON text in a template', () => {
    expect(template("${{ asJSON('foo') }}")).toBe('"foo"\n');
  });
});

describe('asYAML (go.yaml.in/yaml/v3)', () => {
  it.each<[string, unknown, string]>([
    ['nil', null, 'null\n'],
    ['a string', 'foo', 'foo\n'],
    ['a string that reads as a bool', 'true', '"true"\n'],
    ['an int', 42, '42\n'],
    ['a float', 1.5, '1.5\n'],
    ['a large float', 1234567.5, '1.2345675e+06\n'],
    ['a bool', true, 'true\n'],
    ['an empty map', {}, '{}\n'],
    ['an empty list', [], '[]\n'],
    ['a list', ['one', 'two'], '- one\n- two\n'],
    ['a map with sorted keys', { foo: 'bar', count: 2 }, 'count: 2\nfoo: bar\n'],
    ['natural key order', { a10: 1, a2: 2, b: 3, a1: 0 }, 'a1: 0\na2: 2\na10: 1\nb: 3\n'],
    [
      'nested collections',
      { a: { b: 1 }, list: [1, 2], objs: [{ x: 1, y: 2 }], empty: { m: {}, l: [] } },
      'a:\n    b: 1\nempty:\n    l: []\n    m: {}\nlist:\n    - 1\n    - 2\nobjs:\n    - x: 1\n      "y": 2\n'
    ],
    ['lists in lists', [[1, 2], [3]], '- - 1\n  - 2\n- - 3\n'],
    ['a map in a map in a list', [{ a: { b: 1 } }], '- a:\n    b: 1\n'],
    [
      'deep nesting under a list',
      { spec: { containers: [{ name: 'c', ports: [{ port: 80 }], env: { A: '1' } }] } },
      'spec:\n    containers:\n        - env:\n            A: "1"\n          name: c\n          ports:\n            - port: 80\n'
    ],
    [
      'multi-line strings as literal blocks',
      { script: 'echo a\necho b\n', nonl: 'x\ny', list: ['p\nq'] },
      'list:\n    - |-\n      p\n      q\nnonl: |-\n    x\n    y\nscript: |\n    echo a\n    echo b\n'
    ],
    ['a multi-line string at the top', 'x\ny', '|-\n    x\n    y\n'],
    ['a literal block with a leading space', { s: ' a\nb' }, 's: |4-\n     a\n    b\n'],
    ['a string with trailing space and a newline', { s: 'a \nb' }, 's: "a \\nb"\n'],
    [
      'scalars that need quotes',
      {
        t: 'true', n: '123', e: '', y: 'yes', c: 'a: b', h: '#x', d: '- x', sp: ' lead', q: "it's",
        tab: 'a\tb', ts: '2024-01-02', f: '1.5', dot: '.5', v: '1.2.3', url: 'https://x.y/z?a=b#c',
        star: '*x', colon: 'a:b', nul: 'null', tilde: '~', hex: '0x1F', oct: '0777', b60: '1:20',
        emoji: 'hi 😀', accent: 'café', dash: '-', dashes: '---x', inner: "say 'hi'"
      },
      [
        'accent: café', 'b60: "1:20"', "c: 'a: b'", 'colon: a:b', "d: '- x'", "dash: '-'", "dashes: '---x'",
        'dot: ".5"', 'e: ""', 'emoji: "hi \\U0001F600"', 'f: "1.5"', "h: '#x'", 'hex: "0x1F"',
        "inner: say 'hi'", '"n": "123"', 'nul: "null"', 'oct: "0777"', "q: it's", "sp: ' lead'", "star: '*x'",
        't: "true"', 'tab: "a\\tb"', 'tilde: "~"', 'ts: "2024-01-02"', 'url: https://x.y/z?a=b#c',
        'v: 1.2.3', '"y": "yes"', ''
      ].join('\n')
    ],
    ['keys that need quotes', { 'true': 1, '1': 2, 'a b': 3 }, '"1": 2\na b: 3\n"true": 1\n'],
    [
      'a goStruct by its lower-cased Go field names, in field order',
      goStruct({ RepoURL: 'nginx', Tag: '1.0', Annotations: { b: '2', a: '1' } }, { repoURL: 'nginx' }),
      'repourl: nginx\ntag: "1.0"\nannotations:\n    a: "1"\n    b: "2"\n'
    ]
  ])('%s', (_name, value, expected) => {
    expect(toGoYAML(value)).toBe(expected);
  });

  it('wraps the YAML in quotes so the template gives the text', () => {
    expect(run("asYAML(['one', 'two'])")).toBe('"- one\n- two\n"');
    expect(template('${{ asYAML(nil) }}')).toBe('null\n');
    expect(template("${{ asYAML({ 'foo': 'bar', 'count': 2 }) }}")).toBe('count: 2\nfoo: bar\n');
  });

  it('marshals a semver value as its string', () => {
    expect(template("${{ asYAML({'v': semverParse('v1.2.3')}) }}")).toBe('v: 1.2.3\n');
  });
});

describe('semverDiff', () => {
  it.each<[string, string, string]>([
    ['1.1.1', '2.2.2', 'Major'],
    ['1.1.1', '1.2.2', 'Minor'],
    ['1.1.1', '1.1.2', 'Patch'],
    ['1.1.1+build1', '1.1.1+build2', 'Metadata'],
    ['1.2.3', '1.2.3', 'None'],
    ['invalid', '1.0.0', 'Incomparable'],
    ['1.0.0', 'invalid', 'Incomparable'],
    ['invalid1', 'invalid2', 'Incomparable'],
    ['1.0.0-alpha', '1.0.0-beta', 'None'],
    ['1.0.0-alpha.1+build.1', '1.0.0-alpha.1+build.2', 'Metadata'],
    ['1.0.0-alpha', '2.0.0-alpha', 'Major'],
    ['1.1.0-alpha', '1.2.0-alpha', 'Minor'],
    ['1.1.1-alpha', '1.1.2-alpha', 'Patch'],
    ['', '', 'Incomparable'],
    ['v1.0.0', 'v2.0.0', 'Major'],
    ['1.2', '1.2.0', 'None']
  ])('%j vs %j is %s', (a, b, expected) => {
    expect(run('semverDiff(a, b)', { a, b })).toBe(expected);
  });

  it.each<[string, string]>([
    ['semverDiff()', 'expected 2 arguments, got 0'],
    ["semverDiff('1.0.0')", 'expected 2 arguments, got 1'],
    ["semverDiff('1.0.0', '2.0.0', '3.0.0')", 'expected 2 arguments, got 3'],
    ["semverDiff(123, '1.0.0')", 'first argument must be string, got int'],
    ["semverDiff('1.0.0', 123)", 'second argument must be string, got int']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source)).toContain(message);
  });
});

describe('semverParse', () => {
  it.each<[string, unknown]>([
    ["semverParse('1.4.2').IncMinor().String()", '1.5.0'],
    ["semverParse('1.4.2').IncMajor().String()", '2.0.0'],
    ["semverParse('1.4.2').IncPatch().String()", '1.4.3'],
    ["semverParse('1.4.2-rc.1').IncPatch().String()", '1.4.2'],
    ["semverParse('1.4.2-rc.1+b5').IncMinor().String()", '1.5.0'],
    ["semverParse('v1.4.2').IncMajor().Original()", 'v2.0.0'],
    ["semverParse('v1.4.2').Original()", 'v1.4.2'],
    ["semverParse('v1.4.2').String()", '1.4.2'],
    ["semverParse('1.4.2-beta.2+build.7').Prerelease()", 'beta.2'],
    ["semverParse('1.4.2-beta.2+build.7').Metadata()", 'build.7'],
    ["semverParse('1.4.2').Major()", 1],
    ["semverParse('1.4.2').Minor()", 4],
    ["semverParse('1.4.2').Patch()", 2],
    ["semverParse('1.2').String()", '1.2.0'],
    ["semverParse('7').String()", '7.0.0'],
    ["semverParse('01.02.03').String()", '1.2.3'],
    ["semverParse('1.2.3').LessThan(semverParse('1.10.0'))", true],
    ["semverParse('1.2.3').GreaterThan(semverParse('1.2.3-rc.1'))", true],
    ["semverParse('1.2.3-rc.2').GreaterThan(semverParse('1.2.3-rc.10'))", false],
    ["semverParse('1.2.3-alpha').LessThan(semverParse('1.2.3-alpha.1'))", true],
    ["semverParse('1.2.3-1').LessThan(semverParse('1.2.3-a'))", true],
    ["semverParse('1.2.3+a').Equal(semverParse('1.2.3+b'))", true],
    ["semverParse('2.0.0').Compare(semverParse('1.9.9'))", 1],
    ["semverParse('1.0.0').LessThanEqual('1.0.0')", true]
  ])('%s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('inserts a version into a template as its string', () => {
    expect(template("${{ semverParse('v1.2.3') }}")).toBe('1.2.3');
    expect(template("${{ type(semverParse('1.2.3')) }}")).toBe('unknown');
  });

  it.each<[string, string]>([
    ['semverParse()', 'expected 1 argument, got 0'],
    ["semverParse('1.0.0', '2.0.0')", 'expected 1 argument, got 2'],
    ['semverParse(123)', 'argument must be string, got int'],
    ["semverParse('invalid')", 'invalid semantic version'],
    ["semverParse('')", 'invalid semantic version'],
    ["semverParse('1.2.3.4')", 'invalid semantic version'],
    ["semverParse('1.2.3-01')", 'invalid semantic version: version segment starts with 0'],
    ["semverParse('1.2.3').major", 'cannot fetch major from *semver.Version']
  ])('%s fails: %s', (source, message) => {
    expect(errorOf(source)).toContain(message);
  });
});
