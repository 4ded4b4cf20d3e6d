import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { isTerminal } from '../../src/promotion/errors.js';
import { untarRunner, validRelPath } from '../../src/runners/untar.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

interface Entry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'FIFO';
  body?: string;
  /** Declared size when it differs from the body (a header that promises more). */
  size?: number;
  linkpath?: string;
  mode?: number;
}

const MTIME = new Date('2024-05-01T10:00:00Z');

/** A tar stream built block by block, so entries a normal packer refuses can be written. */
function archive(entries: Entry[], options: { end?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? (e.path.endsWith('/') ? 'Directory' : 'File');
    const body = Buffer.from(e.body ?? '');
    const header = new tar.Header({
      path: e.path,
      type,
      size: e.size ?? (type === 'File' ? body.length : 0),
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      mtime: MTIME,
      linkpath: e.linkpath
    });
    const block = Buffer.alloc(512);
    header.encode(block);
    blocks.push(block);
    if (body.length > 0) blocks.push(Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]));
  }
  if (options.end !== false) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

type Node = string | { link: string } | null;

/** What dest holds: files with contents, directories as null, symlinks as {link}. */
function snapshot(dir: string): Record<string, Node> {
  const out: Record<string, Node> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(dir, childRel);
      const stats = lstatSync(abs);
      if (stats.isSymbolicLink()) out[childRel] = { link: readlinkSync(abs) };
      else if (stats.isDirectory()) {
        out[childRel] = null;
        walk(childRel);
      } else out[childRel] = readFileSync(abs, 'utf8');
    }
  };
  walk('');
  return out;
}

function setup(files: Record<string, Buffer | string>): { workDir: string; parent: string } {
  const parent = makeTempDir('kargo-untar-');
  const workDir = path.join(parent, 'work');
  mkdirSync(workDir);
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(workDir, rel)), { recursive: true });
    writeFileSync(path.join(workDir, rel), data);
  }
  return { workDir, parent };
}

/** Nothing but the destination (and the inputs) may appear: no temp dirs left behind. */
function leftovers(workDir: string): string[] {
  return readdirSync(workDir).filter((n) => n.startsWith('.untar'));
}

const MiB = 1024 * 1024;

