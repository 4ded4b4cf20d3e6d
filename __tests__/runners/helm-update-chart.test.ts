import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTerminal } from '../../src/promotion/errors.js';
import type { StepResult } from '../../src/promotion/types.js';
import { generateCommitMessage, helmUpdateChartRunner } from '../../src/runners/helm-update-chart.js';
import { makeStepContext, makeTempDir, runStep } from '../helpers/step-context.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'helm-update-chart');
const AUTH = `Basic ${Buffer.from('chart-bot:s3cr3t').toString('base64')}`;

let server: http.Server;
let base = '';
let repo = '';
let unreachable = '';
const archives = new Map<string, Buffer>();
const requests: Array<{ url: string; auth?: string }> = [];

/** A chart archive built by the system tar from a fixture chart, as a chart publisher would. */
function buildArchive(chart: string, version: string): Buffer {
  const dir = makeTempDir('helm-archive-');
  cpSync(path.join(FIXTURES, 'repo-src', chart), path.join(dir, chart), { recursive: true });
  const chartYaml = path.join(dir, chart, 'Chart.yaml');
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace('VERSION', version));
  execFileSync('tar', ['-czf', path.join(dir, 'out.tgz'), '-C', dir, chart]);
  const data = readFileSync(path.join(dir, 'out.tgz'));
  rmSync(dir, { recursive: true, force: true });
  return data;
}

function indexText(): string {
  return readFileSync(path.join(FIXTURES, 'index.yaml'), 'utf8').replace('BASE_URL', base);
}

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  requests.push({ url, auth: req.headers.authorization });
  const [, area, file] = /^\/([^/]+)\/(.+)$/.exec(url) ?? [];
  if (area === 'private' && req.headers.authorization !== AUTH) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end();
    return;
  }
  if (area === 'broken') {
    res.writeHead(500).end('boom');
    return;
  }
  if (area === 'empty' && file === 'index.yaml') {
    res.writeHead(200).end('');
    return;
  }
  if (file === 'index.yaml' && (area === 'charts' || area === 'private' || area === 'gone')) {
    res.writeHead(200, { 'Content-Type': 'application/yaml' }).end(indexText());
    return;
  }
  const archive = area === 'gone' ? undefined : archives.get(file ?? '');
  if (archive) {
    res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(archive);
    return;
  }
  res.writeHead(404).end('not found');
}

