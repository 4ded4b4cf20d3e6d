// Finding the kustomize and helm binaries the kustomize-build and helm-template steps run.
// GitHub's hosted runners ship both on PATH; when one is missing in a workflow, a pinned release
// is downloaded with @actions/tool-cache and checked against its SHA-256 before it is used.
// Outside GitHub Actions nothing is downloaded: the error says what to install.

import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import * as tc from '@actions/tool-cache';
import type { Logger } from '../promotion/types.js';

export type ToolName = 'kustomize' | 'helm';

interface Download {
  url: string;
  sha256: string;
}

interface PinnedTool {
  version: string;
  /** Path of the binary inside the extracted archive. */
  binary: (platform: string, arch: string) => string;
  downloads: Record<string, Download>;
  installHint: string;
}

// Checksums as published with each release (cross-checked against argoproj/argo-cd's
// hack/installers/checksums, which pins the same files).
export const PINNED_TOOLS: Record<ToolName, PinnedTool> = {
  kustomize: {
    version: '5.8.1',
    binary: () => 'kustomize',
    downloads: Object.fromEntries(
      (
        [
          ['linux-x64', 'linux_amd64', '029a7f0f4e1932c52a0476cf02a0fd855c0bb85694b82c338fc648dcb53a819d'],
          ['linux-arm64', 'linux_arm64', '0953ea3e476f66d6ddfcd911d750f5167b9365aa9491b2326398e289fef2c142'],
          ['darwin-x64', 'darwin_amd64', 'ee7cf0c1e3592aa7bb66ba82b359933a95e7f2e0b36e5f53ed0a4535b017f2f8'],
          ['darwin-arm64', 'darwin_arm64', '8886f8a78474e608cc81234f729fda188a9767da23e28925802f00ece2bab288']
        ] as const
      ).map(([key, suffix, sha256]) => [
        key,
        {
          url: `https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize/v5.8.1/kustomize_v5.8.1_${suffix}.tar.gz`,
          sha256
        }
      ])
    ),
    installHint: 'install kustomize v5 (https://kubectl.docs.kubernetes.io/installation/kustomize/) and put it on PATH'
  },
  helm: {
    version: '3.20.2',
    binary: (platform, arch) => `${platform}-${arch === 'x64' ? 'amd64' : arch}/helm`,
    downloads: Object.fromEntries(
      (
        [
          ['linux-x64', 'linux-amd64', '258e830a9e613c8a7a302d6059b4bb3b9758f2f3e1bb8ea0d707ce10a9a72fea'],
          ['linux-arm64', 'linux-arm64', '5ea2d6bc2cda3f8edf985e028809f5a9278f404fb8ab24044de9b7cb9b79a691'],
          ['darwin-x64', 'darwin-amd64', '7de04301f28b902a74f6286ed941cadc86ee5e6a9086a18f2ccf1f548e99d618'],
          ['darwin-arm64', 'darwin-arm64', '139c794c22f16b579d08ddd3008c8038b9bb2814f35b5bcca91f50a1f458978d']
        ] as const
      ).map(([key, suffix, sha256]) => [key, { url: `https://get.helm.sh/helm-v3.20.2-${suffix}.tar.gz`, sha256 }])
    ),
    installHint: 'install Helm v3 (https://helm.sh/docs/intro/install/) and put it on PATH'
  }
};

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stats = await fs.stat(file);
    if (!stats.isFile()) return false;
    await fs.access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of name on searchPath (default: this process's PATH), or undefined. */
export async function locateTool(name: string, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir || !path.isAbsolute(dir)) continue; // a relative PATH entry would resolve inside the WorkDir
    for (const ext of extensions) {
      const candidate = path.join(dir, name + ext);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of (await fs.open(file)).createReadStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Download, verify, unpack and cache the pinned release of name (GitHub Actions only). */
async function install(name: ToolName, logger: Logger): Promise<string> {
  const pinned = PINNED_TOOLS[name];
  const key = `${process.platform}-${process.arch}`;
  const cached = tc.find(name, pinned.version, process.arch);
  if (cached) return path.join(cached, name);
  const download = pinned.downloads[key];
  if (!download) throw new Error(`${name} was not found on PATH and no pinned release exists for ${key}: ${pinned.installHint}`);
  logger.info(`${name} was not found on PATH; installing ${name} v${pinned.version}`);
  const archive = await tc.downloadTool(download.url);
  const actual = await sha256Of(archive);
  if (actual !== download.sha256) {
    await fs.rm(archive, { force: true });
    throw new Error(`the ${name} v${pinned.version} download has SHA-256 ${actual}, expected ${download.sha256}; refusing to run it`);
  }
  const extracted = await tc.extractTar(archive);
  const binary = path.join(extracted, pinned.binary(process.platform, process.arch));
  const dir = await tc.cacheFile(binary, name, name, pinned.version, process.arch);
  return path.join(dir, name);
}

/**
 * The binary to run for name: from PATH, else (in GitHub Actions) the pinned release installed
 * into the tool cache; otherwise an error saying what to install.
 */
export async function findTool(name: ToolName, logger: Logger): Promise<string> {
  const found = await locateTool(name);
  if (found) return found;
  if (process.env.GITHUB_ACTIONS === 'true' && process.env.RUNNER_TOOL_CACHE) return install(name, logger);
  throw new ToolMissingError(`${name} was not found on PATH: ${PINNED_TOOLS[name].installHint}`);
}

export class ToolMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolMissingError';
  }
}
