// Copying images and indexes between repositories (Kargo's oci-push over go-containerregistry's
// remote.Write / remote.WriteIndex): blobs first (skipped when present, mounted from the source
// repository on the same registry, else streamed across), child manifests by digest, and the
// top manifest by tag last, so a tag never points at something incomplete.

import { TerminalError } from '../promotion/errors.js';
import {
  isImageMediaType,
  isIndexMediaType,
  isNonDistributable,
  pullScope,
  pushScope,
  sha256Digest,
  type Manifest,
  type RegistryClient
} from './client.js';
import { marshalIndex, marshalManifest, parseJSON, type Descriptor, type ImageManifest, type IndexManifest } from './manifest.js';
import { contextOf, DEFAULT_REGISTRY, type Reference } from './reference.js';
import { errorText } from './transport.js';

export interface Endpoint {
  ref: Reference;
  client: RegistryClient;
}

export interface AnnotationScopes {
  index: Record<string, string>;
  manifest: Record<string, string>;
}

/** `index:` keys go to an index, `manifest:` and plain keys to image manifests. */
export function parseAnnotationScopes(annotations: Record<string, string> | undefined): AnnotationScopes {
  const scopes: AnnotationScopes = { index: {}, manifest: {} };
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (key.startsWith('index:')) scopes.index[key.slice('index:'.length)] = value;
    else if (key.startsWith('manifest:')) scopes.manifest[key.slice('manifest:'.length)] = value;
    else scopes.manifest[key] = value;
  }
  return scopes;
}

