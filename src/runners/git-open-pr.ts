import { notImplemented } from './not-implemented.js';

export const gitOpenPrRunner = notImplemented('git-open-pr');
