import { notImplemented } from './not-implemented.js';

export const helmUpdateChartRunner = notImplemented('helm-update-chart');
