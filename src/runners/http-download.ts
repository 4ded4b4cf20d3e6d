import { notImplemented } from './not-implemented.js';

export const httpDownloadRunner = notImplemented('http-download');
