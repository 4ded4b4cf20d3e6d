import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import {
  clientFor,
  isImageMediaType,
  isIndexMediaType,
  parseJSON,
  parseOCIReference,
  type Descriptor,
  type ImageManifest,
  type IndexManifest,
  type Manifest,
  type Reference,
  type RegistryClient
} from '../oci/index.js';
import { prepareOutputPath, writeStreamAtomic } from '../oci/output-file.js';
import { BodyTooLargeError, errorText } from '../oci/transport.js';
import { ociDownloadSchema, type OciDownloadConfig } from './schemas/oci-download.js';

// Kargo's oci-download step (oci_downloader.go): pull one layer of an OCI artifact (a Helm chart,
// any `oras push`ed file) into a file in the WorkDir, byte for byte as stored (still compressed).

export const MAX_OCI_ARTIFACT_BYTES = 100 << 20;

/** go-containerregistry's default platform when an index is given where an image is wanted. */
const DEFAULT_PLATFORM = { os: 'linux', architecture: 'amd64' };

function errored(error: unknown): StepResult {
  return { status: 'Errored', error };
}

/** ggcr's remote.Image: an image manifest, or the linux/amd64 child of an index. */
async function resolveImage(client: RegistryClient, ref: Reference, reference: string, depth = 0): Promise<ImageManifest> {
  const manifest: Manifest = await client.getManifest(ref.repository, reference);
  if (isImageMediaType(manifest.mediaType)) return parseJSON<ImageManifest>(manifest.bytes, 'manifest');
  if (isIndexMediaType(manifest.mediaType) && depth < 4) {
    const index = parseJSON<IndexManifest>(manifest.bytes, 'image index');
    const child = (index.manifests ?? []).find((d: Descriptor) => {
      const platform = d.platform ?? DEFAULT_PLATFORM;
      return platform.os === DEFAULT_PLATFORM.os && platform.architecture === DEFAULT_PLATFORM.architecture;
    });
    if (!child?.digest) {
      throw new Error(`no child with platform ${DEFAULT_PLATFORM.os}/${DEFAULT_PLATFORM.architecture} in index ${ref.original}`);
    }
    return resolveImage(client, ref, child.digest, depth + 1);
  }
  throw new Error(`unexpected media type for an image: ${JSON.stringify(manifest.mediaType)}`);
}

/** The first layer, or the first of mediaType. */
export function findTargetLayer(manifest: ImageManifest, mediaType: string | undefined): Descriptor {
  const layers = manifest.layers ?? [];
  if (layers.length === 0) throw new Error('image has no layers');
  if (!mediaType) return layers[0] as Descriptor;
  const layer = layers.find((l) => l.mediaType === mediaType);
  if (!layer) throw new Error(`no layer found with media type ${JSON.stringify(mediaType)}`);
  return layer;
}

/** oci-download: downloads a layer of an OCI artifact into the WorkDir. */
export const ociDownloadRunner: StepRunner<OciDownloadConfig> = {
  name: 'oci-download',
  schema: ociDownloadSchema,
  effects: 'reads-remote',
  run: async (ctx) => {
    const cfg = ctx.config;
    let target: string;
    try {
      target = await prepareOutputPath(ctx.workDir, cfg.outPath, cfg.allowOverwrite ?? false);
    } catch (err) {
      return errored(err);
    }

    let ref: Reference;
    let client: RegistryClient;
    try {
      const parsed = parseOCIReference(cfg.imageRef);
      ref = parsed.ref;
      client = clientFor(ctx.capabilities, ref, parsed.credType, {
        insecureSkipTLSVerify: cfg.insecureSkipTLSVerify,
        signal: ctx.signal
      });
    } catch (err) {
      return errored(new Error(`failed to parse image reference ${JSON.stringify(cfg.imageRef)}: ${errorText(err)}`, { cause: err }));
    }

    let manifest: ImageManifest;
    try {
      manifest = await resolveImage(client, ref, ref.digest ?? ref.tag ?? 'latest');
    } catch (err) {
      return errored(new Error(`failed to resolve image ${JSON.stringify(cfg.imageRef)}: ${errorText(err)}`, { cause: err }));
    }

    let layer: Descriptor;
    try {
      layer = findTargetLayer(manifest, cfg.mediaType);
    } catch (err) {
      return errored(new Error(`failed to find target layer: ${errorText(err)}`));
    }
    const size = layer.size ?? 0;
    if (size > MAX_OCI_ARTIFACT_BYTES) {
      return errored(new TerminalError(`layer size ${size} exceeds maximum allowed size of ${MAX_OCI_ARTIFACT_BYTES} bytes`));
    }

    try {
      const blob = await client.getBlob(ref.repository, layer.digest ?? '');
      await writeStreamAtomic(blob.stream, target, MAX_OCI_ARTIFACT_BYTES, ctx.signal);
    } catch (err) {
      const wrapped = new Error(`failed to copy layer content: ${errorText(err)}`, { cause: err });
      return errored(err instanceof BodyTooLargeError ? new TerminalError(wrapped) : wrapped);
    }
    ctx.logger.debug(`downloaded layer ${layer.digest} (${layer.mediaType}) of ${ref.original}`);
    return { status: 'Succeeded' };
  }
};
