import { notImplemented } from './not-implemented.js';

export const yamlParseRunner = notImplemented('yaml-parse');
