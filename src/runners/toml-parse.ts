import { notImplemented } from './not-implemented.js';

export const tomlParseRunner = notImplemented('toml-parse');
