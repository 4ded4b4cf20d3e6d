// The built-in step runners, by name. Adding a step = adding its file and a line here.
import type { StepRunner } from '../promotion/types.js';
import { argocdUpdateRunner } from './argocd-update.js';
import { argocdWaitRunner } from './argocd-wait.js';
import { composeOutputRunner } from './compose-output.js';
import { copyRunner } from './copy.js';
import { deleteRunner } from './delete.js';
import { failRunner } from './fail.js';
import { fileWriteRunner } from './file-write.js';
import { gitClearRunner } from './git-clear.js';
import { gitCloneRunner } from './git-clone.js';
import { gitCommitRunner } from './git-commit.js';
import { gitMergePrRunner } from './git-merge-pr.js';
import { gitOpenPrRunner } from './git-open-pr.js';
import { gitPushRunner } from './git-push.js';
import { gitTagRunner } from './git-tag.js';
import { gitWaitForPrRunner } from './git-wait-for-pr.js';
import { githubPushRunner } from './github-push.js';
import { helmTemplateRunner } from './helm-template.js';
import { helmUpdateChartRunner } from './helm-update-chart.js';
import { httpRunner } from './http.js';
import { httpDownloadRunner } from './http-download.js';
import { jsonParseRunner } from './json-parse.js';
import { jsonUpdateRunner } from './json-update.js';
import { kustomizeBuildRunner } from './kustomize-build.js';
import { kustomizeSetImageRunner } from './kustomize-set-image.js';
import { ociDownloadRunner } from './oci-download.js';
import { ociPushRunner } from './oci-push.js';
import { setFreightAliasRunner } from './set-freight-alias.js';
import { setMetadataRunner } from './set-metadata.js';
import { tarRunner } from './tar.js';
import { tomlParseRunner } from './toml-parse.js';
import { tomlUpdateRunner } from './toml-update.js';
import { untarRunner } from './untar.js';
import { yamlMergeRunner } from './yaml-merge.js';
import { yamlParseRunner } from './yaml-parse.js';
import { yamlUpdateRunner } from './yaml-update.js';

const builtins: StepRunner<any>[] = [
  argocdUpdateRunner,
  argocdWaitRunner,
  composeOutputRunner,
  copyRunner,
  deleteRunner,
  failRunner,
  fileWriteRunner,
  gitClearRunner,
  gitCloneRunner,
  gitCommitRunner,
  gitMergePrRunner,
  gitOpenPrRunner,
  gitPushRunner,
  gitTagRunner,
  gitWaitForPrRunner,
  githubPushRunner,
  helmTemplateRunner,
  helmUpdateChartRunner,
  httpRunner,
  httpDownloadRunner,
  jsonParseRunner,
  jsonUpdateRunner,
  kustomizeBuildRunner,
  kustomizeSetImageRunner,
  ociDownloadRunner,
  ociPushRunner,
  setFreightAliasRunner,
  setMetadataRunner,
  tarRunner,
  tomlParseRunner,
  tomlUpdateRunner,
  untarRunner,
  yamlMergeRunner,
  yamlParseRunner,
  yamlUpdateRunner,
];

export type StepRunnerRegistry = ReadonlyMap<string, StepRunner<any>>;

export function builtinRegistry(): StepRunnerRegistry {
  return new Map(builtins.map((r) => [r.name, r]));
}

/** Every built-in step's name (all 35 of Kargo's). */
export const KARGO_STEP_NAMES: readonly string[] = builtins.map((r) => r.name);
