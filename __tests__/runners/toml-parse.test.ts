import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { tomlParseRunner } from '../../src/runners/toml-parse.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, '../fixtures/toml-parse/config.toml');

function workDirWithFixture(): string {
  const workDir = makeTempDir();
  copyFileSync(FIXTURE, path.join(workDir, 'config.toml'));
  return workDir;
}

const parse = (outputs: Array<{ name: string; fromExpression: string }>, workDir = workDirWithFixture()) =>
  runStep(tomlParseRunner, { path: 'config.toml', outputs }, { workDir });

describe('toml-parse', () => {
  it("sets outputs from expressions over the document (Kargo's successful run)", async () => {
    const result = await parse([{ name: 'appVersion', fromExpression: 'app.version' }]);
    expect(result).toEqual({ status: 'Succeeded', output: { appVersion: '1.0.0' } });
  });

  it.each<[string, string, unknown]>([
    ['a top-level string', 'title', 'Guestbook'],
    ['an integer', 'app.replicas', 3],
    ['a float', 'app.ratio', 0.5],
    ['a local date, as text', 'app.released', '2024-01-15'],
    ['an offset date-time, as text', 'app.updated', '1979-05-27T07:32:00-08:00'],
    ['a local time, as text', 'app.alarm', '07:32:00.5'],
    ['an array-table entry', 'images[1].tag', '2.0.1'],
    ['the number of array-table entries', 'len(images)', 2],
    ['a missing key, as nil', 'missing', null]
  ])('reads %s', async (_name, fromExpression, expected) => {
    const result = await parse([{ name: 'out', fromExpression }]);
    expect(result).toEqual({ status: 'Succeeded', output: { out: expected } });
  });

  it.each<[string, string | undefined, string, RegExp]>([
    ['a missing file', undefined, 'app', /^error reading TOML file "config.toml": no such file or directory$/],
    ['an empty file', '', 'app', /^could not parse empty TOML file: "config.toml"$/],
    ['TOML that does not parse', 'key = \n', 'key', /^could not parse TOML file "config.toml": .* \(line 1\)$/],
    ['a member of nil', 'a = 1\n', 'nonexistent.path', /^failed to extract outputs: error evaluating expression "nonexistent.path": cannot fetch path from nil/],
    ['an expression that does not compile', 'a = 1\n', '(1 + 2', /^failed to extract outputs: error compiling expression "\(1 \+ 2": /]
  ])('errors on %s', async (_name, content, fromExpression, message) => {
    const workDir = makeTempDir();
    if (content !== undefined) writeFileSync(path.join(workDir, 'config.toml'), content);
    const result = await parse([{ name: 'out', fromExpression }], workDir);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toMatch(message);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { outputs: [{ name: 'a', fromExpression: 'a' }] }, "must have required property 'path'"],
    ['no outputs', { path: 'c.toml' }, "must have required property 'outputs'"],
    ['an empty outputs list', { path: 'c.toml', outputs: [] }, 'outputs: must NOT have fewer than 1 items'],
    ['an output with an empty name', { path: 'c.toml', outputs: [{ name: '', fromExpression: 'a' }] }, 'outputs[0].name: must NOT have fewer than 1 characters'],
    ['an output with an empty expression', { path: 'c.toml', outputs: [{ name: 'a', fromExpression: '' }] }, 'outputs[0].fromExpression: must NOT have fewer than 1 characters']
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(tomlParseRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid toml-parse config: /);
    expect((result.error as Error).message).toContain(problem);
  });
});
