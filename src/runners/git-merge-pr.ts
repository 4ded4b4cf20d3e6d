import { notImplemented } from './not-implemented.js';

export const gitMergePrRunner = notImplemented('git-merge-pr');
