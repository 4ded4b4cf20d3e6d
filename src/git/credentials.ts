// Credential lookup for a git remote, and masking of every form a log could show.

import { findCredentials, type Credentials } from '../credentials/index.js';
import type { Capabilities } from '../promotion/types.js';
import { secretForms } from './exec.js';
import { credentialsFromURL, splitUserInfo } from './url.js';

/**
 * The credentials for repoURL (the `secrets` input, then the github token for the workflow's
 * GitHub server, then a password written in the URL itself), every form of them registered
 * with caps.mask. undefined: go anonymous.
 */
export function gitCredentialsFor(caps: Capabilities, repoURL: string): Credentials | undefined {
  const inURL = credentialsFromURL(repoURL);
  if (inURL) maskCredentials(caps, inURL);
  const found = findCredentials(caps, 'git', splitUserInfo(repoURL).url) ?? inURL;
  if (found) maskCredentials(caps, found);
  return found;
}

/** Register the raw token, its URL-encoded form and the Basic header value as secrets. */
export function maskCredentials(caps: Pick<Capabilities, 'mask'>, credentials: Credentials): void {
  for (const form of secretForms(credentials)) caps.mask(form);
}

/** Mask an armored signing key line by line (logs are masked per line). */
export function maskSigningKey(caps: Pick<Capabilities, 'mask'>, key: string | undefined): void {
  if (!key) return;
  caps.mask(key);
  for (const line of key.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= 8 && !trimmed.startsWith('-----')) caps.mask(trimmed);
  }
}
