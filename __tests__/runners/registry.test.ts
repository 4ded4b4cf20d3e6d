import { builtinRegistry, KARGO_STEP_NAMES } from '../../src/runners/index.js';

describe('the built-in registry', () => {
  it('implements every one of Kargo\'s 35 built-in steps', () => {
    const registry = builtinRegistry();
    expect(KARGO_STEP_NAMES).toHaveLength(35);
    expect(KARGO_STEP_NAMES.filter((name) => !registry.has(name))).toEqual([]);
  });

  it.each([...builtinRegistry().values()].map((r) => [r.name, r] as const))('%s has a JSON schema and declares its effects', (_name, runner) => {
    expect(runner.schema).toMatchObject({ type: 'object' });
    expect(typeof runner.effects === 'function' || ['local', 'reads-remote', 'writes-remote'].includes(runner.effects)).toBe(true);
  });
});
