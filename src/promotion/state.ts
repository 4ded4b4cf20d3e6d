import type { State } from './types.js';

/**
 * A deep copy of JSON-native data (Kargo's runtime.DeepCopyJSON): maps, arrays and scalars.
 * Written out rather than structuredClone so copies are plain objects of this realm.
 */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => deepCopy(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    // defineProperty, so a "__proto__" key in user data stays data
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(copy, key, { value: deepCopy(item), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
  }
  return value;
}

export function getState(state: State, key: string): [unknown, boolean] {
  return Object.prototype.hasOwnProperty.call(state, key) ? [state[key], true] : [undefined, false];
}
