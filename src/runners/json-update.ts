import { notImplemented } from './not-implemented.js';

export const jsonUpdateRunner = notImplemented('json-update');
