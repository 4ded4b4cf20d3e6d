import { lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { isTerminal } from '../../src/promotion/errors.js';
import { copyRunner } from '../../src/runners/copy.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

type Node = string | { link: string } | null; // file contents, a symlink, or a directory

function setup(tree: Record<string, Node>): { workDir: string; outside: string } {
  const parent = makeTempDir('kargo-copy-');
  const workDir = path.join(parent, 'work');
  const outside = path.join(parent, 'outside');
  mkdirSync(workDir);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
  for (const [rel, node] of Object.entries(tree)) {
    const abs = path.join(workDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (node === null) mkdirSync(abs, { recursive: true });
    else if (typeof node === 'string') writeFileSync(abs, node);
    else symlinkSync(node.link.replace('$OUTSIDE', outside), abs);
  }
  return { workDir, outside };
}

/** Every path under dir: files with their contents, directories as null, links as {link}. */
function snapshot(dir: string): Record<string, Node> {
  const out: Record<string, Node> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, childRel);
      const stats = lstatSync(abs);
      if (stats.isSymbolicLink()) out[childRel] = { link: 'symlink' };
      else if (stats.isDirectory()) {
        out[childRel] = null;
        walk(childRel);
      } else out[childRel] = readFileSync(abs, 'utf8');
    }
  };
  walk('');
  return out;
}

interface Case {
  name: string;
  tree: Record<string, Node>;
  config: Record<string, unknown>;
  out: string;
  expected: Record<string, Node> | string;
}

