// `helm dependency update` and `helm dependency build`, in-process, as Helm 3.21's
// downloader.Manager does them: resolve each Chart.yaml dependency to a version (classic
// repositories through index.yaml, file:// charts by packaging them, oci:// through the helm
// binary), download the archives into charts/ and write Chart.lock with Helm's digest.
//
// Unlike Helm, nothing is half-written on failure: archives are staged first, then charts/ is
// swapped for a fully prepared copy, then Chart.yaml and Chart.lock are written atomically.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { displayPath, isWithin, secureJoin } from '../fs/paths.js';
import { packageChartDir, readChartArchive } from './archive.js';
import {
  ChartError,
  formatChartLock,
  formatGenerated,
  hashRequirements,
  lockFileName,
  parseChartLock,
  parseChartMetadata,
  type ChartDependency,
  type ChartLock,
  type ChartMetadata,
  type LockedDependency
} from './chart.js';
import { setDependencyVersions, type DependencyVersionEdit } from './chart-yaml-edit.js';
import { findHelmBinary, HELM_NOT_FOUND_HINT, IsolatedHelm, ociHost } from './oci.js';
import {
  chartDownloadURL,
  downloadChart,
  fetchRepositoryIndex,
  sameRepositoryURL,
  type BasicAuth,
  type RepositoryIndex
} from './repo.js';
import { parseConstraint, parseVersion, SemverError, tryParseVersion, compareVersions, type Constraint } from './semver.js';

/** A failure of a dependency operation. `terminal`: retrying cannot help (fix the chart or config). */
export class HelmDependencyError extends Error {
  constructor(
    message: string,
    readonly terminal: boolean,
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = 'HelmDependencyError';
  }
}

export interface DependencyLogger {
  info(message: string): void;
  debug(message: string): void;
}

export interface DependencyManagerOptions {
  /** Nothing outside this directory is read or written, symlinks included. */
  workDir: string;
  /**
   * Credentials for a repository: `url` is the dependency's repository for http(s), and
   * `oci://<registry path>/<chart name>` for OCI (Kargo's lookup keys).
   */
  credentials?: (kind: 'http' | 'oci', url: string) => BasicAuth | undefined;
  logger?: DependencyLogger;
  signal?: AbortSignal;
  /** The helm binary for oci:// dependencies; undefined: look it up on PATH. */
  helmPath?: string;
  /** Clock for Chart.lock's `generated` (tests). */
  now?: () => Date;
}

/** A requested change of one Chart.yaml dependency (Kargo's ChartDependency). */
export interface DependencyUpdate {
  repository: string;
  name: string;
  version: string;
}

export interface UpdateResult {
  /**
   * Version changes read from the lock file before and after, keyed by dependency name:
   * `"<old> -> <new>"`, `"<new>"` for an added dependency, `""` for a removed one.
   */
  changes: Map<string, string>;
  chartYamlChanged: boolean;
  lockWritten: boolean;
  lock?: ChartLock;
}

const noopLogger: DependencyLogger = { info: () => undefined, debug: () => undefined };

interface Context {
  opts: DependencyManagerOptions;
  log: DependencyLogger;
  chartDir: string;
  display: (abs: string) => string;
}

function terminal(message: string, cause?: unknown): HelmDependencyError {
  return new HelmDependencyError(message, true, cause === undefined ? undefined : { cause });
}

function retryable(message: string, cause?: unknown): HelmDependencyError {
  return new HelmDependencyError(message, false, cause === undefined ? undefined : { cause });
}

function makeContext(chartPath: string, opts: DependencyManagerOptions): Context {
  const chartDir = secureJoin(opts.workDir, chartPath);
  return {
    opts,
    log: opts.logger ?? noopLogger,
    chartDir,
    display: (abs) => displayPath(opts.workDir, abs)
  };
}

async function readChart(ctx: Context): Promise<{ text: string; metadata: ChartMetadata; file: string }> {
  const file = secureJoin(ctx.opts.workDir, path.join(displayPath(ctx.opts.workDir, ctx.chartDir), 'Chart.yaml'));
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw terminal(`no Chart.yaml found at ${JSON.stringify(ctx.display(file))}: path must name the chart directory (the one holding Chart.yaml)`);
    }
    if (code === 'EISDIR') throw terminal(`${JSON.stringify(ctx.display(file))} is a directory, not a Chart.yaml file`);
    throw err;
  }
  try {
    return { text, metadata: parseChartMetadata(text, ctx.display(file)), file };
  } catch (err) {
    throw terminal((err as Error).message, err);
  }
}

