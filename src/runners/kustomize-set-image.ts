import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { secureJoin } from '../fs/paths.js';
import { originKey, type FreightCollection } from '../promotion/freight.js';
import type { StepContext, StepResult, StepRunner } from '../promotion/types.js';
import { describeFsError } from './files/fs-errors.js';
import { setKustomizationImages, type KustomizeImage } from './files/kustomize-images.js';
import { kustomizeSetImageSchema, type KustomizeSetImageConfig } from './schemas/kustomize-set-image.js';

/** Kustomize's recognised file names, in its order. */
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface ImageConfig {
  image: string;
  name?: string;
  newName?: string;
  tag?: string;
  digest?: string;
}

/** The one regular kustomization file in dir, or an error naming what was (not) found. */
async function findKustomization(workDir: string, dir: string): Promise<string> {
  const secureDir = secureJoin(workDir, dir);
  const found: string[] = [];
  for (const name of KUSTOMIZATION_FILES) {
    const stats = await fs.lstat(path.join(secureDir, name)).catch(() => undefined);
    if (stats?.isFile()) found.push(name);
  }
  if (found.length === 0) throw new Error(`could not find any Kustomization files in ${JSON.stringify(dir)}`);
  if (found.length > 1) {
    throw new Error(`ambiguous result: found multiple Kustomization files in ${JSON.stringify(dir)}: [${found.join(' ')}]`);
  }
  return path.join(secureDir, found[0]);
}

function targetsFromConfig(images: ImageConfig[]): Map<string, KustomizeImage> {
  const targets = new Map<string, KustomizeImage>();
  for (const image of images) {
    const name = image.name || image.image;
    const target: KustomizeImage = { name, newName: image.newName ?? '', newTag: '', digest: '' };
    if (image.digest) target.digest = image.digest;
    else if (image.tag) target.newTag = image.tag;
    targets.set(name, target);
  }
  return targets;
}

/**
 * Every image of the Freight, keyed by repository URL. Kargo refuses when two requested
 * Warehouses subscribe to the same repository; here the Warehouses are not known, so the same
 * repository in the Freight of two origins is the ambiguity.
 */
function targetsFromFreight(freight: FreightCollection): Map<string, KustomizeImage> {
  const references = Object.values(freight.items ?? {}).sort((a, b) => {
    const ka = originKey(a.origin);
    const kb = originKey(b.origin);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const originOf = new Map<string, string>();
  const targets = new Map<string, KustomizeImage>();
  for (const reference of references) {
    const origin = originKey(reference.origin);
    for (const image of reference.images ?? []) {
      const seen = originOf.get(image.repoURL);
      if (seen !== undefined && seen !== origin) {
        throw new Error(
          'manual configuration required due to ambiguous result: multiple requested Freight could potentially ' +
            `provide a container image from repository ${image.repoURL}`
        );
      }
      originOf.set(image.repoURL, origin);
      targets.set(image.repoURL, { name: image.repoURL, newName: '', newTag: image.tag ?? '', digest: image.digest ?? '' });
    }
  }
  return targets;
}

/** Kargo's commit message: every entry of the merged list, sorted by name. */
export function commitMessage(dir: string, images: Map<string, KustomizeImage>): string {
  if (images.size === 0) return '';
  const names = [...images.keys()].sort();
  const lines = names.map((name) => {
    const image = images.get(name) as KustomizeImage;
    let ref = image.newName || image.name;
    if (image.newTag) ref += `:${image.newTag}`;
    if (image.digest) ref += `@${image.digest}`;
    return `\n- ${ref}`;
  });
  return `Updated ${dir} to use new image${images.size > 1 ? 's' : ''}\n${lines.join('')}`;
}

async function run(ctx: StepContext<KustomizeSetImageConfig>): Promise<StepResult> {
  const { path: dir } = ctx.config;
  const images = ctx.config.images as ImageConfig[] | undefined;
  const workDir = path.resolve(ctx.workDir);
  let file: string;
  try {
    file = await findKustomization(workDir, dir);
  } catch (err) {
    return { status: 'Errored', error: new Error(`could not discover kustomization file: ${(err as Error).message}`, { cause: err }) };
  }
  let targets: Map<string, KustomizeImage>;
  try {
    targets = images && images.length > 0 ? targetsFromConfig(images) : targetsFromFreight(ctx.freight);
  } catch (error) {
    return { status: 'Errored', error };
  }
  let src: string;
  try {
    src = await fs.readFile(file, 'utf8');
  } catch (err) {
    return { status: 'Errored', error: new Error(`could not read Kustomization file: ${describeFsError(err, workDir)}`, { cause: err }) };
  }
  let updated: string;
  try {
    updated = setKustomizationImages(src, targets);
  } catch (error) {
    return { status: 'Errored', error };
  }
  if (updated !== src) {
    try {
      await writeFileAtomic(file, updated);
    } catch (err) {
      const message = `could not write updated Kustomization file: ${describeFsError(err, workDir)}`;
      return { status: 'Errored', error: new Error(message, { cause: err }) };
    }
  }
  const message = commitMessage(dir, targets);
  return message ? { status: 'Succeeded', output: { commitMessage: message } } : { status: 'Succeeded' };
}

/** kustomize-set-image: sets image names, tags and digests in a kustomization file. */
export const kustomizeSetImageRunner: StepRunner<KustomizeSetImageConfig> = {
  name: 'kustomize-set-image',
  schema: kustomizeSetImageSchema,
  effects: 'local',
  run
};
