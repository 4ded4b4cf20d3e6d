import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildDependencies,
  chartDownloadURL,
  formatChartLock,
  formatGenerated,
  hashRequirements,
  HelmDependencyError,
  indexURL,
  parseChartMetadata,
  parseConstraint,
  parseRepositoryIndex,
  parseVersion,
  readChartArchive,
  setDependencyVersions,
  updateDependencies
} from '../../src/helm/index.js';
import { makeTempDir } from '../helpers/step-context.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'helm-update-chart');

describe('SemVer constraints with Helm (Masterminds) semantics', () => {
  it.each([
    ['1.2', '1.2.0', true],
    ['1.2', '1.2.9', true],
    ['1.2', '1.3.0', false],
    ['1.2.x', '1.2.9', true],
    ['>= 1.1, < 2', '1.9.0', true],
    ['>= 1.1 < 2', '2.0.0', false],
    ['>=1.1 <2 !=1.5.0', '1.5.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['^0.0.3', '0.0.4', false],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['~>1.2', '1.2.5', true],
    ['1.0.0 - 2.0.0', '2.0.0', true],
    ['1.0.0 - 2.0.0', '2.0.1', false],
    ['*', '3.0.0', true],
    ['*', '3.0.0-rc.1', false],
    ['>=1.0.0-0', '1.2.0-rc.1', true],
    ['>= 1.0.0 <= 2.0.0-beta', '1.0.1-beta', true],
    ['^1.x', '1.1.1-beta1', false],
    ['v1.2.3', '1.2.3', true],
    ['=> 1.0', '1.0.0', true],
    ['1.0.0 || ^3.0.0', '3.4.0', true],
    ['1.0.0 || ^3.0.0', '2.0.0', false]
  ])('%s against %s is %s', (constraint, version, expected) => {
    expect(parseConstraint(constraint).check(parseVersion(version))).toBe(expected);
  });

  it.each(['', '>= bar', 'BAR >= 1.2.3', '12.3.4.1234', '12.3.34~ 1.2.3', 'v1.2.3-beta.01'])('rejects %j', (constraint) => {
    expect(() => parseConstraint(constraint)).toThrow();
  });

  it.each([
    ['v1.2', 1n, 2n, 0n, ''],
    ['1', 1n, 0n, 0n, ''],
    ['01.02.03', 1n, 2n, 3n, ''],
    ['1.2.3-rc.1+build.5', 1n, 2n, 3n, 'rc.1']
  ])('parses %s loosely as Helm does', (text, major, minor, patch, pre) => {
    expect(parseVersion(text)).toEqual(expect.objectContaining({ major, minor, patch, prerelease: pre, original: text }));
  });
});

describe('Chart.lock digest (Helm resolver.HashReq)', () => {
  it('matches the digest in Helm\'s own test (TestHashReq)', () => {
    const dep = { name: 'alpine', version: '0.1.0', repository: 'http://localhost:8879/charts' };
    expect(hashRequirements([dep], [dep])).toBe('sha256:fb239e836325c5fa14b29d1540a13b7d3ba13151b67fe719f820e0ef6d66aaaf');
  });

  it('matches a Chart.lock Helm wrote for dependencies with condition, tags, import-values and ranges', () => {
    const chart = parseChartMetadata(`apiVersion: v2
name: parent-chart
version: v0.1.0
dependencies:
  - name: dev
    repository: "file://envs/dev"
    version: ">= 0.0.1"
    condition: dev.enabled,global.dev.enabled
    tags:
      - dev
    import-values:
      - data
  - name: prod
    repository: "file://envs/prod"
    version: ">= 0.0.1"
    condition: prod.enabled,global.prod.enabled
    tags:
      - prod
    import-values:
      - data
`);
    const locked = [
      { name: 'dev', repository: 'file://envs/dev', version: 'v0.1.0' },
      { name: 'prod', repository: 'file://envs/prod', version: 'v0.1.0' }
    ];
    expect(hashRequirements(chart.dependencies, locked)).toBe('sha256:9403fc24f6cf9d6055820126cf7633b4bd1fed3c77e4880c674059f536346182');
  });

  it('writes Chart.lock in Helm\'s layout', () => {
    const text = formatChartLock({
      generated: formatGenerated(new Date('2026-03-04T05:06:07.120Z')),
      digest: 'sha256:abc',
      dependencies: [
        { name: 'redis', repository: 'https://charts.example.com', version: '1.0' },
        { name: 'local', repository: '', version: '>=1.0.0' }
      ]
    });
    expect(text).toBe(
      'dependencies:\n- name: redis\n  repository: https://charts.example.com\n  version: "1.0"\n' +
        '- name: local\n  repository: ""\n  version: ">=1.0.0"\n' +
        'digest: sha256:abc\ngenerated: "2026-03-04T05:06:07.12Z"\n'
    );
  });
});

describe('setDependencyVersions keeps everything else byte for byte', () => {
  it.each([
    ['plain value, trailing comment kept', '- name: a\n  version: 1.0.0 # pin\n', '1.1.0', '- name: a\n  version: 1.1.0 # pin\n'],
    ['double-quoted stays double-quoted', '- name: a\n  version: "1.0.0"\n', '1.1.0', '- name: a\n  version: "1.1.0"\n'],
    ["single-quoted stays single-quoted", "- name: a\n  version: '1.0.0'\n", "1.1.0", "- name: a\n  version: '1.1.0'\n"],
    ['a range that cannot be plain is quoted', '- name: a\n  version: 1.0.0\n', '>=1.0.0', '- name: a\n  version: ">=1.0.0"\n'],
    ['a number-like version is quoted', '- name: a\n  version: 1.0.0\n', '1.0', '- name: a\n  version: "1.0"\n'],
    ['a wildcard is quoted', '- name: a\n  version: 1.0.0\n', '*', '- name: a\n  version: "*"\n'],
    ['flow mapping', '- {name: a, version: 1.0.0, repository: r}\n', '^2.0.0', '- {name: a, version: ^2.0.0, repository: r}\n'],
    ['flow mapping needing quotes', '- {name: a, version: 1.0.0}\n', '>=1, <2', '- {name: a, version: ">=1, <2"}\n'],
    ['missing version key is added', '- name: a\n  repository: r\n', '1.2.3', '- version: 1.2.3\n  name: a\n  repository: r\n'],
    ['missing version key in a flow mapping', '- {name: a}\n', '1.2.3', '- {version: 1.2.3, name: a}\n']
  ])('%s', (_name, deps, version, expected) => {
    const head = '# top comment\napiVersion: v2\nname: x   # odd spacing\nversion: 0.1.0\n\ndependencies:\n';
    expect(setDependencyVersions(head + deps, [{ index: 0, version }])).toBe(head + expected);
  });

  it('edits several dependencies at once', () => {
    const text = 'dependencies:\n- name: a\n  version: 1.0.0\n- name: b\n  version: 2.0.0\n';
    expect(setDependencyVersions(text, [{ index: 1, version: '2.1.0' }, { index: 0, version: '>1' }])).toBe(
      'dependencies:\n- name: a\n  version: ">1"\n- name: b\n  version: 2.1.0\n'
    );
  });
});

describe('chart repository index', () => {
  it('sorts versions highest first and skips entries Helm skips', () => {
    const index = parseRepositoryIndex(
      'apiVersion: v1\nentries:\n  a:\n  - {version: 1.0.0, urls: [a-1.0.0.tgz]}\n  - null\n  - {version: not-semver, urls: [x]}\n  - {version: 2.0.0-rc.1, urls: [a-2.0.0-rc.1.tgz]}\n  - {version: 1.10.0, urls: [a-1.10.0.tgz]}\n',
      'https://charts.example.com'
    );
    expect(index.entries.get('a')!.map((e) => e.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.0.0']);
  });

  it.each([
    ['', 'empty index.yaml file'],
    ['entries: {}\n', 'no API version specified'],
    ['apiVersion: [\n', 'index.yaml is not valid YAML']
  ])('rejects %j', (text, message) => {
    expect(() => parseRepositoryIndex(text, 'https://x')).toThrow(message);
  });

  it.each([
    ['https://charts.example.com', 'https://charts.example.com/index.yaml'],
    ['https://charts.example.com/stable/', 'https://charts.example.com/stable/index.yaml'],
    ['https://charts.example.com/stable?token=1', 'https://charts.example.com/stable/index.yaml?token=1']
  ])('index of %s is %s', (repo, expected) => {
    expect(indexURL(repo)).toBe(expected);
  });

  it.each([
    ['https://c.example.com/stable', 'a-1.0.0.tgz', 'https://c.example.com/stable/a-1.0.0.tgz'],
    ['https://c.example.com/stable/', '../other/a-1.0.0.tgz', 'https://c.example.com/other/a-1.0.0.tgz'],
    ['https://c.example.com/stable', 'https://cdn.example.com/a.tgz', 'https://cdn.example.com/a.tgz']
  ])('chart URL from %s and %s', (repo, ref, expected) => {
    expect(chartDownloadURL(repo, ref)).toBe(expected);
  });
});

describe('readChartArchive', () => {
  it('reads the metadata of an archive made by the system tar', async () => {
    const dir = makeTempDir();
    cpSync(path.join(FIXTURES, 'localchart'), path.join(dir, 'localchart'), { recursive: true });
    execFileSync('tar', ['-czf', path.join(dir, 'c.tgz'), '-C', dir, 'localchart']);
    const meta = await readChartArchive(readFileSync(path.join(dir, 'c.tgz')), 'c.tgz');
    expect([meta.name, meta.version]).toEqual(['localchart', '0.3.1']);
  });

  it.each([
    [Buffer.from('not gzip'), 'does not appear to be a gzipped chart archive'],
    [Buffer.from([0x1f, 0x8b, 0, 0]), 'is not a valid chart archive']
  ])('rejects a broken archive', async (data, message) => {
    await expect(readChartArchive(data, 'x.tgz')).rejects.toThrow(message);
  });
});

describe('dependency build (for helm-template)', () => {
  let server: http.Server;
  let repo = '';
  const archives = new Map<string, Buffer>();

  beforeAll(async () => {
    for (const version of ['0.1.0', '0.2.0']) {
      const dir = makeTempDir();
      cpSync(path.join(FIXTURES, 'repo-src', 'examplechart'), path.join(dir, 'examplechart'), { recursive: true });
      const chartYaml = path.join(dir, 'examplechart', 'Chart.yaml');
      writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace('VERSION', version));
      execFileSync('tar', ['-czf', path.join(dir, 'a.tgz'), '-C', dir, 'examplechart']);
      archives.set(`examplechart-${version}.tgz`, readFileSync(path.join(dir, 'a.tgz')));
    }
    server = http.createServer((req, res) => {
      const name = (req.url ?? '').replace(/^\/charts\//, '');
      if (name === 'index.yaml') {
        res.end('apiVersion: v1\nentries:\n  examplechart:\n  - {version: 0.1.0, urls: [examplechart-0.1.0.tgz]}\n  - {version: 0.2.0, urls: [examplechart-0.2.0.tgz]}\n');
        return;
      }
      const data = archives.get(name);
      if (data) res.end(data);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    repo = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function chart(workDir: string, version: string): string {
    const dir = path.join(workDir, 'app');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'Chart.yaml'), `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: examplechart\n  version: "${version}"\n  repository: ${repo}\n`);
    return dir;
  }

  it('downloads the locked version, not the newest matching one, and leaves Chart.lock alone', async () => {
    const workDir = makeTempDir();
    const dir = chart(workDir, '>=0.1.0');
    const req = [{ name: 'examplechart', version: '>=0.1.0', repository: repo }];
    const locked = [{ name: 'examplechart', version: '0.1.0', repository: repo }];
    const lock = formatChartLock({ generated: '2026-01-01T00:00:00Z', digest: hashRequirements(req, locked), dependencies: locked });
    writeFileSync(path.join(dir, 'Chart.lock'), lock);
    await buildDependencies('app', { workDir });
    expect(readdirSync(path.join(dir, 'charts'))).toEqual(['examplechart-0.1.0.tgz']);
    expect(readFileSync(path.join(dir, 'Chart.lock'), 'utf8')).toBe(lock);
  });

  it('refuses a Chart.lock out of sync with Chart.yaml', async () => {
    const workDir = makeTempDir();
    const dir = chart(workDir, '0.2.0');
    writeFileSync(path.join(dir, 'Chart.lock'), 'dependencies: []\ndigest: sha256:stale\ngenerated: "2026-01-01T00:00:00Z"\n');
    const error = await buildDependencies('app', { workDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmDependencyError);
    expect((error as HelmDependencyError).terminal).toBe(true);
    expect((error as Error).message).toContain('the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)');
  });

  it('without Chart.lock it updates (resolves and writes the lock), as helm dependency build does', async () => {
    const workDir = makeTempDir();
    const dir = chart(workDir, '>=0.1.0');
    await buildDependencies('app', { workDir, now: () => new Date('2026-05-06T07:08:09Z') });
    expect(readdirSync(path.join(dir, 'charts'))).toEqual(['examplechart-0.2.0.tgz']);
    expect(readFileSync(path.join(dir, 'Chart.lock'), 'utf8')).toMatch(/version: 0\.2\.0\ndigest: sha256:[0-9a-f]{64}\ngenerated: "2026-05-06T07:08:09Z"\n$/);
  });

  it('updateDependencies reports changes keyed by dependency name', async () => {
    const workDir = makeTempDir();
    chart(workDir, '0.1.0');
    const first = await updateDependencies('app', [], { workDir });
    expect([...first.changes]).toEqual([['examplechart', '0.1.0']]);
    const second = await updateDependencies('app', [{ repository: repo, name: 'examplechart', version: '0.2.0' }], { workDir });
    expect([...second.changes]).toEqual([['examplechart', '0.1.0 -> 0.2.0']]);
    expect(second.chartYamlChanged).toBe(true);
  });
});
