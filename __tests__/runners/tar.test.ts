import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, symlinkSync, ftruncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import { isTerminal } from '../../src/promotion/errors.js';
import { tarRunner } from '../../src/runners/tar.js';
import { makeTempDir, runStep } from '../helpers/step-context.js';

type Node = string | { link: string } | { sparse: number } | null;

function setup(tree: Record<string, Node>): string {
  const workDir = makeTempDir('kargo-tar-');
  for (const [rel, node] of Object.entries(tree)) {
    const abs = path.join(workDir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (node === null) mkdirSync(abs, { recursive: true });
    else if (typeof node === 'string') writeFileSync(abs, node);
    else if ('link' in node) symlinkSync(node.link, abs);
    else {
      // A sparse file: its size is real, its blocks are not written.
      const fd = openSync(abs, 'w');
      ftruncateSync(fd, node.sparse);
      closeSync(fd);
    }
  }
  return workDir;
}

/** The archive's entries as `type name[ -> link][ = contents]`. */
function listArchive(file: string): string[] {
  const entries: string[] = [];
  // node-tar calls an archive of only zero blocks unrecognized; it is the empty archive.
  if (readFileSync(file).equals(Buffer.alloc(1024))) return entries;
  tar.t({
    file,
    sync: true,
    strict: true,
    onReadEntry: (entry) => {
      const chunks: Buffer[] = [];
      entry.on('data', (c: Buffer) => chunks.push(c));
      entry.on('end', () => {
        let line = `${entry.type} ${entry.path}`;
        if (entry.linkpath) line += ` -> ${entry.linkpath}`;
        if (entry.type === 'File') line += ` = ${Buffer.concat(chunks).toString()}`;
        entries.push(line);
      });
    }
  });
  return entries;
}

const MiB = 1024 * 1024;

describe('tar', () => {
  it.each<{ name: string; tree: Record<string, Node>; config: Record<string, unknown>; entries: string[] }>([
    {
      name: 'archives a directory, relative to it, without a root entry',
      tree: { 'in/file1.txt': 'one', 'in/testdir/file2.txt': 'two' },
      config: { inPath: 'in', outPath: 'out.tar' },
      entries: ['File file1.txt = one', 'Directory testdir/', 'File testdir/file2.txt = two']
    },
    {
      name: 'archives a single file by its base name',
      tree: { 'dir/single.txt': 'only' },
      config: { inPath: 'dir/single.txt', outPath: 'single.tar' },
      entries: ['File single.txt = only']
    },
    {
      name: 'archives an empty directory as an empty archive',
      tree: { 'in/': null },
      config: { inPath: 'in', outPath: 'empty.tar' },
      entries: []
    },
    {
      name: 'leaves .git out by default',
      tree: { 'in/.git/HEAD': 'ref', 'in/app/.git': 'gitdir', 'in/app/main.go': 'go' },
      config: { inPath: 'in', outPath: 'out.tar' },
      entries: ['Directory app/', 'File app/main.go = go']
    },
    {
      name: 'falls back to the .git default for blank rules',
      tree: { 'in/.git/HEAD': 'ref', 'in/a.txt': 'a' },
      config: { inPath: 'in', outPath: 'out.tar', ignore: '  \n ' },
      entries: ['File a.txt = a']
    },
    {
      name: 'replaces the default with the given rules (.git then included)',
      tree: { 'in/.git/HEAD': 'ref', 'in/ignore.txt': 'i', 'in/keep.txt': 'k', 'in/node_modules/x/index.js': 'js' },
      config: { inPath: 'in', outPath: 'out.tar', ignore: '# deps\nignore.txt\n  node_modules/  \n' },
      entries: ['Directory .git/', 'File .git/HEAD = ref', 'File keep.txt = k']
    },
    {
      name: 'includes everything when the rules are only comments',
      tree: { 'in/.git/HEAD': 'ref' },
      config: { inPath: 'in', outPath: 'out.tar', ignore: '# nothing to ignore' },
      entries: ['Directory .git/', 'File .git/HEAD = ref']
    },
    {
      name: 'honours negation and anchored patterns',
      tree: { 'in/a.log': 'a', 'in/keep.log': 'k', 'in/build/x': 'x', 'in/src/build/y': 'y' },
      config: { inPath: 'in', outPath: 'out.tar', ignore: '*.log\n!keep.log\n/build/' },
      entries: ['File keep.log = k', 'Directory src/', 'Directory src/build/', 'File src/build/y = y']
    },
    {
      name: 'stores symlinks as links, whatever they point to',
      tree: { 'in/target.txt': 't', 'in/link.txt': { link: 'target.txt' }, 'in/abs': { link: '/etc/passwd' } },
      config: { inPath: 'in', outPath: 'out.tar' },
      entries: ['SymbolicLink abs -> /etc/passwd', 'SymbolicLink link.txt -> target.txt', 'File target.txt = t']
    },
    {
      name: 'creates the parent directories of outPath',
      tree: { 'in/a.txt': 'a' },
      config: { inPath: 'in', outPath: 'nested/deeper/out.tar' },
      entries: ['File a.txt = a']
    },
    {
      name: 'leaves out the archive itself when it is written inside inPath',
      tree: { 'in/a.txt': 'a' },
      config: { inPath: 'in', outPath: 'in/self.tar' },
      entries: ['File a.txt = a']
    }
  ])('$name', async ({ tree, config, entries }) => {
    const workDir = setup(tree);
    const result = await runStep(tarRunner, config, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    const out = path.join(workDir, config.outPath as string);
    expect(listArchive(out)).toEqual(entries);
    expect(readdirSync(path.dirname(out)).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('gzips when asked (gzip magic bytes) and not otherwise', async () => {
    const workDir = setup({ 'in/compressed.txt': 'zip me' });
    await runStep(tarRunner, { inPath: 'in', outPath: 'out.tar.gz', gzip: true }, { workDir });
    await runStep(tarRunner, { inPath: 'in', outPath: 'plain.tar', gzip: false }, { workDir });
    const gz = readFileSync(path.join(workDir, 'out.tar.gz'));
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect(listArchive(path.join(workDir, 'out.tar.gz'))).toEqual(['File compressed.txt = zip me']);
    const plain = readFileSync(path.join(workDir, 'plain.tar'));
    expect([plain[0], plain[1]]).not.toEqual([0x1f, 0x8b]);
  });

  it('replaces an existing archive', async () => {
    const workDir = setup({ 'in/new.txt': 'new', 'out.tar': 'previous contents' });
    const result = await runStep(tarRunner, { inPath: 'in', outPath: 'out.tar' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(listArchive(path.join(workDir, 'out.tar'))).toEqual(['File new.txt = new']);
  });

  it('keeps the archive inside the WorkDir when outPath climbs out', async () => {
    const workDir = setup({ 'in/a.txt': 'a' });
    await runStep(tarRunner, { inPath: 'in', outPath: '../../escaped.tar' }, { workDir });
    expect(existsSync(path.join(workDir, 'escaped.tar'))).toBe(true);
    expect(existsSync(path.join(workDir, '..', 'escaped.tar'))).toBe(false);
  });

  it('never reads or writes through symlinks that point outside the WorkDir', async () => {
    const parent = makeTempDir('kargo-tar-escape-');
    const workDir = path.join(parent, 'work');
    mkdirSync(workDir);
    mkdirSync(path.join(parent, 'outside'));
    writeFileSync(path.join(parent, 'outside', 'secret.txt'), 'secret');
    symlinkSync(path.join(parent, 'outside'), path.join(workDir, 'leak'));
    symlinkSync(path.join(parent, 'outside', 'out.tar'), path.join(workDir, 'out.tar'));
    const read = await runStep(tarRunner, { inPath: 'leak', outPath: 'x.tar' }, { workDir });
    expect(read.status).toBe('Errored');
    expect((read.error as Error).message).toBe('input path "leak" does not exist');
    writeFileSync(path.join(workDir, 'a.txt'), 'a');
    const write = await runStep(tarRunner, { inPath: 'a.txt', outPath: 'out.tar' }, { workDir });
    expect(write.status).toBe('Succeeded');
    expect(readdirSync(path.join(parent, 'outside'))).toEqual(['secret.txt']);
    // The link's target, clamped into the WorkDir, is where the archive went.
    expect(listArchive(path.join(workDir, parent, 'outside', 'out.tar'))).toEqual(['File a.txt = a']);
  });

  it.each<{ name: string; tree: Record<string, Node>; config: Record<string, unknown>; message: string }>([
    {
      name: 'a missing inPath',
      tree: {},
      config: { inPath: 'missing', outPath: 'out.tar' },
      message: 'input path "missing" does not exist'
    },
    {
      name: 'an outPath whose parent is a file',
      tree: { 'in/a.txt': 'a', blocker: 'file' },
      config: { inPath: 'in', outPath: 'blocker/out.tar' },
      message: 'failed to create output directory for "blocker/out.tar": mkdir blocker: file exists'
    },
    {
      name: 'a file over 50 MiB',
      tree: { 'in/big.bin': { sparse: 50 * MiB + 1 } },
      config: { inPath: 'in', outPath: 'out.tar' },
      message:
        'failed to create the tar archive "out.tar": failed during directory walk: file "in/big.bin" size (52428801 bytes) exceeds the maximum allowed single file size (52428800 bytes)'
    },
    {
      name: 'more than 100 MiB in total',
      tree: { 'in/a.bin': { sparse: 40 * MiB }, 'in/b.bin': { sparse: 40 * MiB }, 'in/c.bin': { sparse: 40 * MiB } },
      config: { inPath: 'in', outPath: 'out.tar' },
      message:
        'failed to create the tar archive "out.tar": failed during directory walk: total tar archive source size exceeds the maximum allowed size (104857600 bytes)'
    }
  ])('errors on $name, leaving no archive', async ({ tree, config, message }) => {
    const workDir = setup(tree);
    const result = await runStep(tarRunner, config, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect((result.error as Error).message).toBe(message);
    expect(readdirSync(workDir).filter((n) => n.startsWith('out.tar'))).toEqual([]);
  });

  it.each([
    [{ outPath: 'x' }, "(root): must have required property 'inPath'"],
    [{ inPath: 'x' }, "(root): must have required property 'outPath'"],
    [{ inPath: 'x', outPath: '' }, 'outPath: must NOT have fewer than 1 characters'],
    [{ inPath: 'x', outPath: 'y', ignore: '' }, 'ignore: must NOT have fewer than 1 characters'],
    [{ inPath: 'x', outPath: 'y', gzip: 'yes' }, 'gzip: must be boolean']
  ])('rejects the invalid config %j', async (config, message) => {
    const result = await runStep(tarRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(`invalid tar config: ${message}`);
  });
});
