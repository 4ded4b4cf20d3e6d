import { notImplemented } from './not-implemented.js';

export const githubPushRunner = notImplemented('github-push');
