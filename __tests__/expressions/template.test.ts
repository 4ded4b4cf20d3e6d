import { parse as parseYAML } from 'yaml';
import {
  checkTemplate,
  evaluateConfig,
  evaluateTemplate,
  ExpressionError,
  goStruct,
  hasTemplate,
  kargoFunctions,
  type Env
} from '../../src/expressions/index.js';

// Stand-ins for the freight, data and status functions the engine puts into the environment.
function image(tag: string) {
  return goStruct(
    { RepoURL: 'public.ecr.aws/nginx/nginx', Tag: tag, Digest: 'sha256:abc', Annotations: {} },
    { repoURL: 'public.ecr.aws/nginx/nginx', tag, digest: 'sha256:abc' },
    '*v1alpha1.Image'
  );
}

function makeEnv(tag = '1.27.0'): Env {
  return {
    ...kargoFunctions,
    ctx: { stage: 'test', project: 'kargo-demo' },
    vars: { gitRepo: 'https://github.com/example/repo.git', numVar: '42' },
    outputs: {
      'open-pr': { pr: { id: 42, url: 'https://example.com/pr/42' } },
      approve: { responses: [{ user: 'alice' }, { user: 'bob' }] }
    },
    aString: 'hello',
    warehouse: (name: string) => goStruct({ Kind: 'Warehouse', Name: name }, { kind: 'Warehouse', name }),
    imageFrom: () => image(tag),
    commitFrom: (url: string, origin: { Name: string }) =>
      goStruct({ RepoURL: url, ID: `sha-from-${origin.Name}` }, { repoURL: url, id: `sha-from-${origin.Name}` }),
    chartFrom: (url: string, name: string) => goStruct({ RepoURL: url, Name: name, Version: '2.3.4' }, { repoURL: url, name, version: '2.3.4' }),
    status: (alias: string) => (alias === 'my-step' ? 'Errored' : ''),
    stageMetadata: () => null
  };
}

function evaluate(template: string, env: Env = makeEnv()): unknown {
  return evaluateTemplate(template, env);
}

function failure(run: () => unknown): ExpressionError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ExpressionError);
    return err as ExpressionError;
  }
  throw new Error('expected an ExpressionError');
}

describe('spec 2.6 examples', () => {
  it.each<[string, string, unknown]>([
    ['1 string literal', '${{ "Hello, world!" }}', 'Hello, world!'],
    ['2 arithmetic gives a number', '${{ 40 + 2 }}', 42],
    ['3 quote keeps a number a string', '${{ quote(40 + 2) }}', '42'],
    ['4 unsafeQuote keeps visible quotes', '${{ unsafeQuote("string") }}', '"string"'],
    ['5a quote(true)', '${{ quote(true) }}', 'true'],
    ['5b quote(null)', '${{ quote(null) }}', 'null'],
    ['6 quote of a map', "${{ quote({ 'foo': 'bar' }) }}", '{"foo":"bar"}'],
    ['7 alternate delimiters for a map literal', '${% {"labels": {"app": "nginx"}} %}', { labels: { app: 'nginx' } }],
    ['8 alternate delimiters around }}', "${% '{{.domain}}' %}", '{{.domain}}'],
    ['9 both delimiters in one string', "foo ${{ aString }} and ${% 'bar' %}", 'foo hello and bar'],
    ['10 interpolation', 'stage/${{ ctx.stage }}', 'stage/test'],
    ['11 image tag', '${{ imageFrom("public.ecr.aws/nginx/nginx").Tag }}', '1.27.0'],
    ['12 commit from a warehouse', '${{ commitFrom(vars.gitRepo, warehouse("base")).ID }}', 'sha-from-base'],
    ['13 chart version', '${{ chartFrom("https://example.com/charts", "my-chart").Version }}', '2.3.4'],
    ['14 warehouse() as JSON', "${{ warehouse('fake-warehouse') }}", { kind: 'Warehouse', name: 'fake-warehouse' }],
    ['15 asYAML', "${{ asYAML({ 'foo': 'bar', 'count': 2 }) }}", 'count: 2\nfoo: bar\n'],
    ['16 asJSON', "${{ asJSON({ 'foo': 'bar', 'count': 2 }) }}", '{\n  "count": 2,\n  "foo": "bar"\n}\n'],
    ['17 semverParse', "${{ semverParse('1.4.2').IncMinor().String() }}", '1.5.0'],
    ['18 semverDiff', "${{ semverDiff('1.1.1', '1.2.2') }}", 'Minor'],
    ['19 status() comparison', "${{ status('my-step') == 'Errored' }}", true],
    ['20 optional chaining with a default', '${{ stageMetadata(ctx.stage)?.config?.settings?.timeoutSeconds ?? 300 }}', 300],
    ['21 output with a dash in its alias', "${{ outputs['open-pr'].pr.id }}", 42],
    ['22 join of a map', '${{ join(map(outputs.approve.responses, "- " + .user), "\\n") }}', '- alice\n- bob'],
    ['23a quoted map stays a string', '${{ quote({"foo": "bar"}) }}', '{"foo":"bar"}'],
    ['23b map in a block scalar is an object', '${{ {"foo": "bar"} }}\n', { foo: 'bar' }],
    ['24a quote in a block scalar keeps the newline', '${{ quote(42) }}\n', '42\n'],
    ['24b literal block scalar is untouched', '42\n', '42\n'],
    ['24c expression in a block scalar is a number', '${{ 42 }}\n', 42],
    ['25 string vars are coerced', '${{ vars.numVar }}', 42]
  ])('%s', (_name, template, expected) => {
    expect(evaluate(template)).toEqual(expected);
  });

  it('11 a tag that looks like a number becomes one unless quoted', () => {
    const env = makeEnv('1.27');
    expect(evaluate('${{ imageFrom("x").Tag }}', env)).toBe(1.27);
    expect(evaluate('${{ quote(imageFrom("x").Tag) }}', env)).toBe('1.27');
  });

  it('7 the primary delimiters are cut short by }} in a map literal', () => {
    expect(failure(() => evaluate('${{ {"labels": {"app": "nginx"}} }}')).message).toContain('unexpected');
  });

  it('8 }} inside ${{ }} cuts the expression short', () => {
    expect(failure(() => evaluate("${{ '{{.domain}}' }}")).message).toContain('literal not terminated');
  });
});

