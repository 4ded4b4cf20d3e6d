import { notImplemented } from './not-implemented.js';

export const setFreightAliasRunner = notImplemented('set-freight-alias');
