// Real git repositories for tests: bare repositories on disk seeded with branches, files and
// tags, plus readers to check what ended up on a branch. Every call uses argument arrays and
// a hermetic environment (no user or system config).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FIXTURE_AUTHOR = { name: 'Fixture Author', email: 'fixture@example.com' };

export function fixtureEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: FIXTURE_AUTHOR.name,
    GIT_AUTHOR_EMAIL: FIXTURE_AUTHOR.email,
    GIT_COMMITTER_NAME: FIXTURE_AUTHOR.name,
    GIT_COMMITTER_EMAIL: FIXTURE_AUTHOR.email,
    LC_ALL: 'C',
    ...extra
  };
}

/** Run git synchronously; returns trimmed stdout. */
export function git(cwd: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, {
    cwd,
    env: fixtureEnv(options.env),
    input: options.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe']
  }).trim();
}

/** files: path -> contents; null deletes the path. */
export type FileSpec = Record<string, string | null>;

export interface RepoSpec {
  /** branch -> files of its single commit (the first branch listed is the default). */
  branches?: Record<string, FileSpec>;
  /** tag -> branch it points at (annotated). */
  tags?: Record<string, string>;
  defaultBranch?: string;
  /** Leave the repository without any commit. */
  empty?: boolean;
}

function writeFiles(dir: string, files: FileSpec): void {
  for (const [name, contents] of Object.entries(files)) {
    const target = path.join(dir, name);
    if (contents === null) {
      rmSync(target, { force: true, recursive: true });
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, contents);
  }
}

/** Create a bare repository at bareDir (its parent must exist) seeded per spec. */
export function createBareRepo(bareDir: string, spec: RepoSpec = {}): string {
  const branches = spec.branches ?? { main: { 'README.md': '# fixture\n' } };
  const defaultBranch = spec.defaultBranch ?? Object.keys(branches)[0] ?? 'main';
  mkdirSync(path.dirname(bareDir), { recursive: true });
  git(path.dirname(bareDir), ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, bareDir]);
  git(bareDir, ['config', 'http.receivepack', 'true']);
  git(bareDir, ['config', 'uploadpack.allowFilter', 'true']);
  git(bareDir, ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
  if (spec.empty) return bareDir;
  for (const [branch, files] of Object.entries(branches)) {
    commitToBare(bareDir, branch, files, `seed ${branch}`, { orphan: true });
  }
  for (const [tag, branch] of Object.entries(spec.tags ?? {})) {
    git(bareDir, ['tag', '-a', '-m', `tag ${tag}`, tag, `refs/heads/${branch}`]);
  }
  return bareDir;
}

/**
 * Commit files on branch of a bare repository directly on disk (as another promotion or a
 * human would), returning the new commit's SHA.
 */
export function commitToBare(
  bareDir: string,
  branch: string,
  files: FileSpec,
  message: string,
  options: { orphan?: boolean } = {}
): string {
  const work = mkdtempSync(path.join(tmpdir(), 'kargo-fixture-'));
  try {
    git(work, ['init', '--quiet', `--initial-branch=${branch}`]);
    if (!options.orphan) {
      git(work, ['fetch', '--quiet', bareDir, `refs/heads/${branch}`]);
      git(work, ['reset', '--quiet', '--hard', 'FETCH_HEAD']);
    }
    writeFiles(work, files);
    git(work, ['add', '--all', '.']);
    git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
    const sha = git(work, ['rev-parse', 'HEAD']);
    git(work, ['push', '--quiet', bareDir, `HEAD:refs/heads/${branch}`]);
    return sha;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function branchHead(bareDir: string, branch: string): string | undefined {
  try {
    return git(bareDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  } catch {
    return undefined;
  }
}

export function tagTarget(bareDir: string, tag: string): string | undefined {
  try {
    return git(bareDir, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
  } catch {
    return undefined;
  }
}

export function readAt(bareDir: string, ref: string, file: string): string {
  return execFileSync('git', ['show', `${ref}:${file}`], { cwd: bareDir, env: fixtureEnv(), encoding: 'utf8' });
}

export function filesAt(bareDir: string, ref: string): string[] {
  const out = git(bareDir, ['ls-tree', '-r', '--name-only', ref]);
  return out ? out.split('\n') : [];
}

export interface LogEntry {
  sha: string;
  subject: string;
  parents: string[];
  author: string;
  committer: string;
}

export function logOf(repoDir: string, ref: string): LogEntry[] {
  const out = git(repoDir, ['log', '--format=%H%x00%s%x00%P%x00%an <%ae>%x00%cn <%ce>', ref, '--']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha, subject, parents, author, committer] = line.split('\0');
      return { sha, subject, parents: parents ? parents.split(' ') : [], author, committer };
    });
}

export function isAncestor(repoDir: string, ancestor: string, descendant: string): boolean {
  try {
    git(repoDir, ['merge-base', '--is-ancestor', ancestor, descendant]);
    return true;
  } catch {
    return false;
  }
}

/** Every file under dir (symlinks not followed) whose bytes contain any of needles. */
export function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current)) {
      const full = path.join(current, entry);
      const stats = lstatSync(full);
      if (stats.isDirectory()) walk(full);
      else if (stats.isFile()) {
        const bytes = readFileSync(full);
        if (needles.some((needle) => needle && bytes.includes(Buffer.from(needle)))) hits.push(full);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Every file under dir, relative, sorted (for "only .git" style checks). */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string, rel: string) => {
    for (const entry of readdirSync(current).sort()) {
      const full = path.join(current, entry);
      const relative = rel ? `${rel}/${entry}` : entry;
      out.push(relative);
      if (lstatSync(full).isDirectory() && entry !== '.git') walk(full, relative);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Clone url into workDir the way git-clone does (bare clone + work tree at workDir/checkoutPath)
 * so that a test of a later step starts from a real checkout. Returns the work tree's path.
 */
export async function checkoutForStep(
  url: string,
  workDir: string,
  options: {
    branch?: string;
    path?: string;
    credentials?: { username: string; password: string; source: string };
    user?: { name: string; email: string };
  } = {}
): Promise<string> {
  const { cloneBare } = await import('../../src/git/index.js');
  const repo = await cloneBare(url, {
    baseDir: workDir,
    credentials: options.credentials,
    user: options.user ?? { name: 'Clone Author', email: 'clone@example.com' }
  });
  const workTree = await repo.addWorkTree(path.join(workDir, options.path ?? 'out'), { ref: options.branch });
  return workTree.dir;
}

/**
 * A fresh ed25519 signing key without a passphrase, ASCII-armored (what Kargo's signingKey
 * holds). Generated in a throwaway GnuPG home whose agent is stopped afterwards.
 */
export function generateSigningKey(name: string, email: string): string {
  const home = mkdtempSync(path.join(tmpdir(), 'kargo-gpg-'));
  const env = { ...process.env, GNUPGHOME: home };
  try {
    execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', 'never'], {
      env,
      stdio: 'ignore'
    });
    return execFileSync('gpg', ['--batch', '--armor', '--export-secret-keys', email], { env, encoding: 'utf8' });
  } finally {
    try {
      execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
    } catch {
      // no agent
    }
    rmSync(home, { recursive: true, force: true });
  }
}
