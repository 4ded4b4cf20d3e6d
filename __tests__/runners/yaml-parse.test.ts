import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { yamlParseRunner } from '../../src/runners/yaml-parse.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '../fixtures/yaml-parse');

function workDirWithFixtures(): string {
  const workDir = makeTempDir();
  for (const name of ['values.yaml', 'list.yaml']) copyFileSync(path.join(FIXTURES, name), path.join(workDir, name));
  return workDir;
}

const parse = (file: string, outputs: Array<{ name: string; fromExpression: string }>, workDir = workDirWithFixtures()) =>
  runStep(yamlParseRunner, { path: file, outputs }, { workDir });

function workDirWith(content: string): string {
  const workDir = makeTempDir();
  writeFileSync(path.join(workDir, 'values.yaml'), content);
  return workDir;
}

describe('yaml-parse', () => {
  it('sets outputs from expressions over the first document', async () => {
    const result = await parse('values.yaml', [
      { name: 'appVersion', fromExpression: 'app.version' },
      { name: 'replicas', fromExpression: 'app.replicas' }
    ]);
    expect(result).toEqual({ status: 'Succeeded', output: { appVersion: '1.0.0', replicas: 3 } });
  });

  it.each<[string, string, unknown]>([
    ['a value inherited through a merge key', 'prod.region', 'eu-west-1'],
    ['a value overriding a merge key', 'prod.tier', 'api'],
    ['a YAML 1.1 boolean, as sigs.k8s.io/yaml reads it', 'flags.legacy', true],
    ['a YAML 1.1 octal number', 'flags.mode', 493],
    ['a date, kept as a string', 'flags.released', '2024-01-15'],
    ['a numeric key, turned into a string', "flags['1']", 'numeric key'],
    ['a plain version-like scalar, kept as a string', 'images[0].tag', '1.27.0'],
    ['a missing key, as nil', 'ignored', null]
  ])('reads %s', async (_name, fromExpression, expected) => {
    const result = await parse('values.yaml', [{ name: 'out', fromExpression }]);
    expect(result).toEqual({ status: 'Succeeded', output: { out: expected } });
  });

  it.each<[string, string, unknown]>([
    ['by index', '$env[0]', 'first'],
    ['by length', 'len($env)', 3]
  ])('reaches a root list %s', async (_name, fromExpression, expected) => {
    const result = await parse('list.yaml', [{ name: 'out', fromExpression }]);
    expect(result).toEqual({ status: 'Succeeded', output: { out: expected } });
  });

  it('reaches a scalar root through $env', async () => {
    const result = await parse('values.yaml', [{ name: 'out', fromExpression: '$env' }], workDirWith('simple string value\n'));
    expect(result).toEqual({ status: 'Succeeded', output: { out: 'simple string value' } });
  });

  it.each<[string, string | undefined, string, RegExp]>([
    ['a missing file', undefined, 'app', /^error reading YAML file "values.yaml": no such file or directory$/],
    ['an empty file', '', 'app', /^could not parse empty YAML file: "values.yaml"$/],
    ['YAML that does not parse', 'a: [1, 2\n', 'a', /^could not parse YAML file "values.yaml": /],
    ['a member of nil', 'a: 1\n', 'nonexistent.path', /^failed to extract outputs: error evaluating expression "nonexistent.path": cannot fetch path from nil/],
    ['an expression that does not compile', 'a: 1\n', '(1 + 2', /^failed to extract outputs: error compiling expression "\(1 \+ 2": /]
  ])('errors on %s', async (_name, content, fromExpression, message) => {
    const workDir = makeTempDir();
    if (content !== undefined) writeFileSync(path.join(workDir, 'values.yaml'), content);
    const result = await parse('values.yaml', [{ name: 'out', fromExpression }], workDir);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(message);
  });

  it('errors on a directory', async () => {
    const workDir = makeTempDir();
    mkdirSync(path.join(workDir, 'values.yaml'));
    const result = await parse('values.yaml', [{ name: 'out', fromExpression: 'app' }], workDir);
    expect((result.error as Error).message).toBe('error reading YAML file "values.yaml": is a directory');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { outputs: [{ name: 'a', fromExpression: 'a' }] }, "must have required property 'path'"],
    ['an empty path', { path: '', outputs: [{ name: 'a', fromExpression: 'a' }] }, 'path: must NOT have fewer than 1 characters'],
    ['no outputs', { path: 'v.yaml' }, "must have required property 'outputs'"],
    ['an empty outputs list', { path: 'v.yaml', outputs: [] }, 'outputs: must NOT have fewer than 1 items'],
    ['an output without a name', { path: 'v.yaml', outputs: [{ fromExpression: 'a' }] }, "outputs[0]: must have required property 'name'"],
    ['an output without an expression', { path: 'v.yaml', outputs: [{ name: 'a' }] }, "outputs[0]: must have required property 'fromExpression'"],
    ['an unknown output field', { path: 'v.yaml', outputs: [{ name: 'a', fromExpression: 'a', default: 1 }] }, "unknown field 'default'"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(yamlParseRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid yaml-parse config: /);
    expect((result.error as Error).message).toContain(problem);
  });
});
