import type { State } from './types.js';

/**
 * A deep copy of JSON-native data (Kargo's runtime.DeepCopyJSON): maps, arrays and scalars.
 * Written out rather than structuredClone so copies are plain objects of this realm.
 */
export function deepCopy<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => deepCopy(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, deepCopy(item));
    return copy as T;
  }
  return value;
}

/**
 * obj[key] = value as an own data property, so a user's key such as "__proto__" or "constructor"
 * (a var name, an alias, a YAML key) stays data and never reaches a prototype.
 */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

export function getState(state: State, key: string): [unknown, boolean] {
  return Object.prototype.hasOwnProperty.call(state, key) ? [state[key], true] : [undefined, false];
}
