import { notImplemented } from './not-implemented.js';

export const kustomizeSetImageRunner = notImplemented('kustomize-set-image');
