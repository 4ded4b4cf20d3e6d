import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { tomlUpdateCommitMessage, tomlUpdateRunner } from '../../src/runners/toml-update.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CONFIG = readFileSync(path.join(here, '../fixtures/toml-update/config.toml'), 'utf8');

async function update(
  content: string | undefined,
  updates: Array<{ key: string; value: unknown }>
): Promise<{ result: Awaited<ReturnType<typeof runStep>>; after: string | undefined }> {
  const workDir = makeTempDir();
  if (content !== undefined) writeFileSync(path.join(workDir, 'config.toml'), content);
  const result = await runStep(tomlUpdateRunner, { path: 'config.toml', updates }, { workDir });
  let after: string | undefined;
  try {
    after = readFileSync(path.join(workDir, 'config.toml'), 'utf8');
  } catch {
    after = undefined;
  }
  return { result, after };
}

function configWith(...replacements: Array<[string, string]>): string {
  let text = CONFIG;
  for (const [before, after] of replacements) {
    expect(text.includes(before)).toBe(true);
    text = text.replace(before, after);
  }
  return text;
}

describe('toml-update', () => {
  it("matches Kargo's own run test", async () => {
    const content = 'threshold = 1\n\n[package]\nversion = "1.0.0"\n\n[features]\nnewFeature = false\n';
    const { result, after } = await update(content, [
      { key: 'package.version', value: '1.0.1' },
      { key: 'features.newFeature', value: true },
      { key: 'threshold', value: 100 }
    ]);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage: "Updated config.toml\n\n- package.version: '1.0.1'\n- features.newFeature: true\n- threshold: 100"
      }
    });
    expect(after).toBe('threshold = 100\n\n[package]\nversion = "1.0.1"\n\n[features]\nnewFeature = true\n');
  });

  it.each<[string, string, unknown, [string, string]]>([
    ['a basic string stays basic, with its odd spacing and comment', 'title', 'Visitors', ['"Guestbook"   #', '"Visitors"   #']],
    ['a basic string gets TOML escapes', 'title', 'say "hi"\\', ['"Guestbook"', '"say \\"hi\\"\\\\"']],
    ['a literal string stays literal', 'package.literal', 'D:\\data', ["'C:\\path'", "'D:\\data'"]],
    ['a literal string that holds a quote becomes basic', 'package.literal', "it's", ["'C:\\path'", '"it\'s"']],
    ['a multi-line basic string keeps its layout', 'package.notes', 'one\ntwo', ['"""\nfirst line\nsecond line"""', '"""\none\ntwo"""']],
    ['an integer', 'threshold', 42, ['threshold = 1', 'threshold = 42']],
    ['an integer into a float keeps it a float', 'ratio', 2, ['ratio = 0.5', 'ratio = 2.0']],
    ['a decimal', 'ratio', 0.75, ['ratio = 0.5', 'ratio = 0.75']],
    ['a boolean', 'features.newFeature', true, ['newFeature = false', 'newFeature = true']],
    ['a string replacing a number is a literal string, as go-toml writes it', 'threshold', 'high', ['threshold = 1', "threshold = 'high'"]],
    ['a string replacing a date-time', 'created', 'never', ['1979-05-27T07:32:00Z', "'never'"]],
    ['a key with an escaped dot', 'example\\.com/version', '2.0.0', ['"1.0.0"\nsite', '"2.0.0"\nsite']],
    ['a dotted key', 'site.owner', 'dev', ["'ops'", "'dev'"]],
    ['an array item, keeping the comment after the array', 'server.ports.1', 9443, ['[ 8080, 8443 ]', '[ 8080, 9443 ]']],
    ['an inline table item', 'server.limits.memory', '2Gi', ['memory = "1Gi"', 'memory = "2Gi"']],
    ['an array-table item', 'services.1.port', 9090, ['port = 8081', 'port = 9090']],
    ['a colon-prefixed index part', 'services.:0.name', 'gateway', ['name = "api"', 'name = "gateway"']],
    ['a value under a nested table header', 'a.b.c', 99, ['c = 1', 'c = 99']]
  ])('sets %s', async (_name, key, value, replacement) => {
    const { result, after } = await update(CONFIG, [{ key, value }]);
    expect(result.status).toBe('Succeeded');
    expect(after).toBe(configWith(replacement));
  });

  it('lets the last of two updates to the same key win', async () => {
    const { after } = await update('v = 1\n', [
      { key: 'v', value: 2 },
      { key: 'v', value: 3 }
    ]);
    expect(after).toBe('v = 3\n');
  });

  it('applies several updates across tables in one pass', async () => {
    const { after } = await update(CONFIG, [
      { key: 'threshold', value: 100 },
      { key: 'package.version', value: '2.0.0' },
      { key: 'services.0.port', value: 80 }
    ]);
    expect(after).toBe(configWith(['threshold = 1', 'threshold = 100'], ['"1.0.0" # bumped', '"2.0.0" # bumped'], ['port = 8080', 'port = 80']));
  });

  it.each<[string, string | undefined, Array<{ key: string; value: unknown }>, string]>([
    ['a missing file', undefined, [{ key: 'a', value: 1 }], 'error reading TOML file "config.toml": no such file or directory'],
    ['a key that does not exist', CONFIG, [{ key: 'package.name', value: 'x' }], 'error updating TOML file "config.toml": error finding key package.name: key path not found'],
    ['a table', CONFIG, [{ key: 'package', value: 'x' }], 'error updating TOML file "config.toml": error finding key package: key path addresses Table instead of a scalar node'],
    ['an array table', CONFIG, [{ key: 'services.1', value: 'x' }], 'error updating TOML file "config.toml": error finding key services.1: key path addresses ArrayTable instead of a scalar node'],
    ['an array', CONFIG, [{ key: 'server.ports', value: 'x' }], 'error updating TOML file "config.toml": error finding key server.ports: key path addresses Array instead of a scalar node'],
    ['an inline table', CONFIG, [{ key: 'server.limits', value: 'x' }], 'error updating TOML file "config.toml": error finding key server.limits: key path addresses InlineTable instead of a scalar node'],
    ['an implicitly defined table, as Kargo does', CONFIG, [{ key: 'a', value: 1 }], 'error updating TOML file "config.toml": error finding key a: key path not found'],
    ['a key below a scalar', CONFIG, [{ key: 'a.b.c.d', value: 1 }], 'error updating TOML file "config.toml": error finding key a.b.c.d: key path not found'],
    ['a bad key', CONFIG, [{ key: 'a..b', value: 1 }], 'error updating TOML file "config.toml": error splitting key a..b: empty key part in key "a..b"'],
    ['a list value', CONFIG, [{ key: 'title', value: ['a', 'b'] }], 'error updating TOML file "config.toml": error formatting value for key title: value is not a TOML scalar type (string, number or boolean)'],
    ['a null value', CONFIG, [{ key: 'title', value: null }], 'error updating TOML file "config.toml": error formatting value for key title: value is not a TOML scalar type (string, number or boolean)'],
    ['TOML that does not parse', 'key = \n', [{ key: 'key', value: 1 }], 'error updating TOML file "config.toml": error parsing input: Unspecified values are invalid (line 2, column 1)']
  ])('refuses %s and leaves the file as it was', async (_name, content, updates, message) => {
    const { result, after } = await update(content, [{ key: 'threshold', value: 5 }, ...updates].slice(content === CONFIG ? 0 : 1));
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(`TOML file update failed: ${message}`);
    expect(after).toBe(content);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { updates: [{ key: 'a', value: 1 }] }, "(root): must have required property 'path'"],
    ['an empty path', { path: '', updates: [{ key: 'a', value: 1 }] }, 'path: must NOT have fewer than 1 characters'],
    ['no updates', { path: 'c.toml' }, "(root): must have required property 'updates'"],
    ['an empty updates list', { path: 'c.toml', updates: [] }, 'updates: must NOT have fewer than 1 items'],
    ['an update without a key', { path: 'c.toml', updates: [{ value: 1 }] }, "updates[0]: must have required property 'key'"],
    ['an empty key', { path: 'c.toml', updates: [{ key: '', value: 1 }] }, 'updates[0].key: must NOT have fewer than 1 characters'],
    ['an update without a value', { path: 'c.toml', updates: [{ key: 'a' }] }, "updates[0]: must have required property 'value'"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(tomlUpdateRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid toml-update config: /);
    expect((result.error as Error).message).toContain(problem);
  });

  it.each<[unknown, string]>([
    ['value', "'value'"],
    ["it's", '"it\'s"'],
    ['tab\there', "'tab\there'"],
    ['bell\u0007', '"bell\\u0007"'],
    [42, '42'],
    [1.5, '1.5'],
    [true, 'true']
  ])('writes %j in the commit message as %s', (value, text) => {
    expect(tomlUpdateCommitMessage('config.toml', [{ key: 'k', value }])).toBe(`Updated config.toml\n\n- k: ${text}`);
  });
});
