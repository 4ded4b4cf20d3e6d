import { notImplemented } from './not-implemented.js';

export const gitCommitRunner = notImplemented('git-commit');
