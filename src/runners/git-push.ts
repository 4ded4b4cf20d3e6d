import { notImplemented } from './not-implemented.js';

export const gitPushRunner = notImplemented('git-push');