/** file:// dependencies must be relative and stay inside the WorkDir (Kargo's validateLocalDependency). */
async function localDependencyPath(ctx: Context, dep: ChartDependency): Promise<string> {
  const rel = dep.repository.replace(/^file:\/\//, '');
  if (path.isAbsolute(rel)) {
    throw terminal(`invalid dependency ${JSON.stringify(dep.repository)}: dependency path ${JSON.stringify(rel)} must be relative to the chart directory`);
  }
  const joined = path.resolve(ctx.chartDir, rel);
  let real: string;
  try {
    real = await fs.realpath(joined);
  } catch {
    throw terminal(`invalid dependency ${JSON.stringify(dep.repository)}: directory ${JSON.stringify(ctx.display(joined))} not found`);
  }
  const rootReal = await fs.realpath(ctx.opts.workDir);
  if (!isWithin(rootReal, real) || !isWithin(path.resolve(ctx.opts.workDir), joined)) {
    throw terminal(`invalid dependency ${JSON.stringify(dep.repository)}: dependency path is outside the work directory`);
  }
  return real;
}

type RepoKind = 'local' | 'file' | 'http' | 'oci';

function repoKind(dep: ChartDependency): RepoKind {
  const repo = dep.repository;
  if (repo === '') return 'local';
  if (repo.startsWith('file://')) return 'file';
  if (repo.startsWith('oci://')) return 'oci';
  if (/^https?:\/\//.test(repo)) return 'http';
  if (repo.startsWith('@') || repo.startsWith('alias:')) {
    throw terminal(
      `no repository definition for ${repo}: repository aliases from 'helm repo add' are not available here; write the repository's URL in Chart.yaml instead`
    );
  }
  throw terminal(
    `dependency ${JSON.stringify(dep.name)} has repository ${JSON.stringify(repo)}, which is not supported: use an http(s):// chart repository URL, an oci:// registry, or a file:// path`
  );
}

function constraintFor(dep: Pick<ChartDependency, 'name' | 'version'>): Constraint {
  try {
    return parseConstraint(dep.version ?? '');
  } catch (err) {
    const why = err instanceof SemverError ? err.message : String(err);
    throw terminal(`dependency ${JSON.stringify(dep.name)} has an invalid version/constraint format ${JSON.stringify(dep.version ?? '')}: ${why}`);
  }
}

/** Fetch the index of every distinct http(s) repository the dependencies use. */
async function fetchIndexes(ctx: Context, deps: Array<Pick<ChartDependency, 'repository'>>): Promise<Map<string, RepositoryIndex>> {
  const urls: string[] = [];
  for (const dep of deps) {
    if (/^https?:\/\//.test(dep.repository) && !urls.some((u) => sameRepositoryURL(u, dep.repository))) urls.push(dep.repository);
  }
  const indexes = new Map<string, RepositoryIndex>();
  await Promise.all(
    urls.map(async (url) => {
      const auth = ctx.opts.credentials?.('http', url);
      ctx.log.debug(`fetching the index of chart repository ${url}${auth ? ' with credentials' : ''}`);
      try {
        indexes.set(url, await fetchRepositoryIndex(url, { auth, signal: ctx.opts.signal }));
      } catch (err) {
        throw retryable(`download repository index for ${JSON.stringify(url)}: ${(err as Error).message}`, err);
      }
    })
  );
  return indexes;
}

function indexFor(indexes: Map<string, RepositoryIndex>, repository: string): RepositoryIndex {
  for (const [url, index] of indexes) if (sameRepositoryURL(url, repository)) return index;
  throw new Error(`internal: no index fetched for ${repository}`);
}

interface Staged {
  dir: string;
  /** File names written into dir. */
  names: Set<string>;
}

class OciPuller {
  private helm?: IsolatedHelm;
  private loggedIn = new Set<string>();

  constructor(
    private readonly ctx: Context,
    private readonly tempRoot: string
  ) {}

  private async client(dep: ChartDependency): Promise<IsolatedHelm> {
    if (!this.helm) {
      const helmPath = this.ctx.opts.helmPath ?? (await findHelmBinary());
      if (!helmPath) {
        throw terminal(`dependency ${JSON.stringify(dep.name)} comes from OCI registry ${JSON.stringify(dep.repository)}: ${HELM_NOT_FOUND_HINT}`);
      }
      this.helm = await IsolatedHelm.create({ helmPath, signal: this.ctx.opts.signal });
    }
    return this.helm;
  }

  /** Pull dep (version may be a range) and return the archive's path and chart metadata. */
  async pull(dep: ChartDependency, version: string): Promise<{ file: string; metadata: ChartMetadata }> {
    const helm = await this.client(dep);
    const host = ociHost(dep.repository);
    if (!this.loggedIn.has(host)) {
      const key = `oci://${dep.repository.replace(/^oci:\/\//, '').replace(/\/+$/, '')}/${dep.name}`;
      const auth = this.ctx.opts.credentials?.('oci', key);
      if (auth) {
        try {
          await helm.login(host, auth);
        } catch (err) {
          throw retryable(`authenticate with chart repository ${JSON.stringify(dep.repository)}: ${(err as Error).message}`, err);
        }
        this.loggedIn.add(host);
      }
    }
    const dest = await fs.mkdtemp(path.join(this.tempRoot, 'oci-'));
    let file: string;
    try {
      file = await helm.pull(dep.repository, dep.name, version, dest);
    } catch (err) {
      throw retryable(`could not download ${dep.repository}/${dep.name}: ${(err as Error).message}`, err);
    }
    const metadata = await readChartArchive(await fs.readFile(file), path.basename(file)).catch((err: Error) => {
      throw retryable(err.message, err);
    });
    return { file, metadata };
  }

  async dispose(): Promise<void> {
    await this.helm?.dispose();
  }
}

interface Resolution {
  locked: LockedDependency[];
  /** OCI archives pulled while resolving, by dependency index. */
  pulled: Map<number, string>;
}

/** Helm's resolver.Resolve: one locked version per requirement. */
async function resolve(
  ctx: Context,
  deps: ChartDependency[],
  indexes: Map<string, RepositoryIndex>,
  oci: OciPuller
): Promise<Resolution> {
  const locked: LockedDependency[] = [];
  const pulled = new Map<number, string>();
  const missing: string[] = [];
  for (const [i, dep] of deps.entries()) {
    const constraint = constraintFor(dep);
    const kind = repoKind(dep);
    const notFound = (): void => {
      missing.push(`${JSON.stringify(dep.name)} (repository ${JSON.stringify(dep.repository)}, version ${JSON.stringify(dep.version ?? '')})`);
    };
    if (kind === 'local') {
      const dir = path.join(ctx.chartDir, 'charts', dep.name);
      if (!(await fs.stat(dir).catch(() => undefined))) {
        throw terminal(`dependency ${JSON.stringify(dep.name)} has no repository, so it must be in the charts directory, but ${JSON.stringify(ctx.display(dir))} was not found`);
      }
      locked.push({ name: dep.name, repository: '', version: dep.version ?? '' });
      continue;
    }
    if (kind === 'file') {
      const dir = await localDependencyPath(ctx, dep);
      let meta: ChartMetadata;
      try {
        ({ metadata: meta } = await readLocalChart(ctx, dir));
      } catch (err) {
        throw terminal((err as Error).message, err);
      }
      const v = tryParseVersion(meta.version);
      if (!v) throw terminal(`chart ${JSON.stringify(ctx.display(dir))} has version ${JSON.stringify(meta.version)}, which is not SemVer`);
      if (!constraint.check(v)) notFound();
      locked.push({ name: dep.name, repository: dep.repository, version: meta.version });
      continue;
    }
    if (kind === 'oci') {
      const { file, metadata } = await oci.pull(dep, dep.version ?? '');
      const v = tryParseVersion(metadata.version);
      if (!v || !constraint.check(v)) notFound();
      pulled.set(i, file);
      const exact = tryParseVersion(dep.version ?? '');
      locked.push({ name: dep.name, repository: dep.repository, version: exact ? (dep.version as string) : metadata.version });
      continue;
    }
    const index = indexFor(indexes, dep.repository);
    const versions = index.entries.get(dep.name);
    if (!versions) {
      throw retryable(`${dep.name} chart not found in repo ${dep.repository}: check the dependency's name, or that the chart has been published there`);
    }
    const match = versions.find((ver) => ver.urls.length > 0 && constraint.check(ver.parsed));
    if (!match) notFound();
    locked.push({ name: dep.name, repository: dep.repository, version: match ? match.version : '' });
  }
  if (missing.length > 0) {
    throw retryable(
      `can't get a valid version for ${missing.length} subchart(s): ${missing.join(', ')}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml`
    );
  }
  return { locked, pulled };
}

async function readLocalChart(ctx: Context, dir: string): Promise<{ metadata: ChartMetadata }> {
  const file = path.join(dir, 'Chart.yaml');
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new ChartError(`${JSON.stringify(ctx.display(dir))} has no Chart.yaml: it is not a chart directory`);
  });
  return { metadata: parseChartMetadata(text, ctx.display(file)) };
}

function archiveFileName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
  if (!name || name === '.' || name === '..' || /[\\/\0]/.test(name)) {
    throw terminal(`cannot name the chart archive downloaded from ${url}`);
  }
  return name;
}

