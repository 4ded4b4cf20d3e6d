import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { yamlUpdateCommitMessage, yamlUpdateRunner } from '../../src/runners/yaml-update.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = readFileSync(path.join(here, '../fixtures/yaml-update/values.yaml'), 'utf8');

/** A WorkDir holding files, and a way to read one back. */
function workDirWith(files: Record<string, string>): string {
  const dir = makeTempDir();
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

async function update(
  content: string,
  updates: Array<{ key: string; value: unknown }>,
  file = 'values.yaml'
): Promise<{ result: Awaited<ReturnType<typeof runStep>>; after: string }> {
  const workDir = workDirWith({ [file]: content });
  const result = await runStep(yamlUpdateRunner, { path: file, updates }, { workDir });
  return { result, after: readFileSync(path.join(workDir, file), 'utf8') };
}

/** The fixture with each [before, after] substring replaced once (each must occur). */
function fixtureWith(...replacements: Array<[string, string]>): string {
  let text = FIXTURE;
  for (const [before, after] of replacements) {
    expect(text.includes(before)).toBe(true);
    text = text.replace(before, after);
  }
  return text;
}

describe('yaml-update', () => {
  it("matches Kargo's own run test: strings, strings that look like numbers, numbers", async () => {
    const content = 'image:\n  tag: old\n  numStr: "5"\n  realNum: 5\n';
    const { result, after } = await update(content, [
      { key: 'image.tag', value: 'fake-tag' },
      { key: 'image.numStr', value: '42' },
      { key: 'image.realNum', value: 42 }
    ]);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage: 'Updated values.yaml\n\n- image.tag: fake-tag\n- image.numStr: "42"\n- image.realNum: 42'
      }
    });
    expect(after).toBe('image:\n  tag: fake-tag\n  numStr: "42"\n  realNum: 42\n');
  });

  it.each<[string, string, unknown, [string, string]]>([
    ['a plain string in a plain scalar', 'image.pullPolicy', 'Always', ['pullPolicy:   IfNotPresent', 'pullPolicy:   Always']],
    ['a string that reads as a number gets double quotes', 'image.pullPolicy', '42', ['pullPolicy:   IfNotPresent', 'pullPolicy:   "42"']],
    ['a string that reads as a YAML 1.1 bool gets quotes', 'annotations.plain', 'yes', ['plain: hello', 'plain: "yes"']],
    ['a string that reads as null gets quotes', 'annotations.plain', 'null', ['plain: hello', 'plain: "null"']],
    ['a string that reads as JSON gets Go-style quotes', 'annotations.plain', '{"a": 1}', ['plain: hello', 'plain: "{\\"a\\": 1}"']],
    ['a string with ": " is quoted instead of breaking the file', 'annotations.plain', 'a: b', ['plain: hello', 'plain: "a: b"']],
    ['a string with " #" is quoted instead of losing its tail', 'annotations.plain', 'x #y', ['plain: hello', 'plain: "x #y"']],
    ['a string with a newline is written escaped', 'annotations.plain', 'one\ntwo', ['plain: hello', 'plain: "one\\ntwo"']],
    ['an empty string is quoted', 'annotations.plain', '', ['plain: hello', 'plain: ""']],
    ['a double-quoted scalar stays double-quoted', 'image.tag', '1.2.4', ['tag: "1.2.3"', 'tag: "1.2.4"']],
    ['a double-quoted scalar gets a number written plain', 'image.tag', 7, ['tag: "1.2.3"', 'tag: 7']],
    ['a single-quoted scalar stays single-quoted', 'annotations.example\\.com/revision', "it's", ["'abc123'", "'it''s'"]],
    ['a single-quoted scalar holding a tab switches to double quotes', 'annotations.example\\.com/revision', 'a\tb', ["'abc123'", '"a\\tb"']],
    ['a number replaces a number', 'image.realNum', 6, ['realNum: 5', 'realNum: 6']],
    ['a decimal number', 'image.realNum', 0.25, ['realNum: 5', 'realNum: 0.25']],
    ['a large integer is written without an exponent', 'image.realNum', 1000000, ['realNum: 5', 'realNum: 1000000']],
    ['a boolean', 'toggles.enabled', true, ['enabled: false', 'enabled: true']],
    ['null', 'toggles.enabled', null, ['enabled: false', 'enabled: null']],
    ['an inline comment on the edited line is kept', 'replicaCount', 3, ['replicaCount: 2 # keep', 'replicaCount: 3 # keep']],
    ['the spacing before an inline comment is kept', 'image.repository', 'docker.io/x/y', ['ghcr.io/example/guestbook   #', 'docker.io/x/y   #']],
    ['a value inside a flow sequence of flow maps', 'env.1.value', '4', ['value: "3"', 'value: "4"']],
    ['a plain value in a flow map is quoted if it holds a comma', 'env.0.value', 'a, b', ['value: blue', 'value: "a, b"']],
    ['a plain value in a flow map that needs no quotes', 'env.0.value', 'green', ['value: blue', 'value: green']],
    ['a sequence item inside an oddly indented list', 'containers.0.args.1', '--quiet', ['- --verbose', '- --quiet']],
    ['a colon-prefixed part is accepted and dropped', 'containers.:0.name', 'web', ['name: app', 'name: web']],
    ['a block literal stays a block literal', 'config', 'listen 9090\nroot /srv\n', ['  listen 8080\n', '  listen 9090\n']],
    ['a block literal without a final newline gets the strip indicator', 'config', 'one line', ['|\n  listen 8080\n  root /srv\n', '|-\n  one line\n']],
    ['a block literal with extra final newlines gets the keep indicator', 'config', 'a\n\n', ['|\n  listen 8080\n  root /srv\n', '|+\n  a\n\n']],
    ['a folded scalar keeps its style for one line', 'notes', 'new text', ['>-\n  folded text\n', '>-\n  new text\n']],
    ['a folded scalar becomes literal for several lines', 'notes', 'l1\nl2', ['>-\n  folded text\n', '|-\n  l1\n  l2\n']],
    ['an empty value gets a space before the new one', 'empty', 'filled', ['empty:\n', 'empty: filled\n']],
    ['a value under an anchor', 'anchors.base.size', 'large', ['size: small', 'size: large']]
  ])('%s', async (_name, key, value, replacement) => {
    const { result, after } = await update(FIXTURE, [{ key, value }]);
    expect(result.status).toBe('Succeeded');
    expect(after).toBe(fixtureWith(replacement));
  });

  it('applies several updates in one pass and leaves the second document alone', async () => {
    const { result, after } = await update(FIXTURE, [
      { key: 'image.tag', value: '2.0.0' },
      { key: 'replicaCount', value: 4 },
      { key: 'containers.0.args.0', value: '--port=9090' }
    ]);
    expect(after).toBe(
      fixtureWith(['tag: "1.2.3"', 'tag: "2.0.0"'], ['replicaCount: 2', 'replicaCount: 4'], ['--port=8080', '--port=9090'])
    );
    expect(after.endsWith('image:\n  tag: "0.0.1"\n')).toBe(true);
    expect(result.output).toEqual({
      commitMessage: 'Updated values.yaml\n\n- image.tag: 2.0.0\n- replicaCount: 4\n- containers.0.args.0: --port=9090'
    });
  });

  it('edits two values on the same line of a flow collection', async () => {
    const { after } = await update(FIXTURE, [
      { key: 'env.0.value', value: 'green' },
      { key: 'env.1.value', value: 4 }
    ]);
    expect(after).toBe(fixtureWith(['value: blue', 'value: green'], ['value: "3"', 'value: 4']));
  });

  it('lets the last of two updates to the same key win', async () => {
    const { after } = await update(FIXTURE, [
      { key: 'image.tag', value: 'first' },
      { key: 'image.tag', value: 'second' }
    ]);
    expect(after).toBe(fixtureWith(['tag: "1.2.3"', 'tag: "second"']));
  });

  it('keeps CRLF line endings and a missing final newline', async () => {
    const { after } = await update('# c\r\na: 1\r\nb: x # note', [{ key: 'b', value: 'z' }]);
    expect(after).toBe('# c\r\na: 1\r\nb: z # note');
  });

  it.each<[string, unknown, string]>([
    ['a number drops an explicit string tag', 456, 'a: 456 # c\n'],
    ['a string keeps an explicit tag', 'x', 'a: !!str x # c\n']
  ])('%s', async (_name, value, expected) => {
    const { after } = await update('a: !!str 123 # c\n', [{ key: 'a', value }]);
    expect(after).toBe(expected);
  });

  it('matches keys written with quotes', async () => {
    const { after } = await update('"quoted key": 1\n\'single\': 2\n', [
      { key: 'quoted key', value: 3 },
      { key: 'single', value: 4 }
    ]);
    expect(after).toBe('"quoted key": 3\n\'single\': 4\n');
  });

  it('keeps the file mode', async () => {
    const workDir = workDirWith({ 'values.yaml': 'a: 1\n' });
    chmodSync(path.join(workDir, 'values.yaml'), 0o640);
    await runStep(yamlUpdateRunner, { path: 'values.yaml', updates: [{ key: 'a', value: 2 }] }, { workDir });
    expect(statSync(path.join(workDir, 'values.yaml')).mode & 0o777).toBe(0o640);
  });

  it('clamps a path that climbs out of the WorkDir into it', async () => {
    const workDir = workDirWith({ 'values.yaml': 'a: 1\n' });
    const result = await runStep(yamlUpdateRunner, { path: '../../values.yaml', updates: [{ key: 'a', value: 2 }] }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'values.yaml'), 'utf8')).toBe('a: 2\n');
  });

  it('resolves a symlink that points outside as if the WorkDir were the root', async () => {
    const outside = workDirWith({ 'values.yaml': 'a: 1\n' });
    const workDir = workDirWith({ 'values.yaml': 'a: 1\n' });
    symlinkSync(path.join(outside, 'values.yaml'), path.join(workDir, 'link.yaml'));
    const result = await runStep(yamlUpdateRunner, { path: 'link.yaml', updates: [{ key: 'a', value: 2 }] }, { workDir });
    // The link's absolute target is re-read inside the WorkDir, where it does not exist.
    expect(result.status).toBe('Errored');
    expect(readFileSync(path.join(outside, 'values.yaml'), 'utf8')).toBe('a: 1\n');
  });

  it.each<[string, string, Array<{ key: string; value: unknown }>, string]>([
    ['a key that does not exist', FIXTURE, [{ key: 'image.digest', value: 'x' }], 'error finding key image.digest: key path not found'],
    ['a key below a scalar', FIXTURE, [{ key: 'replicaCount.x', value: 1 }], 'error finding key replicaCount.x: key path not found'],
    ['a key that addresses a map', FIXTURE, [{ key: 'image', value: 'x' }], 'error finding key image: key path does not address a scalar node'],
    ['a key that addresses a sequence', FIXTURE, [{ key: 'containers.0.args', value: 'x' }], 'error finding key containers.0.args: key path does not address a scalar node'],
    ['a non-numeric index into a sequence', FIXTURE, [{ key: 'containers.first.name', value: 'x' }], 'error finding key containers.first.name: strconv.Atoi: parsing "first": invalid syntax'],
    ['an index past the end of a sequence', FIXTURE, [{ key: 'containers.3.name', value: 'x' }], 'error finding key containers.3.name: index 3 out of range (the sequence has 1 items)'],
    ['a path through an alias', FIXTURE, [{ key: 'anchors.derived.size', value: 'x' }], 'error finding key anchors.derived.size: key path not found (it goes through the alias *base; update the anchored node instead)'],
    ['an empty key part', FIXTURE, [{ key: 'image..tag', value: 'x' }], 'error splitting key image..tag: empty key part in key "image..tag"'],
    ['an invalid escape', FIXTURE, [{ key: 'image\\ntag', value: 'x' }], 'error splitting key image\\ntag: invalid escape sequence in key "image\\\\ntag"'],
    ['a colon inside a part', FIXTURE, [{ key: 'image.ta:g', value: 'x' }], 'error splitting key image.ta:g: unexpected colon in key "image.ta:g"'],
    ['a map value', FIXTURE, [{ key: 'image.tag', value: { a: 1 } }], 'value for key image.tag is a map; yaml-update writes only strings, numbers, booleans and null'],
    ['a list value', FIXTURE, [{ key: 'image.tag', value: [1] }], 'value for key image.tag is a list; yaml-update writes only strings, numbers, booleans and null'],
    ['a value that would not read back as written (a number after a tag and an anchor)', 'a: !!str &x 123\n', [{ key: 'a', value: 456 }], 'could not write the value of key a so that it reads back unchanged; the file was left unchanged'],
    ['a file with no document', '# only a comment\n', [{ key: 'a', value: 1 }], 'error finding key a: key path not found (the file holds no YAML document)']
  ])('refuses %s and leaves the file as it was', async (_name, content, updates, message) => {
    const { result, after } = await update(content, [{ key: 'image.tag', value: 'ok' }, ...updates].slice(content === FIXTURE ? 0 : 1));
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(`values file update failed: error updating values in file "values.yaml": ${message}`);
    expect(after).toBe(content);
  });

  it("refuses YAML that does not parse (Kargo's tab-indented case)", async () => {
    const content = '\ncharacters:\n- name: Anakin\n\taffiliation: Light side\n';
    const { result, after } = await update(content, [{ key: 'characters.0.name', value: 'Luke' }]);
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toMatch(
      /^values file update failed: error updating values in file "values.yaml": error unmarshaling input: Tabs are not allowed as indentation/
    );
    expect(after).toBe(content);
  });

  it('reports a missing file by the path the user gave', async () => {
    const workDir = makeTempDir();
    const result = await runStep(yamlUpdateRunner, { path: 'charts/values.yaml', updates: [{ key: 'a', value: 1 }] }, { workDir });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toBe(
      'values file update failed: error reading YAML file "charts/values.yaml": no such file or directory'
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no path', { updates: [{ key: 'a', value: 1 }] }, "(root): must have required property 'path'"],
    ['an empty path', { path: '', updates: [{ key: 'a', value: 1 }] }, 'path: must NOT have fewer than 1 characters'],
    ['no updates', { path: 'v.yaml' }, "(root): must have required property 'updates'"],
    ['an empty updates list', { path: 'v.yaml', updates: [] }, 'updates: must NOT have fewer than 1 items'],
    ['an update without a key', { path: 'v.yaml', updates: [{ value: 1 }] }, "updates[0]: must have required property 'key'"],
    ['an empty key', { path: 'v.yaml', updates: [{ key: '', value: 1 }] }, 'updates[0].key: must NOT have fewer than 1 characters'],
    ['an update without a value', { path: 'v.yaml', updates: [{ key: 'a' }] }, "updates[0]: must have required property 'value'"],
    ['an unknown field', { path: 'v.yaml', updates: [{ key: 'a', value: 1 }], extra: true }, "unknown field 'extra' (check its spelling)"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(yamlUpdateRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid yaml-update config: /);
    expect((result.error as Error).message).toContain(problem);
  });

  it.each<[unknown, string]>([
    ['repo/image:tag1', 'repo/image:tag1'],
    ['true', '"true"'],
    ['1.10', '"1.10"'],
    ['[1, 2]', '"[1, 2]"'],
    [false, 'false'],
    [3, '3'],
    [null, 'null']
  ])('writes %j in the commit message as %s', (value, text) => {
    expect(yamlUpdateCommitMessage('chart/values.yaml', [{ key: 'k', value }])).toBe(`Updated chart/values.yaml\n\n- k: ${text}`);
  });
});
