import { describe, expect, it } from 'vitest';
import { checkInt, shown } from '../../src/core/validate.js';
import { HostedClient } from '../../src/hosted/index.js';

describe('validation messages show the type of a wrong value', () => {
  it('a string that looks like a number is named as a string', () => {
    expect(shown(1)).toBe('1');
    expect(shown('1')).toBe('the string "1"');
    expect(shown(null)).toBe('null');
    expect(shown([1])).toBe('an array');
    expect(shown({})).toBe('an object');
    expect(() => checkInt('1', 'limit', 1, 200)).toThrow('limit must be a whole number from 1 to 200, got the string "1"');
  });

  it('reaches the options of a client method', async () => {
    const hosted = new HostedClient({ apiKey: 'ar_test_0123456789', baseUrl: 'http://127.0.0.1:9' });
    // Wrapped, so a synchronous throw and a rejection both count.
    await expect((async () => hosted.runs.list({ limit: '1' as unknown as number }))()).rejects.toThrow(/got the string "1"/);
  });
});
