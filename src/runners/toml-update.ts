import { notImplemented } from './not-implemented.js';

export const tomlUpdateRunner = notImplemented('toml-update');
