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
  // A bare repository (git-clone keeps one in the WorkDir, as Kargo does): git internals only.
  const names = new Set(entries.map((e) => e.name));
  if (dir !== '' && names.has('HEAD') && names.has('objects') && names.has('refs')) return tree;
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

/**
 * What a promotion did in a git work tree: the commits it made on top of what git-clone checked
 * out (`base`), then uncommitted changes. Without a known base, only uncommitted changes.
 */
async function repoReport(root: string, rel: string, base: string | undefined): Promise<string> {
  const dir = path.join(root, rel);
  const parts = [`# ${rel}: git work tree`];
  if (base) {
    const commits = await git(dir, ['log', '-p', '--no-color', '--format=commit %H%n%n    %s%n', `${base}..HEAD`]);
    parts.push(commits ? `## new commits (would be pushed)\n${commits}` : '## no new commits');
  }
  const uncommitted = await git(dir, ['diff', '--no-color', 'HEAD']);
  if (uncommitted) parts.push(`## uncommitted changes\n${uncommitted}`);
  return parts.join('\n');
}

/**
 * The commits git-clone steps checked out, by work tree path relative to the WorkDir (git-clone's
 * output is `commits: {<as or path>: sha}`; entries keyed by an `as` name match no path and are
 * left out).
 */
export function clonedCommits(steps: { kind: string; alias: string }[], state: Record<string, unknown>): Map<string, string> {
  const bases = new Map<string, string>();
  for (const step of steps) {
    if (step.kind !== 'git-clone') continue;
    const commits = (state[step.alias] as { commits?: Record<string, string> } | null)?.commits ?? {};
    for (const [key, sha] of Object.entries(commits)) bases.set(path.normalize(key), sha);
  }
  return bases;
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

export async function workDirDiff(original: string, copy: string, bases = new Map<string, string>()): Promise<string> {
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
  for (const repo of afterTree.repos) diffs.push(await repoReport(copy, repo, bases.get(path.normalize(repo))));
  return diffs.join('\n');
}
