import { notImplemented } from './not-implemented.js';

export const setMetadataRunner = notImplemented('set-metadata');
