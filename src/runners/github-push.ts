import {
  backoffDelays,
  commitURL,
  gitCredentialsFor,
  gitFailure,
  MergeConflictError,
  openStepWorkTree,
  RebaseUnsafeError,
  withBranchLock,
  type PushIntegrationPolicy,
  type WorkTree
} from '../git/index.js';
import { connect, githubStatus, parseRepoURL, type Octokit, type RepoCoordinates } from '../github/index.js';
import { isTerminal, messageOf, TerminalError, wrapError } from '../promotion/errors.js';
import type { StepContext, StepResult, StepRunner } from '../promotion/types.js';
import { pushIntegrationPolicy } from './git-push.js';
import { githubPushSchema, type GithubPushConfig } from './schemas/github-push.js';

/** Temporary refs GitHub does not list as branches. */
const STAGING_REF_PREFIX = 'refs/kargo/staging';
const DEFAULT_MAX_ATTEMPTS = 10;

/** Operator settings Kargo reads from its controller's environment. */
export function githubPushSettings(env: NodeJS.ProcessEnv = process.env): { maxRevisions: number; verifyUntrustedCommits: boolean } {
  const raw = env['GITHUB_PUSH_MAX_REVISIONS']?.trim();
  const maxRevisions = raw ? Number(raw) : 10;
  if (!Number.isInteger(maxRevisions) || maxRevisions < 0) {
    throw new TerminalError(`GITHUB_PUSH_MAX_REVISIONS=${JSON.stringify(raw)} is not a whole number`);
  }
  return { maxRevisions, verifyUntrustedCommits: /^(true|1|yes)$/i.test(env['GITHUB_PUSH_VERIFY_UNTRUSTED_COMMITS']?.trim() ?? '') };
}

/** A condition another attempt may clear (the remote moved; integration may fix it). */
class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

interface Person {
  name?: string;
  email?: string;
  date?: string;
}

/** A commit as the compare API lists it. */
export interface ComparedCommit {
  sha: string;
  commit: { message: string; tree: { sha: string }; author?: Person | null; committer?: Person | null };
  parents: { sha: string }[];
}

export interface SignatureInfo {
  trusted: boolean;
  signerName: string;
  signerEmail: string;
}

export interface ReplayCommit {
  message: string;
  tree: string;
  parents: string[];
  author?: { name: string; email: string; date?: string };
  committer?: { name: string; email: string; date?: string };
}

function person(p: Person | null | undefined): { name: string; email: string; date?: string } | undefined {
  if (!p?.name || !p.email) return undefined;
  return { name: p.name, email: p.email, ...(p.date ? { date: p.date } : {}) };
}

/**
 * The commit to create through the API for an original one. A trusted commit (or any, when the
 * operator opts in) goes without author/committer so GitHub signs it as the token's identity;
 * an author other than the signer is kept as a Co-authored-by trailer. Other commits keep their
 * author and committer and stay unverified.
 */
export function buildReplayCommit(original: ComparedCommit, sig: SignatureInfo, verifyUntrusted: boolean): Omit<ReplayCommit, 'parents'> {
  const commit: Omit<ReplayCommit, 'parents'> = { message: original.commit.message, tree: original.commit.tree.sha };
  if (sig.trusted || verifyUntrusted) {
    const author = original.commit.author;
    if (author?.name && author.email && (author.name !== sig.signerName || author.email !== sig.signerEmail)) {
      commit.message = `${commit.message}\n\nCo-authored-by: ${author.name} <${author.email}>`;
    }
    return commit;
  }
  const author = person(original.commit.author);
  const committer = person(original.commit.committer);
  return { ...commit, ...(author ? { author } : {}), ...(committer ? { committer } : {}) };
}

/** Parents of the replayed commit: the previous replay, or, for merges, each parent mapped. */
export function resolveParents(original: ComparedCommit, shaMap: Map<string, string>, defaultParent: string): string[] {
  if (original.parents.length <= 1) return [defaultParent];
  return original.parents.map((p) => shaMap.get(p.sha) ?? p.sha);
}

