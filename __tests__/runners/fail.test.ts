import { isTerminal } from '../../src/promotion/errors.js';
import { failRunner } from '../../src/runners/fail.js';
import { runStep } from '../helpers/step-context.js';

describe('fail', () => {
  it.each([
    [{}, 'failed'],
    [{ message: 'deployment blocked' }, 'failed: deployment blocked']
  ])('config %j fails terminally with %s', async (config, message) => {
    const result = await runStep(failRunner, config);
    expect(result.status).toBe('Failed');
    expect(isTerminal(result.error)).toBe(true);
    expect((result.error as Error).message).toBe(message);
  });

  it('rejects an empty message as an invalid config', async () => {
    const result = await runStep(failRunner, { message: '' });
    expect(result.status).toBe('Failed');
    expect((result.error as Error).message).toMatch(/^invalid fail config: message: must NOT have fewer than 1 characters/);
  });
});
