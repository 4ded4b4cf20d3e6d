import { notImplemented } from './not-implemented.js';

export const jsonParseRunner = notImplemented('json-parse');
