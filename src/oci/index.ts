// A small OCI distribution client for the oci-download and oci-push steps.
export * from './client.js';
export * from './copy.js';
export * from './manifest.js';
export * from './reference.js';

import { findCredentials } from '../credentials/index.js';
import type { Capabilities } from '../promotion/types.js';
import { RegistryClient } from './client.js';
import { contextOf, type Reference } from './reference.js';

/**
 * A client for ref's registry with the credentials Kargo would pick (ociAuthOption): looked up
 * by `registry/repository`, prefixed with oci:// for Helm charts; anonymous when none match.
 */
export function clientFor(
  caps: Capabilities,
  ref: Reference,
  credType: 'image' | 'helm',
  options: { insecureSkipTLSVerify?: boolean; signal?: AbortSignal }
): RegistryClient {
  const repoURL = credType === 'helm' ? `oci://${contextOf(ref)}` : contextOf(ref);
  const creds = findCredentials(caps, credType, repoURL);
  const usable = creds && (creds.username !== '' || creds.password !== '') ? creds : undefined;
  return new RegistryClient(ref.registry, {
    credentials: usable ? { username: usable.username, password: usable.password } : undefined,
    insecureSkipTLSVerify: options.insecureSkipTLSVerify,
    signal: options.signal
  });
}
