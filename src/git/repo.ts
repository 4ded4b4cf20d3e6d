// Kargo's pkg/controller/git in TypeScript: a bare clone in the WorkDir with one work tree per
// checkout, and the work-tree operations the git steps need. Nothing secret is ever written:
// the repository's config holds the URL (without user info) and the author; credentials stay
// in memory and reach git through runGit's environment.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Credentials } from '../credentials/index.js';
import { TerminalError } from '../promotion/errors.js';
import {
  classifyRemoteError,
  GitCommandError,
  gitSettings,
  runGit,
  type GitResult,
  type RunGitOptions
} from './exec.js';
import { importSigningKey, signingConfig } from './signing.js';
import { redactURL, splitUserInfo } from './url.js';

const ORIGINAL_URL_KEY = 'kargo.repoOriginalURL';
const DEFAULT_USER = { name: 'Kargo', email: 'no-reply@kargo.io' };

export interface GitUserIdentity {
  name: string;
  email: string;
  /** ASCII-armored GPG private key (no passphrase): commits and tags are signed with it. */
  signingKey?: string;
}

/** Options shared by every repository handle. */
export interface GitClientOptions {
  credentials?: Credentials;
  signal?: AbortSignal;
}

export type PushIntegrationPolicy = 'None' | 'AlwaysRebase' | 'RebaseOrMerge' | 'RebaseOrFail' | 'AlwaysMerge';

export const PUSH_INTEGRATION_POLICIES: readonly PushIntegrationPolicy[] = [
  'None',
  'AlwaysRebase',
  'RebaseOrMerge',
  'RebaseOrFail',
  'AlwaysMerge'
];

/** The remote changed under us between integration and push (retry). */
export class NonFastForwardError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonFastForwardError';
  }
}

/** Remote changes conflict with ours: needs a human (terminal for a step). */
export class MergeConflictError extends Error {
  constructor(
    message: string,
    readonly files: string[]
  ) {
    super(message);
    this.name = 'MergeConflictError';
  }
}

/** RebaseOrFail and the commits to replay carry signatures a rebase would misrepresent. */
export class RebaseUnsafeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RebaseUnsafeError';
  }
}

abstract class BaseRepo {
  constructor(
    /** Absolute directory git runs in. */
    readonly dir: string,
    /** The remote's URL as given (user info removed). */
    readonly url: string,
    protected readonly options: GitClientOptions
  ) {}

