/**
 * Core's line pieces. The LineAssembler against split2 itself as the oracle: the same lines for
 * the same text however it is cut into chunks, plus the partial line a tail holds back (Ray
 * keeps empty lines, the agent drops them). Then the batch-to-line iterator and the HTTP body
 * line reader.
 */
import split2 from 'split2';
import { describe, expect, it } from 'vitest';
import { BodyLineReader } from '../../src/core/body-lines.js';
import { LineIterator } from '../../src/core/line-iterator.js';
import { LineAssembler } from '../../src/core/lines.js';

/** split2's lines for the whole text (including its flushed last partial line). */
async function split2Lines(text: string): Promise<string[]> {
  const out: string[] = [];
  const s = split2();
  s.on('data', (l: string) => out.push(l));
  await new Promise<void>((resolve) => {
    s.once('end', resolve);
    s.end(text);
  });
  return out;
}

function assemble(frames: string[], keepEmpty: boolean): { lines: string[]; partial?: string } {
  const b = new LineAssembler({ keepEmpty });
  const lines: string[] = [];
  for (const f of frames) b.push(f, lines);
  return { lines, partial: b.end() };
}

/** The partial line an assembler holds after `frames` (read by ending an identical one). */
function partialAfter(frames: string[]): string | undefined {
  return assemble(frames, true).partial;
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

const LOG =
  '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.\nRunning entrypoint for job raysubmit_NRBzaQRtepYZud2i: python3 -c "import time\nfor i in range(20): print(i, flush=True); time.sleep(0.2)"\n0\n1\r\n\n\u001b[1m\u001b[32mhttp://127.0.0.1:8265 \u001b[39m\u001b[22m\nü€\n19';

describe('LineAssembler', () => {
  it('completes lines across frames and holds the partial one', () => {
    const b = new LineAssembler({ keepEmpty: true });
    expect(b.push('a\nb')).toEqual(['a']);
    expect(partialAfter(['a\nb'])).toBe('b');
    expect(b.push('c\r')).toEqual([]);
    expect(b.push('\n\nd\r\ne')).toEqual(['bc', '', 'd']);
    expect(partialAfter(['a\nb', 'c\r', '\n\nd\r\ne'])).toBe('e');
    expect(b.push('\n')).toEqual(['e']);
    expect(b.end()).toBeUndefined();
  });

  it('end() returns the partial line once; the next push starts a new text', () => {
    const b = new LineAssembler({ keepEmpty: true });
    expect(b.push('x\ny')).toEqual(['x']);
    expect(b.end()).toBe('y');
    expect(b.end()).toBeUndefined();
    expect(b.push('z\nw')).toEqual(['z']);
    const out = ['before'];
    b.flush(out);
    expect(out).toEqual(['before', 'w']);
  });

  it('keeps or drops empty lines, on the one-line fast path too', () => {
    // '\n', '\r\n' and 'a\n' are one line each (the fast path); the others go through split2.
    const chunks = ['\n', '\r\n', 'a\n', '\n\n', 'b\r\n\r\n'];
    expect(assemble(chunks, true).lines).toEqual(['', '', 'a', '', '', 'b', '']);
    expect(assemble(chunks, false).lines).toEqual(['a', 'b']);
    expect(new LineAssembler({ keepEmpty: true }).push('\r\n')).toEqual(['']);
    expect(new LineAssembler().push('\r\n')).toEqual([]);
  });

  it('pushLine() appends a whole line, or ends the partial one', () => {
    const b = new LineAssembler();
    const out: string[] = [];
    b.pushLine('one', out);
    b.pushLine('', out);
    b.push('tw', out);
    b.pushLine('o', out);
    b.pushLine('three', out);
    expect(out).toEqual(['one', 'two', 'three']);
    expect(b.end()).toBeUndefined();
    const keep = new LineAssembler({ keepEmpty: true });
    const kept: string[] = [];
    keep.pushLine('', kept);
    expect(kept).toEqual(['']);
  });

  for (const keepEmpty of [true, false]) {
    it(`agrees with split2 on the captured log cut at every position and at random (keepEmpty: ${keepEmpty})`, async () => {
      const all = await split2Lines(LOG);
      const expected = keepEmpty ? all : all.filter((l) => l !== '');
      for (let cut = 0; cut <= LOG.length; cut++) {
        const { lines, partial } = assemble([LOG.slice(0, cut), LOG.slice(cut)], keepEmpty);
        expect([...lines, ...(partial === undefined ? [] : [partial])]).toEqual(expected);
      }
      const random = rng(42);
      for (let trial = 0; trial < 200; trial++) {
        const frames: string[] = [];
        for (let i = 0; i < LOG.length; ) {
          const n = 1 + Math.floor(random() * 12);
          frames.push(LOG.slice(i, i + n));
          i += n;
        }
        const { lines, partial } = assemble(frames, keepEmpty);
        expect([...lines, ...(partial === undefined ? [] : [partial])]).toEqual(expected);
      }
    });
  }
});

describe('LineIterator', () => {
  async function* batches(log: string[], list: string[][]): AsyncGenerator<readonly string[], void, undefined> {
    try {
      for (const b of list) {
        log.push('resume');
        yield b;
      }
    } finally {
      log.push('finally');
    }
  }

  it('hands out the lines of every batch in order, skipping empty batches, one resume per batch', async () => {
    const log: string[] = [];
    const it = new LineIterator(batches(log, [['a', 'b'], [], ['c']]));
    expect(await it.next()).toEqual({ value: 'a', done: false });
    expect(log).toEqual(['resume']);
    expect(await it.next()).toEqual({ value: 'b', done: false });
    expect(log).toEqual(['resume']);
    expect(await it.next()).toEqual({ value: 'c', done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(log).toEqual(['resume', 'resume', 'resume', 'finally']);
  });

  it('overlapping next() calls get every line once, in order', async () => {
    const it = new LineIterator(batches([], [['a'], ['b', 'c'], ['d']]));
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next()]);
    expect(results.map((r) => r.value)).toEqual(['a', 'b', 'c', 'd', undefined]);
  });

  it('return() (a break) reaches the generator, once', async () => {
    const log: string[] = [];
    const it = new LineIterator(batches(log, [['a', 'b'], ['c']]));
    for await (const line of it) if (line === 'a') break;
    expect(log).toEqual(['resume', 'finally']);
    expect(await it.return()).toEqual({ value: undefined, done: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(log).toEqual(['resume', 'finally']);
  });

  it('a generator failure rejects the waiting next(); throw() reaches the generator', async () => {
    async function* failing(): AsyncGenerator<readonly string[], void, undefined> {
      yield ['a'];
      throw new Error('boom');
    }
    const it = new LineIterator(failing());
    expect(await it.next()).toEqual({ value: 'a', done: false });
    await expect(it.next()).rejects.toThrow('boom');

    const log: string[] = [];
    const thrown = new LineIterator(batches(log, [['a'], ['b']]));
    await thrown.next();
    await expect(thrown.throw(new Error('stop'))).rejects.toThrow('stop');
    expect(log).toEqual(['resume', 'finally']);
    expect(await thrown.next()).toEqual({ value: undefined, done: true });
  });
});

describe('BodyLineReader', () => {
  function body(chunks: (string | Uint8Array)[], fail?: Error): ReadableStream<Uint8Array> {
    const enc = new TextEncoder();
    return new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(typeof x === 'string' ? enc.encode(x) : x);
        if (fail) c.error(fail);
        else c.close();
      },
    });
  }

  async function readAll(reader: BodyLineReader): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      for (let l = reader.read(); l !== null; l = reader.read()) out.push(l);
      if (reader.done) return out;
      await reader.wait();
    }
  }

  it('reads the lines of a body cut anywhere, a UTF-8 character split between chunks included', async () => {
    const bytes = new TextEncoder().encode('a\r\nü€\n\nlast');
    const reader = new BodyLineReader(body([bytes.slice(0, 4), bytes.slice(4, 6), bytes.slice(6)]));
    expect(await readAll(reader)).toEqual(['a', 'ü€', '', 'last']);
  });

  it('rejects wait() with the body failure', async () => {
    const reader = new BodyLineReader(body(['a\n'], new Error('reset')));
    await expect(readAll(reader)).rejects.toThrow('reset');
  });
});