describe('coercion of the rendered text', () => {
  it.each<[string, unknown]>([
    ['plain text', 'plain text'],
    ['42', '42'],
    ['true', 'true'],
    ["${{ 'true' }}", true],
    ["${{ 'True' }}", true],
    ["${{ 't' }}", true],
    ["${{ 'F' }}", false],
    ["${{ 'yes' }}", 'yes'],
    ["${{ '1' }}", 1],
    ["${{ '0' }}", 0],
    ["${{ '1.10' }}", 1.1],
    ["${{ '0123' }}", 123],
    ["${{ '1e3' }}", 1000],
    ["${{ '+5' }}", 5],
    ["${{ '.5' }}", 0.5],
    ["${{ '5.' }}", 5],
    ["${{ '0x1p4' }}", 16],
    ["${{ '0x10' }}", '0x10'],
    ["${{ '1_000' }}", '1_000'],
    ["${{ '1e400' }}", '1e400'],
    ['${{ 1 }}${{ 2 }}', 12],
    ['v${{ 1 }}', 'v1'],
    ["${{ '\"quoted\"' }}", 'quoted'],
    ["${{ '\"' }}", '"'],
    ["${{ '\"\"' }}", ''],
    ["${{ 'null' }}", null],
    ['${{ nil }}', null],
    ["${{ '[1, 2]' }}", [1, 2]],
    ["${{ '{\"a\": 1}' }}", { a: 1 }],
    ['${{ [1, "two"] }}', [1, 'two']],
    [' ${{ 1 }} ', 1],
    ["${{ 'text' }}\n", 'text\n'],
    ["${{ 'text' }}\n\n", 'text\n\n'],
    ['${{ 42 }}\n', 42],
    ["${{ quote('a') }}\n", 'a\n'],
    ["v${{ quote(1) }}", 'v"1"'],
    ["${{ quote('say \"hi\"') }}", 'say \\"hi\\"'],
    ["${{ quote('line\\nbreak') }}", 'line\\nbreak'],
    ['${{ 1.5 }}', 1.5],
    ['${{ 7 / 2 }}', 3.5],
    ['${{ true }}', true],
    ['${{ {"b": 1, "a": [true, nil]} }}', { a: [true, null], b: 1 }]
  ])('%j', (template, expected) => {
    expect(evaluate(template)).toEqual(expected);
  });

  it('refuses Inf and NaN, which Kargo cannot marshal', () => {
    expect(failure(() => evaluate("${{ 'inf' }}")).message).toContain('json: unsupported value: +Inf');
    expect(failure(() => evaluate('${{ 1 / 0 }}')).message).toContain('json: unsupported value: +Inf');
  });
});

describe('delimiters', () => {
  it.each<[string, boolean]>([
    ['${{ x }}', true],
    ['${% x %}', true],
    ['a ${{', true],
    ['$ {{ x }}', false],
    ['{{ x }}', false],
    ['plain', false]
  ])('hasTemplate(%j) is %s', (value, expected) => {
    expect(hasTemplate(value)).toBe(expected);
  });

  it.each<[string, string]>([
    ['${{ aString ', '"}}"'],
    ['${% aString ', '"%}"'],
    ['${{ 1 }} and ${% 2 ', '"%}"'],
    ['${% 1 }}', '"%}"']
  ])('%j is unclosed', (template, end) => {
    const err = failure(() => evaluate(template));
    expect(err.message).toContain(`unclosed expression: expected ${end} but reached end of template`);
  });

  it('processes the earliest opening delimiter first', () => {
    expect(evaluate("${% '${{' %} ${{ 'x' }}")).toBe('${{ x');
  });

  it('reports the column within the expression', () => {
    const err = failure(() => evaluate('prefix ${{ ctx.stage + }} suffix'));
    expect(err.message).toBe('unexpected end of expression at column 12 in "ctx.stage +"');
  });

  it('quote/asYAML/asJSON work without being in the environment', () => {
    expect(evaluateTemplate('${{ quote(1) }}', {})).toBe('1');
  });

  it('an unknown name reads as nil, as in Kargo', () => {
    expect(evaluateTemplate('${{ target?.params ?? "none" }}', {})).toBe('none');
    expect(failure(() => evaluateTemplate('${{ target.params }}', {})).message).toBe(
      'cannot fetch params from nil at column 8 in "target.params"'
    );
  });
});