  get credentials(): Credentials | undefined {
    return this.options.credentials;
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** Run any git command here with this repository's credentials and limits. */
  git(args: string[], extra: Partial<RunGitOptions> = {}): Promise<GitResult> {
    return runGit(args, {
      cwd: this.dir,
      credentials: this.options.credentials,
      remoteURL: this.url,
      signal: this.options.signal,
      ...extra
    });
  }

  /** A git call that reaches the remote: failures are classified (auth: terminal; timeout: retryable). */
  async remote(what: string, args: string[], extra: Partial<RunGitOptions> = {}): Promise<GitResult> {
    try {
      return await this.git(args, extra);
    } catch (error) {
      throw classifyRemoteError(error, what, this.url, this.options.credentials);
    }
  }

  async remoteBranchExists(branch: string): Promise<boolean> {
    const result = await this.remote(`checking for branch "${branch}" in`, [
      'ls-remote',
      '--heads',
      '--exit-code',
      'origin',
      `refs/heads/${branch}`
    ], { okExitCodes: [2] });
    return result.exitCode === 0;
  }
}

export interface CloneOptions extends GitClientOptions {
  /** The clone goes in a new `repo-*` directory here (Kargo: the WorkDir). */
  baseDir: string;
  /** Default author for commits and tags made in this clone. */
  user?: GitUserIdentity;
  insecureSkipTLSVerify?: boolean;
  blobless?: boolean;
}

export interface AddWorkTreeOptions {
  /** Branch, tag or commit; empty: the remote's default branch. */
  ref?: string;
  /** Cone-mode sparse checkout directories. */
  sparse?: string[];
}

/** Validate sparse-checkout directories the way Kargo does (relative, no `..`, no globs). */
export function validateSparsePatterns(patterns: string[]): void {
  for (const pattern of patterns) {
    if (path.isAbsolute(pattern) || pattern.startsWith('/')) {
      throw new Error(`sparse checkout pattern must be relative: ${pattern}`);
    }
    if (pattern.startsWith('..')) throw new Error(`sparse checkout pattern cannot escape repository: ${pattern}`);
    if (/[*?[]/.test(pattern)) {
      throw new Error(
        `sparse checkout pattern cannot contain glob characters (*, ?, [): ${pattern}; use directory paths like 'src/app' instead`
      );
    }
  }
}

/** A bare clone (Kargo's BareRepo). */
export class BareRepo extends BaseRepo {
  /** The remote's default branch (what the clone's HEAD points at), or undefined if unknown. */
  async defaultBranch(): Promise<string | undefined> {
    const result = await this.git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1, 128] });
    const name = result.stdout.trim();
    return result.exitCode === 0 && name ? name : undefined;
  }

  async workTreePaths(): Promise<string[]> {
    const { stdout } = await this.git(['worktree', 'list', '--porcelain']);
    const paths: string[] = [];
    let current: string | undefined;
    let bare = false;
    for (const line of [...stdout.split('\n'), '']) {
      if (line.startsWith('worktree ')) {
        current = line.slice('worktree '.length);
        bare = false;
      } else if (line === 'bare') {
        bare = true;
      } else if (line === '' && current !== undefined) {
        if (!bare) paths.push(current);
        current = undefined;
      }
    }
    return paths;
  }

  /** Check out ref into a new work tree at workTreePath (absolute). */
  async addWorkTree(workTreePath: string, options: AddWorkTreeOptions = {}): Promise<WorkTree> {
    if (options.sparse?.length) validateSparsePatterns(options.sparse);
    const absolute = path.resolve(workTreePath);
    if ((await this.workTreePaths()).includes(absolute)) {
      throw new Error(`working tree already exists at ${JSON.stringify(absolute)}`);
    }
    let ref = options.ref;
    if (!ref) {
      ref = await this.defaultBranch();
      if (!ref) throw new Error(`repository ${redactURL(this.url)} has no default branch to check out (is it empty?)`);
    }
    try {
      await this.git(['worktree', 'add', absolute, ref]);
    } catch (error) {
      if (error instanceof GitCommandError && /invalid reference/i.test(error.stderr)) {
        throw new Error(
          `cannot check out ${JSON.stringify(ref)} from ${redactURL(this.url)}: no branch, tag or commit of that name`
        );
      }
      throw error;
    }
    const real = await fs.realpath(absolute);
    const workTree = new WorkTree(real, this.url, this.options, this.dir);
    if (options.sparse?.length) {
      try {
        await workTree.git(['sparse-checkout', 'init', '--cone']);
        await workTree.git(['sparse-checkout', 'set', '--', ...options.sparse]);
      } catch (error) {
        await this.git(['worktree', 'remove', '--force', real], { okExitCodes: [128] }).catch(() => undefined);
        throw new Error(`error configuring sparse checkout for ${JSON.stringify(real)}: ${(error as Error).message}`);
      }
    }
    return workTree;
  }

  /**
   * Create branch on the remote as an orphan with one empty "Initial commit" (Kargo's
   * ensureRemoteBranch with create=true), and the local branch of the same name.
   * Returns the commit's SHA.
   */
  async createOrphanBranch(branch: string, message = 'Initial commit'): Promise<string> {
    const tree = (await this.git(['mktree'], { input: '' })).stdout.trim();
    const commit = (await this.git(['commit-tree', tree, '-F', '-'], { input: `${message}\n` })).stdout.trim();
    await this.git(['update-ref', `refs/heads/${branch}`, commit, '']);
    await this.remote(`pushing new branch "${branch}" to`, ['push', 'origin', `refs/heads/${branch}:refs/heads/${branch}`]);
    return commit;
  }
}

