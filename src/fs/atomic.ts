// Writes that never leave half a file: write a temp file beside the target, then rename.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number } = {}
): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode = options.mode;
  if (mode === undefined) {
    mode = await fs.stat(target).then((s) => s.mode & 0o7777, () => 0o644);
  }
  try {
    await fs.writeFile(temp, data, { mode });
    await fs.chmod(temp, mode); // the umask must not change the mode we were asked for
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