/** Helm's downloadAll: put every locked dependency's archive into staged.dir. */
async function downloadAll(
  ctx: Context,
  locked: LockedDependency[],
  indexes: Map<string, RepositoryIndex>,
  oci: OciPuller,
  pulled: Map<number, string>,
  staged: Staged
): Promise<void> {
  const downloaded = new Set<string>();
  const put = async (name: string, data: Buffer): Promise<void> => {
    await fs.writeFile(path.join(staged.dir, name), data, { mode: 0o644 });
    staged.names.add(name);
  };
  for (const [i, dep] of locked.entries()) {
    const kind = repoKind(dep);
    if (kind === 'local') {
      const dir = path.join(ctx.chartDir, 'charts', dep.name);
      const { metadata } = await readLocalChart(ctx, dir).catch((err: Error) => {
        throw terminal(`unable to load chart ${JSON.stringify(ctx.display(dir))}: ${err.message}`, err);
      });
      const v = tryParseVersion(metadata.version);
      if (!v) throw terminal(`invalid version ${JSON.stringify(metadata.version)} for dependency ${dep.name}`);
      if (!constraintFor(dep).check(v)) {
        throw terminal(`dependency ${dep.name} at version ${metadata.version} does not satisfy the constraint ${dep.version}`);
      }
      continue;
    }
    if (kind === 'file') {
      const dir = await localDependencyPath(ctx, dep);
      let packaged;
      try {
        packaged = await packageChartDir(dir, { root: await fs.realpath(ctx.opts.workDir), display: ctx.display });
      } catch (err) {
        throw terminal(`package ${JSON.stringify(ctx.display(dir))}: ${(err as Error).message}`, err);
      }
      const v = parseVersion(packaged.metadata.version);
      if (!constraintFor(dep).check(v)) throw terminal(`can't get a valid version for dependency ${dep.name}`);
      ctx.log.debug(`packaged ${dep.repository} as charts/${packaged.fileName}`);
      await put(packaged.fileName, packaged.data);
      dep.version = packaged.metadata.version;
      continue;
    }
    if (kind === 'oci') {
      let file = pulled.get(i);
      if (file === undefined) file = (await oci.pull(dep as ChartDependency, dep.version)).file;
      await put(path.basename(file), await fs.readFile(file));
      continue;
    }
    const index = indexFor(indexes, dep.repository);
    const lockedVersion = tryParseVersion(dep.version);
    const entry = (index.entries.get(dep.name) ?? []).find(
      (e) => e.urls.length > 0 && (lockedVersion ? compareVersions(lockedVersion, e.parsed) === 0 : e.version === dep.version)
    );
    if (!entry) {
      throw retryable(`could not find ${dep.name} version ${dep.version} in chart repository ${dep.repository}: run the update again, or check the repository's index`);
    }
    const url = chartDownloadURL(index.repoURL, entry.urls[0]!);
    if (downloaded.has(url)) continue;
    ctx.log.info(`downloading ${dep.name} ${dep.version} from ${dep.repository}`);
    let data: Buffer;
    try {
      data = await downloadChart(url, index.repoURL, { auth: ctx.opts.credentials?.('http', dep.repository), signal: ctx.opts.signal });
    } catch (err) {
      throw retryable(`could not download ${url}: ${(err as Error).message}`, err);
    }
    await readChartArchive(data, url).catch((err: Error) => {
      throw retryable(`could not download ${url}: ${err.message}`, err);
    });
    await put(archiveFileName(url), data);
    downloaded.add(url);
  }
}

