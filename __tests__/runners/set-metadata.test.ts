import { isTerminal } from '../../src/promotion/errors.js';
import { setMetadataRunner } from '../../src/runners/set-metadata.js';
import { makeStepContext, runStep } from '../helpers/step-context.js';

describe('set-metadata', () => {
  it.each([
    ['an invalid kind', { updates: [{ kind: 'Warehouse', name: 'w', values: { a: 1 } }] }],
    ['an empty name', { updates: [{ kind: 'Stage', name: '', values: { a: 1 } }] }],
    ['empty values', { updates: [{ kind: 'Stage', name: 's', values: {} }] }],
    ['no updates', { updates: [] }],
    ['missing values', { updates: [{ kind: 'Stage', name: 's' }] }],
    ['an unknown field', { updates: [{ kind: 'Stage', name: 's', values: { a: 1 } }], extra: true }]
  ])('rejects %s', async (_n, config) => {
    const result = await runStep(setMetadataRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toMatch(/^invalid set-metadata config: /);
  });

  it.each([
    [
      'Stage values of every JSON type',
      [{ kind: 'Stage', name: 'prod', values: { string: 'bar', num: 42, complex: { nested: [1, { a: true }] }, nothing: null } }],
      { Stage: { prod: { string: 'bar', num: 42, complex: { nested: [1, { a: true }] }, nothing: null } }, Freight: {} }
    ],
    [
      'Freight values',
      [{ kind: 'Freight', name: 'abc123', values: { approvedBy: 'alice' } }],
      { Stage: {}, Freight: { abc123: { approvedBy: 'alice' } } }
    ],
    [
      'later updates of the same resource: keys added, replaced whole, others kept',
      [
        { kind: 'Stage', name: 'prod', values: { keep: 1, complex: { a: 1, b: 2 } } },
        { kind: 'Stage', name: 'prod', values: { complex: { c: 3 }, added: 'x' } },
        { kind: 'Stage', name: 'test', values: { other: true } }
      ],
      { Stage: { prod: { keep: 1, complex: { c: 3 }, added: 'x' }, test: { other: true } }, Freight: {} }
    ]
  ])('outputs %s', async (_n, updates, metadata) => {
    const result = await runStep(setMetadataRunner, { updates });
    expect(result).toEqual({ status: 'Succeeded', output: { metadata } });
  });

  it('fails terminally on a kind the schema would have refused', async () => {
    const result = await setMetadataRunner.run(makeStepContext({ config: { updates: [{ kind: 'Warehouse', name: 'w', values: { a: 1 } }] } }) as any);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe('unsupported kind "Warehouse"');
  });
});
