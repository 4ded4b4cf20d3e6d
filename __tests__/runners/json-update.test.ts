import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { jsonUpdateCommitMessage, jsonUpdateRunner } from '../../src/runners/json-update.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(here, '../fixtures/json-update', name), 'utf8');
const CONFIG = fixture('config.json');

async function update(
  content: string | undefined,
  updates: Array<{ key: string; value: unknown }>,
  file = 'config.json'
): Promise<{ result: Awaited<ReturnType<typeof runStep>>; after: string | undefined }> {
  const workDir = makeTempDir();
  if (content !== undefined) {
    mkdirSync(path.dirname(path.join(workDir, file)), { recursive: true });
    writeFileSync(path.join(workDir, file), content);
  }
  const result = await runStep(jsonUpdateRunner, { path: file, updates }, { workDir });
  let after: string | undefined;
  try {
    after = readFileSync(path.join(workDir, file), 'utf8');
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

describe('json-update', () => {
  it("matches Kargo's own run test: replaces values and adds a missing key", async () => {
    const content = '{\n  "app": {\n    "version": "1.0.0"\n  },\n  "features": {\n    "newFeature": false\n  }\n}';
    const { result, after } = await update(content, [
      { key: 'app.version', value: '1.0.1' },
      { key: 'features.newFeature', value: true },
      { key: 'threshold', value: 100 }
    ]);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage: 'Updated config.json\n\n- app.version: "1.0.1"\n- features.newFeature: true\n- threshold: 100'
      }
    });
    expect(after).toBe(
      '{\n  "app": {\n    "version": "1.0.1"\n  },\n  "features": {\n    "newFeature": true\n  },\n  "threshold": 100\n}'
    );
  });

  it.each<[string, string, unknown, Array<[string, string]>]>([
    ['a string in place', 'app.version', '1.0.1', [['"1.0.0"', '"1.0.1"']]],
    ['a number in place, keeping the odd spacing before it', 'app.replicas', 3, [['"replicas":   2', '"replicas":   3']]],
    ['a boolean inside a one-line object', 'features.newFeature', true, [['"newFeature": false', '"newFeature": true']]],
    ['a decimal number', 'app.replicas', 0.5, [['"replicas":   2', '"replicas":   0.5']]],
    ['a string needing escapes', 'app.name', 'say "hi"\n', [['"guestbook"', '"say \\"hi\\"\\n"']]],
    ['a key with an escaped dot', 'example\\.com/revision', 'def', [['"abc"', '"def"']]],
    ['an array element by index', 'ports.1', 9443, [['[8080, 8443]', '[8080, 9443]']]],
    ['a numeric key forced with a colon on an object', 'empty.:0', 'x', [['"empty": {}', '"empty": {\n        "0": "x"\n    }']]],
    ['a new key in a nested object, in the file\'s indentation', 'app.tier', 'web', [['"replicas":   2\n', '"replicas":   2,\n        "tier": "web"\n']]],
    ['a new nested path, creating objects', 'metadata.labels.team', 'a', [['"empty": {}\n', '"empty": {},\n    "metadata": {\n        "labels": {\n            "team": "a"\n        }\n    }\n']]],
    ['a new path whose next part is numeric, creating an array', 'extra.1', 'b', [['"empty": {}\n', '"empty": {},\n    "extra": [\n        null,\n        "b"\n    ]\n']]],
    ['an append with -1 on a one-line array', 'ports.-1', 9000, [['[8080, 8443]', '[8080, 8443, 9000]']]],
    ['an index one past the end appends', 'ports.2', 9000, [['[8080, 8443]', '[8080, 8443, 9000]']]],
    ['an index further out pads with nulls', 'ports.4', 9000, [['[8080, 8443]', '[8080, 8443, null, null, 9000]']]],
    ['an append to a multi-line array keeps one item a line', 'hosts.-1', 'b.example.com', [['"a.example.com"\n', '"a.example.com",\n        "b.example.com"\n']]],
    ['an append to an empty array', 'tags.-1', 'v1', [['"tags": []', '"tags": ["v1"]']]],
    ['a scalar in the way is replaced by an object, as sjson does', 'image.tag', '1.27', [['"image": "nginx"', '"image": {\n        "tag": "1.27"\n    }']]]
  ])('sets %s', async (_name, key, value, replacements) => {
    const { result, after } = await update(CONFIG, [{ key, value }]);
    expect(result.status).toBe('Succeeded');
    expect(after).toBe(configWith(...replacements));
  });

  it('follows tab indentation for new keys', async () => {
    const { after } = await update(fixture('tabs.json'), [{ key: 'app.name', value: 'x' }]);
    expect(after).toBe('{\n\t"app": {\n\t\t"version": "1.0.0",\n\t\t"name": "x"\n\t}\n}');
  });

  it('writes compact JSON into an empty file, as sjson does', async () => {
    const { after } = await update('', [{ key: 'app.version', value: '1.0.1' }]);
    expect(after).toBe('{"app":{"version":"1.0.1"}}');
  });

  it('adds to a one-line file on the same line', async () => {
    const { after } = await update('{"key":"value"}', [
      { key: 'key', value: 'newvalue' },
      { key: 'other', value: 1 }
    ]);
    expect(after).toBe('{"key":"newvalue","other":1}');
  });

  it('keeps comments in a JSONC file', async () => {
    const { after } = await update('{\n  // the version\n  "version": "1" /* bumped */\n}\n', [{ key: 'version', value: '2' }]);
    expect(after).toBe('{\n  // the version\n  "version": "2" /* bumped */\n}\n');
  });

  it('applies updates in order, each seeing the previous one', async () => {
    const { after } = await update('{"a": 1}', [
      { key: 'b.c', value: 1 },
      { key: 'b.d', value: 2 }
    ]);
    expect(after).toBe('{"a": 1, "b": {"c": 1, "d": 2}}');
  });

  it.each<[string, string | undefined, Array<{ key: string; value: unknown }>, string]>([
    ['a missing file', undefined, [{ key: 'a', value: 1 }], 'error reading JSON file "config.json": no such file or directory'],
    ['a null value', CONFIG, [{ key: 'app.version', value: null }], 'value for key "app.version" in "config.json" is not a scalar type (string, number or boolean)'],
    ['a map value', CONFIG, [{ key: 'app.version', value: { a: 1 } }], 'value for key "app.version" in "config.json" is not a scalar type (string, number or boolean)'],
    ['a list value', CONFIG, [{ key: 'app.version', value: [1] }], 'value for key "app.version" in "config.json" is not a scalar type (string, number or boolean)'],
    ['a non-numeric key into an array', CONFIG, [{ key: 'ports.first', value: 1 }], "error setting key \"ports.first\" in JSON file \"config.json\": cannot set array element for non-numeric key 'first'"],
    ['a forced key into an array', CONFIG, [{ key: 'ports.:0', value: 1 }], "error setting key \"ports.:0\" in JSON file \"config.json\": cannot set array element for non-numeric key '0'"],
    ['a gjson query', CONFIG, [{ key: 'hosts.#', value: 'x' }], 'error setting key "hosts.#" in JSON file "config.json": key "hosts.#" uses gjson query syntax (#); json-update only sets plain paths: escape the character with a backslash if it is part of a key name'],
    ['a file that is not JSON', '{"a": 1,, }', [{ key: 'a', value: 2 }], 'could not parse JSON file "config.json": PropertyNameExpected at line 1']
  ])('refuses %s and leaves the file as it was', async (_name, content, updates, message) => {
    const { result, after } = await update(content, [{ key: 'app.version', value: '9' }, ...updates].slice(content === CONFIG ? 0 : 1));
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(`JSON file update failed: ${message}`);
    expect(after).toBe(content);
  });

  it('reports a directory by the path the user gave', async () => {
    const workDir = makeTempDir();
    mkdirSync(path.join(workDir, 'config.json'));
    const result = await runStep(jsonUpdateRunner, { path: 'config.json', updates: [{ key: 'a', value: 1 }] }, { workDir });
    expect((result.error as Error).message).toBe('JSON file update failed: error reading JSON file "config.json": is a directory');
  });

  it('clamps a path that climbs out of the WorkDir into it', async () => {
    const workDir = makeTempDir();
    writeFileSync(path.join(workDir, 'config.json'), '{"a": 1}');
    const result = await runStep(jsonUpdateRunner, { path: '../config.json', updates: [{ key: 'a', value: 2 }] }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'config.json'), 'utf8')).toBe('{"a": 2}');
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { updates: [{ key: 'a', value: 1 }] }, "(root): must have required property 'path'"],
    ['an empty path', { path: '', updates: [{ key: 'a', value: 1 }] }, 'path: must NOT have fewer than 1 characters'],
    ['no updates', { path: 'c.json' }, "(root): must have required property 'updates'"],
    ['an empty updates list', { path: 'c.json', updates: [] }, 'updates: must NOT have fewer than 1 items'],
    ['an update without a key', { path: 'c.json', updates: [{ value: 1 }] }, "updates[0]: must have required property 'key'"],
    ['an empty key', { path: 'c.json', updates: [{ key: '', value: 1 }] }, 'updates[0].key: must NOT have fewer than 1 characters'],
    ['an update without a value', { path: 'c.json', updates: [{ key: 'a' }] }, "updates[0]: must have required property 'value'"],
    ['an unknown field in an update', { path: 'c.json', updates: [{ key: 'a', value: 1, type: 'x' }] }, "unknown field 'type' (check its spelling)"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(jsonUpdateRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid json-update config: /);
    expect((result.error as Error).message).toContain(problem);
  });

  it("formats Kargo's commit message examples", () => {
    expect(jsonUpdateCommitMessage('values.json', [{ key: 'image', value: 'repo/image:tag1' }])).toBe(
      'Updated values.json\n\n- image: "repo/image:tag1"'
    );
    expect(
      jsonUpdateCommitMessage('chart/values.json', [
        { key: 'image1', value: 'repo1/image1:tag1' },
        { key: 'image2', value: 'repo2/image2:tag2' },
        { key: 'n', value: 1.5 },
        { key: 'tab', value: 'a\tb\u0001' }
      ])
    ).toBe('Updated chart/values.json\n\n- image1: "repo1/image1:tag1"\n- image2: "repo2/image2:tag2"\n- n: 1.5\n- tab: "a\\tb\\x01"');
  });
});
