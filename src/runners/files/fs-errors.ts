// File-system errors as messages that name the path relative to the WorkDir (never the
// runner's temp layout) in Go's `op path: reason` shape, as Kargo's SanitizePathError does.

import path from 'node:path';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'file exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTEMPTY: 'directory not empty',
  ELOOP: 'too many levels of symbolic links',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EXDEV: 'invalid cross-device link',
  ENAMETOOLONG: 'file name too long'
};

interface NodeFsError {
  code?: string;
  syscall?: string;
  path?: string;
  message?: string;
}

/** A path relative to root, or its base name when it lies outside root (ContainedRelPath). */
export function containedRelPath(root: string, p: string): string {
  const rel = path.relative(root, p);
  if (rel === '') return '.';
  if (rel.split(path.sep).includes('..') || path.isAbsolute(rel)) return path.basename(p);
  return rel;
}

/** `lstat foo/bar.txt: no such file or directory` for a Node fs error; other errors as they are. */
export function describeFsError(err: unknown, root: string): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodeFsError;
  // Duck-typed: errors from Node's fs may come from another realm (e.g. under Jest).
  if (typeof e.code === 'string' && typeof e.path === 'string') {
    const reason = REASONS[e.code] ?? e.code.toLowerCase();
    const op = e.syscall ?? 'access';
    return `${op} ${containedRelPath(root, e.path)}: ${reason}`;
  }
  return typeof e.message === 'string' ? e.message : String(err);
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeFsError | undefined)?.code === 'ENOENT';
}