/** Clone repoURL bare into a new `repo-*` directory under options.baseDir (Kargo's CloneBare). */
export async function cloneBare(repoURL: string, options: CloneOptions): Promise<BareRepo> {
  const { url } = splitUserInfo(repoURL);
  await fs.mkdir(options.baseDir, { recursive: true });
  const home = await fs.realpath(await fs.mkdtemp(path.join(options.baseDir, 'repo-')));
  const dir = path.join(home, 'repo');
  const args = ['clone', '--bare'];
  if (options.blobless) args.push('--filter=blob:none');
  args.push('--', url, dir);
  try {
    await runGit(args, {
      cwd: home,
      credentials: options.credentials,
      remoteURL: url,
      signal: options.signal,
      config: options.insecureSkipTLSVerify ? { 'http.sslVerify': 'false' } : undefined
    });
  } catch (error) {
    await fs.rm(home, { recursive: true, force: true });
    throw classifyRemoteError(error, 'error cloning', url, options.credentials);
  }
  const repo = new BareRepo(dir, url, options);
  const user = options.user && options.user.name && options.user.email ? options.user : DEFAULT_USER;
  await repo.git(['config', ORIGINAL_URL_KEY, url]);
  await repo.git(['config', 'user.name', user.name]);
  await repo.git(['config', 'user.email', user.email]);
  if (options.user?.signingKey) {
    let fingerprint: string;
    try {
      fingerprint = await importSigningKey(options.user.signingKey);
    } catch (error) {
      await fs.rm(home, { recursive: true, force: true });
      throw new TerminalError(`error configuring the signing key: ${(error as Error).message}`);
    }
    for (const [key, value] of Object.entries(signingConfig(fingerprint))) await repo.git(['config', key, value]);
  }
  if (options.insecureSkipTLSVerify) await repo.git(['config', 'http.sslVerify', 'false']);
  // Work trees fetch into refs/remotes/origin/* (Kargo's Fetch uses explicit refspecs too).
  return repo;
}

export interface CommitOptions {
  allowEmpty?: boolean;
  /** This commit's author and committer (overrides the clone's default). */
  author?: GitUserIdentity;
}

export interface PushOptions {
  /** Remote branch; empty: the current branch. Ignored when tag is set. */
  targetBranch?: string;
  tag?: string;
  force?: boolean;
  integrationPolicy?: PushIntegrationPolicy;
}

export interface CommitInfo {
  id: string;
  subject: string;
  author: string;
  committer: string;
  date: string;
}

/** A work tree (Kargo's WorkTree). */
export class WorkTree extends BaseRepo {
  constructor(
    dir: string,
    url: string,
    options: GitClientOptions,
    /** The repository's common git dir (the bare clone for our work trees). */
    readonly commonDir: string,
    private readonly fallbackUser?: GitUserIdentity
  ) {
    super(dir, url, options);
  }

  /** The same work tree, with credentials for its remote (looked up by its URL). */
  withCredentials(credentials: Credentials | undefined): WorkTree {
    return new WorkTree(this.dir, this.url, { ...this.options, credentials }, this.commonDir, this.fallbackUser);
  }

  /** Identity settings for commands that create commits, when the repo has none configured. */
  private async identityConfig(author?: GitUserIdentity): Promise<Record<string, string>> {
    if (author) {
      const identity = { 'user.name': author.name, 'user.email': author.email };
      if (!author.signingKey) return identity;
      return { ...identity, ...signingConfig(await importSigningKey(author.signingKey)) };
    }
    const { exitCode } = await this.git(['config', '--get', 'user.email'], { okExitCodes: [1] });
    if (exitCode === 0) return {};
    const user = this.fallbackUser && this.fallbackUser.name && this.fallbackUser.email ? this.fallbackUser : DEFAULT_USER;
    return { 'user.name': user.name, 'user.email': user.email };
  }

  async currentBranch(): Promise<string> {
    return (await this.git(['branch', '--show-current'])).stdout.trim();
  }

  async lastCommitId(): Promise<string> {
    return (await this.git(['rev-parse', 'HEAD'])).stdout.trim();
  }

  async addAll(): Promise<void> {
    await this.git(['add', '--all', '.']);
  }

  async hasDiffs(): Promise<boolean> {
    return (await this.git(['status', '--porcelain'])).stdout.trim().length > 0;
  }

