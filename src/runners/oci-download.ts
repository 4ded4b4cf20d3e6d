import { notImplemented } from './not-implemented.js';

export const ociDownloadRunner = notImplemented('oci-download');
