import { describe, expect, it } from 'vitest';
import { Deadline, RequestTimeoutError } from '../../src/core/index.js';

type AbortFn = (reason: Error) => void;
const never = () => new Promise<never>(() => {});

/** A dispatcher double that records what it is handed and lets a test call the handler later. */
function target() {
  const seen: { options: object; handler: any }[] = [];
  return { seen, dispatcher: { isMockActive: true, dispatch: (options: object, handler: object) => (seen.push({ options, handler }), true) } };
}

describe('Deadline', () => {
  it('race() rejects with RequestTimeoutError at the deadline though the work never settles', async () => {
    const started = performance.now();
    const deadline = new Deadline().arm(100);
    const err = await deadline.race(never()).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(deadline.timedOut).toBe(true);
    expect(deadline.timeoutError('GET /x').message).toBe('GET /x timed out after 100 ms');
    await expect(deadline.race(never())).rejects.toBe(err); // already past
  });

  it('race() settles as the work does, and a cleared deadline never fires', async () => {
    const deadline = new Deadline().arm(50);
    await expect(deadline.race(Promise.resolve(7))).resolves.toBe(7);
    deadline.clear();
    await new Promise((r) => setTimeout(r, 100));
    expect(deadline.timedOut).toBe(false);
    expect(deadline.signal.aborted).toBe(false);
  });

  it('arm() again restarts the countdown (the same duration or another)', async () => {
    const deadline = new Deadline().arm(100);
    await new Promise((r) => setTimeout(r, 70));
    deadline.arm(100);
    await new Promise((r) => setTimeout(r, 70));
    expect(deadline.timedOut).toBe(false);
    deadline.arm(20);
    await new Promise((r) => setTimeout(r, 60));
    expect(deadline.timedOut).toBe(true);
    expect(deadline.timeoutError('x').message).toBe('x timed out after 20 ms');
  });

  it('the signal is made on first use, aborts at the deadline, and follows the caller', async () => {
    const late = new Deadline().arm(20);
    await new Promise((r) => setTimeout(r, 50));
    expect(late.signal.aborted).toBe(true); // read after the deadline: already aborted
    expect(late.signal.reason).toBeInstanceOf(RequestTimeoutError);
    const caller = new AbortController();
    const joined = new Deadline(caller.signal).arm(5000);
    caller.abort();
    expect(joined.signal.aborted).toBe(true);
    expect(joined.timedOut).toBe(false);
    joined.clear();
  });

  it('dispatcher(): passes requests on and aborts through onConnect, also when the deadline passed before it', async () => {
    const { seen, dispatcher } = target();
    const deadline = new Deadline().arm(30);
    const hook = deadline.dispatcher(dispatcher as never);
    expect((hook as { isMockActive?: boolean }).isMockActive).toBe(true);
    const calls: string[] = [];
    const handler = { onConnect: (_abort: AbortFn) => void calls.push('onConnect') };
    hook.dispatch({ path: '/x' }, handler);
    expect(seen[0]!.options).toEqual({ path: '/x' });
    expect(deadline.hooked).toBe(false);
    await new Promise((r) => setTimeout(r, 60)); // the deadline passes while the request waits for a connection
    const aborted: Error[] = [];
    seen[0]!.handler.onConnect((reason: Error) => aborted.push(reason));
    expect(calls).toEqual(['onConnect']); // undici's own handler still ran first
    expect(deadline.hooked).toBe(true);
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toBeInstanceOf(RequestTimeoutError);
  });

  it('dispatcher(): an abort captured at onConnect (or onRequestStart) is called when the deadline passes', async () => {
    for (const api of ['onConnect', 'onRequestStart'] as const) {
      const { seen, dispatcher } = target();
      const deadline = new Deadline().arm(30);
      const handler = api === 'onConnect' ? { onConnect: () => {} } : { onRequestStart: () => {} };
      deadline.dispatcher(dispatcher as never).dispatch({}, handler);
      const aborted: Error[] = [];
      const abort = (reason: Error) => aborted.push(reason);
      if (api === 'onConnect') seen[0]!.handler.onConnect(abort);
      else seen[0]!.handler.onRequestStart({ abort });
      expect(aborted).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 60));
      expect(aborted.map((e) => e.constructor)).toEqual([RequestTimeoutError]);
    }
  });

  it("dispatcher() without a target uses undici's global dispatcher", () => {
    const key = Symbol.for('undici.globalDispatcher.1');
    const saved = (globalThis as any)[key];
    const { seen, dispatcher } = target();
    (globalThis as any)[key] = dispatcher;
    try {
      new Deadline().dispatcher().dispatch({ path: '/g' }, { onConnect() {} });
      expect(seen).toHaveLength(1);
    } finally {
      (globalThis as any)[key] = saved;
    }
  });
});

describe('Deadline timer (one for every armed deadline)', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('each deadline expires on time, whatever the order they were armed and cleared in', async () => {
    const started = performance.now();
    const long = new Deadline().arm(300);
    const short = new Deadline().arm(60);
    const cleared = new Deadline().arm(30);
    const expired: [string, number][] = [];
    const watch = (name: string, d: Deadline) => d.race(never()).catch(() => expired.push([name, performance.now() - started]));
    void watch('long', long);
    void watch('short', short);
    void watch('cleared', cleared);
    cleared.clear();
    await sleep(150);
    expect(expired.map(([name]) => name)).toEqual(['short']);
    expect(expired[0]![1]).toBeGreaterThanOrEqual(59);
    const later = new Deadline().arm(50); // armed after the timer was set for `long`: earlier than it
    void watch('later', later);
    await sleep(250);
    expect(expired.map(([name]) => name)).toEqual(['short', 'later', 'long']);
    expect(expired[1]![1]).toBeGreaterThanOrEqual(199);
    expect(expired[2]![1]).toBeGreaterThanOrEqual(299);
    expect(cleared.timedOut).toBe(false);
  });

  it('a deadline re-armed before it expires counts from the re-arm', async () => {
    const a = new Deadline().arm(80);
    const b = new Deadline().arm(80);
    await sleep(50);
    a.arm(80); // now due at ~130 ms; b still at 80
    await sleep(50);
    expect(b.timedOut).toBe(true);
    expect(a.timedOut).toBe(false);
    await sleep(60);
    expect(a.timedOut).toBe(true);
  });

  it('keeps the process alive while a deadline is armed, and not once none is', async () => {
    const { spawnSync } = await import('node:child_process');
    const run = (code: string) => {
      const started = performance.now();
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd(), encoding: 'utf8', timeout: 15_000 });
      return { ms: performance.now() - started, out: child.stdout + child.stderr, status: child.status };
    };
    const mod = JSON.stringify(new URL('../../src/core/timeout.ts', import.meta.url).href);
    // The first deadline sets the timer and is cleared (the timer stops holding the process); the
    // second expires after that timer: it must hold the process again.
    const armed = run(`const { Deadline } = await import(${mod}); new Deadline().arm(500).clear(); const d = new Deadline().arm(1500); await d.race(new Promise(() => {})).catch((e) => console.log('expired', e.name));`);
    expect(armed.out).toContain('expired RequestTimeoutError');
    const idle = run(`const { Deadline } = await import(${mod}); const d = new Deadline().arm(60_000); d.clear(); console.log('done');`);
    expect(idle.out).toContain('done');
    expect(idle.status).toBe(0);
    expect(idle.ms).toBeLessThan(15_000); // did not wait for the 60 s timer
  }, 40_000);
});