  async commit(message: string, options: CommitOptions = {}): Promise<string> {
    const args = ['commit', '--file=-', '--no-verify'];
    if (options.allowEmpty) args.push('--allow-empty');
    await this.git(args, { input: message, config: await this.identityConfig(options.author) });
    return this.lastCommitId();
  }

  async createTag(tag: string, message: string, options: { force?: boolean } = {}): Promise<void> {
    const args = ['tag', '--annotate', '--file=-'];
    if (options.force) args.push('--force');
    args.push('--', tag);
    try {
      await this.git(args, { input: message, config: await this.identityConfig() });
    } catch (error) {
      if (error instanceof GitCommandError && /already exists/.test(error.stderr)) {
        throw new Error(`tag "${tag}" already exists; set force: true to move it to the current commit`, { cause: error });
      }
      throw error;
    }
  }

  /** Remove every tracked file (Kargo's Clear: `git rm -rf --ignore-unmatch .`). */
  async clear(): Promise<void> {
    await this.git(['rm', '-r', '-f', '-q', '--ignore-unmatch', '--', '.']);
  }

  async checkout(branch: string): Promise<void> {
    await this.git(['checkout', branch, '--']);
  }

  async createChildBranch(branch: string): Promise<void> {
    await this.git(['checkout', '-b', branch, '--']);
  }

  async deleteBranch(branch: string): Promise<void> {
    await this.git(['branch', '--delete', '--force', '--', branch]);
  }

  async resetHard(ref?: string): Promise<void> {
    await this.git(ref ? ['reset', '--hard', ref, '--'] : ['reset', '--hard']);
  }

  async isAncestor(parent: string, child: string): Promise<boolean> {
    const { exitCode } = await this.git(['merge-base', '--is-ancestor', parent, child], { okExitCodes: [1] });
    return exitCode === 0;
  }

  async commitMessage(id: string): Promise<string> {
    return (await this.git(['log', '-n', '1', '--pretty=format:%B', id, '--'])).stdout;
  }

  /** Paths a commit changed relative to its first parent (Kargo's GetDiffPathsForCommitID). */
  async diffPathsForCommit(id: string): Promise<string[]> {
    const { stdout } = await this.git(['show', '--pretty=', '--name-status', '--no-renames', '--first-parent', '-z', id]);
    // -z: "<status>\0<path>\0" pairs, paths unquoted (non-ASCII names stay as they are).
    const fields = stdout.split('\0');
    const paths: string[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const status = fields[i].trim();
      if (status) paths.push(fields[i + 1]);
    }
    return paths;
  }

