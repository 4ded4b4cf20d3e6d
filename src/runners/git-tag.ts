import { notImplemented } from './not-implemented.js';

export const gitTagRunner = notImplemented('git-tag');
