import { notImplemented } from './not-implemented.js';

export const argocdWaitRunner = notImplemented('argocd-wait');