beforeAll(async () => {
  for (const version of ['0.1.0', '0.2.0', '1.0.0', '1.1.0-rc.1']) {
    archives.set(`examplechart-${version}.tgz`, buildArchive('examplechart', version));
  }
  archives.set('otherchart-2.0.0.tgz', buildArchive('otherchart', '2.0.0'));
  server = http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  repo = `${base}/charts`;
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/charts`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** Every file under dir with its bytes (to prove a failed run changed nothing). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, entry.name);
      const rel = path.relative(dir, abs);
      if (entry.isSymbolicLink()) {
        out[rel] = `-> ${readlinkSync(abs)}`;
      } else if (entry.isDirectory()) {
        out[`${rel}/`] = '';
        walk(abs);
      } else {
        out[rel] = readFileSync(abs).toString('base64');
      }
    }
  };
  walk(dir);
  return out;
}

function writeChart(workDir: string, rel: string, chartYaml: string, extra: Record<string, string | Buffer> = {}): string {
  const dir = path.join(workDir, rel);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), chartYaml);
  for (const [name, data] of Object.entries(extra)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  }
  return dir;
}

function simpleChart(version: string, repository = repo, name = 'examplechart'): string {
  return `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: ${name}\n  version: ${version}\n  repository: ${repository}\n`;
}

function lockFor(deps: Array<[string, string, string]>, digest: string, generated: string): string {
  const lines = ['dependencies:'];
  for (const [name, repository, version] of deps) lines.push(`- name: ${name}`, `  repository: ${repository}`, `  version: ${version}`);
  lines.push(`digest: ${digest}`, `generated: "${generated}"`);
  return `${lines.join('\n')}\n`;
}

const GENERATED = /^generated: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z"$/m;

function errorOf(result: StepResult): string {
  return (result.error as Error).message;
}

describe('helm-update-chart config validation', () => {
  it.each([
    ['path is not specified', {}, "must have required property 'path'"],
    ['path is empty', { path: '' }, 'path: must NOT have fewer than 1 characters'],
    ['charts is empty', { path: 'c', charts: [] }, 'charts: must NOT have fewer than 1 items'],
    ['repository not specified', { path: 'c', charts: [{ name: 'a', version: '1' }] }, "must have required property 'repository'"],
    ['repository is empty', { path: 'c', charts: [{ repository: '', name: 'a', version: '1' }] }, 'charts[0].repository: must NOT have fewer than 1 characters'],
    ['name not specified', { path: 'c', charts: [{ repository: 'r', version: '1' }] }, "must have required property 'name'"],
    ['name is empty', { path: 'c', charts: [{ repository: 'r', name: '', version: '1' }] }, 'charts[0].name: must NOT have fewer than 1 characters'],
    ['version not specified', { path: 'c', charts: [{ repository: 'r', name: 'a' }] }, "must have required property 'version'"],
    ['version is empty', { path: 'c', charts: [{ repository: 'r', name: 'a', version: '' }] }, 'charts[0].version: must NOT have fewer than 1 characters'],
    ['unknown field', { path: 'c', chart: [] }, "chart: unknown field 'chart'"],
    ['unknown chart field', { path: 'c', charts: [{ repository: 'r', name: 'a', version: '1', alias: 'x' }] }, "charts[0].alias: unknown field 'alias'"]
  ])('%s: Failed and terminal', async (_name, config, problem) => {
    const result = await runStep(helmUpdateChartRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect(errorOf(result)).toMatch(/^invalid helm-update-chart config: /);
    expect(errorOf(result)).toContain(problem);
  });

  it.each([
    ['charts is null (only path)', { path: 'chart' }],
    ['kitchen sink', { path: 'chart', charts: [{ repository: 'https://x', name: 'a', version: '^1.0.0' }] }]
  ])('%s: passes validation', async (_name, config) => {
    const workDir = makeTempDir();
    writeChart(workDir, 'chart', 'apiVersion: v2\nname: app\nversion: 0.1.0\n');
    const result = await runStep(helmUpdateChartRunner, config, { workDir });
    expect(errorOf({ status: 'Errored', error: result.error ?? new Error('') })).not.toMatch(/invalid helm-update-chart config/);
  });
});

describe('generateCommitMessage', () => {
  it.each([
    ['empty changes', new Map<string, string>(), ''],
    ['single update', new Map([['chart1', '1.0.0 -> 1.1.0']]), 'Updated chart dependencies for charts/mychart\n\n- chart1: 1.0.0 -> 1.1.0'],
    [
      'updates and removals, sorted by name',
      new Map([['chart3', '3.0.0 -> 3.1.0'], ['chart2', ''], ['chart1', '1.0.0 -> 1.1.0']]),
      'Updated chart dependencies for charts/mychart\n\n- chart1: 1.0.0 -> 1.1.0\n- chart2: removed\n- chart3: 3.0.0 -> 3.1.0'
    ],
    ['new additions', new Map([['chart1', '1.0.0']]), 'Updated chart dependencies for charts/mychart\n\n- chart1: 1.0.0']
  ])('%s', (_name, changes, expected) => {
    expect(generateCommitMessage('charts/mychart', changes)).toBe(expected);
  });
});

describe('helm-update-chart run', () => {
  it('updates a dependency from an HTTP repository: exact Chart.yaml bytes, Chart.lock and charts/', async () => {
    const workDir = makeTempDir();
    const original = readFileSync(path.join(FIXTURES, 'umbrella', 'Chart.yaml'), 'utf8').replaceAll('REPO_URL', repo);
    const chartDir = writeChart(workDir, 'guestbook', original);
    const result = await runStep(helmUpdateChartRunner, {
      path: 'guestbook',
      charts: [{ repository: repo, name: 'examplechart', version: '0.2.0' }]
    }, { workDir });
    expect(result.error).toBeUndefined();
    expect(result).toEqual({
      status: 'Succeeded',
      output: { commitMessage: 'Updated chart dependencies for guestbook\n\n- examplechart: 0.2.0\n- otherchart: 2.0.0' }
    });
    // Only the version scalar changed; the comment after it and everything else survive.
    expect(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')).toBe(
      original.replace('    version: 0.1.0   # pinned', '    version: 0.2.0   # pinned')
    );
    const req = `[{"name":"examplechart","version":"0.2.0","repository":"${repo}","condition":"examplechart.enabled"},{"name":"otherchart","version":"2.0.0","repository":"${repo}"}]`;
    const locked = `[{"name":"examplechart","version":"0.2.0","repository":"${repo}"},{"name":"otherchart","version":"2.0.0","repository":"${repo}"}]`;
    const lock = readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8');
    expect(lock).toMatch(GENERATED);
    expect(lock.replace(GENERATED, 'generated: "T"')).toBe(
      lockFor([['examplechart', repo, '0.2.0'], ['otherchart', repo, '2.0.0']], sha256(`[${req},${locked}]`), 'T')
    );
    expect(readdirSync(path.join(chartDir, 'charts')).sort()).toEqual(['examplechart-0.2.0.tgz', 'otherchart-2.0.0.tgz']);
    expect(readFileSync(path.join(chartDir, 'charts', 'examplechart-0.2.0.tgz'))).toEqual(archives.get('examplechart-0.2.0.tgz'));
    // otherchart's index entry has an absolute URL: it is fetched from there.
    expect(requests.map((r) => r.url)).toContain('/archives/otherchart-2.0.0.tgz');
    expect(readdirSync(chartDir).sort()).toEqual(['Chart.lock', 'Chart.yaml', 'charts']);
  });

  it.each([
    ['a range in Chart.yaml picks the highest release that satisfies it', '">=0.1.0 <1.0.0"', undefined, '0.2.0'],
    ['a caret range', '^0.1.0', undefined, '0.1.0'],
    ['a comma-separated range (Helm syntax)', '">= 0.1.0, < 2"', undefined, '1.0.0'],
    ['a wildcard skips prereleases and entries without URLs', '"*"', undefined, '1.0.0'],
    ['a prerelease range admits prereleases', '">=1.1.0-0"', undefined, '1.1.0-rc.1'],
    ['a range set through the config is quoted in Chart.yaml', '0.1.0', '>=0.2.0 <1.0.0', '0.2.0']
  ])('%s', async (_name, inChart, fromConfig, resolved) => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart(inChart));
    const config: Record<string, unknown> = { path: 'app' };
    if (fromConfig) config.charts = [{ repository: repo, name: 'examplechart', version: fromConfig }];
    const result = await runStep(helmUpdateChartRunner, config, { workDir });
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ commitMessage: `Updated chart dependencies for app\n\n- examplechart: ${resolved}` });
    const expectedYaml = fromConfig ? simpleChart(`"${fromConfig}"`) : simpleChart(inChart);
    expect(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8')).toBe(expectedYaml);
    const lock = readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8');
    expect(lock).toContain(`- name: examplechart\n  repository: ${repo}\n  version: ${resolved}\n`);
    expect(readdirSync(path.join(chartDir, 'charts'))).toEqual([`examplechart-${resolved}.tgz`]);
  });

  it('a second run changes nothing: no output, Chart.lock (and its timestamp) kept byte for byte', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart('0.1.0'));
    const config = { path: 'app', charts: [{ repository: repo, name: 'examplechart', version: '0.2.0' }] };
    expect((await runStep(helmUpdateChartRunner, config, { workDir })).status).toBe('Succeeded');
    const before = snapshot(chartDir);
    const again = await runStep(helmUpdateChartRunner, config, { workDir });
    expect(again).toEqual({ status: 'Succeeded' });
    expect(snapshot(chartDir)).toEqual(before);
  });

  it('moves from the locked version: old archive removed, unrelated files in charts/ kept', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart('0.1.0'), {
      'charts/examplechart-0.1.0.tgz': archives.get('examplechart-0.1.0.tgz') as Buffer,
      'charts/README.md': 'vendored charts\n',
      'charts/inline/Chart.yaml': 'apiVersion: v2\nname: inline\nversion: 1.0.0\n'
    });
    const req = `[{"name":"examplechart","version":"0.1.0","repository":"${repo}"}]`;
    writeFileSync(path.join(chartDir, 'Chart.lock'), lockFor([['examplechart', repo, '0.1.0']], sha256(`[${req},${req}]`), '2026-01-01T00:00:00Z'));
    const result = await runStep(helmUpdateChartRunner, {
      path: 'app',
      charts: [{ repository: repo, name: 'examplechart', version: '0.2.0' }]
    }, { workDir });
    expect(result.output).toEqual({ commitMessage: 'Updated chart dependencies for app\n\n- examplechart: 0.1.0 -> 0.2.0' });
    expect(readdirSync(path.join(chartDir, 'charts')).sort()).toEqual(['README.md', 'examplechart-0.2.0.tgz', 'inline']);
    expect(readFileSync(path.join(chartDir, 'charts', 'inline', 'Chart.yaml'), 'utf8')).toContain('name: inline');
  });

  it('reports a dependency dropped from Chart.yaml as removed', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart('0.1.0'));
    writeFileSync(path.join(chartDir, 'Chart.lock'), lockFor([['examplechart', repo, '0.1.0'], ['legacy', repo, '9.9.9']], 'sha256:old', '2026-01-01T00:00:00Z'));
    const result = await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir });
    expect(result.output).toEqual({ commitMessage: 'Updated chart dependencies for app\n\n- legacy: removed' });
  });

  it('recomputes the digest when the requirement changes but the locked version does not (no commit message)', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart('0.1.0'));
    const oldReq = `[{"name":"examplechart","version":"0.1.0","repository":"${repo}"}]`;
    writeFileSync(path.join(chartDir, 'Chart.lock'), lockFor([['examplechart', repo, '0.1.0']], sha256(`[${oldReq},${oldReq}]`), '2026-01-01T00:00:00Z'));
    const result = await runStep(helmUpdateChartRunner, {
      path: 'app',
      charts: [{ repository: repo, name: 'examplechart', version: '~0.1.0' }]
    }, { workDir });
    expect(result).toEqual({ status: 'Succeeded' });
    const newReq = `[{"name":"examplechart","version":"~0.1.0","repository":"${repo}"}]`;
    const lock = readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8');
    expect(lock).toContain(`digest: ${sha256(`[${newReq},${oldReq}]`)}\n`);
    expect(lock).not.toContain('2026-01-01T00:00:00Z');
  });

  it('Go-escapes <, > and & in the digest input, as Helm does', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart("'>=0.2.0 <1.0.0'"));
    await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir });
    const req = `[{"name":"examplechart","version":"\\u003e=0.2.0 \\u003c1.0.0","repository":"${repo}"}]`;
    const locked = `[{"name":"examplechart","version":"0.2.0","repository":"${repo}"}]`;
    expect(readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8')).toContain(`digest: ${sha256(`[${req},${locked}]`)}\n`);
  });

  it('packages a file:// dependency into charts/<name>-<version>.tgz, honouring .helmignore', async () => {
    const workDir = makeTempDir();
    cpSync(path.join(FIXTURES, 'localchart'), path.join(workDir, 'localchart'), { recursive: true });
    const chartDir = writeChart(workDir, 'app', simpleChart('^0.3.0', 'file://../localchart', 'localchart'));
    const result = await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir });
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ commitMessage: 'Updated chart dependencies for app\n\n- localchart: 0.3.1' });
    const archive = path.join(chartDir, 'charts', 'localchart-0.3.1.tgz');
    const listing = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toEqual([
      'localchart/.helmignore',
      'localchart/Chart.yaml',
      'localchart/templates/deployment.yaml',
      'localchart/values.yaml'
    ]);
    const extracted = makeTempDir();
    execFileSync('tar', ['-xzf', archive, '-C', extracted]);
    expect(readFileSync(path.join(extracted, 'localchart', 'Chart.yaml'), 'utf8')).toBe(
      readFileSync(path.join(FIXTURES, 'localchart', 'Chart.yaml'), 'utf8')
    );
    expect(readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8')).toContain(
      '- name: localchart\n  repository: file://../localchart\n  version: 0.3.1\n'
    );
    // Packaging is reproducible: a second run leaves the archive byte for byte.
    const bytes = readFileSync(archive);
    expect(await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir })).toEqual({ status: 'Succeeded' });
    expect(readFileSync(archive)).toEqual(bytes);
  });

  it('accepts a repository-less dependency that lives in charts/', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', 'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: inline\n  version: 1.x\n', {
      'charts/inline/Chart.yaml': 'apiVersion: v2\nname: inline\nversion: 1.2.0\n'
    });
    const result = await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir });
    expect(result.output).toEqual({ commitMessage: 'Updated chart dependencies for app\n\n- inline: 1.x' });
    expect(readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8')).toContain('- name: inline\n  repository: ""\n  version: 1.x\n');
  });

  it('clamps path inside the WorkDir', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', simpleChart('0.1.0'));
    const result = await runStep(helmUpdateChartRunner, { path: '../../app' }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(existsSync(path.join(chartDir, 'Chart.lock'))).toBe(true);
  });

  it('writes through a Chart.yaml symlink that stays inside the WorkDir', async () => {
    const workDir = makeTempDir();
    writeChart(workDir, 'shared', simpleChart('0.1.0'));
    const chartDir = path.join(workDir, 'app');
    mkdirSync(chartDir);
    symlinkSync('../shared/Chart.yaml', path.join(chartDir, 'Chart.yaml'));
    const result = await runStep(helmUpdateChartRunner, {
      path: 'app',
      charts: [{ repository: repo, name: 'examplechart', version: '0.2.0' }]
    }, { workDir });
    expect(result.status).toBe('Succeeded');
    expect(readlinkSync(path.join(chartDir, 'Chart.yaml'))).toBe('../shared/Chart.yaml');
    expect(readFileSync(path.join(workDir, 'shared', 'Chart.yaml'), 'utf8')).toBe(simpleChart('0.2.0'));
  });

  it('a cancelled step fetches nothing and changes nothing', async () => {
    const workDir = makeTempDir();
    writeChart(workDir, 'app', simpleChart('0.1.0'));
    const before = snapshot(workDir);
    const result = await runStep(helmUpdateChartRunner, {
      path: 'app',
      charts: [{ repository: repo, name: 'examplechart', version: '0.2.0' }]
    }, { workDir, signal: AbortSignal.abort() });
    expect(result.status).toBe('Errored');
    expect(requests).toEqual([]);
    expect(snapshot(workDir)).toEqual(before);
  });

  it('does nothing for a chart without dependencies', async () => {
    const workDir = makeTempDir();
    const chartDir = writeChart(workDir, 'app', 'apiVersion: v2\nname: app\nversion: 0.1.0\n');
    expect(await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir })).toEqual({ status: 'Succeeded' });
    expect(readdirSync(chartDir)).toEqual(['Chart.yaml']);
  });
});

describe('helm-update-chart credentials', () => {
  const secrets = (url: string) => ({ charts: { type: 'helm', repoURL: url, username: 'chart-bot', password: 's3cr3t' } });

  it('sends basic auth from the secrets to the repository for the index and the archive', async () => {
    const workDir = makeTempDir();
    const privateRepo = `${base}/private`;
    writeChart(workDir, 'app', simpleChart('0.1.0', privateRepo));
    const masked: string[] = [];
    const ctx = makeStepContext({ workDir });
    const result = await runStep(helmUpdateChartRunner, { path: 'app' }, {
      workDir,
      capabilities: { ...ctx.capabilities, secrets: secrets(privateRepo), mask: (v) => masked.push(v) }
    });
    expect(result.error).toBeUndefined();
    expect(requests).toEqual([
      { url: '/private/index.yaml', auth: AUTH },
      { url: '/private/examplechart-0.1.0.tgz', auth: AUTH }
    ]);
    expect(masked).toContain('s3cr3t');
  });

  it('without credentials the private repository answers 401: Errored, retryable', async () => {
    const workDir = makeTempDir();
    writeChart(workDir, 'app', simpleChart('0.1.0', `${base}/private`));
    const result = await runStep(helmUpdateChartRunner, { path: 'app' }, { workDir });
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(false);
    expect(errorOf(result)).toContain('401');
    expect(requests.every((r) => r.auth === undefined)).toBe(true);
  });

  it('does not send credentials for a different repository', async () => {
    const workDir = makeTempDir();
    writeChart(workDir, 'app', simpleChart('0.1.0'));
    const ctx = makeStepContext({ workDir });
    await runStep(helmUpdateChartRunner, { path: 'app' }, {
      workDir,
      capabilities: { ...ctx.capabilities, secrets: secrets(`${base}/private`) }
    });
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((r) => r.auth === undefined)).toBe(true);
  });
});

describe('helm-update-chart errors (nothing in the WorkDir changes)', () => {
  interface ErrorCase {
    chartYaml?: string;
    setup?: (workDir: string, chartDir: string) => void;
    charts?: Array<{ repository: string; name: string; version: string }>;
    path?: string;
    terminal: boolean;
    message: string | RegExp;
  }

  const cases: Array<[string, () => ErrorCase]> = [
    ['missing Chart.yaml', () => ({ path: 'nowhere', terminal: true, message: 'no Chart.yaml found at "nowhere/Chart.yaml": path must name the chart directory' })],
    ['Chart.yaml that is not YAML', () => ({ chartYaml: 'apiVersion: v2\nname: [oops\n', terminal: true, message: 'app/Chart.yaml is not valid YAML' })],
    ['Chart.yaml without a version', () => ({ chartYaml: 'apiVersion: v2\nname: app\n', terminal: true, message: 'app/Chart.yaml: version is required' })],
    ['a dependency version that is not a string', () => ({ chartYaml: simpleChart('1.0'), terminal: true, message: 'dependencies[0].version must be a string, got 1 (quote it in the YAML)' })],
    ['unknown dependency', () => ({
      chartYaml: simpleChart('0.1.0'),
      charts: [{ repository: repo, name: 'nosuchchart', version: '1.0.0' }],
      terminal: true,
      message: `no dependency in Chart.yaml matches update with repository "${repo}" and name "nosuchchart"; the chart's dependencies are: examplechart (${repo})`
    })],
    ['known name but another repository', () => ({
      chartYaml: simpleChart('0.1.0'),
      charts: [{ repository: 'https://elsewhere.example.com', name: 'examplechart', version: '1.0.0' }],
      terminal: true,
      message: 'no dependency in Chart.yaml matches update with repository "https://elsewhere.example.com" and name "examplechart"'
    })],
    ['version not found in the index', () => ({
      chartYaml: simpleChart('0.1.0'),
      charts: [{ repository: repo, name: 'examplechart', version: '9.9.9' }],
      terminal: false,
      message: `can't get a valid version for 1 subchart(s): "examplechart" (repository "${repo}", version "9.9.9"). Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml`
    })],
    ['a version listed without download URLs', () => ({ chartYaml: simpleChart('0.3.0'), terminal: false, message: "can't get a valid version for 1 subchart(s)" })],
    ['chart not in the index', () => ({ chartYaml: simpleChart('1.0.0', repo, 'missingchart'), terminal: false, message: `missingchart chart not found in repo ${repo}` })],
    ['repository unreachable', () => ({ chartYaml: simpleChart('0.1.0', unreachable), terminal: false, message: `download repository index for "${unreachable}": looks like "${unreachable}" is not a valid chart repository or cannot be reached: failed to fetch ${unreachable}/index.yaml` })],
    ['repository answers 500', () => ({ chartYaml: simpleChart('0.1.0', `${base}/broken`), terminal: false, message: `failed to fetch ${base}/broken/index.yaml : 500 Internal Server Error` })],
    ['repository serves an empty index', () => ({ chartYaml: simpleChart('0.1.0', `${base}/empty`), terminal: false, message: 'empty index.yaml file' })],
    ['archive missing after the index resolved', () => ({ chartYaml: simpleChart('0.1.0', `${base}/gone`), terminal: false, message: `could not download ${base}/gone/examplechart-0.1.0.tgz: failed to fetch ${base}/gone/examplechart-0.1.0.tgz : 404 Not Found` })],
    ['bad semver range in the config', () => ({
      chartYaml: simpleChart('0.1.0'),
      charts: [{ repository: repo, name: 'examplechart', version: '>=banana' }],
      terminal: true,
      message: 'dependency "examplechart" has an invalid version/constraint format ">=banana": improper constraint: ">=banana"'
    })],
    ['dependency without a version', () => ({ chartYaml: `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: examplechart\n  repository: ${repo}\n`, terminal: true, message: 'dependency "examplechart" has an invalid version/constraint format ""' })],
    ['absolute file:// dependency', () => ({ chartYaml: simpleChart('0.1.0', 'file:///etc/chart', 'localchart'), terminal: true, message: 'invalid dependency "file:///etc/chart": dependency path "/etc/chart" must be relative to the chart directory' })],
    ['file:// dependency outside the WorkDir', () => ({
      chartYaml: simpleChart('0.1.0', 'file://../../outside', 'localchart'),
      setup: (workDir) => mkdirSync(path.join(workDir, '..', 'outside'), { recursive: true }),
      terminal: true,
      message: 'invalid dependency "file://../../outside": dependency path is outside the work directory'
    })],
    ['file:// dependency through a symlink leaving the WorkDir', () => ({
      chartYaml: simpleChart('0.1.0', 'file://../linked', 'localchart'),
      setup: (workDir) => symlinkSync(path.join(FIXTURES, 'localchart'), path.join(workDir, 'linked')),
      terminal: true,
      message: 'invalid dependency "file://../linked": dependency path is outside the work directory'
    })],
    ['file:// dependency with a symlinked file leaving the WorkDir', () => ({
      chartYaml: simpleChart('0.3.1', 'file://../localchart', 'localchart'),
      setup: (workDir) => {
        cpSync(path.join(FIXTURES, 'localchart'), path.join(workDir, 'localchart'), { recursive: true });
        symlinkSync('/etc/hostname', path.join(workDir, 'localchart', 'leak.txt'));
      },
      terminal: true,
      message: 'localchart/leak.txt is a symlink that points outside the work directory'
    })],
    ['file:// dependency whose version misses the constraint', () => ({
      chartYaml: simpleChart('^1.0.0', 'file://../localchart', 'localchart'),
      setup: (workDir) => cpSync(path.join(FIXTURES, 'localchart'), path.join(workDir, 'localchart'), { recursive: true }),
      terminal: false,
      message: `can't get a valid version for 1 subchart(s): "localchart" (repository "file://../localchart", version "^1.0.0")`
    })],
    ['missing file:// directory', () => ({ chartYaml: simpleChart('0.1.0', 'file://../nope', 'nope'), terminal: true, message: 'invalid dependency "file://../nope": directory "nope" not found' })],
    ['OCI dependency without the helm binary', () => ({
      chartYaml: simpleChart('1.0.0', 'oci://registry.example.com/charts', 'ocichart'),
      terminal: true,
      message: 'dependency "ocichart" comes from OCI registry "oci://registry.example.com/charts": the helm binary was not found on PATH; install Helm 3.8 or later before this step'
    })],
    ['repository alias', () => ({ chartYaml: simpleChart('0.1.0', '"@stable"'), terminal: true, message: 'no repository definition for @stable' })],
    ['repository that is not a URL', () => ({ chartYaml: simpleChart('0.1.0', 'stable'), terminal: true, message: 'repository "stable", which is not supported' })],
    ['charts is a file', () => ({ chartYaml: simpleChart('0.1.0'), setup: (_w, chartDir) => writeFileSync(path.join(chartDir, 'charts'), 'x'), terminal: true, message: '"app/charts" is not a directory' })],
    ['Chart.lock is a symlink', () => ({
      chartYaml: simpleChart('0.1.0'),
      setup: (_w, chartDir) => {
        writeFileSync(path.join(chartDir, 'real.lock'), 'dependencies: []\n');
        symlinkSync('real.lock', path.join(chartDir, 'Chart.lock'));
      },
      terminal: true,
      message: 'the Chart.lock file "app/Chart.lock" is a symlink'
    })],
    ['duplicate dependency names', () => ({
      chartYaml: `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- {name: a, version: 1.0.0, repository: "${repo}"}\n- {name: a, version: 2.0.0, repository: "${repo}"}\n`,
      terminal: true,
      message: 'more than one dependency with name or alias "a"'
    })]
  ];

  it.each(cases)('%s', async (_name, make) => {
    const c = make();
    const workDir = makeTempDir();
    const chartDir = path.join(workDir, 'app');
    mkdirSync(chartDir, { recursive: true });
    if (c.chartYaml !== undefined) writeFileSync(path.join(chartDir, 'Chart.yaml'), c.chartYaml);
    c.setup?.(workDir, chartDir);
    const before = snapshot(workDir);
    const config: Record<string, unknown> = { path: c.path ?? 'app' };
    if (c.charts) config.charts = c.charts;
    const savedPath = process.env.PATH;
    process.env.PATH = makeTempDir('empty-path-'); // no helm, whatever this machine has installed
    let result: StepResult;
    try {
      result = await runStep(helmUpdateChartRunner, config, { workDir });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(result.status).toBe('Errored');
    expect(isTerminal(result.error)).toBe(c.terminal);
    if (typeof c.message === 'string') expect(errorOf(result)).toContain(c.message);
    else expect(errorOf(result)).toMatch(c.message);
    expect(snapshot(workDir)).toEqual(before);
  });

  it('a failed download leaves Chart.yaml, Chart.lock and charts/ untouched even when other archives arrived', async () => {
    const workDir = makeTempDir();
    const chartYaml = `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: otherchart\n  version: 2.0.0\n  repository: ${repo}\n- name: examplechart\n  version: 0.1.0\n  repository: ${base}/gone\n`;
    const chartDir = writeChart(workDir, 'app', chartYaml, { 'charts/keep.txt': 'x' });
    const before = snapshot(workDir);
    const result = await runStep(helmUpdateChartRunner, {
      path: 'app',
      charts: [{ repository: `${base}/gone`, name: 'examplechart', version: '0.2.0' }]
    }, { workDir });
    expect(result.status).toBe('Errored');
    expect(requests.map((r) => r.url)).toContain('/archives/otherchart-2.0.0.tgz');
    expect(snapshot(workDir)).toEqual(before);
    expect(readdirSync(chartDir).sort()).toEqual(['Chart.yaml', 'charts']);
  });
});

