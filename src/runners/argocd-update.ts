import { notImplemented } from './not-implemented.js';

export const argocdUpdateRunner = notImplemented('argocd-update');