async function signatureInfo(workTree: WorkTree, sha: string): Promise<SignatureInfo> {
  const { stdout } = await workTree.git(['log', '-1', '--format=%G?%x09%GS', sha, '--']);
  const [status, signer = ''] = stdout.trim().split('\t');
  const lt = signer.lastIndexOf('<');
  const gt = signer.lastIndexOf('>');
  const named = lt >= 0 && gt > lt;
  return {
    trusted: status === 'G',
    signerName: (named ? signer.slice(0, lt) : signer).trim(),
    signerEmail: named ? signer.slice(lt + 1, gt) : ''
  };
}

interface PushPlan {
  targetBranch: string;
  policy: PushIntegrationPolicy;
  force: boolean;
  stagingRef: string;
  maxRevisions: number;
  verifyUntrusted: boolean;
}

interface Remote {
  octokit: Octokit;
  repo: RepoCoordinates;
}

/** Replay commits through the API on top of parentSHA; returns the last new sha. */
async function replayCommits(ctx: StepContext<unknown>, remote: Remote, workTree: WorkTree, commits: ComparedCommit[], parentSHA: string, plan: PushPlan): Promise<string> {
  const shaMap = new Map<string, string>([[parentSHA, parentSHA]]);
  let last = parentSHA;
  for (const [i, original] of commits.entries()) {
    if (!original.commit?.tree?.sha) throw new Error(`commit ${i} in range has missing tree information`);
    let sig: SignatureInfo;
    try {
      sig = await signatureInfo(workTree, original.sha);
    } catch (error) {
      throw wrapError(`error getting signature info for commit ${original.sha}`, error);
    }
    const replay = buildReplayCommit(original, sig, plan.verifyUntrusted);
    const parents = resolveParents(original, shaMap, last);
    try {
      const { data } = await remote.octokit.rest.git.createCommit({
        owner: remote.repo.owner,
        repo: remote.repo.repo,
        message: replay.message,
        tree: replay.tree,
        parents,
        ...(replay.author ? { author: replay.author } : {}),
        ...(replay.committer ? { committer: replay.committer } : {})
      });
      last = data.sha;
    } catch (error) {
      throw wrapError(`error creating commit ${i + 1}/${commits.length} (original: ${original.sha})`, error);
    }
    shaMap.set(original.sha, last);
    ctx.logger.debug(`replayed commit ${i + 1}/${commits.length}: ${original.sha} -> ${last}${sig.trusted ? ' (trusted)' : ''}`);
  }
  return last;
}

async function upsertTargetRef(remote: Remote, branch: string, sha: string, create: boolean, force: boolean): Promise<void> {
  const ref = `heads/${branch}`;
  const { owner, repo } = remote.repo;
  if (create) {
    try {
      await remote.octokit.rest.git.createRef({ owner, repo, ref: `refs/${ref}`, sha });
    } catch (error) {
      throw wrapError(`error creating ref ${ref} at ${sha}`, error);
    }
    return;
  }
  try {
    await remote.octokit.rest.git.updateRef({ owner, repo, ref, sha, force });
  } catch (error) {
    if (githubStatus(error) === 422) {
      throw new RetryableError(`error updating ref ${ref} to ${sha} (not a fast forward): ${messageOf(error)}`, { cause: error });
    }
    throw wrapError(`error updating ref ${ref} to ${sha}`, error);
  }
}

/**
 * What a new target branch is compared against: the current branch's remote counterpart (as
 * Kargo does), or, when that does not exist either (a branch made only locally), the
 * repository's default branch, where Kargo would fail with a 404.
 */
async function baseBranchForNewTarget(remote: Remote, workTree: WorkTree): Promise<string> {
  const current = await workTree.currentBranch();
  if (current && (await workTree.remoteBranchExists(current))) return current;
  try {
    const { data } = await remote.octokit.rest.repos.get({ owner: remote.repo.owner, repo: remote.repo.repo });
    return data.default_branch;
  } catch (error) {
    throw wrapError(`error finding the default branch of ${remote.repo.owner}/${remote.repo.repo}`, error);
  }
}

