import { notImplemented } from './not-implemented.js';

export const deleteRunner = notImplemented('delete');
