import { notImplemented } from './not-implemented.js';

export const copyRunner = notImplemented('copy');
