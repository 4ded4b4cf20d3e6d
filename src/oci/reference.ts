// Image references, parsed as go-containerregistry's name.ParseReference does (non-strict):
// `[registry/]repository[:tag]` or `[registry/]repository@sha256:<hex>`, Docker Hub by default
// (`nginx` -> index.docker.io/library/nginx:latest).

export const DEFAULT_REGISTRY = 'index.docker.io';
const DEFAULT_TAG = 'latest';
const REPOSITORY_CHARS = /^[a-z0-9_\-./]+$/;
const TAG_CHARS = /^[A-Za-z0-9_\-.]+$/;

export class ReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceError';
  }
}

export interface Reference {
  /** e.g. ghcr.io, 127.0.0.1:5000, index.docker.io */
  registry: string;
  /** e.g. library/nginx */
  repository: string;
  tag?: string;
  digest?: string;
  /** The reference as the user wrote it (ggcr's String()). */
  original: string;
}

/** `registry/repository`, ggcr's Repository.String() (Context()). */
export function contextOf(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The tag or digest to address the manifest by. */
export function identifierOf(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

function checkRepository(repository: string): void {
  if (repository.length < 1 || repository.length > 255) {
    throw new ReferenceError(`repository must be between 1 and 255 characters in length: ${repository}`);
  }
  if (!REPOSITORY_CHARS.test(repository)) {
    throw new ReferenceError(`repository can only contain the characters \`abcdefghijklmnopqrstuvwxyz0123456789_-./\`: ${repository}`);
  }
}

function checkRegistry(registry: string): void {
  if (registry === '') return;
  let ok = false;
  try {
    ok = new URL(`http://${registry}`).host === registry.toLowerCase() && !/[/?#@]/.test(registry);
  } catch {
    ok = false;
  }
  if (!ok) throw new ReferenceError(`registries must be valid RFC 3986 URI authorities: ${registry}`);
}

function newRepository(name: string): { registry: string; repository: string } {
  if (name.length === 0) throw new ReferenceError('a repository name must be specified');
  let registry = '';
  let repository = name;
  const slash = name.indexOf('/');
  if (slash >= 0) {
    const maybeRegistry = name.slice(0, slash);
    if (maybeRegistry === 'localhost' || /[.:]/.test(maybeRegistry)) {
      registry = maybeRegistry;
      repository = name.slice(slash + 1);
    }
  }
  checkRepository(repository);
  checkRegistry(registry);
  if (registry === '' || registry === 'docker.io') registry = DEFAULT_REGISTRY;
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository };
}

function newTag(name: string): Reference {
  let base = name;
  let tag = '';
  const parts = name.split(':');
  if (parts.length > 1 && !(parts[parts.length - 1] as string).includes('/')) {
    base = parts.slice(0, -1).join(':');
    tag = parts[parts.length - 1] as string;
    if (tag === '') throw new ReferenceError(`${name} must specify a tag name after the colon`);
  }
  if (tag !== '' && (tag.length > 128 || !TAG_CHARS.test(tag))) {
    throw new ReferenceError(`tag can only contain the characters \`abcdefghijklmnopqrstuvwxyz0123456789_-.ABCDEFGHIJKLMNOPQRSTUVWXYZ\`: ${tag}`);
  }
  return { ...newRepository(base), tag: tag || DEFAULT_TAG, original: name };
}

function newDigest(name: string): Reference {
  const parts = name.split('@');
  if (parts.length !== 2) {
    throw new ReferenceError(`a digest must contain exactly one '@' separator (e.g. registry/repository@digest) saw: ${name}`);
  }
  const [rawBase, digest] = parts as [string, string];
  if (!digest.startsWith('sha256:')) throw new ReferenceError(`unsupported digest algorithm: ${digest}`);
  if (!/^[a-f0-9]{64}$/.test(digest.slice(7))) throw new ReferenceError(`invalid checksum digest format`);
  let base = rawBase;
  try {
    const tagged = newTag(rawBase);
    base = contextOf(tagged);
  } catch {
    // not a valid tag reference: validated as a repository below
  }
  return { ...newRepository(base), digest, original: name };
}

/** ggcr's name.ParseReference: a tag reference, else a digest reference. */
export function parseReference(text: string): Reference {
  try {
    return newTag(text);
  } catch {
    // fall through to a digest reference
  }
  try {
    return newDigest(text);
  } catch {
    throw new ReferenceError(`could not parse reference: ${text}`);
  }
}

/**
 * Kargo's parseOCIReference: an `oci://` prefix marks a Helm chart (Helm credentials); anything
 * else is an image (image credentials).
 */
export function parseOCIReference(text: string): { ref: Reference; credType: 'image' | 'helm' } {
  let credType: 'image' | 'helm' = 'image';
  let rest = text;
  if (rest.startsWith('oci://')) {
    rest = rest.slice('oci://'.length);
    credType = 'helm';
  }
  try {
    return { ref: parseReference(rest), credType };
  } catch (err) {
    throw new ReferenceError(`invalid image reference ${JSON.stringify(rest)}: ${(err as Error).message}`);
  }
}

/** ggcr's Registry.Scheme(): hosts where plain HTTP is tried after HTTPS. */
export function allowsPlainHTTP(registry: string): boolean {
  if (registry.startsWith('localhost:') || /\.localhost(:\d{1,5})?$/.test(registry)) return true;
  if (/^127\.0\.0\.1(:\d{1,5})?$/.test(registry)) return true;
  if (/^(::1|\[::1\](:\d{1,5})?)$/.test(registry)) return true;
  const host = registry.split(':')[0] ?? '';
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !/^[\d.]+$/.test(host)) return false;
  const [a, b] = octets as [number, number, number, number];
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}
