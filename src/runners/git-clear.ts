import { notImplemented } from './not-implemented.js';

export const gitClearRunner = notImplemented('git-clear');
