import path from 'node:path';
import { secureJoin } from '../fs/paths.js';
import { TerminalError } from '../promotion/errors.js';
import type { StepRunner } from '../promotion/types.js';
import { cloneBare, gitCredentialsFor, gitFailure, maskSigningKey, redactURL, splitUserInfo, type BareRepo } from '../git/index.js';
import { gitCloneSchema, type GitCloneConfig } from './schemas/git-clone.js';

/**
 * git-clone: one bare clone of repoURL in the WorkDir and one work tree per checkout (Kargo's
 * git-clone). Output `commits`: checkout key (`as`, else path) -> the checked-out commit.
 */
export const gitCloneRunner: StepRunner<GitCloneConfig> = {
  name: 'git-clone',
  schema: gitCloneSchema,
  // Creating a missing branch pushes it; otherwise a clone only reads the remote.
  effects: (config) => (config.checkout?.some((c) => c.create) ? 'writes-remote' : 'reads-remote'),
  run: async (ctx) => {
    const cfg = ctx.config;
    const seen = new Set<string>();
    for (const [i, checkout] of cfg.checkout.entries()) {
      if (!checkout.as) continue;
      if (seen.has(checkout.as)) {
        return { status: 'Failed', error: new TerminalError(`duplicate checkout alias "${checkout.as}" at checkout[${i}]`) };
      }
      seen.add(checkout.as);
    }
    const user = cfg.author ?? ctx.capabilities.gitUser;
    maskSigningKey(ctx.capabilities, user.signingKey);
    const url = redactURL(splitUserInfo(cfg.repoURL).url);
    const credentials = gitCredentialsFor(ctx.capabilities, cfg.repoURL);
    if (credentials) ctx.logger.debug(`cloning ${url} with the credentials from ${credentials.source}`);

    let repo: BareRepo;
    try {
      repo = await cloneBare(cfg.repoURL, {
        baseDir: ctx.workDir,
        credentials,
        user: { name: user.name, email: user.email, signingKey: user.signingKey || undefined },
        insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
        blobless: cfg.blobless,
        signal: ctx.signal
      });
    } catch (error) {
      return gitFailure('', error); // already says "error cloning <url>: ..."
    }

    const commits: Record<string, string> = {};
    for (const checkout of cfg.checkout) {
      const ref = checkout.branch || checkout.commit || checkout.tag || undefined;
      if (checkout.branch) {
        try {
          await ensureBranch(repo, checkout.branch, checkout.create ?? false);
        } catch (error) {
          return gitFailure(`error ensuring existence of remote branch ${checkout.branch}`, error);
        }
      }
      const target = secureJoin(ctx.workDir, checkout.path);
      let workTree;
      try {
        workTree = await repo.addWorkTree(target, { ref, sparse: checkout.sparse });
      } catch (error) {
        return gitFailure(`error adding work tree ${checkout.path} to repo ${url}`, error);
      }
      if (cfg.recurseSubmodules) {
        try {
          await workTree.updateSubmodules();
        } catch (error) {
          return gitFailure(`error updating submodules for worktree at ${checkout.path}`, error);
        }
      }
      try {
        commits[checkout.as || checkout.path] = await workTree.lastCommitId();
      } catch (error) {
        return gitFailure(`error resolving HEAD for worktree at ${checkout.path}`, error);
      }
      ctx.logger.info(
        `checked out ${ref ?? 'the default branch'} of ${url} at ${path.relative(ctx.workDir, workTree.dir) || '.'}`
      );
    }
    return { status: 'Succeeded', output: { commits } };
  }
};

/** Kargo's ensureRemoteBranch: the branch exists, or create it (create: true), or explain. */
async function ensureBranch(repo: BareRepo, branch: string, create: boolean): Promise<void> {
  // The clone is seconds old and has every remote branch: look locally, no second round trip.
  const local = await repo.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { okExitCodes: [1] });
  if (local.exitCode === 0) return;
  if (!create) {
    throw new Error(
      `remote branch "${branch}" of repo ${redactURL(repo.url)} does not exist; set create: true if you'd like a ` +
        'non-existent remote branch to be automatically created at checkout'
    );
  }
  await repo.createOrphanBranch(branch);
}
