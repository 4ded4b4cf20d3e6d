import { notImplemented } from './not-implemented.js';

export const kustomizeBuildRunner = notImplemented('kustomize-build');
