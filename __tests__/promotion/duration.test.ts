import { formatDuration, parseDuration } from '../../src/promotion/duration.js';

describe('Go durations', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['10s', 10_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['0', 0],
    ['0s', 0]
  ])('parses %s as %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'soon', '5 m', 'm5'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [300_000, '5m0s'],
    [3_600_000, '1h0m0s'],
    [1500, '1.5s'],
    [50, '50ms'],
    [0, '0s']
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
