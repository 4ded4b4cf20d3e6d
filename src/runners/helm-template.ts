import { notImplemented } from './not-implemented.js';

export const helmTemplateRunner = notImplemented('helm-template');
