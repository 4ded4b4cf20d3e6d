import { isTerminal } from '../../src/promotion/errors.js';
import { setFreightAliasRunner } from '../../src/runners/set-freight-alias.js';
import { runStep } from '../helpers/step-context.js';

const freight = {
  items: {
    'Warehouse/web': { name: 'f0a1b2', alias: 'wonky-wombat', origin: { kind: 'Warehouse' as const, name: 'web' } },
    'Warehouse/db': { name: 'c3d4e5', origin: { kind: 'Warehouse' as const, name: 'db' } }
  }
};

describe('set-freight-alias', () => {
  it.each([
    ['neither name nor alias', {}],
    ['no alias', { name: 'f0a1b2' }],
    ['an empty alias', { name: 'f0a1b2', alias: '' }],
    ['an unknown field', { name: 'f0a1b2', alias: 'x', labels: {} }]
  ])('rejects %s', async (_n, config) => {
    const result = await runStep(setFreightAliasRunner, config, { freight });
    expect(result.status).toBe('Failed');
    expect((result.error as Error).message).toMatch(/^invalid set-freight-alias config: /);
  });

  it.each([
    ['f0a1b2', 'release-1-2', 'updated alias of Freight "f0a1b2" from "wonky-wombat" to "release-1-2"'],
    ['c3d4e5', 'db-v7', 'updated alias of Freight "c3d4e5" from "" to "db-v7"']
  ])('sets the alias of %s to %s', async (name, alias, message) => {
    const result = await runStep(setFreightAliasRunner, { name, alias }, { freight });
    expect(result).toEqual({ status: 'Succeeded', message, output: { name, alias } });
  });

  it('fails terminally for a Freight the workflow was not given', async () => {
    const result = await runStep(setFreightAliasRunner, { name: 'nope', alias: 'x' }, { freight });
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(
      'freight "nope" not found in project "test-project" (a workflow knows only the Freight given in the freight input)'
    );
  });
});
