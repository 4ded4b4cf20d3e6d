import { notImplemented } from './not-implemented.js';

export const untarRunner = notImplemented('untar');
