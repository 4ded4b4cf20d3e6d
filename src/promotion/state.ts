import type { State } from './types.js';

/** A deep copy of JSON-native data (Kargo's runtime.DeepCopyJSON). */
export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

export function getState(state: State, key: string): [unknown, boolean] {
  return Object.prototype.hasOwnProperty.call(state, key) ? [state[key], true] : [undefined, false];
}
