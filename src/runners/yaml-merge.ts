import { notImplemented } from './not-implemented.js';

export const yamlMergeRunner = notImplemented('yaml-merge');
