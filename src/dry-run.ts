// The CLI's dry run works on a copy of the WorkDir, so nothing the user has changes, and then
// shows what the promotion would have changed: a unified diff of every file it changed, added
// or removed (git internals left out), paths relative to the WorkDir.

import { getExecOutput } from '@actions/exec';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function dryRunCopy(workDir: string): Promise<string> {
  const copy = await fs.mkdtemp(path.join(tmpdir(), 'kargo-dry-run-'));
  await fs.cp(workDir, copy, { recursive: true, verbatimSymlinks: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return copy;
}

interface Tree {
  files: Map<string, Buffer>;
  /** Git work trees found (relative dirs): the dry run reports their unpushed work instead. */
  repos: string[];
}

async function walk(root: string, dir = '', tree: Tree = { files: new Map(), repos: [] }): Promise<Tree> {
  const found = tree.files;
  const entries = await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
  if (dir !== '' && entries.some((e) => e.name === '.git')) {
    tree.repos.push(dir);
    return tree;
  }
  for (const entry of entries) {
    const rel = path.join(dir, entry.name);
    if (entry.name === '.git') continue;
    if (entry.isDirectory()) await walk(root, rel, tree);
    else if (entry.isFile()) found.set(rel, await fs.readFile(path.join(root, rel)));
    else if (entry.isSymbolicLink()) found.set(rel, Buffer.from(`symlink -> ${await fs.readlink(path.join(root, rel))}`));
  }
  return tree;
}

async function git(dir: string, args: string[]): Promise<string> {
  const { stdout } = await getExecOutput('git', ['-C', dir, ...args], { silent: true, ignoreReturnCode: true });
  return stdout.replace(/\n$/, '');
}

/** What a promotion did in a git work tree: its commits not on any remote, then uncommitted changes. */
async function repoReport(root: string, rel: string): Promise<string> {
  const dir = path.join(root, rel);
  const commits = await git(dir, ['log', '-p', '--no-color', '--format=commit %H%n%n    %s%n', 'HEAD', '--not', '--remotes']);
  const uncommitted = await git(dir, ['diff', '--no-color', 'HEAD']);
  const parts = [`# ${rel}: git work tree`];
  parts.push(commits ? `## commits not pushed\n${commits}` : '## no commits waiting to be pushed');
  if (uncommitted) parts.push(`## uncommitted changes\n${uncommitted}`);
  return parts.join('\n');
}

async function fileDiff(rel: string, before: string, after: string): Promise<string> {
  const { stdout } = await getExecOutput(
    'git',
    ['diff', '--no-index', '--no-color', `--src-prefix=a/`, `--dst-prefix=b/`, '--', before, after],
    { silent: true, ignoreReturnCode: true }
  );
  const header = `diff --git a/${rel} b/${rel}`;
  const body = stdout.split('\n').slice(1).join('\n');
  return `${header}\n${body.replace(/^(---|\+\+\+) ([ab])\/.*$/gm, (_m, marker: string, side: string) => `${marker} ${side}/${rel}`)}`.replace(/\n$/, '');
}

export async function workDirDiff(original: string, copy: string): Promise<string> {
  const [beforeTree, afterTree] = await Promise.all([walk(original), walk(copy)]);
  const before = beforeTree.files;
  const after = afterTree.files;
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const diffs: string[] = [];
  for (const rel of paths) {
    const a = before.get(rel);
    const b = after.get(rel);
    if (a && b && a.equals(b)) continue;
    diffs.push(await fileDiff(rel, a ? path.join(original, rel) : '/dev/null', b ? path.join(copy, rel) : '/dev/null'));
  }
  for (const repo of afterTree.repos) diffs.push(await repoReport(copy, repo));
  return diffs.join('\n');
}
