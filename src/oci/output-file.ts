// Destination files of the download steps (http-download, oci-download), as Kargo writes them:
// the path is clamped into the WorkDir, an existing file is kept unless overwriting is allowed,
// and the content goes to a 0600 temp file beside the target that is renamed into place.

import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { secureJoin } from '../fs/paths.js';
import { TerminalError } from '../promotion/errors.js';
import { BodyTooLargeError, errorText } from './transport.js';

/** The absolute destination for outPath, its directory created; refuses an existing file. */
export async function prepareOutputPath(workDir: string, outPath: string, allowOverwrite: boolean): Promise<string> {
  const target = secureJoin(workDir, outPath);
  if (!allowOverwrite) {
    const exists = await fs.stat(target).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw new Error(`error checking destination file: ${errorText(err)}`, { cause: err });
      }
    );
    if (exists) {
      throw new TerminalError(`file already exists at ${outPath} and overwrite is not allowed; set allowOverwrite: true to replace it`);
    }
  }
  try {
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(`failed to create destination directory: ${errorText(err)}`, { cause: err });
  }
  return target;
}

/**
 * Stream source into target through a temp file; more than limit bytes rejects with
 * BodyTooLargeError and leaves nothing behind. Resolves to the number of bytes written.
 */
export async function writeStreamAtomic(source: Readable, target: string, limit: number, signal?: AbortSignal): Promise<number> {
  const temp = path.join(path.dirname(target), `${path.basename(target)}.tmp${randomBytes(6).toString('hex')}`);
  let total = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (total > limit) return callback(new BodyTooLargeError(limit));
      callback(null, chunk);
    }
  });
  try {
    await pipeline(source, limiter, createWriteStream(temp, { mode: 0o600, flags: 'wx' }), { signal });
    await fs.chmod(temp, 0o600);
    try {
      await fs.rename(temp, target);
    } catch (err) {
      throw new Error(`failed to move file to final destination: ${errorText(err)}`, { cause: err });
    }
  } catch (err) {
    source.destroy();
    await fs.rm(temp, { force: true });
    throw err;
  }
  return total;
}
