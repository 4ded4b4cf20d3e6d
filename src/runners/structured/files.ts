// File access for the structured-file steps: user paths are clamped into the WorkDir (Kargo's
// SecureJoin) and errors name the file as the user wrote it, never the runner's temp layout.

import { promises as fs } from 'node:fs';
import { secureJoin } from '../../fs/paths.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted'
};

/** A file-system error in words, without the absolute path Node puts in its messages. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && REASONS[code]) return REASONS[code] as string;
  return err instanceof Error ? err.message : String(err);
}

export interface UserFile {
  /** The absolute, clamped path. */
  absolute: string;
  /** The path as the user gave it, for messages. */
  display: string;
}

export function userFile(workDir: string, userPath: string): UserFile {
  return { absolute: secureJoin(workDir, userPath), display: userPath };
}

/** Reads a file as UTF-8 or throws `error reading <what> file "<path>": <reason>`. */
export async function readUserFile(file: UserFile, what: string): Promise<string> {
  try {
    return await fs.readFile(file.absolute, 'utf8');
  } catch (err) {
    throw new Error(`error reading ${what} file ${JSON.stringify(file.display)}: ${describeFsError(err)}`, {
      cause: err
    });
  }
}
