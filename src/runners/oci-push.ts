import { TerminalError } from '../promotion/errors.js';
import type { StepResult, StepRunner } from '../promotion/types.js';
import {
  artifactSize,
  clientFor,
  contextOf,
  formatByteCount,
  parseAnnotationScopes,
  parseOCIReference,
  pushArtifact,
  type Endpoint,
  type Manifest
} from '../oci/index.js';
import { ociPushSchema, type OciPushConfig } from './schemas/oci-push.js';
import { errorText } from '../oci/transport.js';

// Kargo's oci-push step (oci_pusher.go): copy an image or image index (container images, Helm
// charts) to another tag, repository or registry, optionally annotating the manifests.

/** Kargo's default MAX_OCI_PUSH_ARTIFACT_SIZE: 1 GiB of compressed config + layers. */
export const DEFAULT_MAX_PUSH_BYTES = 1 << 30;

/** MAX_OCI_PUSH_ARTIFACT_SIZE: bytes; 0 disables cross-repository pushes; negative: no limit. */
export function maxArtifactSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MAX_OCI_PUSH_ARTIFACT_SIZE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_PUSH_BYTES;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw new TerminalError(`MAX_OCI_PUSH_ARTIFACT_SIZE must be a whole number of bytes (0 disables cross-repository pushes, -1 lifts the limit), got ${JSON.stringify(raw)}`);
  }
  return Number(raw.trim());
}

function failed(error: unknown): StepResult {
  return { status: 'Failed', error };
}

function errored(error: unknown): StepResult {
  return { status: 'Errored', error };
}

/** oci-push: copies or retags an OCI image or index. */
export const ociPushRunner: StepRunner<OciPushConfig> = {
  name: 'oci-push',
  schema: ociPushSchema,
  effects: 'writes-remote',
  run: async (ctx) => {
    const cfg = ctx.config;
    let limit: number;
    try {
      limit = maxArtifactSize();
    } catch (err) {
      return errored(err);
    }
    let src: Endpoint;
    let dst: Endpoint;
    const options = { insecureSkipTLSVerify: cfg.insecureSkipTLSVerify, signal: ctx.signal };
    try {
      const parsed = parseOCIReference(cfg.srcRef);
      src = { ref: parsed.ref, client: clientFor(ctx.capabilities, parsed.ref, parsed.credType, options) };
    } catch (err) {
      return failed(new TerminalError(`failed to parse source reference ${JSON.stringify(cfg.srcRef)}: ${errorText(err)}`));
    }
    try {
      const parsed = parseOCIReference(cfg.destRef);
      dst = { ref: parsed.ref, client: clientFor(ctx.capabilities, parsed.ref, parsed.credType, options) };
    } catch (err) {
      return failed(new TerminalError(`failed to parse destination reference ${JSON.stringify(cfg.destRef)}: ${errorText(err)}`));
    }

    let top: Manifest;
    try {
      top = await src.client.getManifest(src.ref.repository, src.ref.digest ?? src.ref.tag ?? 'latest');
    } catch (err) {
      return errored(new Error(`failed to get source artifact ${JSON.stringify(cfg.srcRef)}: ${errorText(err)}`, { cause: err }));
    }

    // Within one repository the blobs are already there: only cross-repository copies count.
    if (limit >= 0 && contextOf(src.ref) !== contextOf(dst.ref)) {
      if (limit === 0) return errored(new TerminalError('cross-repository push is disabled'));
      let size: number;
      try {
        size = await artifactSize(src, top);
      } catch (err) {
        return errored(err);
      }
      if (size > limit) {
        return errored(
          new TerminalError(`compressed artifact size ${formatByteCount(size)} exceeds maximum allowed size of ${formatByteCount(limit)}`)
        );
      }
    }

    let digest: string;
    try {
      digest = await pushArtifact(src, dst, top, parseAnnotationScopes(cfg.annotations as Record<string, string> | undefined));
    } catch (err) {
      return errored(err);
    }
    ctx.logger.info(`pushed ${cfg.srcRef} to ${dst.ref.original} (${digest})`);
    return {
      status: 'Succeeded',
      output: { image: dst.ref.original, digest, tag: dst.ref.digest ? '' : (dst.ref.tag ?? '') }
    };
  }
};
