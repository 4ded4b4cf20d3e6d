// A GitHub stand-in on 127.0.0.1: the REST routes the pull-request steps and github-push use,
// under /api/v3 exactly as a GitHub Enterprise Server serves them, plus git over smart HTTP
// (git http-backend) at /<owner>/<repo>.git. Everything is backed by a real bare repository on
// disk, so opening, merging and pushing really move branches.
//
//   const gh = await startGitHubServer();
//   await gh.commitFiles('feature', {'a.txt': 'x'}, 'change a', {from: 'main'});
//   ... runner with capabilities.github = gh.settings ...
//   const sha = await gh.merge(1);           // as if someone pressed "Merge"
//   await gh.close();
//
// Also: gh.fail({method, path, status, body, headers, times}) makes matching requests fail (or
// answer a canned 200); gh.seen(method, path) lists requests; gh.addPull/closePull and
// pulls.get(n).mergeableState shape PRs; gh.createdCommits records API-created commits and
// whether GitHub would have signed them; start({tls: {key, cert}}) serves HTTPS.
// Test code must call git asynchronously: the server runs in the test's own process.

import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RecordedRequest {
  method: string;
  /** Path without the /api/v3 prefix and without the query, e.g. /repos/acme/gitops/pulls. */
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
}

export interface Fault {
  method?: string;
  /** Matched against the path (without /api/v3). */
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface Pull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  state: 'open' | 'closed';
  mergedAt: string | null;
  mergeCommitSha: string | null;
  createdAt: string;
  labels: string[];
  draft: boolean;
  /** Forces mergeable_state (e.g. 'blocked', 'unknown'); otherwise computed from the repo. */
  mergeableState?: string;
}

export interface CreatedCommit {
  sha: string;
  message: string;
  parents: string[];
  /** GitHub signs (Verified) a commit created through the API without author/committer. */
  verified: boolean;
  author?: { name: string; email: string };
}

export interface CommitOptions {
  /** Branch or sha to start from when the branch does not exist yet (default: empty history). */
  from?: string;
  author?: { name: string; email: string };
}

export const SERVER_IDENTITY = { name: 'GitHub', email: 'noreply@github.com' };

function run(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; allowFailure?: boolean } = {}
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: SERVER_IDENTITY.name,
          GIT_AUTHOR_EMAIL: SERVER_IDENTITY.email,
          GIT_COMMITTER_NAME: SERVER_IDENTITY.name,
          GIT_COMMITTER_EMAIL: SERVER_IDENTITY.email,
          GIT_CONFIG_NOSYSTEM: '1',
          HOME: tmpdir(),
          ...options.env
        },
        maxBuffer: 64 * 1024 * 1024
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (code !== 0 && !options.allowFailure) {
          reject(new Error(`git ${args.join(' ')} failed (${code}): ${stderr}`));
          return;
        }
        resolve({ stdout, stderr, code });
      }
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {
    super(`HTTP ${status}`);
  }
}

function validationFailed(message: string, field?: string): HttpError {
  return new HttpError(422, {
    message: 'Validation Failed',
    errors: [field ? { resource: 'PullRequest', field, code: 'invalid' } : { resource: 'PullRequest', code: 'custom', message }],
    documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request'
  });
}

export class GitHubServer {
  readonly requests: RecordedRequest[] = [];
  readonly createdCommits: CreatedCommit[] = [];
  readonly pulls = new Map<number, Pull>();
  /** Merge methods the repository refuses (GitHub answers 405 "... not allowed"). */
  readonly disallowedMergeMethods = new Set<string>();
  token: string;
  private readonly faults: Fault[] = [];
  private nextNumber = 1;
  private server!: Server;
  private port = 0;

  private constructor(
    readonly root: string,
    readonly owner: string,
    readonly repo: string,
    token: string
  ) {
    this.token = token;
  }

  private scheme = 'http';

