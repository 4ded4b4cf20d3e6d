import { notImplemented } from './not-implemented.js';

export const gitWaitForPrRunner = notImplemented('git-wait-for-pr');