  /** Commits reachable from ref (default HEAD), newest first. */
  async listCommits(options: { ref?: string; limit?: number; range?: string } = {}): Promise<CommitInfo[]> {
    const args = ['log', '--format=%H%x00%s%x00%an <%ae>%x00%cn <%ce>%x00%cI'];
    if (options.limit) args.push(`--max-count=${options.limit}`);
    args.push(options.range ?? options.ref ?? 'HEAD', '--');
    const { stdout } = await this.git(args);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id, subject, author, committer, date] = line.split('\0');
        return { id, subject, author, committer, date };
      });
  }

  /** Fetch one branch (or all) into refs/remotes/origin/*. */
  async fetch(options: { branch?: string; depth?: number } = {}): Promise<void> {
    const refspec = options.branch
      ? `+refs/heads/${options.branch}:refs/remotes/origin/${options.branch}`
      : '+refs/heads/*:refs/remotes/origin/*';
    const args = ['fetch', 'origin', refspec];
    if (options.depth && options.depth > 0) args.push(`--depth=${options.depth}`);
    await this.remote('fetching from', args);
  }

  async updateSubmodules(): Promise<void> {
    await this.remote('updating submodules of', ['submodule', 'update', '--init', '--recursive']);
  }

  /** Make an empty orphan branch current, discarding the work tree's files. */
  async createOrphanedBranch(branch: string): Promise<void> {
    await this.git(['switch', '--orphan', branch, '--discard-changes']);
    await this.git(['clean', '-f', '-d']);
  }

  private async inProgress(name: 'rebase-merge' | 'rebase-apply' | 'MERGE_HEAD'): Promise<boolean> {
    const { stdout } = await this.git(['rev-parse', '--git-path', name]);
    const p = path.resolve(this.dir, stdout.trim());
    return fs.stat(p).then(
      () => true,
      () => false
    );
  }

  private async conflictedFiles(): Promise<string[]> {
    const { stdout } = await this.git(['diff', '--name-only', '--diff-filter=U', '-z'], { okExitCodes: [1] });
    return [...new Set(stdout.split('\0').filter(Boolean))];
  }

  private conflict(how: string, branch: string, files: string[]): MergeConflictError {
    const list = files.length ? `: ${files.join(', ')}` : '';
    return new MergeConflictError(
      `merge conflict: remote branch "${branch}" of ${redactURL(this.url)} has changes that conflict with the ` +
        `local commit(s) when ${how}${list}. Another promotion probably changed the same lines; ` +
        'resolve the conflict (or re-run the promotion on top of the new branch head)',
      files
    );
  }

  /**
   * Fetch branch into refs/remotes/origin/<branch>; false when the remote has no such branch.
   * (Kargo asks ls-remote first and then pulls; one fetch answers both.)
   */
  async fetchBranchIfExists(branch: string): Promise<boolean> {
    try {
      await this.git(['fetch', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      return true;
    } catch (error) {
      if (error instanceof GitCommandError && /couldn't find remote ref/i.test(error.stderr)) return false;
      throw classifyRemoteError(error, 'fetching from', this.url, this.options.credentials);
    }
  }

  private async rebaseOnto(branch: string): Promise<void> {
    try {
      await this.git(['rebase', '--no-autostash', `refs/remotes/origin/${branch}`], { config: await this.identityConfig() });
    } catch (error) {
      if ((await this.inProgress('rebase-merge')) || (await this.inProgress('rebase-apply'))) {
        const files = await this.conflictedFiles();
        // Leave the work tree as it was before the attempt: no half-done rebase, no lost commit.
        await this.git(['rebase', '--abort']).catch(() => undefined);
        throw this.conflict('rebasing them onto it', branch, files);
      }
      throw error;
    }
  }

  private async mergeIn(branch: string): Promise<void> {
    try {
      await this.git(['merge', '--no-edit', `refs/remotes/origin/${branch}`], {
        config: await this.identityConfig()
      });
    } catch (error) {
      if (await this.inProgress('MERGE_HEAD')) {
        const files = await this.conflictedFiles();
        await this.git(['merge', '--abort']).catch(() => undefined);
        throw this.conflict('merging it', branch, files);
      }
      throw error;
    }
  }

  /** Kargo's rebase-safety matrix over the commits a rebase onto origin/<branch> would replay. */
  private async canSafelyRebase(branch: string): Promise<boolean> {
    const { stdout } = await this.git(['log', '--format=%H %G?', `refs/remotes/origin/${branch}..HEAD`, '--']);
    const commits = stdout.split('\n').filter(Boolean);
    if (commits.length === 0) return true;
    const { stdout: signing } = await this.git(['config', '--get', 'commit.gpgSign'], { okExitCodes: [1] });
    const signingConfigured = signing.trim() === 'true';
    for (const line of commits) {
      const status = line.split(' ')[1] ?? '';
      const trusted = status === 'G';
      const unsigned = status === 'N' || status === '';
      if (trusted && !signingConfigured) return false;
      if (!trusted && !unsigned) return false;
      if (unsigned && signingConfigured) return false;
    }
    return true;
  }

  /**
   * Bring remote changes of branch in according to policy (Kargo's IntegrateRemoteChanges):
   * fetch it (nothing to do if the remote lacks it), then rebase or merge.
   */
  async integrateRemoteChanges(branch: string, policy: PushIntegrationPolicy): Promise<void> {
    if (policy === 'None') return;
    if (!PUSH_INTEGRATION_POLICIES.includes(policy)) {
      throw new Error(`unknown push integration policy ${JSON.stringify(policy)}`);
    }
    if (!(await this.fetchBranchIfExists(branch))) return;
    // Already contains the remote branch: nothing to integrate (no empty merge commit).
    if (await this.isAncestor(`refs/remotes/origin/${branch}`, 'HEAD')) return;
    switch (policy) {
      case 'AlwaysRebase':
        return this.rebaseOnto(branch);
      case 'AlwaysMerge':
        return this.mergeIn(branch);
      default: {
        if (await this.canSafelyRebase(branch)) return this.rebaseOnto(branch);
        if (policy === 'RebaseOrFail') {
          throw new RebaseUnsafeError(
            `rebase is unsafe and policy prohibits merge fallback: the local commits for branch "${branch}" carry ` +
              'signatures a rebase would strip or forge'
          );
        }
        return this.mergeIn(branch);
      }
    }
  }

  /** One push attempt (Kargo's WorkTree.Push). Throws NonFastForwardError when the remote moved. */
  async push(options: PushOptions = {}): Promise<void> {
    if (options.tag) {
      await this.remote(`pushing tag "${options.tag}" to`, ['push', 'origin', `refs/tags/${options.tag}:refs/tags/${options.tag}`]);
      return;
    }
    const branch = options.targetBranch || (await this.currentBranch());
    if (!branch) {
      throw new Error(
        `the work tree at ${JSON.stringify(this.dir)} is not on a branch (detached HEAD); set targetBranch to choose where to push`
      );
    }
    await this.integrateRemoteChanges(branch, options.integrationPolicy ?? 'None');
    const args = ['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`];
    if (options.force) args.push('--force');
    try {
      const result = await this.git(args);
      // Some git versions exit 0 from `push --porcelain` with a rejected ref: look for it.
      if (/^!\t/m.test(result.stdout)) {
        throw new GitCommandError(
          `git push rejected the update: ${result.stdout.split('\n').filter((l) => l.startsWith('!')).join('; ')}`,
          args,
          result.exitCode,
          result.stdout,
          result.stderr,
          false,
          false
        );
      }
    } catch (error) {
      if (error instanceof GitCommandError && isNonFastForward(error.output)) {
        throw new NonFastForwardError(
          `pushing to branch "${branch}" of ${redactURL(this.url)} was rejected because the remote branch moved (non-fast-forward)`,
          { cause: error }
        );
      }
      throw classifyRemoteError(error, `pushing branch "${branch}" to`, this.url, this.options.credentials);
    }
  }
}

/**
 * Kargo's non-fast-forward detection: the remote refused the update because the branch moved
 * (plain or porcelain output). Over smart HTTP the refs are advertised in one request and
 * updated in another, so a push that lost a race can also come back as "failed to update ref"
 * with the server saying the ref "is at X but expected Y": that is a moved branch too.
 */
export function isNonFastForward(output: string): boolean {
  if (/\[(?:remote )?rejected\].*\((?:non-fast-forward|fetch first|cannot lock ref.*|incorrect old value provided|stale info)\)/m.test(output)) {
    return true;
  }
  return (
    /\[remote rejected\].*\(failed to (?:update|lock) ref\)/m.test(output) &&
    /cannot lock ref|is at [0-9a-f]+ but expected [0-9a-f]+/.test(output)
  );
}

export interface LoadWorkTreeOptions extends GitClientOptions {
  /** Identity for commits when the repository has none configured (not one our clone made). */
  fallbackUser?: GitUserIdentity;
}

/**
 * Open the work tree rooted at dir (Kargo's LoadWorkTree). dir must be the top of a work tree:
 * a plain directory inside some other repository (e.g. the workflow's checkout) is refused.
 */
export async function loadWorkTree(dir: string, options: LoadWorkTreeOptions = {}): Promise<WorkTree> {
  const absolute = path.resolve(dir);
  const stats = await fs.stat(absolute).catch(() => undefined);
  if (!stats?.isDirectory()) throw new Error(`no directory at ${JSON.stringify(absolute)}`);
  const real = await fs.realpath(absolute);
  const probe = await runGit(['rev-parse', '--show-toplevel', '--git-common-dir'], {
    cwd: real,
    signal: options.signal,
    okExitCodes: [128]
  });
  const [top, common] = probe.stdout.trim().split('\n');
  if (probe.exitCode !== 0 || !top || (await fs.realpath(top).catch(() => top)) !== real) {
    throw new Error(`${JSON.stringify(absolute)} is not the root of a git work tree (clone it with git-clone first)`);
  }
  const commonDir = path.resolve(real, common ?? '.git');
  const url = await readRemoteURL(real, options.signal);
  return new WorkTree(real, url, options, commonDir, options.fallbackUser);
}

async function readRemoteURL(dir: string, signal?: AbortSignal): Promise<string> {
  for (const key of [ORIGINAL_URL_KEY, 'remote.origin.url']) {
    const { exitCode, stdout } = await runGit(['config', '--get', key], { cwd: dir, signal, okExitCodes: [1] });
    if (exitCode === 0 && stdout.trim()) return splitUserInfo(stdout.trim()).url;
  }
  throw new Error(`the repository at ${JSON.stringify(dir)} has no remote "origin"`);
}

/** Same as loadWorkTree, but for a bare repository directory (Kargo's LoadBareRepo). */
export async function loadBareRepo(dir: string, options: GitClientOptions = {}): Promise<BareRepo> {
  const real = await fs.realpath(path.resolve(dir));
  const url = await readRemoteURL(real, options.signal);
  return new BareRepo(real, url, options);
}

/** Kargo's backoff: initial 1s, x1.5, jitter 0.5, cap 30s; attempt n waits before attempt n+1. */
export function backoffDelays(attempts: number, settings = gitSettings.pushBackoff): number[] {
  const delays: number[] = [];
  let duration = settings.initialMs;
  for (let i = 1; i < attempts; i++) {
    delays.push(Math.min(duration + Math.random() * settings.jitter * duration, settings.capMs));
    duration = Math.min(duration * settings.factor, settings.capMs);
  }
  return delays;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('canceled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('canceled while waiting to retry the push'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const branchLocks = new Map<string, Promise<unknown>>();

/** Run fn while holding the in-process lock for repoURL:branch (Kargo's per-branch mutex). */
export async function withBranchLock<T>(repoURL: string, branch: string, fn: () => Promise<T>): Promise<T> {
  const key = `${repoURL}:${branch}`;
  const previous = branchLocks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const tail = run.catch(() => undefined);
  branchLocks.set(key, tail);
  try {
    return await run;
  } finally {
    if (branchLocks.get(key) === tail) branchLocks.delete(key);
  }
}

export interface PushWithRetriesOptions extends PushOptions {
  /** Attempts, including the first (Kargo's maxAttempts, default 10). */
  maxAttempts?: number;
  /** Hold the in-process repo:branch lock around each attempt (default true). */
  lock?: boolean;
  /** Called before each retry with the attempt number about to run. */
  onRetry?: (attempt: number, delayMs: number, error: Error) => void;
}

/**
 * Integrate remote changes and push, retrying on non-fast-forward (Kargo's git-push loop).
 * Merge conflicts and unsafe rebases are thrown at once; they need a human.
 */
export async function pushWithRetries(workTree: WorkTree, options: PushWithRetriesOptions = {}): Promise<void> {
  const attempts = options.maxAttempts ?? 10;
  const delays = backoffDelays(attempts);
  const branch = options.tag ? `tag:${options.tag}` : options.targetBranch || (await workTree.currentBranch());
  for (let attempt = 1; ; attempt++) {
    try {
      const once = () => workTree.push(options);
      await (options.lock === false ? once() : withBranchLock(workTree.url, branch, once));
      return;
    } catch (error) {
      if (!(error instanceof NonFastForwardError) || attempt >= attempts) {
        if (error instanceof NonFastForwardError) {
          throw new NonFastForwardError(`${error.message}; gave up after ${attempts} attempt(s)`, { cause: error });
        }
        throw error;
      }
      const delay = delays[attempt - 1] ?? 0;
      options.onRetry?.(attempt + 1, delay, error);
      await sleep(delay, workTree.signal);
    }
  }
}
