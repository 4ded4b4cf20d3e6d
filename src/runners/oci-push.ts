import { notImplemented } from './not-implemented.js';

export const ociPushRunner = notImplemented('oci-push');