describe('helm-update-chart with OCI dependencies (helm binary)', () => {
  it('pulls through helm with an isolated home and the password on stdin', async () => {
    const workDir = makeTempDir();
    const bin = makeTempDir('fake-helm-');
    const record = path.join(bin, 'calls.jsonl');
    const archive = path.join(bin, 'ocichart-1.2.3.tgz');
    const ociArchive = buildArchive('examplechart', '1.2.3');
    writeFileSync(archive, ociArchive);
    // A stand-in for helm that records its calls and "pulls" a prepared archive.
    writeFileSync(
      path.join(bin, 'helm'),
      `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const stdin = args.includes('--password-stdin') ? fs.readFileSync(0, 'utf8') : '';
fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify({ args, stdin, registryConfig: process.env.HELM_REGISTRY_CONFIG }) + '\\n');
if (args[0] === 'pull') fs.copyFileSync(${JSON.stringify(archive)}, require('node:path').join(args[args.indexOf('--destination') + 1], 'examplechart-1.2.3.tgz'));
`
    );
    chmodSync(path.join(bin, 'helm'), 0o755);
    const chartDir = writeChart(workDir, 'app', simpleChart('1.0.0', 'oci://127.0.0.1:5000/charts'));
    const ctx = makeStepContext({ workDir });
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    let result: StepResult;
    try {
      result = await runStep(helmUpdateChartRunner, {
        path: 'app',
        charts: [{ repository: 'oci://127.0.0.1:5000/charts', name: 'examplechart', version: '^1.2.0' }]
      }, {
        workDir,
        capabilities: {
          ...ctx.capabilities,
          secrets: { reg: { type: 'helm', repoURL: 'oci://127.0.0.1:5000/charts/examplechart', username: 'robot', password: 'pa55' } }
        }
      });
    } finally {
      process.env.PATH = savedPath;
    }
    expect(result.error).toBeUndefined();
    expect(result.output).toEqual({ commitMessage: 'Updated chart dependencies for app\n\n- examplechart: 1.2.3' });
    const calls = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; stdin: string; registryConfig: string });
    expect(calls.map((c) => c.args[0])).toEqual(['registry', 'pull']);
    expect(calls[0]!.args).toEqual(['registry', 'login', '127.0.0.1:5000', '--username', 'robot', '--password-stdin']);
    expect(calls[0]!.stdin).toBe('pa55');
    expect(calls[1]!.args.slice(0, 2)).toEqual(['pull', 'oci://127.0.0.1:5000/charts/examplechart']);
    expect(calls[1]!.args.slice(-2)).toEqual(['--version', '^1.2.0']);
    expect(calls.every((c) => !c.args.join(' ').includes('pa55'))).toBe(true);
    expect(calls[0]!.registryConfig).not.toContain(process.env.HOME ?? '/nonexistent-home');
    expect(readFileSync(path.join(chartDir, 'charts', 'examplechart-1.2.3.tgz'))).toEqual(ociArchive);
    expect(readFileSync(path.join(chartDir, 'Chart.lock'), 'utf8')).toContain(
      '- name: examplechart\n  repository: oci://127.0.0.1:5000/charts\n  version: 1.2.3\n'
    );
    expect(statSync(path.join(chartDir, 'Chart.yaml')).isFile()).toBe(true);
  });
});
