import { notImplemented } from './not-implemented.js';

export const tarRunner = notImplemented('tar');
