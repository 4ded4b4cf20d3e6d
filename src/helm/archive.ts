// Chart archives (.tgz): packaging a chart directory the way `helm package` lays it out
// (`<name>/<files>`, mode 0644, .helmignore honoured) and reading Chart.yaml out of an archive.
// Our archives are reproducible (fixed mtime, sorted entries): packaging an unchanged chart twice
// gives the same bytes, so a promotion that changes nothing leaves `charts/` unchanged in git.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import ignore from 'ignore';
import { Header, Pax, Parser, type ReadEntry } from 'tar';
import { isWithin } from '../fs/paths.js';
import { ChartError, parseChartMetadata, type ChartMetadata } from './chart.js';

const CHART_NAME = /^[a-zA-Z0-9._-]+$/;
const FIXED_MTIME = new Date(0);
const MAX_ARCHIVE_ENTRY = 20 * 1024 * 1024;

export interface TarFile {
  path: string;
  data: Buffer;
}

function block(size: number): Buffer {
  return Buffer.alloc(Math.ceil(size / 512) * 512);
}

/** A gzipped ustar archive of files (PAX headers for long names), reproducible byte for byte. */
export function createTarGz(files: TarFile[]): Buffer {
  const chunks: Buffer[] = [];
  for (const file of files) {
    const data = { path: file.path, mode: 0o644, size: file.data.length, mtime: FIXED_MTIME, type: 'File' as const, uid: 0, gid: 0 };
    const header = new Header(data);
    header.encode();
    if (header.needPax) chunks.push(new Pax(data).encode());
    chunks.push(header.block as Buffer);
    const body = block(file.data.length);
    file.data.copy(body);
    chunks.push(body);
  }
  chunks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

/** Every regular file of a tar(.gz) archive, keyed by its path inside the archive. */
export async function readTarFiles(archive: Buffer, accept: (p: string) => boolean = () => true): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  let failure: Error | undefined;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (entry.type !== 'File' && entry.type !== 'OldFile') return entry.resume();
        if (!accept(entry.path)) return entry.resume();
        const parts: Buffer[] = [];
        let size = 0;
        entry.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ARCHIVE_ENTRY) failure ??= new ChartError(`archive entry ${entry.path} is too large`);
          else parts.push(chunk);
        });
        entry.on('end', () => files.set(entry.path, Buffer.concat(parts)));
      }
    });
    parser.on('error', reject);
    parser.on('end', () => resolve());
    parser.end(archive);
  });
  if (failure) throw failure;
  return files;
}

/**
 * The metadata of a packaged chart (Helm's loader.LoadArchive: Chart.yaml under the archive's
 * top directory). `label` names the archive in messages. Throws ChartError.
 */
export async function readChartArchive(archive: Buffer, label: string): Promise<ChartMetadata> {
  if (archive.length < 2 || archive[0] !== 0x1f || archive[1] !== 0x8b) {
    throw new ChartError(`${label} does not appear to be a gzipped chart archive`);
  }
  let files: Map<string, Buffer>;
  try {
    gunzipSync(archive, { maxOutputLength: 512 * 1024 * 1024 });
    files = await readTarFiles(archive, (p) => p.split('/').filter(Boolean).slice(1).join('/') === 'Chart.yaml');
  } catch (err) {
    throw new ChartError(`${label} is not a valid chart archive: ${(err as Error).message}`);
  }
  const chartYaml = [...files.entries()].find(([p]) => p.split('/').filter(Boolean).length === 2);
  if (!chartYaml) throw new ChartError(`${label} is not a chart archive: it has no <chart>/Chart.yaml`);
  return parseChartMetadata(chartYaml[1].toString('utf8'), `${label}: Chart.yaml`);
}

/** Thrown when a chart directory reaches outside the WorkDir through a symlink. */
export class ChartPathError extends ChartError {}

interface WalkOptions {
  /** Nothing outside this directory may be read, symlinks included. */
  root: string;
  display: (abs: string) => string;
}

async function collectFiles(chartDir: string, opts: WalkOptions): Promise<TarFile[]> {
  const rules = ignore();
  const helmignore = await fs.readFile(path.join(chartDir, '.helmignore'), 'utf8').catch(() => '');
  rules.add(helmignore);
  rules.add('templates/.?*');
  const files: TarFile[] = [];
  const active = new Set<string>();

  async function walk(dir: string, rel: string): Promise<void> {
    const real = await fs.realpath(dir);
    if (!isWithin(opts.root, real)) throw new ChartPathError(`${opts.display(dir)} resolves outside the work directory`);
    if (active.has(real)) throw new ChartPathError(`symlink loop at ${opts.display(dir)}`);
    active.add(real);
    const entries = (await fs.readdir(dir)).sort();
    for (const name of entries) {
      const abs = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const lst = await fs.lstat(abs);
      let stats = lst;
      if (lst.isSymbolicLink()) {
        const target = await fs.realpath(abs).catch(() => undefined);
        if (target === undefined) throw new ChartPathError(`${opts.display(abs)} is a broken symlink`);
        if (!isWithin(opts.root, target)) {
          throw new ChartPathError(`${opts.display(abs)} is a symlink that points outside the work directory`);
        }
        stats = await fs.stat(abs);
      }
      if (stats.isDirectory()) {
        if (rules.ignores(`${relPath}/`)) continue;
        await walk(abs, relPath);
      } else if (stats.isFile()) {
        if (rules.ignores(relPath)) continue;
        files.push({ path: relPath, data: await fs.readFile(abs) });
      }
    }
    active.delete(real);
  }

  await walk(chartDir, '');
  return files;
}

export interface PackagedChart {
  metadata: ChartMetadata;
  /** `<name>-<version>.tgz`, as helm package names it. */
  fileName: string;
  data: Buffer;
}

/**
 * Package the chart directory chartDir (Helm's chartutil.Save after loader.LoadDir). Files keep
 * their bytes (Chart.yaml is not re-serialised, so its comments survive); nothing outside
 * opts.root is read. Throws ChartError.
 */
export async function packageChartDir(chartDir: string, opts: WalkOptions): Promise<PackagedChart> {
  const chartYaml = await fs.readFile(path.join(chartDir, 'Chart.yaml'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new ChartError(`${opts.display(chartDir)} has no Chart.yaml: it is not a chart directory`);
    throw err;
  });
  const metadata = parseChartMetadata(chartYaml, `${opts.display(path.join(chartDir, 'Chart.yaml'))}`);
  if (!CHART_NAME.test(metadata.name)) {
    throw new ChartError(`chart name ${JSON.stringify(metadata.name)} is invalid: use letters, digits, '.', '_' and '-'`);
  }
  const files = await collectFiles(chartDir, opts);
  const ordered = [
    ...files.filter((f) => f.path === 'Chart.yaml'),
    ...files.filter((f) => f.path !== 'Chart.yaml')
  ].map((f) => ({ path: `${metadata.name}/${f.path}`, data: f.data }));
  return {
    metadata,
    fileName: `${metadata.name}-${metadata.version}.tgz`,
    data: createTarGz(ordered)
  };
}
