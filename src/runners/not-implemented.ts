// Placeholder for a built-in step whose runner has not landed yet. The registry leaves these
// out, so using such a step is the ordinary "step kind is not registered" input error.
import type { StepRunner } from '../promotion/types.js';

export interface PlaceholderRunner extends StepRunner {
  readonly placeholder: true;
}

export function notImplemented(name: string): PlaceholderRunner {
  return {
    name,
    placeholder: true,
    effects: 'local',
    run: () => Promise.reject(new Error(`step kind "${name}" is not implemented yet`))
  };
}
