import { describe, expect, it } from 'vitest';
import { idleWait } from '../../src/core/idle.js';
import { RequestTimeoutError } from '../../src/core/errors.js';

const timeout = () => new RequestTimeoutError('silent', { statusCode: 408 });
const later = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));

describe('idleWait', () => {
  it('passes a value that arrives in time, and rejects with onIdle() when the wait is too long', async () => {
    await expect(idleWait(later(5, 'x'), 200, timeout)).resolves.toBe('x');
    await expect(idleWait(new Promise(() => {}), 30, timeout)).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it('has no limit without ms, and passes a rejection through', async () => {
    await expect(idleWait(later(40, 1), undefined, timeout)).resolves.toBe(1);
    const boom = new Error('boom');
    await expect(idleWait(Promise.reject(boom), 50, timeout)).rejects.toBe(boom);
  });

  it('counts only the waits: a consumer slower than the timeout between reads is not a silent server', async () => {
    async function* stream(source: AsyncIterator<number>) {
      for (;;) {
        const r = await idleWait(source.next(), 40, timeout);
        if (r.done) return;
        yield r.value;
      }
    }
    async function* source() {
      for (let i = 0; i < 3; i++) yield await later(5, i);
    }
    const got: number[] = [];
    for await (const v of stream(source())) {
      got.push(v);
      await later(80, null); // the consumer is busy for twice the timeout
    }
    expect(got).toEqual([0, 1, 2]);
  });

  it('leaves no timer behind: a settled wait does not keep the process busy or fire later', async () => {
    let fired = 0;
    await idleWait(Promise.resolve(1), 20, () => (fired++, timeout()));
    await later(50, null);
    expect(fired).toBe(0);
  });
});
