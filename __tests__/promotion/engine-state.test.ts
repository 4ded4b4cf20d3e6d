import type { StepRunner } from '../../src/promotion/types.js';
import { promote } from '../helpers/promote.js';

describe('shared state', () => {
  it('lets expressions read stepMetas, success() and status() of earlier steps', async () => {
    const result = await promote(`
- {uses: compose-output, as: a, config: {x: 1}}
- {uses: compose-output, as: b, config: {s: "\${{ stepMetas['a'].Status }}", ok: "\${{ success() }}", st: "\${{ status('a') }}", x: "\${{ outputs.a.x }}"}}
`);
    expect(result.state.b).toEqual({ s: 'Succeeded', ok: true, st: 'Succeeded', x: 1 });
  });

  it('gives runners the shared state read-only: a runner that writes to it errors', async () => {
    const mutator: StepRunner = {
      name: 'mutate',
      effects: 'local',
      run: async (ctx) => {
        (ctx.sharedState as Record<string, unknown>).a = 1;
        return { status: 'Succeeded' };
      }
    };
    const nested: StepRunner = {
      name: 'mutate-nested',
      effects: 'local',
      run: async (ctx) => {
        ((ctx.sharedState.a as Record<string, unknown>).x as unknown) = 2;
        return { status: 'Succeeded' };
      }
    };
    const result = await promote(`
- {uses: compose-output, as: a, config: {x: 1}}
- {uses: mutate, as: c, continueOnError: true}
- {uses: mutate-nested, as: d, continueOnError: true}
`, { runners: [mutator, nested] });
    expect(result.steps[1]).toMatchObject({ status: 'Errored' });
    expect(result.steps[1]?.message).toContain('read-only');
    expect(result.steps[2]).toMatchObject({ status: 'Errored' });
    expect(result.state.a).toEqual({ x: 1 });
  });
});

describe('names that are also JavaScript internals', () => {
  it('treats vars, aliases and secrets named __proto__, constructor or toString as plain data', async () => {
    const result = await promote(
      `
vars:
- {name: constructor, value: abc}
- {name: __proto__, value: def}
steps:
- {uses: compose-output, as: __proto__, config: {a: "\${{ vars.constructor }}", b: "\${{ vars['__proto__'] }}", s: "\${{ secret('toString').key }}"}}
- {uses: compose-output, as: toString, config: {seen: "\${{ outputs['__proto__'].a }}"}}
`,
      { vars: { constructor: 'from-input' }, secrets: { toString: { key: 'v' } } }
    );
    expect(result.status).toBe('Succeeded');
    expect(Object.getOwnPropertyDescriptor(result.state, '__proto__')?.value).toEqual({ a: 'from-input', b: 'def', s: 'v' });
    expect(result.state.toString).toEqual({ seen: 'from-input' });
    expect(({} as Record<string, unknown>).a).toBeUndefined();
  });
});
