// The git client the git steps (and the pull-request steps) share. See repo.ts for the model:
// a bare clone in the WorkDir, one work tree per checkout, credentials only in memory.

export {
  gitSettings,
  runGit,
  gitEnv,
  gitPrivateDir,
  disposeGitPrivateDir,
  redactText,
  secretForms,
  isAuthFailure,
  classifyRemoteError,
  GitCommandError,
  GitTimeoutError,
  GitAuthenticationError,
  type RunGitOptions,
  type GitResult
} from './exec.js';
export {
  cloneBare,
  loadWorkTree,
  loadBareRepo,
  pushWithRetries,
  withBranchLock,
  backoffDelays,
  isNonFastForward,
  validateSparsePatterns,
  BareRepo,
  WorkTree,
  NonFastForwardError,
  MergeConflictError,
  RebaseUnsafeError,
  PUSH_INTEGRATION_POLICIES,
  type PushIntegrationPolicy,
  type GitUserIdentity,
  type GitClientOptions,
  type CloneOptions,
  type AddWorkTreeOptions,
  type CommitOptions,
  type PushOptions,
  type PushWithRetriesOptions,
  type LoadWorkTreeOptions,
  type CommitInfo
} from './repo.js';
export { gitCredentialsFor, maskCredentials, maskSigningKey } from './credentials.js';
export { openStepWorkTree, gitFailure } from './steps.js';
export { importSigningKey, signingConfig, gnupgHomeDir } from './signing.js';
export {
  splitUserInfo,
  redactURL,
  credentialsFromURL,
  promptOrigin,
  inferProvider,
  commitURL,
  type GitProviderName
} from './url.js';
