// Credentials for remote repositories, the way Kargo's credentials database finds them, but read
// from the `secrets` input instead of Kubernetes Secrets. A secret whose keys include `repoURL`
// and `password` is a credential (Kargo's labelled credential Secrets have the same keys):
//
//   secrets:
//     gitops-creds: { repoURL: https://git.example.com/org/gitops.git, username: bot, password: s3cr3t }
//     charts:       { type: helm, repoURL: oci://registry.example.com/charts, username: u, password: p }
//     all-of-org:   { repoURL: '^https://git\.example\.com/org/.*$', repoURLIsRegex: 'true', ... }
//
// `type` (git, image or helm: Kargo's kargo.akuity.io/cred-type label) is optional; without it
// the secret serves any kind. For git over https to the workflow's GitHub server, the
// `github-token` input is the fallback, as user `x-access-token`.

import type { Capabilities } from '../promotion/types.js';

export type CredentialType = 'git' | 'image' | 'helm';

export interface Credentials {
  username: string;
  password: string;
  /** Which secret supplied them (for messages; never the value). */
  source: string;
}

/** Kargo's git URL normalisation: lower-case, no user info, no trailing `/` or `.git`. */
export function normalizeGitURL(url: string): string {
  let normalized = url.trim().toLowerCase();
  try {
    const parsed = new URL(normalized);
    parsed.username = '';
    parsed.password = '';
    normalized = parsed.toString();
  } catch {
    // scp-style or bare paths: compare as given
  }
  return normalized.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

function normalizeFor(type: CredentialType, url: string): string {
  if (type === 'git') return normalizeGitURL(url);
  return url.trim().replace(/^oci:\/\//, '').replace(/\/+$/, '');
}

function matches(type: CredentialType, pattern: string, isRegex: boolean, url: string): boolean {
  if (isRegex) {
    try {
      return new RegExp(pattern).test(url);
    } catch {
      return false;
    }
  }
  return normalizeFor(type, pattern) === normalizeFor(type, url);
}

function fromSecrets(caps: Capabilities, type: CredentialType, url: string): Credentials | undefined {
  for (const name of Object.keys(caps.secrets).sort()) {
    const data = caps.secrets[name];
    if (!data || typeof data.repoURL !== 'string' || typeof data.password !== 'string') continue;
    if (data.type && data.type !== type) continue;
    if (!matches(type, data.repoURL, data.repoURLIsRegex === 'true', url)) continue;
    return { username: data.username ?? '', password: data.password, source: `secret "${name}"` };
  }
  return undefined;
}

/** Same scheme and host (port included), case-insensitively. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.host.toLowerCase() === y.host.toLowerCase();
  } catch {
    return false;
  }
}

/** The credentials to use for url, or undefined to go anonymous. */
export function findCredentials(caps: Capabilities, type: CredentialType, url: string): Credentials | undefined {
  const explicit = fromSecrets(caps, type, url);
  if (explicit) return explicit;
  const github = caps.github;
  if (type === 'git' && github?.token && sameOrigin(github.serverUrl, url)) {
    return { username: 'x-access-token', password: github.token, source: 'the github-token input' };
  }
  return undefined;
}
