import { notImplemented } from './not-implemented.js';

export const httpRunner = notImplemented('http');