describe('copy', () => {
  it.each<Case>([
    { name: 'copies a file', tree: { 'input.txt': 'test content\n' }, config: { inPath: 'input.txt', outPath: 'output.txt' }, out: 'output.txt', expected: 'test content\n' },
    {
      name: 'copies a file into new parent directories',
      tree: { 'input.txt': 'x' },
      config: { inPath: 'input.txt', outPath: 'a/b/output.txt' },
      out: 'a/b/output.txt',
      expected: 'x'
    },
    {
      name: 'overwrites an existing file',
      tree: { 'input.txt': 'new', 'output.txt': 'old and longer' },
      config: { inPath: 'input.txt', outPath: 'output.txt' },
      out: 'output.txt',
      expected: 'new'
    },
    {
      name: 'copies a directory recursively',
      tree: { 'in/a.txt': 'a', 'in/nested/b.txt': 'b', 'in/empty/': null },
      config: { inPath: 'in', outPath: 'out' },
      out: 'out',
      expected: { 'a.txt': 'a', empty: null, nested: null, 'nested/b.txt': 'b' }
    },
    {
      name: 'merges into an existing directory',
      tree: { 'in/a.txt': 'new a', 'in/sub/b.txt': 'b', 'out/a.txt': 'old a', 'out/keep.txt': 'keep', 'out/sub/c.txt': 'c' },
      config: { inPath: 'in', outPath: 'out' },
      out: 'out',
      expected: { 'a.txt': 'new a', 'keep.txt': 'keep', sub: null, 'sub/b.txt': 'b', 'sub/c.txt': 'c' }
    },
    {
      name: 'skips symlinks',
      tree: { 'in/file.txt': 'f', 'in/link.txt': { link: 'file.txt' }, 'in/out-link': { link: '$OUTSIDE/secret.txt' } },
      config: { inPath: 'in', outPath: 'out' },
      out: 'out',
      expected: { 'file.txt': 'f' }
    },
    {
      name: 'ignores .git directories by default',
      tree: { 'in/.git/config': 'c', 'in/sub/.git/HEAD': 'h', 'in/app.yaml': 'a' },
      config: { inPath: 'in', outPath: 'out' },
      out: 'out',
      expected: { 'app.yaml': 'a', sub: null }
    },
    {
      name: 'ignores a .git file by default',
      tree: { 'in/.git': 'gitdir: ../x', 'in/app.yaml': 'a' },
      config: { inPath: 'in', outPath: 'out' },
      out: 'out',
      expected: { 'app.yaml': 'a' }
    },
    {
      name: 're-includes .git with !.git/',
      tree: { 'in/.git/file.txt': 'g', 'in/app.yaml': 'a' },
      config: { inPath: 'in', outPath: 'out', ignore: '!.git/' },
      out: 'out',
      expected: { '.git': null, '.git/file.txt': 'g', 'app.yaml': 'a' }
    },
    {
      name: 'applies user patterns, comments and negations relative to inPath',
      tree: { 'in/a.log': 'l', 'in/keep.log': 'k', 'in/tmp/x': 'x', 'in/sub/tmp/y': 'y', 'in/sub/z.txt': 'z', 'in/root.txt': 'r' },
      config: { inPath: 'in', outPath: 'out', ignore: '# logs\n*.log\n!keep.log\n\n/tmp/\nsub/z.txt\n' },
      out: 'out',
      expected: { 'keep.log': 'k', 'root.txt': 'r', sub: null, 'sub/tmp': null, 'sub/tmp/y': 'y' }
    },
    {
      name: 'clamps an outPath that climbs out into the WorkDir',
      tree: { 'input.txt': 'x' },
      config: { inPath: 'input.txt', outPath: '../../escaped.txt' },
      out: 'escaped.txt',
      expected: 'x'
    },
    {
      name: 'does not copy into itself when outPath is inside inPath',
      tree: { 'in/a.txt': 'a' },
      config: { inPath: 'in', outPath: 'in/copy' },
      out: 'in',
      expected: { 'a.txt': 'a', copy: null, 'copy/a.txt': 'a' }
    },
    {
      name: 'copies the file a symlinked inPath points to inside the WorkDir',
      tree: { 'real.txt': 'real', 'alias.txt': { link: 'real.txt' } },
      config: { inPath: 'alias.txt', outPath: 'out.txt' },
      out: 'out.txt',
      expected: 'real'
    }
  ])('$name', async ({ tree, config, out, expected }) => {
    const { workDir } = setup(tree);
    const result = await runStep(copyRunner, config, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    const target = path.join(workDir, out);
    if (typeof expected === 'string') expect(readFileSync(target, 'utf8')).toBe(expected);
    else expect(snapshot(target)).toEqual(expected);
  });

  it('keeps file modes', async () => {
    const { workDir } = setup({ 'in/run.sh': '#!/bin/sh\n' });
    chmodSync(path.join(workDir, 'in/run.sh'), 0o750);
    await runStep(copyRunner, { inPath: 'in', outPath: 'out' }, { workDir });
    expect(statSync(path.join(workDir, 'out/run.sh')).mode & 0o777).toBe(0o750);
  });

  it('never reads through an inPath symlink that points outside', async () => {
    const { workDir } = setup({ leak: { link: '$OUTSIDE/secret.txt' } });
    const result = await runStep(copyRunner, { inPath: 'leak', outPath: 'copied.txt' }, { workDir });
    // secureJoin clamps the link's absolute target into the WorkDir, where nothing is.
    expect(result.status).toBe('Errored');
    expect(() => lstatSync(path.join(workDir, 'copied.txt'))).toThrow();
  });

  it('never writes through a destination symlink that points outside', async () => {
    const { workDir, outside } = setup({ 'in/secret.txt': 'from work', 'out/secret.txt': { link: '$OUTSIDE/secret.txt' } });
    const result = await runStep(copyRunner, { inPath: 'in', outPath: 'out' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readFileSync(path.join(outside, 'secret.txt'), 'utf8')).toBe('outside secret');
  });

  it.each<{ name: string; tree: Record<string, Node>; config: Record<string, unknown>; message: string }>([
    {
      name: 'a missing inPath',
      tree: {},
      config: { inPath: 'missing.txt', outPath: 'out.txt' },
      message: 'failed to copy "missing.txt" to "out.txt": lstat missing.txt: no such file or directory'
    },
    {
      name: 'a directory onto a file',
      tree: { 'in/a.txt': 'a', out: 'a file' },
      config: { inPath: 'in', outPath: 'out' },
      message: 'failed to copy "in" to "out": mkdir out: file exists'
    }
  ])('errors on $name', async ({ tree, config, message }) => {
    const { workDir } = setup(tree);
    const result = await runStep(copyRunner, config, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(message);
  });

  it.each([
    [{ outPath: 'x' }, "(root): must have required property 'inPath'"],
    [{ inPath: 'x' }, "(root): must have required property 'outPath'"],
    [{ inPath: '', outPath: 'x' }, 'inPath: must NOT have fewer than 1 characters'],
    [{ inPath: 'x', outPath: 'y', ignore: '' }, 'ignore: must NOT have fewer than 1 characters'],
    [{ inPath: 'x', outPath: 'y', extra: true }, "unknown field 'extra'"]
  ])('rejects the invalid config %j', async (config, message) => {
    const result = await runStep(copyRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid copy config: /);
    expect((result.error as Error).message).toContain(message);
  });
});
