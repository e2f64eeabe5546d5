/**
 * The tail's LineBuffer against split2 (core's lineSplitter) as the oracle: the same lines for
 * the same text however it is cut into frames, plus the partial line the tail holds back.
 */
import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../src/core/lines.js';
import { LineBuffer } from '../../src/ray/line-buffer.js';

/** split2's lines for the whole text (including its flushed last partial line). */
async function split2Lines(text: string): Promise<string[]> {
  const out: string[] = [];
  const s = lineSplitter();
  s.on('data', (l: string) => out.push(l));
  await new Promise<void>((resolve) => {
    s.once('end', resolve);
    s.end(text);
  });
  return out;
}

function bufferLines(frames: string[]): { lines: string[]; partial?: string } {
  const b = new LineBuffer();
  const lines: string[] = [];
  for (const f of frames) b.push(f, lines);
  return { lines, partial: b.partial };
}

/** A deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LineBuffer', () => {
  it('completes lines across frames and holds the partial one', () => {
    const b = new LineBuffer();
    expect(b.push('a\nb')).toEqual(['a']);
    expect(b.partial).toBe('b');
    expect(b.push('c\r')).toEqual([]);
    expect(b.push('\n\nd\r\ne')).toEqual(['bc', '', 'd']);
    expect(b.partial).toBe('e');
    expect(b.push('\n')).toEqual(['e']);
    expect(b.partial).toBeUndefined();
  });

  it('agrees with split2 on the captured log cut at every position and at random', async () => {
    const log =
      '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.\nRunning entrypoint for job raysubmit_NRBzaQRtepYZud2i: python3 -c "import time\nfor i in range(20): print(i, flush=True); time.sleep(0.2)"\n0\n1\r\n\n\u001b[1m\u001b[32mhttp://127.0.0.1:8265 \u001b[39m\u001b[22m\nü€\n19';
    const expected = await split2Lines(log);
    for (let cut = 0; cut <= log.length; cut++) {
      const { lines, partial } = bufferLines([log.slice(0, cut), log.slice(cut)]);
      expect([...lines, ...(partial === undefined ? [] : [partial])]).toEqual(expected);
    }
    const random = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const frames: string[] = [];
      for (let i = 0; i < log.length; ) {
        const n = 1 + Math.floor(random() * 12);
        frames.push(log.slice(i, i + n));
        i += n;
      }
      const { lines, partial } = bufferLines(frames);
      expect([...lines, ...(partial === undefined ? [] : [partial])]).toEqual(expected);
    }
  });
});
