import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  lstatSync,
  mkdirSync,
  openSync,
  promises as fs,
  readdirSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeSync
} from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { isWithin, secureJoin } from '../fs/paths.js';
import type { Logger, StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError, isNotFound } from './files/fs-errors.js';
import { ignoreLines, ignoreMatcher, type IgnoreMatcher } from './files/ignore-rules.js';
import { MAX_FILE_SIZE, MAX_TOTAL_SIZE } from './files/limits.js';
import { untarSchema, type UntarConfig } from './schemas/untar.js';

const DIR_MODE = 0o750;

/** Kargo's validRelPath: no empty, absolute, `../`, `./`-prefixed or backslashed paths. */
export function validRelPath(p: string): boolean {
  return !(p === '' || p.includes('\\') || p.startsWith('/') || p.includes('../') || p.startsWith('./'));
}

interface Extraction {
  dest: string;
  strip: number;
  ignoreExact?: string;
  ignored: IgnoreMatcher;
  logger: Logger;
  total: number;
}

/** The entry's name inside dest, or undefined when the entry is to be skipped. */
function targetName(x: Extraction, name: string): string | undefined {
  let target = name;
  if (x.strip > 0) {
    const parts = name.split('/');
    if (parts.length <= x.strip) return undefined;
    target = parts.slice(x.strip).join('/');
  }
  if (target === '' || target === '/') return undefined;
  if (!validRelPath(target)) {
    x.logger.debug(`untar: skipping entry with unsafe path ${JSON.stringify(target)}`);
    return undefined;
  }
  return target;
}

function isIgnored(x: Extraction, target: string, isDir: boolean): boolean {
  if (x.ignoreExact !== undefined && path.posix.basename(target) === x.ignoreExact) return true;
  return x.ignored(target.replace(/\/+$/, ''), isDir);
}

const MAX_LINK_HOPS = 255;

/**
 * True when p (below dest) resolves inside dest the way the kernel resolves it: links extracted
 * earlier are followed and a `..` after a link climbs from the link's target, so a chain such
 * as `m -> d/l/..` with `d/l -> ..` is seen to leave. (Node's realpathSync folds `..` first and
 * cannot be trusted for this.) Missing components are taken as plain names.
 */
function staysInside(dest: string, p: string): boolean {
  const rel = path.relative(dest, p);
  if (rel === '') return true;
  if (!isWithin(dest, p)) return false;
  const resolved: string[] = [];
  let pending = rel.split(path.sep).filter((part) => part !== '' && part !== '.');
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      if (resolved.length === 0) return false;
      resolved.pop();
      continue;
    }
    const candidate = path.join(dest, ...resolved, part);
    const link = lstatOrUndefined(candidate)?.isSymbolicLink() ? readlinkSync(candidate) : undefined;
    if (link === undefined) {
      resolved.push(part);
      continue;
    }
    if (path.isAbsolute(link) || ++hops > MAX_LINK_HOPS) return false;
    pending = [...link.split('/').filter((x) => x !== '' && x !== '.'), ...pending];
  }
  return true;
}

/**
 * Remove every extracted link that leads out of dest. Checked once the whole archive is out,
 * as a link may only start to climb out when a later entry adds a link below its target.
 */
function dropEscapingLinks(dest: string, dir: string, logger: Logger): void {
  for (const name of readdirSync(dir)) {
    const abs = path.join(dir, name);
    const stats = lstatSync(abs);
    if (stats.isSymbolicLink()) {
      if (!staysInside(dest, abs)) {
        logger.debug(`untar: removing symlink ${JSON.stringify(path.relative(dest, abs))} that leads out of the destination`);
        unlinkSync(abs);
      }
    } else if (stats.isDirectory()) {
      dropEscapingLinks(dest, abs, logger);
    }
  }
}

function writeFile(x: Extraction, entry: tar.ReadEntry, target: string, targetPath: string): void {
  if (entry.size > MAX_FILE_SIZE) {
    throw new Error(`extraction aborted: file ${target} exceeds size limit of ${MAX_FILE_SIZE} bytes`);
  }
  if (x.total + entry.size > MAX_TOTAL_SIZE) {
    throw new Error(`extraction aborted: total size would exceed limit of ${MAX_TOTAL_SIZE} bytes`);
  }
  // A later entry replaces an earlier one; never write through a link it left behind.
  const existing = lstatOrUndefined(targetPath);
  if (existing?.isSymbolicLink()) unlinkSync(targetPath);
  // setuid, setgid and sticky bits are dropped
  const fd = openSync(targetPath, 'w', (entry.mode ?? 0o600) & 0o777);
  let written = 0;
  entry.on('data', (chunk: Buffer) => {
    const room = entry.size - written;
    if (room <= 0) return;
    const slice = chunk.length > room ? chunk.subarray(0, room) : chunk;
    writeSync(fd, slice);
    written += slice.length;
  });
  entry.on('end', () => {
    closeSync(fd);
    x.total += written;
    if (entry.mtime) utimesSync(targetPath, entry.mtime, entry.mtime);
  });
}

