import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { deleteRunner } from '../../src/runners/delete.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

type Node = string | { link: string } | null; // file contents, a symlink, or a directory

/** A WorkDir inside a parent that also holds an `outside/secret.txt` no step may touch. */
function setup(tree: Record<string, Node>): { workDir: string; outside: string } {
  const parent = makeTempDir('kargo-delete-');
  const workDir = path.join(parent, 'work');
  const outside = path.join(parent, 'outside');
  mkdirSync(workDir);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), 'keep me');
  writeFileSync(path.join(parent, 'escape-target'), 'keep me');
  for (const [rel, node] of Object.entries(tree)) {
    const abs = path.join(workDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (node === null) mkdirSync(abs, { recursive: true });
    else if (typeof node === 'string') writeFileSync(abs, node);
    else symlinkSync(node.link.replace('$OUTSIDE', outside), abs);
  }
  return { workDir, outside };
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

interface Case {
  name: string;
  tree: Record<string, Node>;
  config: Record<string, unknown>;
  gone: string[];
  kept: string[];
}

describe('delete', () => {
  it.each<Case>([
    { name: 'deletes a file', tree: { 'input.txt': 'x', 'other.txt': 'y' }, config: { path: 'input.txt' }, gone: ['input.txt'], kept: ['other.txt'] },
    { name: 'deletes a directory recursively', tree: { 'dir/a/b.txt': 'x' }, config: { path: 'dir' }, gone: ['dir'], kept: [] },
    { name: 'ignores a missing path when not strict', tree: {}, config: { path: 'missing.txt' }, gone: [], kept: [] },
    { name: 'ignores a missing parent when not strict', tree: {}, config: { path: 'no_such_dir/child.txt', strict: false }, gone: [], kept: [] },
    {
      name: 'removes a symlink, not its target',
      tree: { 'input/input.txt': 'x', 'input/symlink.txt': { link: 'input.txt' } },
      config: { path: 'input/symlink.txt' },
      gone: ['input/symlink.txt'],
      kept: ['input/input.txt']
    },
    {
      name: 'removes a symlinked directory given with a trailing slash as a link',
      tree: { 'bar/file.txt': 'x', foo: { link: 'bar' } },
      config: { path: 'foo/' },
      gone: ['foo'],
      kept: ['bar/file.txt']
    },
    {
      name: 'removes a symlink that points outside, leaving its target',
      tree: { link: { link: '$OUTSIDE' } },
      config: { path: 'link' },
      gone: ['link'],
      kept: ['../outside/secret.txt']
    },
    {
      name: 'deletes every listed path and keeps the rest',
      tree: { 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c' },
      config: { paths: ['a.txt', 'b.txt'] },
      gone: ['a.txt', 'b.txt'],
      kept: ['c.md']
    },
    {
      name: 'dedupes a parent and its child (strict)',
      tree: { 'dir/file.txt': 'x' },
      config: { paths: ['dir', 'dir/file.txt', './dir'], strict: true },
      gone: ['dir'],
      kept: []
    },
    {
      name: 'treats glob metacharacters literally by default',
      tree: { 'a[1].txt': 'lit', 'a1.txt': 'glob', '*.md': 'star', 'b.md': 'b' },
      config: { paths: ['a[1].txt', '*.md'] },
      gone: ['a[1].txt', '*.md'],
      kept: ['a1.txt', 'b.md']
    },
    {
      name: 'joins an absolute literal path to the WorkDir as Kargo does',
      tree: { 'etc/passwd': 'mine' },
      config: { path: '/etc/passwd' },
      gone: ['etc/passwd'],
      kept: []
    },
    {
      name: 'glob deletes the matches and keeps the rest',
      tree: { 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', '.hidden.txt': 'h' },
      config: { path: '*.txt', pathsAreGlobs: true },
      gone: ['a.txt', 'b.txt', '.hidden.txt'],
      kept: ['c.md']
    },
    {
      name: 'glob ** matches at any depth, the top included',
      tree: { 'a.tmp': 'a', 'sub/b.tmp': 'b', 'sub/deep/c.tmp': 'c', 'sub/deep/keep.md': 'k' },
      config: { path: '**/*.tmp', pathsAreGlobs: true },
      gone: ['a.tmp', 'sub/b.tmp', 'sub/deep/c.tmp'],
      kept: ['sub/deep/keep.md']
    },
    {
      name: 'glob with a leading ./ and a trailing / (directories only)',
      tree: { 'out/a.tmp': 'a', 'out/build/b.tmp': 'b', 'out/keep.md': 'k', 'out/file/': null },
      config: { paths: ['./out/**/*.tmp', './out/build/'], pathsAreGlobs: true, strict: true },
      gone: ['out/a.tmp', 'out/build'],
      kept: ['out/keep.md']
    },
    {
      name: 'glob matching a directory deletes all of it',
      tree: { 'build/out/artifact': 'x', 'src/main.go': 'y' },
      config: { path: 'buil*', pathsAreGlobs: true },
      gone: ['build'],
      kept: ['src/main.go']
    },
    {
      name: 'glob deletes a matched symlink as a link',
      tree: { 'target.txt': 't', 'link.txt': { link: 'target.txt' } },
      config: { path: 'link.*', pathsAreGlobs: true },
      gone: ['link.txt'],
      kept: ['target.txt']
    },
    {
      name: 'glob braces, classes and ? (the union of patterns)',
      tree: { 'a.log': 'a', 'b.tmp': 'b', 'c.md': 'c', 'x1.yaml': '1', 'x2.yaml': '2', 'xy.yaml': 'y' },
      config: { paths: ['*.{log,tmp}', 'x[0-9].yaml'], pathsAreGlobs: true },
      gone: ['a.log', 'b.tmp', 'x1.yaml', 'x2.yaml'],
      kept: ['c.md', 'xy.yaml']
    },
    {
      name: 'glob matching nothing is fine when not strict',
      tree: { 'a.md': 'a' },
      config: { path: '*.txt', pathsAreGlobs: true },
      gone: [],
      kept: ['a.md']
    }
  ])('$name', async ({ tree, config, gone, kept }) => {
    const { workDir } = setup(tree);
    const result = await runStep(deleteRunner, config, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    for (const p of gone) expect(exists(path.join(workDir, p))).toBe(false);
    for (const p of kept) expect(exists(path.join(workDir, p))).toBe(true);
  });

  it.each<{ name: string; tree: Record<string, Node>; config: Record<string, unknown>; message: string; terminal?: boolean; kept: string[] }>([
    {
      name: 'a missing path when strict',
      tree: {},
      config: { path: 'nonExistentFile.txt', strict: true },
      message: 'path "nonExistentFile.txt" does not exist',
      kept: []
    },
    {
      name: 'a missing parent when strict',
      tree: {},
      config: { path: 'no_such_dir/child.txt', strict: true },
      message: 'path "no_such_dir/child.txt" does not exist',
      kept: []
    },
    {
      name: 'one missing entry when strict, before anything is deleted',
      tree: { 'a.txt': 'a' },
      config: { paths: ['a.txt', 'missing.txt'], strict: true },
      message: 'path "missing.txt" does not exist',
      kept: ['a.txt']
    },
    {
      name: 'a literal path that climbs out',
      tree: {},
      config: { path: '../escape-target' },
      message: 'could not resolve path "../escape-target": path attempts to traverse outside the working directory',
      kept: ['../escape-target']
    },
    {
      name: 'the WorkDir itself',
      tree: { 'a.txt': 'a' },
      config: { path: '.' },
      message: 'could not resolve path ".": path attempts to traverse outside the working directory',
      kept: ['a.txt']
    },
    {
      name: 'a literal path through a symlink that leads out',
      tree: { link: { link: '$OUTSIDE' } },
      config: { path: 'link/secret.txt' },
      message: 'could not resolve path "link/secret.txt": path attempts to traverse outside the working directory',
      kept: ['link', '../outside/secret.txt']
    },
    {
      name: 'a glob that reaches out through a symlink',
      tree: { link: { link: '$OUTSIDE' } },
      config: { path: 'link/*', pathsAreGlobs: true },
      message:
        'could not resolve path "link/secret.txt" matched by pattern "link/*": path attempts to traverse outside the working directory',
      kept: ['link', '../outside/secret.txt']
    },
    {
      name: 'a bare ** glob, which matches the WorkDir itself (as in Kargo)',
      tree: { 'a.txt': 'a' },
      config: { path: '**', pathsAreGlobs: true },
      message:
        'could not resolve path "." matched by pattern "**": path attempts to traverse outside the working directory',
      kept: ['a.txt']
    },
    {
      name: 'a glob with .. that matches nothing (strict)',
      tree: {},
      config: { path: '../*', pathsAreGlobs: true, strict: true },
      message: 'no paths matched pattern "../*"',
      kept: ['../escape-target']
    },
    {
      name: 'a glob that matches nothing when strict',
      tree: { 'a.log': 'a' },
      config: { paths: ['*.log', '*.txt'], pathsAreGlobs: true, strict: true },
      message: 'no paths matched pattern "*.txt"',
      kept: ['a.log']
    },
    {
      name: 'an invalid glob pattern (terminal)',
      tree: {},
      config: { path: '[', pathsAreGlobs: true },
      message: 'invalid glob pattern "[": syntax error in pattern',
      terminal: true,
      kept: []
    },
    {
      name: 'an unbalanced brace (terminal)',
      tree: { 'a.txt': 'a' },
      config: { path: '{a,b.txt', pathsAreGlobs: true },
      message: 'invalid glob pattern "{a,b.txt": syntax error in pattern',
      terminal: true,
      kept: ['a.txt']
    }
  ])('errors on $name', async ({ tree, config, message, terminal = false, kept }) => {
    const { workDir } = setup(tree);
    const result = await runStep(deleteRunner, config, { workDir });
    expect(result.status).toBe('Errored');
    expect((result.error as Error).message).toBe(message);
    expect(isTerminal(result.error)).toBe(terminal);
    for (const p of kept) expect(exists(path.join(workDir, p))).toBe(true);
  });

  it('leaves the target of an outward symlink untouched', async () => {
    const { workDir, outside } = setup({ link: { link: '$OUTSIDE/secret.txt' } });
    await runStep(deleteRunner, { path: 'link' }, { workDir });
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(path.join(workDir, 'link'))).toBe(false);
  });

  it.each([
    [{}, "invalid delete config: (root): must have required property 'path'; (root): must have required property 'paths'; (root): must match exactly one schema in oneOf"],
    [{ path: 'a.txt', paths: ['b.txt'] }, 'invalid delete config: (root): must match exactly one schema in oneOf'],
    [{ path: '' }, 'path: must NOT have fewer than 1 characters'],
    [{ paths: [] }, 'paths: must NOT have fewer than 1 items'],
    [{ paths: [''] }, 'paths[0]: must NOT have fewer than 1 characters'],
    [{ path: 'a', pathsAreGlobs: 'true' }, 'pathsAreGlobs: must be boolean'],
    [{ path: 'a', strict: 'yes' }, 'strict: must be boolean'],
    [{ path: 'a', bogus: 'value' }, "unknown field 'bogus'"]
  ])('rejects the invalid config %j', async (config, message) => {
    const result = await runStep(deleteRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toContain(message);
  });
});