/** One attempt: integrate, stage the objects, compare, replay, move the branch. */
async function pushOnce(ctx: StepContext<unknown>, remote: Remote, workTree: WorkTree, plan: PushPlan): Promise<void> {
  const { owner, repo } = remote.repo;
  try {
    await workTree.integrateRemoteChanges(plan.targetBranch, plan.policy);
  } catch (error) {
    // A conflict or an unsafe rebase needs a human: keep it recognisable (Failed + terminal).
    if (error instanceof MergeConflictError || error instanceof RebaseUnsafeError) throw error;
    throw wrapError(`error integrating remote changes from remote branch "${plan.targetBranch}" to local branch "${plan.targetBranch}"`, error);
  }
  // All objects reach GitHub through a hidden ref; the API then rebuilds the commits from them.
  await workTree.remote(`pushing to staging ref ${plan.stagingRef} of`, ['push', '--porcelain', '--force', 'origin', `HEAD:${plan.stagingRef}`]);
  const sourceHead = await workTree.lastCommitId();
  const targetExists = await workTree.remoteBranchExists(plan.targetBranch);
  const baseRef = `heads/${targetExists ? plan.targetBranch : await baseBranchForNewTarget(remote, workTree)}`;
  let baseHead: string;
  try {
    baseHead = (await remote.octokit.rest.git.getRef({ owner, repo, ref: baseRef })).data.object.sha;
  } catch (error) {
    throw wrapError(`error getting ref ${baseRef}`, error);
  }
  let comparison: { status: string; commits: ComparedCommit[]; merge_base_commit: { sha: string } };
  try {
    comparison = (await remote.octokit.rest.repos.compareCommitsWithBasehead({
      owner,
      repo,
      basehead: `${baseHead}...${sourceHead}`,
      per_page: 250
    })).data as unknown as typeof comparison;
  } catch (error) {
    throw wrapError(`error comparing commits ${baseHead}..${sourceHead}`, error);
  }
  const status = comparison.status;
  if (status === 'identical') return;
  if (status === 'behind' && !plan.force) {
    throw new RetryableError('source branch is behind target branch and force pushing is not enabled');
  }
  if (status === 'diverged' && !plan.force) {
    throw new RetryableError('source and target branches have diverged and force pushing is not enabled');
  }
  if (!['ahead', 'behind', 'diverged'].includes(status)) {
    throw new TerminalError(`unexpected comparison status ${JSON.stringify(status)} for ${baseHead}..${sourceHead}`);
  }
  const commits = comparison.commits ?? [];
  const mergeBase = comparison.merge_base_commit?.sha ?? baseHead;
  if (commits.length > plan.maxRevisions) {
    throw new TerminalError(
      `commit range ${mergeBase}..${sourceHead} contains ${commits.length} commits, which exceeds the configured maximum of ${plan.maxRevisions} (GITHUB_PUSH_MAX_REVISIONS)`
    );
  }
  let newHead: string;
  try {
    newHead = await replayCommits(ctx, remote, workTree, commits, mergeBase, plan);
  } catch (error) {
    throw wrapError('error replaying commits via GitHub API', error);
  }
  try {
    await upsertTargetRef(remote, plan.targetBranch, newHead, !targetExists, plan.force);
  } catch (error) {
    if (error instanceof RetryableError) throw new RetryableError(`error updating target ref: ${error.message}`, { cause: error });
    throw wrapError('error updating target ref', error);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('canceled'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('canceled while waiting to retry the push'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function isRetryable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof RetryableError) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}

/**
 * github-push: push a work tree's commits through the GitHub API so GitHub can sign them
 * (the "Verified" badge), as Kargo's github-push does.
 */
export const githubPushRunner: StepRunner<GithubPushConfig> = {
  name: 'github-push',
  schema: githubPushSchema,
  effects: 'writes-remote',
  run: async (ctx): Promise<StepResult> => {
    const cfg = ctx.config;
    let workTree: WorkTree;
    try {
      workTree = await openStepWorkTree(ctx, cfg.path);
    } catch (error) {
      return { status: 'Errored', error };
    }
    const creds = gitCredentialsFor(ctx.capabilities, workTree.url);
    if (!creds) {
      return {
        status: 'Failed',
        error: new TerminalError(
          `no credentials found for ${workTree.url}; github-push needs a token: the github-token input for the workflow's GitHub server, or a secret with repoURL and password`
        )
      };
    }
    if (!creds.password) {
      return { status: 'Failed', error: new TerminalError(`credentials for ${workTree.url} are missing a password/token`) };
    }
    let settings: ReturnType<typeof githubPushSettings>;
    let policy: PushIntegrationPolicy;
    let repo: RepoCoordinates;
    try {
      workTree = await openStepWorkTree(ctx, cfg.path, { credentials: true });
      settings = githubPushSettings();
      policy = pushIntegrationPolicy();
      repo = parseRepoURL(workTree.url);
    } catch (error) {
      return { status: 'Errored', error };
    }

    let targetBranch = cfg.targetBranch ?? '';
    let force = cfg.force === true;
    if (cfg.generateTargetBranch) {
      // The branch is this promotion's own: overwriting it on a re-run is safe.
      targetBranch = `kargo/promotion/${ctx.promotion}`;
      force = true;
    }
    if (!targetBranch) {
      targetBranch = await workTree.currentBranch();
      if (!targetBranch) {
        return {
          status: 'Errored',
          error: new Error(`the work tree at ${cfg.path} is not on a branch (detached HEAD); set targetBranch to choose where to push`)
        };
      }
    }
    const plan: PushPlan = {
      targetBranch,
      policy: force ? 'None' : policy,
      force,
      stagingRef: `${STAGING_REF_PREFIX}/${ctx.promotion}`,
      maxRevisions: settings.maxRevisions,
      verifyUntrusted: settings.verifyUntrustedCommits
    };

    let remote: Remote;
    try {
      const connection = await connect(ctx, {
        repoURL: workTree.url,
        provider: 'github',
        insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
        token: creds.password
      });
      remote = { octokit: connection.octokit, repo };
    } catch (error) {
      if (isTerminal(error)) return { status: 'Failed', error };
      return { status: 'Errored', error: wrapError('error creating GitHub client', error) };
    }

    const attempts = cfg.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const delays = backoffDelays(attempts);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await withBranchLock(workTree.url, targetBranch, () => pushOnce(ctx, remote, workTree, plan));
          break;
        } catch (error) {
          if (!isRetryable(error) || attempt >= attempts) throw error;
          const delay = delays[attempt - 1] ?? 0;
          ctx.logger.info(`push attempt ${attempt} of ${attempts} did not land (${messageOf(error)}); retrying in ${Math.round(delay)} ms`);
          await sleep(delay, ctx.signal);
        }
      }
    } catch (error) {
      return gitFailure('error pushing commits to remote', error);
    } finally {
      try {
        await remote.octokit.rest.git.deleteRef({ owner: repo.owner, repo: repo.repo, ref: plan.stagingRef.replace(/^refs\//, '') });
      } catch (error) {
        ctx.logger.debug(`could not delete staging ref ${plan.stagingRef} (harmless): ${messageOf(error)}`);
      }
    }

    // The replayed commits have new shas: make the local branch match the remote.
    try {
      await workTree.fetch({ branch: targetBranch });
      await workTree.resetHard(`refs/remotes/origin/${targetBranch}`);
    } catch (error) {
      return gitFailure('error syncing local branch after push', error);
    }
    const commit = await workTree.lastCommitId();
    const output: Record<string, unknown> = { commit, branch: targetBranch };
    const url = commitURL(workTree.url, commit, 'github');
    if (url) output['commitURL'] = url;
    return { status: 'Succeeded', output };
  }
};