describe('untar', () => {
  it.each<{ name: string; files: Record<string, Buffer | string>; config: Record<string, unknown>; expected: Record<string, Node> }>([
    {
      name: 'extracts files and directories',
      files: { 'in.tar': archive([{ path: 'file1.txt', body: 'one' }, { path: 'testdir/' }, { path: 'testdir/file2.txt', body: 'two' }]) },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'file1.txt': 'one', testdir: null, 'testdir/file2.txt': 'two' }
    },
    {
      name: 'detects gzip from the content, not the name',
      files: { 'bundle.tar': gzipSync(archive([{ path: 'compressed.txt', body: 'zipped' }])) },
      config: { inPath: 'bundle.tar', outPath: 'out' },
      expected: { 'compressed.txt': 'zipped' }
    },
    {
      name: 'reads a plain tar named .tgz',
      files: { 'plain.tgz': archive([{ path: 'plain.txt', body: 'plain' }]) },
      config: { inPath: 'plain.tgz', outPath: 'out' },
      expected: { 'plain.txt': 'plain' }
    },
    {
      name: 'strips leading components and skips shorter entries',
      files: {
        'in.tar': archive([
          { path: 'top.txt', body: 'dropped' },
          { path: 'prefix1/' },
          { path: 'prefix1/prefix2/' },
          { path: 'prefix1/prefix2/file.txt', body: 'kept' },
          { path: 'prefix1/prefix2/sub/deep.txt', body: 'deep' }
        ])
      },
      config: { inPath: 'in.tar', outPath: 'out', stripComponents: 2 },
      expected: { 'file.txt': 'kept', sub: null, 'sub/deep.txt': 'deep' }
    },
    {
      name: 'stripComponents 0 keeps every component',
      files: { 'in.tar': archive([{ path: 'a/b.txt', body: 'b' }]) },
      config: { inPath: 'in.tar', outPath: 'out', stripComponents: 0 },
      expected: { a: null, 'a/b.txt': 'b' }
    },
    {
      name: 'ignores an exact name',
      files: { 'in.tar': archive([{ path: 'include.txt', body: 'in' }, { path: 'ignore.txt', body: 'out' }, { path: 'd/ignore.txt', body: 'out' }]) },
      config: { inPath: 'in.tar', outPath: 'out', ignore: 'ignore.txt' },
      expected: { 'include.txt': 'in' }
    },
    {
      name: 'ignores by gitignore patterns, with comments and negation',
      files: {
        'in.tar': archive([
          { path: 'a.log', body: 'a' },
          { path: 'keep.log', body: 'k' },
          { path: 'build/' },
          { path: 'build/x.o', body: 'x' },
          { path: 'src/main.c', body: 'c' }
        ])
      },
      config: { inPath: 'in.tar', outPath: 'out', ignore: '# noise\n*.log\n!keep.log\nbuild/\n' },
      expected: { 'keep.log': 'k', src: null, 'src/main.c': 'c' }
    },
    {
      name: 'leaves .git out by default',
      files: { 'in.tar': archive([{ path: '.git/' }, { path: '.git/HEAD', body: 'ref' }, { path: 'app.yaml', body: 'a' }]) },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'app.yaml': 'a' }
    },
    {
      name: 'extracts .git when ignore rules are given',
      files: { 'in.tar': archive([{ path: '.git/HEAD', body: 'ref' }, { path: 'x.tmp', body: 't' }]) },
      config: { inPath: 'in.tar', outPath: 'out', ignore: '*.tmp' },
      expected: { '.git': null, '.git/HEAD': 'ref' }
    },
    {
      name: 'creates safe symlinks',
      files: { 'in.tar': archive([{ path: 'target.txt', body: 't' }, { path: 'link.txt', type: 'SymbolicLink', linkpath: 'target.txt' }, { path: 'd/up', type: 'SymbolicLink', linkpath: '..' }]) },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { d: null, 'd/up': { link: '..' }, 'link.txt': { link: 'target.txt' }, 'target.txt': 't' }
    },
    {
      name: 'skips unsafe paths',
      files: {
        'in.tar': archive([
          { path: '../outside.txt', body: 'x' },
          { path: '/etc/passwd', body: 'x' },
          { path: 'subdir/../../outside.txt', body: 'x' },
          { path: './config.txt', body: 'x' },
          { path: 'back\\slash.txt', body: 'x' },
          { path: 'safe.txt', body: 'safe' }
        ])
      },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'safe.txt': 'safe' }
    },
    {
      name: 'skips symlinks with unsafe targets',
      files: {
        'in.tar': archive([
          { path: 'safe.txt', body: 'safe' },
          { path: 'unsafe_link1.txt', type: 'SymbolicLink', linkpath: '../outside.txt' },
          { path: 'unsafe_link2.txt', type: 'SymbolicLink', linkpath: '/etc/passwd' },
          { path: 'unsafe_link3.txt', type: 'SymbolicLink', linkpath: './unsafe_target.txt' },
          { path: 'unsafe_link4', type: 'SymbolicLink', linkpath: '..' }
        ])
      },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'safe.txt': 'safe' }
    },
    {
      name: 'skips entry types other than files, directories and symlinks',
      files: { 'in.tar': archive([{ path: 'a.txt', body: 'a' }, { path: 'hard', type: 'Link', linkpath: 'a.txt' }, { path: 'pipe', type: 'FIFO' }]) },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'a.txt': 'a' }
    },
    {
      name: 'replaces a symlink with a later file entry instead of writing through it',
      files: { 'in.tar': archive([{ path: 'target.txt', body: 'original' }, { path: 'f', type: 'SymbolicLink', linkpath: 'target.txt' }, { path: 'f', body: 'replaced' }]) },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { f: 'replaced', 'target.txt': 'original' }
    },
    {
      name: 'extracts an empty archive to an empty directory',
      files: { 'empty.tar': Buffer.alloc(1024) },
      config: { inPath: 'empty.tar', outPath: 'out' },
      expected: {}
    },
    {
      name: 'creates the parents of a nested outPath',
      files: { 'in.tar': archive([{ path: 'a.txt', body: 'a' }]) },
      config: { inPath: 'in.tar', outPath: 'deep/er/out' },
      expected: { 'a.txt': 'a' }
    },
    {
      name: 'replaces the previous content of the destination',
      files: { 'in.tar': archive([{ path: 'new_file.txt', body: 'new' }]), 'out/old_file.txt': 'old', 'out/sub/older.txt': 'older' },
      config: { inPath: 'in.tar', outPath: 'out' },
      expected: { 'new_file.txt': 'new' }
    }
  ])('$name', async ({ files, config, expected }) => {
    const { workDir } = setup(files);
    const result = await runStep(untarRunner, config, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    expect(snapshot(path.join(workDir, config.outPath as string))).toEqual(expected);
    expect(leftovers(workDir)).toEqual([]);
  });

  it('drops setuid/setgid bits, uses 0750 directories and keeps mtimes', async () => {
    const { workDir } = setup({ 'in.tar': archive([{ path: 'd/' }, { path: 'd/setuid_file.txt', body: 's', mode: 0o4755 }]) });
    await runStep(untarRunner, { inPath: 'in.tar', outPath: 'out' }, { workDir });
    const file = statSync(path.join(workDir, 'out/d/setuid_file.txt'));
    expect(file.mode & 0o7777).toBe(0o755);
    expect(file.mtime.toISOString()).toBe(MTIME.toISOString());
    expect(statSync(path.join(workDir, 'out/d')).mode & 0o777).toBe(0o750);
  });

  it('never writes outside the destination through an extracted symlink', async () => {
    const { workDir, parent } = setup({
      'in.tar': archive([
        { path: 'up', type: 'SymbolicLink', linkpath: '..' },
        { path: 'up/escape.txt', body: 'escaped' },
        { path: 'inner/', type: 'Directory' },
        { path: 'in', type: 'SymbolicLink', linkpath: 'inner' },
        { path: 'in/ok.txt', body: 'ok' }
      ])
    });
    const result = await runStep(untarRunner, { inPath: 'in.tar', outPath: 'out' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(snapshot(path.join(workDir, 'out'))).toEqual({ in: { link: 'inner' }, inner: null, 'inner/ok.txt': 'ok', up: null, 'up/escape.txt': 'escaped' });
    expect(readdirSync(workDir).sort()).toEqual(['in.tar', 'out']);
    expect(readdirSync(parent)).toEqual(['work']);
  });

  it('never reads an archive through a symlink that points outside the WorkDir', async () => {
    const { workDir, parent } = setup({});
    writeFileSync(path.join(parent, 'secret.tar'), archive([{ path: 'secret.txt', body: 'secret' }]));
    symlinkSync(path.join(parent, 'secret.tar'), path.join(workDir, 'link.tar'));
    const result = await runStep(untarRunner, { inPath: 'link.tar', outPath: 'out' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(readdirSync(workDir)).toEqual(['link.tar']);
  });

  it.each<{ name: string; files: Record<string, Buffer | string>; config: Record<string, unknown>; message: string }>([
    {
      name: 'a missing archive',
      files: {},
      config: { inPath: 'missing.tar', outPath: 'out' },
      message: 'failed to extract tar file "missing.tar": failed to open tar file "missing.tar": open missing.tar: no such file or directory'
    },
    {
      name: 'an empty file',
      files: { 'empty.tar': '' },
      config: { inPath: 'empty.tar', outPath: 'out' },
      message: 'failed to extract tar file "empty.tar": failed to read file header: EOF'
    },
    {
      name: 'a file that is not a tar',
      files: { 'notes.tar': 'This is not a tar file\n'.repeat(40) },
      config: { inPath: 'notes.tar', outPath: 'out' },
      message: 'failed to extract tar file "notes.tar": error reading tar: TAR_ENTRY_INVALID: checksum failure'
    },
    {
      name: 'a truncated archive',
      files: { 'cut.tar': archive([{ path: 'a.txt', body: 'a'.repeat(2000) }], { end: false }).subarray(0, 1024) },
      config: { inPath: 'cut.tar', outPath: 'out' },
      message: 'failed to extract tar file "cut.tar": error reading tar: TAR_BAD_ARCHIVE: Truncated input (needed 1536 more bytes, only 0 available)'
    },
    {
      name: 'corrupt gzip',
      files: { 'bad.tgz': Buffer.concat([gzipSync(archive([{ path: 'a.txt', body: 'a' }])).subarray(0, 20), Buffer.from('garbage')]) },
      config: { inPath: 'bad.tgz', outPath: 'out' },
      message: 'failed to extract tar file "bad.tgz": error reading tar: gzip: unexpected end of file'
    },
    {
      name: 'a file over 50 MiB',
      files: { 'big.tar': archive([{ path: 'large_file.bin', size: 50 * MiB + 1 }], { end: false }) },
      config: { inPath: 'big.tar', outPath: 'out' },
      message: 'failed to extract tar file "big.tar": extraction aborted: file large_file.bin exceeds size limit of 52428800 bytes'
    },
    {
      name: 'more than 100 MiB in total',
      files: {
        'many.tgz': gzipSync(
          archive([
            { path: 'file0.bin', body: '\0'.repeat(40 * MiB) },
            { path: 'file1.bin', body: '\0'.repeat(40 * MiB) },
            { path: 'file2.bin', size: 40 * MiB }
          ], { end: false })
        )
      },
      config: { inPath: 'many.tgz', outPath: 'out' },
      message: 'failed to extract tar file "many.tgz": extraction aborted: total size would exceed limit of 104857600 bytes'
    },
    {
      name: 'an outPath that is a file',
      files: { 'in.tar': archive([{ path: 'a.txt', body: 'a' }]), out: 'a file' },
      config: { inPath: 'in.tar', outPath: 'out' },
      message: 'failed to create directory "out": mkdir out: not a directory'
    },
    {
      name: 'an outPath that is the WorkDir itself',
      files: { 'in.tar': archive([{ path: 'a.txt', body: 'a' }]) },
      config: { inPath: 'in.tar', outPath: '.' },
      message: 'outPath "." must name a directory below the working directory, not the working directory itself'
    }
  ])('errors on $name and changes nothing', async ({ files, config, message }) => {
    const { workDir } = setup({ ...files, 'keep/existing.txt': 'untouched' });
    const before = snapshot(workDir);
    const result = await runStep(untarRunner, { ...config }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(message);
    expect(snapshot(workDir)).toEqual(before);
  });

  it('leaves an existing destination untouched when extraction fails', async () => {
    const bad = archive([{ path: 'new.txt', body: 'new' }, { path: 'huge.bin', size: 60 * MiB }], { end: false });
    const { workDir } = setup({ 'in.tar': bad, 'out/old.txt': 'old' });
    const result = await runStep(untarRunner, { inPath: 'in.tar', outPath: 'out' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(snapshot(path.join(workDir, 'out'))).toEqual({ 'old.txt': 'old' });
    expect(leftovers(workDir)).toEqual([]);
  });

  it.each([
    ['safe.txt', true],
    ['dir/file.txt', true],
    ['..', true],
    ['', false],
    ['/abs', false],
    ['../up', false],
    ['a/../../up', false],
    ['./here', false],
    ['win\\path', false]
  ])('validRelPath(%j) is %s', (p, valid) => {
    expect(validRelPath(p)).toBe(valid);
  });

  it.each([
    [{ outPath: 'x' }, "(root): must have required property 'inPath'"],
    [{ inPath: 'x' }, "(root): must have required property 'outPath'"],
    [{ inPath: 'x', outPath: 'y', stripComponents: -1 }, 'stripComponents: must be >= 0'],
    [{ inPath: 'x', outPath: 'y', stripComponents: 1.5 }, 'stripComponents: must be integer'],
    [{ inPath: 'x', outPath: 'y', ignore: '' }, 'ignore: must NOT have fewer than 1 characters']
  ])('rejects the invalid config %j', async (config, message) => {
    const result = await runStep(untarRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(`invalid untar config: ${message}`);
  });
});
