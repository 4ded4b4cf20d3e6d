import { notImplemented } from './not-implemented.js';

export const gitCloneRunner = notImplemented('git-clone');