function lstatOrUndefined(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function onEntry(x: Extraction, entry: tar.ReadEntry): void {
  const type = entry.type;
  const isFile = type === 'File' || type === 'OldFile';
  if (!isFile && type !== 'Directory' && type !== 'SymbolicLink') {
    x.logger.debug(`untar: skipping ${type} entry ${JSON.stringify(entry.path)}`);
    entry.resume();
    return;
  }
  const target = targetName(x, entry.path);
  if (target === undefined || isIgnored(x, target, type === 'Directory')) {
    entry.resume();
    return;
  }
  const targetPath = path.join(x.dest, target);
  if (!isWithin(x.dest, targetPath) || !staysInside(x.dest, path.dirname(targetPath))) {
    x.logger.debug(`untar: skipping entry ${JSON.stringify(target)} that would leave the destination`);
    entry.resume();
    return;
  }
  mkdirSync(path.dirname(targetPath), { recursive: true, mode: DIR_MODE });
  if (type === 'Directory') {
    mkdirSync(targetPath, { recursive: true, mode: DIR_MODE });
    entry.resume();
    return;
  }
  if (type === 'SymbolicLink') {
    const link = entry.linkpath ?? '';
    if (!validRelPath(link) || !isWithin(x.dest, path.resolve(path.dirname(targetPath), link))) {
      x.logger.debug(`untar: skipping symlink ${JSON.stringify(target)} with unsafe target ${JSON.stringify(link)}`);
    } else {
      try {
        symlinkSync(link, targetPath);
        if (!staysInside(x.dest, targetPath)) {
          x.logger.debug(`untar: skipping symlink ${JSON.stringify(target)} that leads out through ${JSON.stringify(link)}`);
          unlinkSync(targetPath);
        }
      } catch (err) {
        x.logger.warning(`untar: could not create symlink ${JSON.stringify(target)}: ${(err as Error).message}`);
      }
    }
    entry.resume();
    return;
  }
  writeFile(x, entry, target, targetPath);
}

/** The first two bytes of file, to tell gzip (1f 8b) from a plain tar as Kargo does. */
async function readMagic(file: string, displayIn: string, workDir: string): Promise<Buffer> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    throw new Error(`failed to open tar file ${JSON.stringify(displayIn)}: ${describeFsError(err, workDir)}`, { cause: err });
  }
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    if (bytesRead === 0) throw new Error('failed to read file header: EOF');
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Stream the archive (gunzipped when it starts with gzip's magic bytes) through a tar parser
 * that extracts each entry into x.dest as it arrives.
 */
async function extractToDir(file: string, displayIn: string, x: Extraction, workDir: string): Promise<void> {
  const magic = await readMagic(file, displayIn, workDir);
  const gzipped = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const raw = createReadStream(file);
  const source: Readable = gzipped ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => source.destroy(err));
  let failure: (Error & { code?: string }) | undefined;
  let entries = 0;
  let sawData = false;
  const parser = new tar.Parser({
    strict: true,
    onReadEntry: (entry) => {
      entries++;
      onEntry(x, entry);
    }
  });
  parser.on('error', (err: Error) => {
    failure ??= err;
  });
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (!sawData && chunk.some((byte) => byte !== 0)) sawData = true;
      parser.write(chunk);
      if (failure) break;
    }
    if (!failure) parser.end();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new Error(`error reading tar: gzip: ${(err as Error).message}`, { cause: err });
    }
    throw err;
  } finally {
    source.destroy();
    raw.destroy();
  }
  // An archive of nothing but zero blocks is a valid empty archive (Go reads it as EOF).
  if (failure && !(entries === 0 && !sawData && failure.code === 'TAR_BAD_ARCHIVE')) {
    throw new Error(`error reading tar: ${failure.message}`, { cause: failure });
  }
}

/** Replace dest with the extracted tree: rename the old one aside, move the new one in. */
async function swapInto(extracted: string, dest: string, workDir: string, displayOut: string): Promise<void> {
  const existing = await fs.lstat(dest).catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
  if (existing && !existing.isDirectory()) {
    throw new Error(`failed to create directory ${JSON.stringify(displayOut)}: mkdir ${displayOut}: not a directory`);
  }
  if (!existing) {
    await fs.mkdir(path.dirname(dest), { recursive: true, mode: DIR_MODE });
    await fs.rename(extracted, dest);
    return;
  }
  const aside = path.join(workDir, `.untar-old-${randomBytes(6).toString('hex')}`);
  await fs.rename(dest, aside);
  try {
    await fs.rename(extracted, dest);
  } catch (err) {
    await fs.rename(aside, dest);
    throw err;
  }
  await fs.rm(aside, { recursive: true, force: true });
}

/** untar: extracts a (gzipped) tar file into a directory of the WorkDir, replacing its content. */
export const untarRunner: StepRunner<UntarConfig> = {
  name: 'untar',
  schema: untarSchema,
  effects: 'local',
  run: async (ctx): Promise<StepResult> => {
    const { inPath, outPath, stripComponents = 0, ignore } = ctx.config;
    const workDir = await fs.realpath(ctx.workDir);
    const absIn = secureJoin(workDir, inPath);
    const absOut = secureJoin(workDir, outPath);
    if (absOut === workDir) {
      return { status: 'Errored', error: new Error(`outPath ${JSON.stringify(outPath)} must name a directory below the working directory, not the working directory itself`) };
    }
    const temp = await fs.mkdtemp(path.join(workDir, '.untar-'));
    try {
      const patterns = ignoreLines(ignore);
      const x: Extraction = {
        dest: temp,
        strip: stripComponents,
        ignoreExact: ignore === undefined ? undefined : ignore.trim(),
        ignored: ignoreMatcher(patterns.length > 0 ? patterns : ['.git']),
        logger: ctx.logger,
        total: 0
      };
      try {
        await extractToDir(absIn, inPath, x, workDir);
        dropEscapingLinks(temp, temp, ctx.logger);
      } catch (err) {
        const message = `failed to extract tar file ${JSON.stringify(inPath)}: ${describeFsError(err, workDir)}`;
        return { status: 'Errored', error: new Error(message, { cause: err }) };
      }
      try {
        await swapInto(temp, absOut, workDir, outPath);
      } catch (err) {
        return { status: 'Errored', error: new Error(describeFsError(err, workDir), { cause: err }) };
      }
      return { status: 'Succeeded' };
    } finally {
      await fs.rm(temp, { recursive: true, force: true });
    }
  }
};
