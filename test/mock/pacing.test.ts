import { describe, expect, it } from 'vitest';
import { replayFrames, type ReplayOptions } from '../../mock/src/pacing.js';
import type { StreamScenario } from '../../mock/src/types.js';

type Frame = { type: string; n?: number };
const FRAMES: Frame[] = [{ type: 'log', n: 1 }, { type: 'log', n: 2 }, { type: 'log', n: 3 }, { type: 'complete' }];

function recorder(scenario: StreamScenario = {}, extra: Partial<ReplayOptions<Frame>> = {}) {
  const events: string[] = [];
  const at: number[] = [];
  const t0 = performance.now();
  const options: ReplayOptions<Frame> = {
    intervalMs: 0,
    scenario,
    send(frame, i) {
      at.push(performance.now() - t0);
      events.push(`${i}:${frame.type}${frame.n ?? ''}`);
    },
    isTerminal: (f) => f.type === 'complete',
    invalidFrame: () => ({ type: 'INVALID' }),
    drop: () => events.push('drop'),
    end: () => {
      events.push('end');
    },
    ...extra,
  };
  return { events, at, options };
}

describe('replayFrames', () => {
  it('sends every frame then ends', async () => {
    const r = recorder();
    expect(await replayFrames(FRAMES, r.options)).toBe('ended');
    expect(r.events).toEqual(['0:log1', '1:log2', '2:log3', '3:complete', 'end']);
  });

  it('sends the first frame at once and waits intervalMs between frames', async () => {
    const r = recorder({}, { intervalMs: 40 });
    await replayFrames(FRAMES.slice(0, 3), r.options);
    expect(r.at[0]).toBeLessThan(30);
    expect(r.at[1]! - r.at[0]!).toBeGreaterThanOrEqual(35);
    expect(r.at[2]! - r.at[1]!).toBeGreaterThanOrEqual(35);
  });

  it('lets scenario.delayMs override the spec pacing', async () => {
    const r = recorder({ delayMs: 0 }, { intervalMs: 5000 });
    const started = performance.now();
    await replayFrames(FRAMES, r.options);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.events).toHaveLength(5);
  });

  it('drops the connection after dropAfter frames, without ending it', async () => {
    const r = recorder({ dropAfter: 2 });
    expect(await replayFrames(FRAMES, r.options)).toBe('dropped');
    expect(r.events).toEqual(['0:log1', '1:log2', 'drop']);
  });

  it('drops before the first frame with dropAfter 0, and plays normally when nothing is left to drop', async () => {
    const zero = recorder({ dropAfter: 0 });
    expect(await replayFrames(FRAMES, zero.options)).toBe('dropped');
    expect(zero.events).toEqual(['drop']);
    const all = recorder({ dropAfter: 4 });
    expect(await replayFrames(FRAMES, all.options)).toBe('ended');
    expect(all.events.at(-1)).toBe('end');
  });

  it('truncates cleanly before the terminal frame', async () => {
    const r = recorder({ truncate: true });
    expect(await replayFrames(FRAMES, r.options)).toBe('truncated');
    expect(r.events).toEqual(['0:log1', '1:log2', '2:log3', 'end']);
  });

  it('truncates before the last frame when there is no isTerminal', async () => {
    const r = recorder({ truncate: true }, { isTerminal: undefined });
    expect(await replayFrames(FRAMES.slice(0, 3), r.options)).toBe('truncated');
    expect(r.events).toEqual(['0:log1', '1:log2', 'end']);
  });

  it('sends one invalid frame first, counted by dropAfter', async () => {
    const r = recorder({ invalidPayload: true });
    await replayFrames(FRAMES, r.options);
    expect(r.events).toEqual(['0:INVALID', '1:log1', '2:log2', '3:log3', '4:complete', 'end']);
    const d = recorder({ invalidPayload: true, dropAfter: 2 });
    await replayFrames(FRAMES, d.options);
    expect(d.events).toEqual(['0:INVALID', '1:log1', 'drop']);
  });

  it('stops at once when the consumer disconnects, calling neither end nor drop', async () => {
    const controller = new AbortController();
    const r = recorder({}, { intervalMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    expect(await replayFrames(FRAMES, r.options)).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.events).toEqual(['0:log1']);
  });

  it('replays an async source lazily and closes it when stopping early', async () => {
    let closed = false;
    let produced = 0;
    async function* source(): AsyncGenerator<Frame> {
      try {
        for (let n = 1; ; n++) {
          produced = n;
          yield { type: 'log', n };
        }
      } finally {
        closed = true;
      }
    }
    const r = recorder({ dropAfter: 3 });
    expect(await replayFrames(source(), r.options)).toBe('dropped');
    expect(r.events).toEqual(['0:log1', '1:log2', '2:log3', 'drop']);
    expect(produced).toBe(4); // the 4th frame existed, so something was dropped
    expect(closed).toBe(true);
  });

  it('propagates a send failure unless the consumer is gone', async () => {
    const r = recorder({}, { send: () => Promise.reject(new Error('socket broke')) });
    await expect(replayFrames(FRAMES, r.options)).rejects.toThrow('socket broke');
    const controller = new AbortController();
    const gone = recorder({}, {
      signal: controller.signal,
      send: () => {
        controller.abort();
        throw new Error('write after end');
      },
    });
    expect(await replayFrames(FRAMES, gone.options)).toBe('aborted');
  });
});
