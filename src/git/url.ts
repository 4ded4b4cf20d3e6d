// Repository URL helpers: strip and redact user info, the origin git shows in its credential
// prompts, and the web URL of a commit (Kargo's gitprovider GetCommitURL).

import type { Credentials } from '../credentials/index.js';

const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)(.*)$/i;

/** The URL without user info, and the user info it had (a password in a URL is a credential). */
export function splitUserInfo(url: string): { url: string; username?: string; password?: string } {
  const match = SCHEME_URL.exec(url.trim());
  if (!match || match[2] === undefined) return { url: url.trim() };
  const [, scheme, userInfo, host, rest] = match;
  const colon = userInfo.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const username = decode(colon >= 0 ? userInfo.slice(0, colon) : userInfo);
  const password = colon >= 0 ? decode(userInfo.slice(colon + 1)) : undefined;
  return { url: `${scheme}://${host}${rest}`, username: username || undefined, password: password || undefined };
}

/** The URL with any password replaced by `***` (safe for messages). */
export function redactURL(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:***@');
}

/** Credentials carried in the URL itself, if it has a password. */
export function credentialsFromURL(url: string): Credentials | undefined {
  const { username, password } = splitUserInfo(url);
  if (!password) return undefined;
  return { username: username ?? '', password, source: 'the user info in repoURL' };
}

/**
 * The `<protocol>://<host[:port]>` git shows in "Username for '...'" prompts, exactly as the URL
 * spells it. Only http(s) remotes take credentials through the askpass helper.
 */
export function promptOrigin(url: string): { protocol: string; host: string } | undefined {
  const match = SCHEME_URL.exec(url.trim());
  if (!match) return undefined;
  const protocol = match[1];
  if (!/^https?$/i.test(protocol)) return undefined;
  return { protocol, host: match[3] };
}

export type GitProviderName = 'azure' | 'bitbucket' | 'gitea' | 'github' | 'gitlab';

function parseHTTP(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Kargo's provider inference from the host name; `githubServerUrl` also marks a GHES host. */
export function inferProvider(repoURL: string, githubServerUrl?: string): GitProviderName | undefined {
  const parsed = parseHTTP(splitUserInfo(repoURL).url);
  if (!parsed) return undefined;
  const host = parsed.host.toLowerCase();
  if (host.includes('github') || host.endsWith('.ghe.com')) return 'github';
  if (githubServerUrl) {
    const server = parseHTTP(githubServerUrl);
    if (server && server.host.toLowerCase() === host) return 'github';
  }
  if (host.includes('gitlab')) return 'gitlab';
  if (parsed.hostname.toLowerCase() === 'bitbucket.org') return 'bitbucket';
  if (host === 'dev.azure.com' || host.endsWith('.visualstudio.com')) return 'azure';
  if (host.includes('gitea')) return 'gitea';
  return undefined;
}

/** The web page of a commit, as Kargo's providers build it, or undefined if unknown. */
export function commitURL(repoURL: string, sha: string, provider: GitProviderName | undefined): string | undefined {
  if (!provider) return undefined;
  const parsed = parseHTTP(splitUserInfo(repoURL).url);
  if (!parsed) return undefined;
  // Kargo normalises the URL first (lower case, no trailing `/` or `.git`).
  const repoPath = parsed.pathname.toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  if (!repoPath || repoPath === '/') return undefined;
  const host = parsed.host.toLowerCase();
  switch (provider) {
    case 'github': {
      const parts = repoPath.split('/').filter(Boolean);
      if (parts.length < 2) return undefined;
      return `https://${host}/${parts[0]}/${parts[1]}/commit/${sha}`;
    }
    case 'gitlab':
      return `https://${host}${repoPath}/-/commit/${sha}`;
    case 'bitbucket':
      return `https://${host}${repoPath}/commits/${sha}`;
    case 'gitea':
      return `https://${host}${repoPath}/commit/${sha}`;
    case 'azure':
      return `https://dev.azure.com${repoPath.replace(/^\/v3/, '')}/commit/${sha}`;
  }
}
