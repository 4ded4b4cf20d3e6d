import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiUrlFor, createOctokit, getPullRequest, githubStatus, parseRepoURL, retryDelayMs, DEFAULT_RETRY_POLICY } from '../../src/github/index.js';
import { isTerminal } from '../../src/promotion/errors.js';
import type { Capabilities } from '../../src/promotion/types.js';
import { startGitHubServer, type GitHubServer } from '../helpers/github-server.js';
import { makeTempDir } from '../helpers/step-context.js';

function caps(serverUrl: string, apiUrl: string): Capabilities {
  return { gitUser: { name: 'x', email: 'x@example.com' }, github: { serverUrl, apiUrl, token: 't' }, secrets: {}, mask: () => undefined };
}

describe('parseRepoURL', () => {
  it.each([
    ['https://github.com/acme/gitops.git', { origin: 'https://github.com', host: 'github.com', owner: 'acme', repo: 'gitops' }],
    ['https://github.com/acme/gitops/', { origin: 'https://github.com', host: 'github.com', owner: 'acme', repo: 'gitops' }],
    ['https://ghe.example.com:8443/acme/gitops', { origin: 'https://ghe.example.com:8443', host: 'ghe.example.com', owner: 'acme', repo: 'gitops' }],
    ['git@github.com:acme/gitops.git', { origin: 'https://github.com', host: 'github.com', owner: 'acme', repo: 'gitops' }],
    ['ssh://git@github.com/acme/gitops.git', { origin: 'https://github.com', host: 'github.com', owner: 'acme', repo: 'gitops' }]
  ])('reads %s', (url, expected) => {
    expect(parseRepoURL(url)).toEqual(expected);
  });

  it.each(['https://github.com/acme', 'https://github.com/a/b/c', 'not a url'])('refuses %s terminally', (url) => {
    let caught: unknown;
    try {
      parseRepoURL(url);
    } catch (error) {
      caught = error;
    }
    expect(isTerminal(caught)).toBe(true);
  });
});

describe('apiUrlFor', () => {
  it.each([
    ['the workflow server (GHES)', 'https://ghe.example.com/acme/gitops.git', caps('https://ghe.example.com', 'https://ghe.example.com/api/v3'), 'https://ghe.example.com/api/v3'],
    ['github.com from github.com', 'https://github.com/acme/gitops.git', caps('https://github.com', 'https://api.github.com'), 'https://api.github.com'],
    ['github.com from a GHES workflow', 'https://github.com/acme/gitops.git', caps('https://ghe.example.com', 'https://ghe.example.com/api/v3'), 'https://api.github.com'],
    ['another Enterprise server', 'https://github.other.com/acme/gitops.git', caps('https://github.com', 'https://api.github.com'), 'https://github.other.com/api/v3']
  ])('%s', (_name, url, capabilities, expected) => {
    expect(apiUrlFor(url, capabilities)).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  const rateLimited = (headers: Record<string, string>) =>
    Object.assign(new Error('API rate limit exceeded'), { status: 403, response: { status: 403, headers, data: { message: 'API rate limit exceeded' } } });

  it('waits for Retry-After', () => {
    expect(retryDelayMs(rateLimited({ 'retry-after': '3' }), 1, DEFAULT_RETRY_POLICY)).toBe(3000);
  });

  it('does not wait for a primary rate limit that resets in an hour', () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    expect(retryDelayMs(rateLimited({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }), 1, DEFAULT_RETRY_POLICY)).toBeUndefined();
  });

  it('backs off exponentially, capped', () => {
    const error = Object.assign(new Error('boom'), { status: 502, response: { status: 502, headers: {}, data: {} } });
    expect(retryDelayMs(error, 1, DEFAULT_RETRY_POLICY)).toBeLessThanOrEqual(1000);
    expect(retryDelayMs(error, 1, DEFAULT_RETRY_POLICY)).toBeGreaterThanOrEqual(750);
    expect(retryDelayMs(error, 20, DEFAULT_RETRY_POLICY)).toBeLessThanOrEqual(30_000);
  });
});

describe('createOctokit', () => {
  let gh: GitHubServer;

  beforeAll(async () => {
    process.env['KARGO_GITHUB_RETRY_BASE_MS'] = '5';
    const dir = makeTempDir('github-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', 'key.pem', '-out', 'cert.pem'], {
      cwd: dir,
      stdio: 'ignore'
    });
    gh = await startGitHubServer({ tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') } });
    await gh.commitFiles('main', { a: 'a' }, 'init');
    await gh.commitFiles('feature', { b: 'b' }, 'feature', { from: 'main' });
    await gh.addPull('feature', 'main');
  });

  afterAll(async () => {
    await gh.close();
  });

  it('reaches a server with a self-signed certificate with insecureSkipTLSVerify', async () => {
    const octokit = await createOctokit({ apiUrl: gh.apiUrl, token: gh.token, insecureSkipTLSVerify: true });
    expect((await getPullRequest(octokit, { ...parseRepoURL(gh.repoURL) }, 1)).open).toBe(true);
  });

  it('refuses that certificate without it, at once and terminally, saying what to do', async () => {
    const before = gh.requests.length;
    const octokit = await createOctokit({ apiUrl: gh.apiUrl, token: gh.token });
    let caught: unknown;
    try {
      await getPullRequest(octokit, { ...parseRepoURL(gh.repoURL) }, 1);
    } catch (error) {
      caught = error;
    }
    expect(githubStatus(caught)).toBe(0);
    expect(isTerminal(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/GitHub API GET \/repos\/acme\/gitops\/pulls\/1 got no answer: .*certificate.*insecureSkipTLSVerify: true/);
    expect(gh.requests.length).toBe(before);
  });

  it('retries a refused connection, bounded, and then answers with a retryable error', async () => {
    const closed = await startGitHubServer();
    const apiUrl = closed.apiUrl;
    await closed.close();
    const retries: string[] = [];
    const octokit = await createOctokit({ apiUrl, token: 't', onRetry: (m) => retries.push(m) });
    let caught: unknown;
    try {
      await getPullRequest(octokit, { origin: '', host: '', owner: 'acme', repo: 'gitops' }, 1);
    } catch (error) {
      caught = error;
    }
    expect(retries).toHaveLength(4);
    expect(isTerminal(caught)).toBe(false);
    expect((caught as Error).message).toMatch(/got no answer: .*ECONNREFUSED.*\(after 5 attempts\)/);
  });

  it('goes anonymous without a token (public repositories)', async () => {
    const plain = await startGitHubServer();
    try {
      const octokit = await createOctokit({ apiUrl: plain.apiUrl });
      let caught: unknown;
      try {
        await getPullRequest(octokit, { origin: '', host: '', owner: 'acme', repo: 'gitops' }, 1);
      } catch (error) {
        caught = error;
      }
      expect(githubStatus(caught)).toBe(401);
      expect(plain.requests).toHaveLength(1);
    } finally {
      await plain.close();
    }
  });
});