async function isChartArchiveOf(file: string): Promise<string | undefined> {
  try {
    return (await readChartArchive(await fs.readFile(file), path.basename(file))).name;
  } catch {
    return undefined;
  }
}

function suffix(): string {
  return randomBytes(6).toString('hex');
}

/** The charts/ directory, refusing a symlink or a file in its place. */
async function chartsDirState(ctx: Context): Promise<'missing' | 'dir'> {
  const charts = path.join(ctx.chartDir, 'charts');
  const stats = await fs.lstat(charts).catch(() => undefined);
  if (!stats) return 'missing';
  if (stats.isSymbolicLink()) throw terminal(`${JSON.stringify(ctx.display(charts))} is a symlink; replace it with a directory`);
  if (!stats.isDirectory()) throw terminal(`${JSON.stringify(ctx.display(charts))} is not a directory`);
  return 'dir';
}

/**
 * Helm's safeMoveDeps, made atomic: charts/ becomes the staged archives plus what was there
 * before, minus outdated chart archives (archives of local, repository-less dependencies stay).
 */
async function swapCharts(ctx: Context, staged: Staged, locked: LockedDependency[]): Promise<void> {
  const charts = path.join(ctx.chartDir, 'charts');
  const state = await chartsDirState(ctx);
  const next = path.join(ctx.chartDir, `.charts-new-${suffix()}`);
  await fs.mkdir(next, { mode: 0o755 });
  try {
    const localNames = new Set(locked.filter((d) => d.repository === '').map((d) => d.name));
    if (state === 'dir') {
      for (const entry of await fs.readdir(charts, { withFileTypes: true })) {
        if (staged.names.has(entry.name)) continue;
        const src = path.join(charts, entry.name);
        if (!entry.isDirectory()) {
          const chartName = await isChartArchiveOf(src);
          if (chartName !== undefined && !localNames.has(chartName)) {
            ctx.log.debug(`removing outdated ${ctx.display(src)}`);
            continue;
          }
        }
        await fs.cp(src, path.join(next, entry.name), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      }
    }
    for (const name of staged.names) await fs.rename(path.join(staged.dir, name), path.join(next, name));
    if (state === 'dir') {
      const old = path.join(ctx.chartDir, `.charts-old-${suffix()}`);
      await fs.rename(charts, old);
      try {
        await fs.rename(next, charts);
      } catch (err) {
        await fs.rename(old, charts);
        throw err;
      }
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(next, charts);
    }
  } finally {
    await fs.rm(next, { recursive: true, force: true });
  }
}

async function readLock(ctx: Context, metadata: ChartMetadata): Promise<ChartLock | undefined> {
  const file = path.join(ctx.chartDir, lockFileName(metadata));
  const stats = await fs.lstat(file).catch(() => undefined);
  if (!stats) return undefined;
  if (stats.isSymbolicLink()) {
    throw terminal(`the ${lockFileName(metadata)} file ${JSON.stringify(ctx.display(file))} is a symlink; replace it with a regular file`);
  }
  try {
    return parseChartLock(await fs.readFile(file, 'utf8'), ctx.display(file));
  } catch (err) {
    throw terminal(`read initial dependencies from ${lockFileName(metadata)}: ${(err as Error).message}`, err);
  }
}

/** Kargo's compareChartVersions, by dependency name. */
export function compareLockedVersions(before: LockedDependency[], after: LockedDependency[]): Map<string, string> {
  const old = new Map(before.map((d) => [d.name, d.version]));
  const changes = new Map<string, string>();
  for (const dep of after) {
    if (old.has(dep.name)) {
      const previous = old.get(dep.name) as string;
      if (previous !== dep.version) changes.set(dep.name, `${previous} -> ${dep.version}`);
      old.delete(dep.name);
    } else {
      changes.set(dep.name, dep.version);
    }
  }
  for (const name of old.keys()) changes.set(name, '');
  return changes;
}

function planEdits(metadata: ChartMetadata, updates: DependencyUpdate[]): DependencyVersionEdit[] {
  const edits: DependencyVersionEdit[] = [];
  for (const update of updates) {
    const index = metadata.dependencies.findIndex((d) => d.name === update.name && d.repository === update.repository);
    if (index < 0) {
      const known = metadata.dependencies.map((d) => `${d.name} (${d.repository || 'no repository'})`).join(', ') || 'none';
      throw terminal(
        `no dependency in Chart.yaml matches update with repository ${JSON.stringify(update.repository)} and name ${JSON.stringify(update.name)}; the chart's dependencies are: ${known}`
      );
    }
    if (metadata.dependencies[index]!.version !== update.version) {
      edits.push({ index, version: update.version });
    }
  }
  return edits;
}

async function withStaging<T>(ctx: Context, fn: (staged: Staged, oci: OciPuller) => Promise<T>): Promise<T> {
  const dir = path.join(ctx.chartDir, `.tmpcharts-${suffix()}`);
  await fs.mkdir(dir, { mode: 0o755 });
  const oci = new OciPuller(ctx, dir);
  try {
    return await fn({ dir: path.join(dir), names: new Set() }, oci);
  } finally {
    await oci.dispose().catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * Set the versions of Chart.yaml dependencies, then refresh Chart.lock and charts/ (Kargo's
 * helm.EphemeralDependencyManager.Update + `helm dependency update`). chartPath is relative to
 * the WorkDir. Throws HelmDependencyError (or an abort error when opts.signal fires).
 */
export async function updateDependencies(
  chartPath: string,
  updates: DependencyUpdate[],
  opts: DependencyManagerOptions
): Promise<UpdateResult> {
  const ctx = makeContext(chartPath, opts);
  // file is where Chart.yaml really is (a symlink inside the WorkDir is written through).
  const { text, metadata: original, file: chartYamlFile } = await readChart(ctx);
  for (const dep of original.dependencies) if (repoKind(dep) === 'file') await localDependencyPath(ctx, dep);
  const edits = planEdits(original, updates);
  let newText = text;
  let metadata = original;
  if (edits.length > 0) {
    try {
      newText = setDependencyVersions(text, edits);
      metadata = parseChartMetadata(newText);
    } catch (err) {
      throw terminal(`update Chart.yaml with dependency changes: ${(err as Error).message}`, err);
    }
  }
  const chartYamlChanged = newText !== text;
  const writeChartYaml = async (): Promise<void> => {
    if (chartYamlChanged) await writeFileAtomic(chartYamlFile, newText);
  };
  if (metadata.raw.dependencies === undefined || metadata.raw.dependencies === null) {
    // Helm does nothing for a chart without a dependencies list.
    return { changes: new Map(), chartYamlChanged: false, lockWritten: false };
  }
  const oldLock = await readLock(ctx, metadata);
  await chartsDirState(ctx);
  const indexes = await fetchIndexes(ctx, metadata.dependencies);
  return withStaging(ctx, async (staged, oci) => {
    const { locked, pulled } = await resolve(ctx, metadata.dependencies, indexes, oci);
    await downloadAll(ctx, locked, indexes, oci, pulled, staged);
    const digest = hashRequirements(metadata.dependencies, locked);
    const lock: ChartLock = { generated: formatGenerated((opts.now ?? (() => new Date()))()), digest, dependencies: locked };
    const lockWritten = !oldLock || oldLock.digest !== digest;
    await swapCharts(ctx, staged, locked);
    await writeChartYaml();
    if (lockWritten) {
      await writeFileAtomic(path.join(ctx.chartDir, lockFileName(metadata)), formatChartLock(lock), { mode: 0o644 });
    }
    const after = lockWritten ? locked : oldLock.dependencies;
    return {
      changes: compareLockedVersions(oldLock?.dependencies ?? [], after),
      chartYamlChanged,
      lockWritten,
      lock: lockWritten ? lock : oldLock
    };
  });
}

/**
 * `helm dependency build`: download the versions Chart.lock names into charts/ (an update when
 * there is no lock file). Fails when Chart.lock is out of sync with Chart.yaml.
 */
export async function buildDependencies(chartPath: string, opts: DependencyManagerOptions): Promise<void> {
  const ctx = makeContext(chartPath, opts);
  const { metadata } = await readChart(ctx);
  if (metadata.dependencies.length === 0) return;
  for (const dep of metadata.dependencies) if (repoKind(dep) === 'file') await localDependencyPath(ctx, dep);
  const lock = await readLock(ctx, metadata);
  if (!lock) {
    await updateDependencies(chartPath, [], opts);
    return;
  }
  const name = lockFileName(metadata);
  if (hashRequirements(metadata.dependencies, lock.dependencies) !== lock.digest) {
    throw terminal(
      `the lock file (${name}) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies (helm-update-chart, or helm dependency update)`
    );
  }
  for (const dep of lock.dependencies) repoKind(dep);
  await chartsDirState(ctx);
  const indexes = await fetchIndexes(ctx, lock.dependencies);
  await withStaging(ctx, async (staged, oci) => {
    const locked = lock.dependencies.map((d) => ({ ...d }));
    await downloadAll(ctx, locked, indexes, oci, new Map(), staged);
    await swapCharts(ctx, staged, locked);
  });
}
