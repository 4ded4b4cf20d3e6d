import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { jsonParseRunner } from '../../src/runners/json-parse.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '../fixtures/json-parse');

function workDirWithFixtures(): string {
  const workDir = makeTempDir();
  for (const name of ['config.json', 'list.json']) copyFileSync(path.join(FIXTURES, name), path.join(workDir, name));
  return workDir;
}

const parse = (file: string, outputs: Array<{ name: string; fromExpression: string }>, workDir = workDirWithFixtures()) =>
  runStep(jsonParseRunner, { path: file, outputs }, { workDir });

describe('json-parse', () => {
  it("sets outputs from expressions over the document (Kargo's successful run)", async () => {
    const result = await parse('config.json', [
      { name: 'appVersion', fromExpression: 'app.version' },
      { name: 'featureStatus', fromExpression: 'features.newFeature' }
    ]);
    expect(result).toEqual({ status: 'Succeeded', output: { appVersion: '1.0.0', featureStatus: true } });
  });

  it.each<[string, string, unknown]>([
    ['a number', 'app.replicas', 3],
    ['a decimal', 'features.ratio', 0.25],
    ['arithmetic on the document', 'app.replicas * 2', 6],
    ['a list element field', 'images[1].tag', '2.0.1'],
    ['a key with a dash by index', "$env['with-dash'].key", 'dashed'],
    ['a whole map', 'app', { name: 'guestbook', version: '1.0.0', replicas: 3 }],
    ['a mapped list', 'map(images, .name)', ['web', 'worker']],
    ['a filtered value', "filter(images, .name == 'worker')[0].tag", '2.0.1'],
    ['a string built from fields', "app.name + ':' + app.version", 'guestbook:1.0.0'],
    ['a missing key, as nil', 'missing', null],
    ['an explicit null', 'nothing', null],
    ['a nil-safe chain with a default', "missing?.path ?? 'none'", 'none']
  ])('evaluates %s', async (_name, fromExpression, expected) => {
    const result = await parse('config.json', [{ name: 'out', fromExpression }]);
    expect(result).toEqual({ status: 'Succeeded', output: { out: expected } });
  });

  it.each<[string, string, unknown]>([
    ['by index', '$env[0]', 'first'],
    ['by length', 'len($env)', 3]
  ])('reaches a root list %s', async (_name, fromExpression, expected) => {
    const result = await parse('list.json', [{ name: 'out', fromExpression }]);
    expect(result).toEqual({ status: 'Succeeded', output: { out: expected } });
  });

  it.each<[string, string | undefined, string, RegExp]>([
    ['a missing file', undefined, 'app', /^error reading JSON file "config.json": no such file or directory$/],
    ['an empty file', '', 'app', /^could not parse JSON file "config.json": /],
    ['a file that is not JSON', '{"app": ', 'app', /^could not parse JSON file "config.json": /],
    ['a member of nil', '{}', 'nonexistent.path', /^failed to extract outputs: error evaluating expression "nonexistent.path": cannot fetch path from nil/],
    ['an expression that does not compile', '{}', '(1 + 2', /^failed to extract outputs: error compiling expression "\(1 \+ 2": /]
  ])('errors on %s', async (_name, content, fromExpression, message) => {
    const workDir = makeTempDir();
    if (content !== undefined) writeFileSync(path.join(workDir, 'config.json'), content);
    const result = await parse('config.json', [{ name: 'out', fromExpression }], workDir);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(message);
  });

  it('errors on a directory', async () => {
    const workDir = makeTempDir();
    mkdirSync(path.join(workDir, 'config.json'));
    const result = await parse('config.json', [{ name: 'out', fromExpression: 'app' }], workDir);
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toBe('error reading JSON file "config.json": is a directory');
  });

  it('clamps a path that climbs out of the WorkDir into it', async () => {
    const result = await parse('../../config.json', [{ name: 'v', fromExpression: 'app.version' }]);
    expect(result).toEqual({ status: 'Succeeded', output: { v: '1.0.0' } });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { outputs: [{ name: 'a', fromExpression: 'a' }] }, "(root): must have required property 'path'"],
    ['an empty path', { path: '', outputs: [{ name: 'a', fromExpression: 'a' }] }, 'path: must NOT have fewer than 1 characters'],
    ['no outputs', { path: 'c.json' }, "(root): must have required property 'outputs'"],
    ['an empty outputs list', { path: 'c.json', outputs: [] }, 'outputs: must NOT have fewer than 1 items'],
    ['an output without a name', { path: 'c.json', outputs: [{ fromExpression: 'a' }] }, "outputs[0]: must have required property 'name'"],
    ['an output with an empty name', { path: 'c.json', outputs: [{ name: '', fromExpression: 'a' }] }, 'outputs[0].name: must NOT have fewer than 1 characters'],
    ['an output without an expression', { path: 'c.json', outputs: [{ name: 'a' }] }, "outputs[0]: must have required property 'fromExpression'"],
    ['an output with an empty expression', { path: 'c.json', outputs: [{ name: 'a', fromExpression: '' }] }, 'outputs[0].fromExpression: must NOT have fewer than 1 characters'],
    ['an unknown field', { path: 'c.json', outputs: [{ name: 'a', fromExpression: 'a' }], key: 'x' }, "unknown field 'key' (check its spelling)"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(jsonParseRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid json-parse config: /);
    expect((result.error as Error).message).toContain(problem);
  });
});