describe('checkTemplate', () => {
  it.each(['plain', '${{ 1 + 2 }}', 'a ${{ boom() }} b ${% {"a": 1} %}', '${{ x.y }}'])('accepts %j without evaluating', (t) => {
    expect(() => checkTemplate(t)).not.toThrow();
  });

  it.each<[string, string]>([
    ['${{ 1 + }}', 'unexpected end of expression'],
    ['${{ ok }} ${{ (1 }}', 'unexpected end of expression'],
    ['${{ open', 'unclosed expression: expected "}}"'],
    ["${{ '{{.domain}}' }}", 'literal not terminated']
  ])('rejects %j', (t, message) => {
    expect(failure(() => checkTemplate(t)).message).toContain(message);
  });
});

describe('evaluateConfig', () => {
  it('evaluates string values only, never keys, and returns a new tree', () => {
    const config = {
      '${{ key }}': '${{ 1 + 1 }}',
      list: ['${{ aString }}', 3, true, null, { inner: 'stage/${{ ctx.stage }}' }],
      num: 7,
      flag: false,
      nothing: null
    };
    const copy = structuredClone(config);
    expect(evaluateConfig(config, makeEnv())).toEqual({
      '${{ key }}': 2,
      list: ['hello', 3, true, null, { inner: 'stage/test' }],
      num: 7,
      flag: false,
      nothing: null
    });
    expect(config).toEqual(copy);
  });

  it('matches Kargo json_templates_test: scalars, maps, arrays, structs, null', () => {
    const env: Env = {
      aString: 'hello',
      anInt: 42,
      aFloat: 3.14,
      aBool: true,
      aStringMap: { aString: 'hello', anotherString: 'world' },
      anIntArr: [1, 2, 3],
      aStruct: goStruct({ AString: 'hello', AnInt: 42 }, { AString: 'hello', AnInt: 42, AStruct: null })
    };
    const config = {
      AString: '${{ aString }}',
      AnInt: '${{ anInt }}',
      AFloat: '${{ aFloat }}',
      ABool: '${{ aBool }}',
      Mixed: '${{ aString }}, world!',
      Multi: '${{ aString }}, ${{ anInt }}!',
      AStringMap: '${{ aStringMap }}',
      AnIntArr: '${{ anIntArr }}',
      AStruct: '${{ aStruct }}',
      Null: '${{ "null" }}',
      Nested: { key: '${{ aString }}', arr: ['${{ anInt }}'] }
    };
    expect(evaluateConfig(config, env)).toEqual({
      AString: 'hello',
      AnInt: 42,
      AFloat: 3.14,
      ABool: true,
      Mixed: 'hello, world!',
      Multi: 'hello, 42!',
      AStringMap: { aString: 'hello', anotherString: 'world' },
      AnIntArr: [1, 2, 3],
      AStruct: { AString: 'hello', AnInt: 42, AStruct: null },
      Null: null,
      Nested: { key: 'hello', arr: [42] }
    });
  });

  it('matches Kargo json_templates_test: tricky YAML and quotes', () => {
    const yaml = [
      'value1: {"foo": "bar"}',
      `value2: '\${{ quote({"foo": "bar"}) }}'`,
      'value3: |',
      '  {"foo": "bar"}',
      'value4: |',
      '  ${{ {"foo": "bar"} }}',
      'value5: |',
      '  ${{ quote({"foo": "bar"}) }}',
      'value6: |',
      '  ${{ quote({"foo": "bar"}) }}',
      '  ',
      'value7: 42',
      'value8: "42"',
      "value9: '42'",
      "value10: '${{ quote(42) }}'",
      'value11: |',
      '  42',
      'value12: |',
      '  ${{ 42 }}',
      'value13: |',
      '  ${{ quote(42) }}',
      ''
    ].join('\n');
    expect(evaluateConfig(parseYAML(yaml), {})).toEqual({
      value1: { foo: 'bar' },
      value2: '{"foo":"bar"}',
      value3: '{"foo": "bar"}\n',
      value4: { foo: 'bar' },
      value5: '{"foo":"bar"}\n',
      value6: '{"foo":"bar"}\n',
      value7: 42,
      value8: '42',
      value9: '42',
      value10: '42',
      value11: '42\n',
      value12: 42,
      value13: '42\n'
    });
  });

  it('stops at the first failing expression', () => {
    expect(failure(() => evaluateConfig({ a: ['${{ nil.x }}'] }, {})).message).toContain('cannot fetch x from nil');
  });
});
