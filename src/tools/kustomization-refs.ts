// Kargo runs kustomize's library on a file system confined to the WorkDir. We run the kustomize
// binary, which can read any file the runner can (`configMapGenerator.files: [/proc/1/environ]`
// would put the runner's secrets into rendered manifests that a later step pushes). So before the
// build, every local file or directory a kustomization refers to, in it and in the kustomizations
// it pulls in, must resolve (symlinks included) inside the WorkDir.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { isWithin } from '../fs/paths.js';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Top-level fields whose strings (or whose entries' listed keys) name local files or dirs. */
const PATH_LISTS = ['resources', 'components', 'bases', 'crds', 'patchesStrategicMerge', 'configurations', 'generators', 'transformers', 'validators'];
const ENTRY_PATH_KEYS: Record<string, string[]> = {
  patches: ['path'],
  patchesJson6902: ['path'],
  replacements: ['path'],
  configMapGenerator: ['files', 'envs', 'env'],
  secretGenerator: ['files', 'envs', 'env'],
  helmCharts: ['valuesFile', 'additionalValuesFiles'],
  openapi: ['path']
};

export class KustomizationEscapeError extends Error {}

function isRemote(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(ref) || ref.startsWith('git@');
}

/** `key=path` and `path` forms of generator `files`; env files are plain paths. */
function stripKey(ref: string): string {
  const eq = ref.indexOf('=');
  return eq > 0 && !ref.slice(0, eq).includes('/') ? ref.slice(eq + 1) : ref;
}

function asStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Every local reference of one kustomization, with the field that holds it. */
export function localReferences(doc: Record<string, unknown>): [field: string, ref: string][] {
  const refs: [string, string][] = [];
  for (const field of PATH_LISTS) for (const ref of asStrings(doc[field])) refs.push([field, ref]);
  for (const [field, keys] of Object.entries(ENTRY_PATH_KEYS)) {
    const value = doc[field];
    const entries = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : [];
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue;
      for (const key of keys) {
        for (const ref of asStrings((entry as Record<string, unknown>)[key])) refs.push([`${field}.${key}`, stripKey(ref)]);
      }
    }
  }
  // Multi-line strings are inline patches, not paths.
  return refs.filter(([, ref]) => ref !== '' && !ref.includes('\n') && !isRemote(ref));
}

async function kustomizationIn(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = path.join(dir, name);
    if (await fs.stat(file).then((s) => s.isFile(), () => false)) return file;
  }
  return undefined;
}

async function realpathOrSelf(p: string): Promise<string> {
  return fs.realpath(p).catch(() => p);
}

/**
 * Throws KustomizationEscapeError naming the file and field of the first reference that leads
 * outside workDir. Missing files are left for kustomize to report.
 */
export async function checkKustomizationReferences(workDir: string, dir: string, seen = new Set<string>()): Promise<void> {
  const root = await realpathOrSelf(workDir);
  const realDir = await realpathOrSelf(dir);
  if (seen.has(realDir)) return;
  seen.add(realDir);
  const file = await kustomizationIn(realDir);
  if (!file) return;
  const doc = parse(await fs.readFile(file, 'utf8')) as unknown;
  if (!doc || typeof doc !== 'object') return;
  for (const [field, ref] of localReferences(doc as Record<string, unknown>)) {
    const target = await realpathOrSelf(path.resolve(realDir, ref));
    if (!isWithin(root, target)) {
      const where = path.relative(root, file);
      throw new KustomizationEscapeError(`${where}: ${field} refers to ${JSON.stringify(ref)}, which is outside the working directory; kustomize-build only reads files inside it`);
    }
    if (await fs.stat(target).then((s) => s.isDirectory(), () => false)) await checkKustomizationReferences(workDir, target, seen);
  }
}
