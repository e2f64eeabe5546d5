import { describe, expect, it } from 'vitest';
import { Deadline, RequestTimeoutError } from '../../src/core/index.js';

const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Deadline', () => {
  it('race() rejects with RequestTimeoutError at the deadline though the work never settles', async () => {
    const started = performance.now();
    const deadline = new Deadline().arm(100);
    const err = await deadline.race(never()).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.timeoutError('GET /x').message).toBe('GET /x timed out after 100 ms');
    await expect(deadline.race(never())).rejects.toBe(err); // already past
  });

  it('race() settles as the work does, and a cleared deadline never fires', async () => {
    const deadline = new Deadline().arm(50);
    await expect(deadline.race(Promise.resolve(7))).resolves.toBe(7);
    deadline.clear();
    await sleep(100);
    expect(deadline.timedOut).toBe(false);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('arm() again restarts the countdown (the same duration or another)', async () => {
    const deadline = new Deadline().arm(100);
    await sleep(70);
    deadline.arm(100);
    await sleep(70);
    expect(deadline.timedOut).toBe(false);
    deadline.arm(20);
    await sleep(60);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.timeoutError('x').message).toBe('x timed out after 20 ms');
  });

  it("the caller's abort aborts the signal and a race with the caller's reason, and is not a timeout", async () => {
    const caller = new AbortController();
    const deadline = new Deadline(caller.signal).arm(5000);
    const pending = deadline.race(never()).catch((e) => e);
    caller.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(await pending).toBe(caller.signal.reason);
    expect(deadline.timedOut).toBe(false);
    deadline.clear();
  });
});
