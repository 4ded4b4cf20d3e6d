// Kargo's urls.NormalizeGit: the form in which two spellings of one Git repository URL compare
// equal (case, user info, a trailing slash or `.git`, scp-style `git@host:path`).

const SCP_SYNTAX = /^((?:[\w-]+@)?[\w-]+(?:\.[\w-]+)*)(?::(.*))?$/;

function trimPath(p: string): string {
  return p.replace(/\/$/, '').replace(/\.git$/, '');
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

export function normalizeGitURL(repo: string): string {
  const original = repo;
  const lower = repo.trim().toLowerCase();
  if (/^https?:\/\//.test(lower) || lower.startsWith('ssh://')) {
    const parsed = parse(lower);
    if (!parsed || parsed.search !== '') return original;
    if (!lower.startsWith('ssh://')) {
      parsed.username = '';
      parsed.password = '';
    }
    parsed.pathname = trimPath(parsed.pathname);
    return parsed.toString().replace(/\/$/, '');
  }
  const match = SCP_SYNTAX.exec(lower);
  if (!match) return original;
  const path = trimPath(match[2] ?? '');
  return path === '' ? `ssh://${match[1]}` : `ssh://${match[1]}/${path}`;
}
