import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import { yamlMergeCommitMessage, yamlMergeRunner } from '../../src/runners/yaml-merge.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '../fixtures/yaml-merge');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

function workDirWith(files: Record<string, string>): string {
  const workDir = makeTempDir();
  for (const name of ['base.yaml', 'overlay.yaml', 'empty.yaml']) copyFileSync(path.join(FIXTURES, name), path.join(workDir, name));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workDir, name)), { recursive: true });
    writeFileSync(path.join(workDir, name), content);
  }
  return workDir;
}

async function merge(files: Record<string, string>, config: Record<string, unknown>) {
  const workDir = workDirWith(files);
  const result = await runStep(yamlMergeRunner, { outFile: 'out/merged.yaml', ...config }, { workDir });
  let out: string | undefined;
  try {
    out = readFileSync(path.join(workDir, 'out/merged.yaml'), 'utf8');
  } catch {
    out = undefined;
  }
  return { result, out, workDir };
}

/** Merge two inline documents. */
const mergeTwo = (a: string, b: string) => merge({ 'a.yaml': a, 'b.yaml': b }, { inFiles: ['a.yaml', 'b.yaml'] });

describe('yaml-merge', () => {
  it("merges Kargo's base and overlay: maps merged, lists replaced, null removes, comments kept", async () => {
    const { result, out } = await merge({}, { inFiles: ['empty.yaml', 'base.yaml', 'overlay.yaml'] });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commitMessage: 'Merged 3 YAML files to out/merged.yaml\n- empty.yaml\n- base.yaml\n- overlay.yaml' }
    });
    expect(out).toBe(fixture('expected.yaml'));
  });

  it('writes a single file as kyaml would: 2-space indent, lists not indented, comments kept', async () => {
    const { result, out } = await merge({}, { inFiles: ['base.yaml'] });
    expect(result).toEqual({ status: 'Succeeded', output: { commitMessage: 'Wrote base.yaml to out/merged.yaml' } });
    expect(out).toBe(
      [
        '# Base values shared by every stage.',
        'character:',
        '  name: Vader # the main character',
        '  ability: Force',
        '  affiliation: Empire',
        '  saberColor: "red"',
        '',
        '# Vehicles are replaced wholesale by overlays.',
        'vehicles:',
        '- Star Destroyer',
        '- TIE Fighter',
        'settings: {timeout: 30, retries: 3}',
        'debug: false',
        ''
      ].join('\n')
    );
  });

  it.each<[string, string, string, string]>([
    ['new keys are appended in sorted order, as kyaml does', 'z: 1\n', 'c: 3\nb: 2\n', 'z: 1\nb: 2\nc: 3\n'],
    ['a scalar replaces a scalar, keeping the earlier line comment when the new one has none', 'a: 1 # note\n', 'a: 2\n', 'a: 2 # note\n'],
    ['a quoted string keeps its quotes when replaced by a plain one', "tag: 'v1'\n", 'tag: v2\n', "tag: 'v2'\n"],
    ['a number replacing a quoted string stays a number', 'tag: "v1"\n', 'tag: 2\n', 'tag: 2\n'],
    ['an empty list replaces a list', 'l: [1, 2]\n', 'l: []\n', 'l: []\n'],
    ['a null for a missing key adds nothing', 'a: 1\n', 'b: null\n', 'a: 1\n'],
    ['a null removes a map', 'a:\n  x: 1\nb: 2\n', 'a: ~\n', 'b: 2\n'],
    ['a null removes a list', 'a: [1]\nb: 2\n', 'a:\n', 'b: 2\n'],
    ['nulls and empty values of the earlier file are kept', 'a:\nb: null\n', 'c: 1\n', 'a:\nb: null\nc: 1\n'],
    ['a map replaces a null', 'a: null\n', 'a:\n  x: 1\n', 'a:\n  x: 1\n'],
    ['nested maps merge at every level', 'a:\n  b:\n    c: 1\n    d: 2\n', 'a:\n  b:\n    d: 3\n    e: 4\n', 'a:\n  b:\n    c: 1\n    d: 3\n    e: 4\n'],
    ['$patch: replace replaces a map', 'a:\n  x: 1\n  y: 2\n', 'a:\n  $patch: replace\n  z: 3\n', 'a:\n  z: 3\n'],
    ['$patch: delete removes a map', 'a:\n  x: 1\nb: 2\n', 'a:\n  $patch: delete\n', 'b: 2\n'],
    ['$patch: merge merges and is dropped', 'a:\n  x: 1\n', 'a:\n  $patch: merge\n  y: 2\n', 'a:\n  x: 1\n  y: 2\n'],
    ['aliases of the later file are resolved', 'a: 1\n', 'base: &b {x: 1}\nuse: *b\n', 'a: 1\nbase: {x: 1}\nuse: {x: 1}\n'],
    ['merging into an alias changes a copy, not the anchor', 'base: &b {x: 1}\nuse: *b\n', 'use: {z: 1}\n', 'base: &b {x: 1}\nuse: {x: 1, z: 1}\n'],
    ['lists at the root are replaced', '- a\n- b\n', '- c\n', '- c\n'],
    ['only the first document of a file counts', 'a: 1\n---\nb: 2\n', 'c: 3\n---\nd: 4\n', 'a: 1\nc: 3\n'],
    ['a document start marker is not written', '---\na: 1\n', 'b: 2\n', 'a: 1\nb: 2\n']
  ])('%s', async (_name, a, b, expected) => {
    const { result, out } = await mergeTwo(a, b);
    expect(result.status).toBe('Succeeded');
    expect(out).toBe(expected);
  });

  it('writes an empty file when every input is empty', async () => {
    const { result, out } = await merge({ 'c.yaml': '# just a comment\n' }, { inFiles: ['empty.yaml', 'c.yaml'] });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commitMessage: 'Merged 2 YAML files to out/merged.yaml\n- empty.yaml\n- c.yaml' }
    });
    expect(out).toBe('');
  });

  it('skips missing files with ignoreMissingFiles and leaves them out of the commit message', async () => {
    const { result, out } = await merge({}, { inFiles: ['base.yaml', 'missing.yaml', 'overlay.yaml'], ignoreMissingFiles: true });
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commitMessage: 'Merged 2 YAML files to out/merged.yaml\n- base.yaml\n- overlay.yaml' }
    });
    expect(out).toBe(fixture('expected.yaml'));
  });

  it('gives no commit message when every input was missing and ignored', async () => {
    const { result, out } = await merge({}, { inFiles: ['missing.yaml'], ignoreMissingFiles: true });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(out).toBe('');
  });

  it('overwrites an existing output file and keeps its mode', async () => {
    const workDir = workDirWith({ 'out/merged.yaml': 'old: true\n', 'a.yaml': 'a: 1\n' });
    chmodSync(path.join(workDir, 'out/merged.yaml'), 0o644);
    await runStep(yamlMergeRunner, { inFiles: ['a.yaml'], outFile: 'out/merged.yaml' }, { workDir });
    expect(readFileSync(path.join(workDir, 'out/merged.yaml'), 'utf8')).toBe('a: 1\n');
    expect(statSync(path.join(workDir, 'out/merged.yaml')).mode & 0o777).toBe(0o644);
  });

  it('creates a new output file with mode 0600', async () => {
    const { workDir } = await merge({}, { inFiles: ['base.yaml'] });
    expect(statSync(path.join(workDir, 'out/merged.yaml')).mode & 0o777).toBe(0o600);
  });

  it('clamps paths that climb out of the WorkDir into it', async () => {
    const workDir = workDirWith({});
    const result = await runStep(yamlMergeRunner, { inFiles: ['../../base.yaml'], outFile: '../../merged.yaml' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(workDir, 'merged.yaml'), 'utf8')).toMatch(/^# Base values/);
  });

  it.each<[string, Record<string, string>, Record<string, unknown>, string]>([
    ['a missing input file', {}, { inFiles: ['base.yaml', 'non-existent.yaml'] }, 'input file "non-existent.yaml" not found (set ignoreMissingFiles: true to skip missing files)'],
    ['a file go-yaml cannot read (Kargo\'s ":" case)', { 'bad.yaml': ':' }, { inFiles: ['base.yaml', 'bad.yaml'] }, 'error merging YAML files: error reading input file "bad.yaml": did not find expected key'],
    ['YAML that does not parse', { 'bad.yaml': 'a: [1\n' }, { inFiles: ['bad.yaml'] }, 'error merging YAML files: error reading input file "bad.yaml": '],
    ['a directory as input (an empty path)', {}, { inFiles: [''] }, 'error merging YAML files: error reading input file "": is a directory'],
    ['a scalar where an earlier file has a map', { 'b.yaml': 'character: Luke\n' }, { inFiles: ['base.yaml', 'b.yaml'] }, 'error merging YAML files: error merging in file "b.yaml": cannot merge character: an earlier file has a map there, this one a scalar'],
    ['a list where an earlier file has a scalar', { 'b.yaml': 'debug: [1]\n' }, { inFiles: ['base.yaml', 'b.yaml'] }, 'error merging YAML files: error merging in file "b.yaml": cannot merge debug: an earlier file has a scalar there, this one a list'],
    ['an unknown $patch strategy', { 'b.yaml': 'character:\n  $patch: bogus\n' }, { inFiles: ['base.yaml', 'b.yaml'] }, "error merging YAML files: error merging in file \"b.yaml\": unknown patch strategy 'bogus'"],
    ['an output path that is a directory', { 'out/merged.yaml/x': '' }, { inFiles: ['base.yaml'] }, 'error writing merged YAML to "out/merged.yaml": ']
  ])('errors on %s', async (_name, files, config, message) => {
    const { result } = await merge(files, config);
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message.startsWith(message)).toBe(true);
  });

  it('leaves an existing output file alone when the merge fails', async () => {
    const workDir = workDirWith({ 'out/merged.yaml': 'old: true\n', 'b.yaml': 'character: x\n' });
    const result = await runStep(yamlMergeRunner, { inFiles: ['base.yaml', 'b.yaml'], outFile: 'out/merged.yaml' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(readFileSync(path.join(workDir, 'out/merged.yaml'), 'utf8')).toBe('old: true\n');
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['no inFiles', { outFile: 'o.yaml' }, "must have required property 'inFiles'"],
    ['an empty inFiles list', { inFiles: [], outFile: 'o.yaml' }, 'inFiles: must NOT have fewer than 1 items'],
    ['no outFile', { inFiles: ['a.yaml'] }, "must have required property 'outFile'"],
    ['an empty outFile', { inFiles: ['a.yaml'], outFile: '' }, 'outFile: must NOT have fewer than 1 characters'],
    ['a non-boolean ignoreMissingFiles', { inFiles: ['a.yaml'], outFile: 'o.yaml', ignoreMissingFiles: 'yes' }, 'ignoreMissingFiles: must be boolean'],
    ['an unknown field', { inFiles: ['a.yaml'], outFile: 'o.yaml', strategy: 'deep' }, "unknown field 'strategy'"]
  ])('rejects a config with %s', async (_name, config, problem) => {
    const result = await runStep(yamlMergeRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid yaml-merge config: /);
    expect((result.error as Error).message).toContain(problem);
  });

  it("accepts an empty string among inFiles, as Kargo's schema does", async () => {
    const result = await runStep(yamlMergeRunner, { inFiles: [''], outFile: 'o.yaml' });
    expect(result.status).toBe('Errored');
  });

  it.each<[string[], string]>([
    [[], ''],
    [['base.yaml'], 'Wrote base.yaml to out/test.yaml'],
    [['base.yaml', 'overrides.yaml'], 'Merged 2 YAML files to out/test.yaml\n- base.yaml\n- overrides.yaml']
  ])("formats Kargo's commit message for %j", (inPaths, message) => {
    expect(yamlMergeCommitMessage(inPaths, 'out/test.yaml')).toBe(message);
  });
});
