// owner and repo from a GitHub repository URL, as Kargo's github.ParseRepoURL reads them.

import { TerminalError } from '../promotion/errors.js';

export interface RepoCoordinates {
  /** scheme://host[:port] of the web server (https for ssh URLs). */
  origin: string;
  host: string;
  owner: string;
  repo: string;
}

/** Accepts https://host/owner/repo[.git][/], ssh://git@host/owner/repo and git@host:owner/repo. */
export function parseRepoURL(repoURL: string): RepoCoordinates {
  const text = repoURL.trim();
  let origin: string;
  let host: string;
  let pathname: string;
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(text);
  if (scp && !text.includes('://')) {
    host = scp[1] as string;
    origin = `https://${host}`;
    pathname = scp[2] as string;
  } else {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new TerminalError(`repository URL ${JSON.stringify(repoURL)} is not a URL; use https://<host>/<owner>/<repo>`);
    }
    host = url.hostname;
    origin = url.protocol === 'http:' || url.protocol === 'https:' ? `${url.protocol}//${url.host}` : `https://${host}`;
    pathname = url.pathname;
  }
  const parts = pathname
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new TerminalError(
      `repository URL ${JSON.stringify(repoURL)} does not name a GitHub repository; expected https://<host>/<owner>/<repo>`
    );
  }
  return { origin, host, owner: parts[0], repo: parts[1] };
}
