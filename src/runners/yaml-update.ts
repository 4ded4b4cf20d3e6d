import { notImplemented } from './not-implemented.js';

export const yamlUpdateRunner = notImplemented('yaml-update');