/** Go's FormatByteCount (largest IEC unit, one decimal). */
export function formatByteCount(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function imageSize(manifest: ImageManifest): number {
  return (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0);
}

/** Compressed size of config + layers, over every child of an index; no blob is downloaded. */
export async function artifactSize(src: Endpoint, top: Manifest): Promise<number> {
  if (isImageMediaType(top.mediaType)) return imageSize(parseJSON<ImageManifest>(top.bytes, 'source image manifest'));
  if (isIndexMediaType(top.mediaType)) {
    const index = parseJSON<IndexManifest>(top.bytes, 'source image index');
    let total = 0;
    for (const child of index.manifests ?? []) {
      let manifest: Manifest;
      try {
        manifest = await src.client.getManifest(src.ref.repository, child.digest ?? '');
      } catch (err) {
        throw new Error(`failed to resolve child image ${child.digest}: ${errorText(err)}`, { cause: err });
      }
      total += await artifactSize(src, manifest);
    }
    return total;
  }
  throw new TerminalError(`unsupported media type ${JSON.stringify(top.mediaType)}`);
}

interface Copier {
  src: Endpoint;
  dst: Endpoint;
  scopes: string[];
  /** Blobs and manifests already handled, by digest. */
  done: Set<string>;
}

async function copyBlob(c: Copier, descriptor: Descriptor): Promise<void> {
  const digest = descriptor.digest ?? '';
  if (isNonDistributable(descriptor.mediaType ?? '') || c.done.has(digest)) return;
  c.done.add(digest);
  const { client, ref } = c.dst;
  if (await client.blobExists(ref.repository, digest, c.scopes)) return;
  let mount: { digest: string; from: string; origin: string } | undefined = {
    digest,
    from: c.src.ref.repository,
    origin: c.src.ref.registry
  };
  // ggcr: mounting across registries keeps breaking on Docker Hub.
  if (ref.registry === DEFAULT_REGISTRY && c.src.ref.registry !== ref.registry) mount = undefined;
  if (contextOf(c.src.ref) === contextOf(ref)) mount = undefined;
  const location = await client.startUpload(ref.repository, c.scopes, mount);
  if (location === undefined) return;
  const { stream, size } = await c.src.client.getBlob(c.src.ref.repository, digest);
  await client.upload(location, c.scopes, stream, descriptor.size ?? size, digest);
}

/** Push bytes as a manifest under reference unless the destination already has it. */
async function putManifest(c: Copier, reference: string, bytes: Buffer, mediaType: string): Promise<void> {
  const { client, ref } = c.dst;
  const existing = await client.headManifest(ref.repository, reference, c.scopes);
  if (existing === sha256Digest(bytes)) return;
  await client.putManifest(ref.repository, reference, bytes, mediaType, c.scopes);
}

/** The bytes to push for an image: annotated (re-serialised) or exactly as the source had them. */
function imageBytes(source: Manifest, annotations: Record<string, string>): Buffer {
  if (Object.keys(annotations).length === 0) return source.bytes;
  const manifest = parseJSON<ImageManifest>(source.bytes, 'image manifest');
  manifest.annotations = { ...(manifest.annotations ?? {}), ...annotations };
  return marshalManifest(manifest);
}

async function copyImageContent(c: Copier, source: Manifest): Promise<void> {
  const manifest = parseJSON<ImageManifest>(source.bytes, 'image manifest');
  for (const layer of manifest.layers ?? []) await copyBlob(c, layer);
  if (manifest.config) await copyBlob(c, manifest.config);
}

/** Copy an index's children; returns the index bytes to push (children's digests rewritten). */
async function copyIndexContent(c: Copier, source: Manifest, scopes: AnnotationScopes, top: boolean): Promise<Buffer> {
  const index = parseJSON<IndexManifest>(source.bytes, 'image index');
  const annotateChildren = top && Object.keys(scopes.manifest).length > 0;
  const rewritten: Descriptor[] = [];
  for (const child of index.manifests ?? []) {
    const mediaType = child.mediaType ?? '';
    const digest = child.digest ?? '';
    if (isImageMediaType(mediaType)) {
      const manifest = await c.src.client.getManifest(c.src.ref.repository, digest);
      const bytes = imageBytes(manifest, annotateChildren ? scopes.manifest : {});
      const newDigest = sha256Digest(bytes);
      if (!c.done.has(`manifest:${newDigest}`)) {
        c.done.add(`manifest:${newDigest}`);
        await copyImageContent(c, manifest);
        await putManifest(c, newDigest, bytes, manifest.mediaType);
      }
      rewritten.push(annotateChildren ? { ...child, digest: newDigest, size: bytes.length } : child);
    } else if (isIndexMediaType(mediaType)) {
      const manifest = await c.src.client.getManifest(c.src.ref.repository, digest);
      const bytes = await copyIndexContent(c, manifest, scopes, false);
      await putManifest(c, digest, bytes, manifest.mediaType);
      rewritten.push(child);
    } else {
      // Neither image nor index: copied as an opaque blob, as go-containerregistry does.
      await copyBlob(c, child);
      rewritten.push(child);
    }
  }
  const hasIndexAnnotations = top && Object.keys(scopes.index).length > 0;
  if (!annotateChildren && !hasIndexAnnotations) return source.bytes;
  if (hasIndexAnnotations) index.annotations = { ...(index.annotations ?? {}), ...scopes.index };
  index.manifests = rewritten;
  return marshalIndex(index);
}

/**
 * Push the artifact `top` (fetched from src) to dst's tag with annotations; resolves to the
 * digest of what the tag now points at.
 */
export async function pushArtifact(src: Endpoint, dst: Endpoint, top: Manifest, annotations: AnnotationScopes): Promise<string> {
  const scopes = [pushScope(dst.ref.repository)];
  if (src.ref.registry === dst.ref.registry && contextOf(src.ref) !== contextOf(dst.ref)) scopes.push(pullScope(src.ref.repository));
  const c: Copier = { src, dst, scopes, done: new Set() };
  const tag = dst.ref.tag ?? 'latest';
  if (isImageMediaType(top.mediaType)) {
    const bytes = imageBytes(top, annotations.manifest);
    try {
      await copyImageContent(c, top);
      await putManifest(c, tag, bytes, top.mediaType);
    } catch (err) {
      throw new Error(`failed to push image to ${JSON.stringify(dst.ref.original)}: ${errorText(err)}`, { cause: err });
    }
    return sha256Digest(bytes);
  }
  if (isIndexMediaType(top.mediaType)) {
    try {
      const bytes = await copyIndexContent(c, top, annotations, true);
      await putManifest(c, tag, bytes, top.mediaType);
      return sha256Digest(bytes);
    } catch (err) {
      throw new Error(`failed to push image index to ${JSON.stringify(dst.ref.original)}: ${errorText(err)}`, { cause: err });
    }
  }
  throw new TerminalError(`unsupported media type ${JSON.stringify(top.mediaType)}`);
}