  /** tls: serve HTTPS with this key and certificate (e.g. a self-signed one). */
  static async start(
    options: { owner?: string; repo?: string; token?: string; defaultBranch?: string; tls?: { key: string; cert: string } } = {}
  ): Promise<GitHubServer> {
    const root = mkdtempSync(path.join(tmpdir(), 'github-server-'));
    const gh = new GitHubServer(root, options.owner ?? 'acme', options.repo ?? 'gitops', options.token ?? 'ghs_test_token');
    mkdirSync(path.dirname(gh.bareDir), { recursive: true });
    await run(['init', '--bare', '--quiet', '-b', options.defaultBranch ?? 'main', gh.bareDir]);
    await run(['config', 'http.receivepack', 'true'], { cwd: gh.bareDir });
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      gh.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      });
    };
    gh.server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
    if (options.tls) gh.scheme = 'https';
    await new Promise<void>((resolve) => gh.server.listen(0, '127.0.0.1', resolve));
    gh.port = (gh.server.address() as AddressInfo).port;
    return gh;
  }

  /** The web server: what GITHUB_SERVER_URL would be. */
  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** The API, as on GitHub Enterprise Server: <server>/api/v3. */
  get apiUrl(): string {
    return `${this.url}/api/v3`;
  }

  get repoURL(): string {
    return `${this.url}/${this.owner}/${this.repo}.git`;
  }

  get bareDir(): string {
    return path.join(this.root, this.owner, `${this.repo}.git`);
  }

  /** What a door hands runners as capabilities.github. */
  get settings(): { serverUrl: string; apiUrl: string; token: string } {
    return { serverUrl: this.url, apiUrl: this.apiUrl, token: this.token };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** Make the next matching request(s) fail. */
  fail(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests seen, optionally only those of one method whose path matches. */
  seen(method?: string, pathPattern?: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (!method || r.method === method) && (!pathPattern || pathPattern.test(r.path)));
  }

  git(args: string[], input?: string): Promise<string> {
    return run(args, { cwd: this.bareDir, ...(input !== undefined ? { input } : {}) }).then((r) => r.stdout.trim());
  }

  async branchHead(branch: string): Promise<string | undefined> {
    const result = await run(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
      cwd: this.bareDir,
      allowFailure: true
    });
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  async refSha(ref: string): Promise<string | undefined> {
    const result = await run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: this.bareDir, allowFailure: true });
    return result.code === 0 ? result.stdout.trim() : undefined;
  }

  /**
   * Commit files on a branch directly in the bare repository (null deletes a file). The branch
   * starts at `from` when it does not exist yet. Returns the new commit's sha.
   */
  async commitFiles(branch: string, files: Record<string, string | null>, message: string, options: CommitOptions = {}): Promise<string> {
    const parent = (await this.branchHead(branch)) ?? (options.from ? await this.resolve(options.from) : undefined);
    const indexFile = path.join(this.root, `index-${process.hrtime.bigint()}`);
    const env = { GIT_INDEX_FILE: indexFile };
    try {
      if (parent) await run(['read-tree', parent], { cwd: this.bareDir, env });
      for (const [file, contents] of Object.entries(files)) {
        if (contents === null) {
          await run(['update-index', '--force-remove', file], { cwd: this.bareDir, env });
          continue;
        }
        const blob = (await run(['hash-object', '-w', '--stdin'], { cwd: this.bareDir, input: contents })).stdout.trim();
        await run(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { cwd: this.bareDir, env });
      }
      const tree = (await run(['write-tree'], { cwd: this.bareDir, env })).stdout.trim();
      const author = options.author ?? { name: 'Dev', email: 'dev@example.com' };
      const sha = (
        await run(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], {
          cwd: this.bareDir,
          env: {
            GIT_AUTHOR_NAME: author.name,
            GIT_AUTHOR_EMAIL: author.email,
            GIT_COMMITTER_NAME: author.name,
            GIT_COMMITTER_EMAIL: author.email
          }
        })
      ).stdout.trim();
      await run(['update-ref', `refs/heads/${branch}`, sha], { cwd: this.bareDir });
      return sha;
    } finally {
      rmSync(indexFile, { force: true });
    }
  }

  private async resolve(rev: string): Promise<string> {
    return (await this.branchHead(rev)) ?? (await this.git(['rev-parse', '--verify', `${rev}^{commit}`]));
  }

  /** Merge a pull request as GitHub's "Merge" button does; returns the merge commit's sha. */
  async merge(number: number, method = 'merge'): Promise<string> {
    const pull = this.pulls.get(number);
    if (!pull) throw new Error(`no pull request ${number}`);
    if (pull.state !== 'open') throw new Error(`pull request ${number} is not open`);
    await this.refreshHead(pull);
    const base = await this.resolve(pull.base);
    let sha: string;
    if (method === 'rebase') {
      sha = await this.rebaseOnto(pull.headSha, base);
    } else {
      const result = await run(['merge-tree', '--write-tree', base, pull.headSha], { cwd: this.bareDir, allowFailure: true });
      if (result.code !== 0) throw new Error(`pull request ${number} has conflicts`);
      const tree = result.stdout.split('\n')[0] as string;
      const parents = method === 'squash' ? ['-p', base] : ['-p', base, '-p', pull.headSha];
      const message =
        method === 'squash' ? `${pull.title} (#${number})` : `Merge pull request #${number} from ${this.owner}/${pull.head}\n\n${pull.title}`;
      sha = await this.git(['commit-tree', tree, ...parents, '-m', message]);
    }
    await this.git(['update-ref', `refs/heads/${pull.base}`, sha, base]);
    pull.state = 'closed';
    pull.mergedAt = new Date().toISOString();
    pull.mergeCommitSha = sha;
    return sha;
  }

  private async rebaseOnto(head: string, base: string): Promise<string> {
    const worktree = mkdtempSync(path.join(tmpdir(), 'github-server-rebase-'));
    try {
      await run(['worktree', 'add', '--detach', '--force', worktree, head], { cwd: this.bareDir });
      await run(['rebase', '--quiet', base], { cwd: worktree });
      return (await run(['rev-parse', 'HEAD'], { cwd: worktree })).stdout.trim();
    } finally {
      await run(['worktree', 'remove', '--force', worktree], { cwd: this.bareDir, allowFailure: true });
      rmSync(worktree, { recursive: true, force: true });
    }
  }

  /** Close a pull request without merging it. */
  closePull(number: number): void {
    const pull = this.pulls.get(number);
    if (!pull) throw new Error(`no pull request ${number}`);
    pull.state = 'closed';
  }

  /** Add a pull request directly (e.g. one "opened earlier by someone else"). */
  async addPull(head: string, base: string, fields: Partial<Pull> = {}): Promise<Pull> {
    const pull: Pull = {
      number: this.nextNumber++,
      title: 'existing',
      body: '',
      head,
      base,
      headSha: (await this.branchHead(head)) ?? '',
      state: 'open',
      mergedAt: null,
      mergeCommitSha: null,
      createdAt: new Date().toISOString(),
      labels: [],
      draft: false,
      ...fields
    };
    this.pulls.set(pull.number, pull);
    return pull;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/api/v3/')) {
      await this.handleAPI(req, res, url);
      return;
    }
    if (url.pathname.startsWith(`/${this.owner}/${this.repo}.git/`)) {
      await this.handleGit(req, res, url);
      return;
    }
    res.writeHead(404).end();
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    return header === `token ${this.token}` || header === `Bearer ${this.token}`;
  }

  private async handleAPI(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const apiPath = url.pathname.slice('/api/v3'.length);
    const raw = await readBody(req);
    let body: unknown = undefined;
    if (raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    const method = req.method ?? 'GET';
    const record: RecordedRequest = { method, path: apiPath, query: url.searchParams, body, status: 0 };
    this.requests.push(record);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    };
    const fault = this.faults.find((f) => (!f.method || f.method === method) && f.path.test(apiPath) && (f.times ?? 1) > 0);
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      send(fault.status, fault.body ?? { message: `injected ${fault.status}` }, fault.headers);
      return;
    }
    if (!this.authorized(req)) {
      send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
      return;
    }
    try {
      const [status, payload] = await this.route(method, apiPath, url.searchParams, body as Record<string, unknown>);
      send(status, payload);
    } catch (error) {
      if (error instanceof HttpError) send(error.status, error.body);
      else throw error;
    }
  }

  private async route(method: string, apiPath: string, query: URLSearchParams, body: Record<string, unknown>): Promise<[number, unknown]> {
    const prefix = `/repos/${this.owner}/${this.repo}`;
    if (method === 'GET' && apiPath === prefix) {
      const head = await run(['symbolic-ref', '--short', 'HEAD'], { cwd: this.bareDir });
      return [200, { name: this.repo, full_name: `${this.owner}/${this.repo}`, default_branch: head.stdout.trim(), private: true }];
    }
    if (!apiPath.startsWith(`${prefix}/`)) throw new HttpError(404, { message: 'Not Found' });
    const rest = apiPath.slice(prefix.length);
    let m: RegExpExecArray | null;
    if (method === 'GET' && rest === '/pulls') return [200, await this.listPulls(query)];
    if (method === 'POST' && rest === '/pulls') return [201, await this.createPull(body)];
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) return [200, await this.pullJSON(this.pull(m[1] as string))];
    if (method === 'PUT' && (m = /^\/pulls\/(\d+)\/merge$/.exec(rest))) return [200, await this.mergeRoute(this.pull(m[1] as string), body)];
    if (method === 'POST' && (m = /^\/issues\/(\d+)\/labels$/.exec(rest))) {
      const pull = this.pull(m[1] as string);
      for (const label of (body['labels'] as string[]) ?? []) if (!pull.labels.includes(label)) pull.labels.push(label);
      return [200, pull.labels.map((name) => ({ name }))];
    }
    if (method === 'GET' && (m = /^\/branches\/(.+)$/.exec(rest))) return [200, await this.branchJSON(decodeURIComponent(m[1] as string))];
    if (method === 'GET' && (m = /^\/git\/ref\/(.+)$/.exec(rest))) return [200, await this.refJSON(decodeURIComponent(m[1] as string))];
    if (method === 'POST' && rest === '/git/refs') return [201, await this.createRef(body)];
    if (method === 'PATCH' && (m = /^\/git\/refs\/(.+)$/.exec(rest))) return [200, await this.updateRef(decodeURIComponent(m[1] as string), body)];
    if (method === 'DELETE' && (m = /^\/git\/refs\/(.+)$/.exec(rest))) {
      const ref = `refs/${decodeURIComponent(m[1] as string)}`;
      if (!(await this.refSha(ref))) throw new HttpError(422, { message: 'Reference does not exist' });
      await this.git(['update-ref', '-d', ref]);
      return [204, undefined];
    }
    if (method === 'GET' && (m = /^\/compare\/(.+)$/.exec(rest))) return [200, await this.compare(decodeURIComponent(m[1] as string))];
    if (method === 'POST' && rest === '/git/commits') return [201, await this.createCommit(body)];
    throw new HttpError(404, { message: 'Not Found' });
  }

  private pull(number: string): Pull {
    const pull = this.pulls.get(Number(number));
    if (!pull) throw new HttpError(404, { message: 'Not Found' });
    return pull;
  }

  private async refreshHead(pull: Pull): Promise<void> {
    if (pull.state !== 'open') return;
    const head = await this.branchHead(pull.head);
    if (head) pull.headSha = head;
  }

  private async mergeableState(pull: Pull): Promise<string> {
    if (pull.mergeableState) return pull.mergeableState;
    if (pull.draft) return 'draft';
    const base = await this.branchHead(pull.base);
    if (!base) return 'unknown';
    const result = await run(['merge-tree', '--write-tree', base, pull.headSha], { cwd: this.bareDir, allowFailure: true });
    return result.code === 0 ? 'clean' : 'dirty';
  }

  private async pullJSON(pull: Pull): Promise<Record<string, unknown>> {
    await this.refreshHead(pull);
    const open = pull.state === 'open';
    const state = open ? await this.mergeableState(pull) : 'unknown';
    return {
      number: pull.number,
      html_url: `${this.url}/${this.owner}/${this.repo}/pull/${pull.number}`,
      url: `${this.apiUrl}/repos/${this.owner}/${this.repo}/pulls/${pull.number}`,
      state: pull.state,
      title: pull.title,
      body: pull.body,
      draft: pull.draft,
      created_at: pull.createdAt,
      merged_at: pull.mergedAt,
      merged: pull.mergedAt !== null,
      merge_commit_sha: pull.mergeCommitSha,
      mergeable: open ? state !== 'dirty' && state !== 'unknown' && state !== 'draft' : null,
      mergeable_state: state,
      labels: pull.labels.map((name) => ({ name })),
      head: { ref: pull.head, sha: pull.headSha, label: `${this.owner}:${pull.head}` },
      base: { ref: pull.base, sha: (await this.branchHead(pull.base)) ?? '', label: `${this.owner}:${pull.base}` }
    };
  }

  private async listPulls(query: URLSearchParams): Promise<unknown[]> {
    const state = query.get('state') ?? 'open';
    const head = query.get('head');
    const base = query.get('base');
    const out: unknown[] = [];
    for (const pull of [...this.pulls.values()].sort((a, b) => b.number - a.number)) {
      if (state !== 'all' && pull.state !== state) continue;
      if (head && `${this.owner}:${pull.head}` !== head) continue;
      if (base && pull.base !== base) continue;
      out.push(await this.pullJSON(pull));
    }
    return out;
  }

  private async createPull(body: Record<string, unknown>): Promise<unknown> {
    const head = String(body['head'] ?? '');
    const base = String(body['base'] ?? '');
    const headSha = await this.branchHead(head);
    if (!(await this.branchHead(base))) throw validationFailed('', 'base');
    if (!headSha) throw validationFailed('', 'head');
    const duplicate = [...this.pulls.values()].find((p) => p.state === 'open' && p.head === head && p.base === base);
    if (duplicate) throw validationFailed(`A pull request already exists for ${this.owner}:${head}.`);
    const ahead = await this.git(['rev-list', '--count', `refs/heads/${base}..refs/heads/${head}`]);
    if (ahead === '0') throw validationFailed(`No commits between ${base} and ${head}`);
    const pull = await this.addPull(head, base, {
      title: String(body['title'] ?? ''),
      body: String(body['body'] ?? ''),
      draft: body['draft'] === true
    });
    return this.pullJSON(pull);
  }

  private async mergeRoute(pull: Pull, body: Record<string, unknown>): Promise<unknown> {
    const method = (body?.['merge_method'] as string | undefined) ?? 'merge';
    if (!['merge', 'squash', 'rebase'].includes(method)) {
      throw new HttpError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'merge_method', code: 'invalid' }] });
    }
    if (pull.state !== 'open') throw new HttpError(405, { message: 'Pull Request is not mergeable' });
    if (this.disallowedMergeMethods.has(method)) {
      const what = method === 'squash' ? 'Squash merges' : method === 'rebase' ? 'Rebase merges' : 'Merge commits';
      throw new HttpError(405, { message: `${what} are not allowed on this repository.` });
    }
    const state = await this.mergeableState(pull);
    if (state === 'dirty' || state === 'draft') throw new HttpError(405, { message: 'Pull Request is not mergeable' });
    if (state === 'blocked') throw new HttpError(405, { message: 'At least 1 approving review is required by reviewers with write access.' });
    const sha = await this.merge(pull.number, method);
    return { sha, merged: true, message: 'Pull Request successfully merged' };
  }

  private async branchJSON(branch: string): Promise<unknown> {
    const sha = await this.branchHead(branch);
    if (!sha) throw new HttpError(404, { message: 'Branch not found' });
    return { name: branch, commit: await this.commitJSON(sha) };
  }

  private async commitJSON(sha: string): Promise<Record<string, unknown>> {
    const format = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x00');
    const out = await run(['show', '-s', `--format=${format}`, sha], { cwd: this.bareDir });
    const [commitSha, tree, parents, an, ae, ad, cn, ce, cd, ...message] = out.stdout.split('\0');
    return {
      sha: commitSha,
      commit: {
        message: message.join('\0').replace(/\n+$/, ''),
        tree: { sha: tree },
        author: { name: an, email: ae, date: ad },
        committer: { name: cn, email: ce, date: cd }
      },
      parents: (parents ?? '')
        .split(' ')
        .filter(Boolean)
        .map((p) => ({ sha: p }))
    };
  }

  private async refJSON(ref: string): Promise<unknown> {
    const sha = await this.refSha(`refs/${ref}`);
    if (!sha) throw new HttpError(404, { message: 'Not Found' });
    return { ref: `refs/${ref}`, object: { sha, type: 'commit' } };
  }

  private async createRef(body: Record<string, unknown>): Promise<unknown> {
    const ref = String(body['ref'] ?? '');
    const sha = String(body['sha'] ?? '');
    if (!ref.startsWith('refs/') || ref.split('/').length < 3) throw new HttpError(422, { message: 'Reference name is invalid' });
    if (await this.refSha(ref)) throw new HttpError(422, { message: 'Reference already exists' });
    if (!(await this.refSha(sha))) throw new HttpError(422, { message: 'Object does not exist' });
    await this.git(['update-ref', ref, sha]);
    return { ref, object: { sha, type: 'commit' } };
  }

  private async updateRef(ref: string, body: Record<string, unknown>): Promise<unknown> {
    const fullRef = `refs/${ref}`;
    const sha = String(body['sha'] ?? '');
    const old = await this.refSha(fullRef);
    if (!old) throw new HttpError(422, { message: 'Reference does not exist' });
    if (!(await this.refSha(sha))) throw new HttpError(422, { message: 'Object does not exist' });
    if (body['force'] !== true) {
      const ff = await run(['merge-base', '--is-ancestor', old, sha], { cwd: this.bareDir, allowFailure: true });
      if (ff.code !== 0) throw new HttpError(422, { message: 'Update is not a fast forward' });
    }
    await this.git(['update-ref', fullRef, sha, old]);
    return { ref: fullRef, object: { sha, type: 'commit' } };
  }

  private async compare(basehead: string): Promise<unknown> {
    const [base, head] = basehead.split('...') as [string, string];
    const baseSha = await this.refSha(base).then((s) => s ?? this.refSha(`refs/heads/${base}`));
    const headSha = await this.refSha(head).then((s) => s ?? this.refSha(`refs/heads/${head}`));
    if (!baseSha || !headSha) throw new HttpError(404, { message: 'Not Found' });
    const mergeBase = (await run(['merge-base', baseSha, headSha], { cwd: this.bareDir, allowFailure: true })).stdout.trim();
    const count = async (range: string): Promise<number> => Number(await this.git(['rev-list', '--count', range]));
    const ahead = await count(`${baseSha}..${headSha}`);
    const behind = await count(`${headSha}..${baseSha}`);
    const status = ahead === 0 && behind === 0 ? 'identical' : behind === 0 ? 'ahead' : ahead === 0 ? 'behind' : 'diverged';
    const shas = (await this.git(['rev-list', '--reverse', '--topo-order', `${baseSha}..${headSha}`])).split('\n').filter(Boolean);
    const commits = [];
    for (const sha of shas) commits.push(await this.commitJSON(sha));
    return {
      status,
      ahead_by: ahead,
      behind_by: behind,
      total_commits: ahead,
      base_commit: await this.commitJSON(baseSha),
      merge_base_commit: mergeBase ? await this.commitJSON(mergeBase) : null,
      commits
    };
  }

  private async createCommit(body: Record<string, unknown>): Promise<unknown> {
    const tree = String(body['tree'] ?? '');
    const parents = (body['parents'] as string[] | undefined) ?? [];
    const message = String(body['message'] ?? '');
    const author = body['author'] as { name: string; email: string } | undefined;
    const committer = (body['committer'] as { name: string; email: string } | undefined) ?? author;
    const typeOf = await run(['cat-file', '-t', tree], { cwd: this.bareDir, allowFailure: true });
    if (typeOf.stdout.trim() !== 'tree') throw new HttpError(422, { message: 'Tree SHA does not exist' });
    for (const parent of parents) {
      if (!(await this.refSha(parent))) throw new HttpError(422, { message: 'Parent SHA does not exist or is not a commit object' });
    }
    const who = author ?? { name: 'kargo-bot', email: 'kargo-bot@users.noreply.github.com' };
    const by = committer ?? SERVER_IDENTITY;
    const sha = (
      await run(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-F', '-'], {
        cwd: this.bareDir,
        input: message,
        env: {
          GIT_AUTHOR_NAME: who.name,
          GIT_AUTHOR_EMAIL: who.email,
          GIT_COMMITTER_NAME: by.name,
          GIT_COMMITTER_EMAIL: by.email
        }
      })
    ).stdout.trim();
    const verified = author === undefined && body['committer'] === undefined;
    this.createdCommits.push({ sha, message, parents, verified, ...(author ? { author } : {}) });
    return { sha, message, tree: { sha: tree }, parents: parents.map((p) => ({ sha: p })), verification: { verified } };
  }

  // ---- git smart HTTP -----------------------------------------------------------------------

  private async handleGit(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const expected = Buffer.from(`x-access-token:${this.token}`).toString('base64');
    const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    if (auth !== `Basic ${expected}` && basic.split(':').slice(1).join(':') !== this.token) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' }).end();
      return;
    }
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: tmpdir(),
        PATH_INFO: decodeURIComponent(url.pathname),
        REQUEST_METHOD: req.method ?? 'GET',
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: 'x-access-token',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {})
      }
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    await new Promise<void>((resolve) => {
      child.on('close', () => {
        if (!headersDone) res.writeHead(500);
        res.end();
        resolve();
      });
    });
  }
}

export function startGitHubServer(options?: Parameters<typeof GitHubServer.start>[0]): Promise<GitHubServer> {
  return GitHubServer.start(options);
}
