/**
 * Core's line pieces: the LineDecoder against a plain split of the whole text (the same lines
 * however the text is cut into chunks, and the partial last line), its bound on a partial line,
 * linear work on long lines and many tiny chunks, and bodyLines over a web ReadableStream
 * (a UTF-8 character split between chunks, a failure, the idle timeout of a stalled body).
 */
import { describe, expect, it } from 'vitest';
import { RequestTimeoutError } from '../../src/core/errors.js';
import { bodyLines, LineDecoder } from '../../src/core/lines.js';

/** The whole text's lines: split at `\n`, a `\r` before it dropped, the unterminated rest last. */
function oracle(text: string): string[] {
  const parts = text.split('\n');
  const rest = parts.pop()!;
  return [...parts.map((l) => l.replace(/\r$/, '')), ...(rest ? [rest] : [])];
}

function decode(chunks: string[], max?: number): string[] {
  const d = new LineDecoder(max);
  const out: string[] = [];
  for (const c of chunks) out.push(...d.push(c));
  const rest = d.end();
  if (rest !== undefined) out.push(rest);
  return out;
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

/** ms that `fn` takes (best of 3, to damp a busy machine). */
function cost(fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('LineDecoder', () => {
  it('completes lines across chunks, keeps empty lines, strips \\r\\n (split between chunks too), and ends with the partial line', () => {
    expect(decode(['alpha\nbe', 'ta\ngam', 'ma\n\n', 'delta\r', '\nepsilon\r\nzet', 'a'])).toEqual(['alpha', 'beta', 'gamma', '', 'delta', 'epsilon', 'zeta']);
    const d = new LineDecoder();
    expect(d.push('no newline')).toEqual([]);
    expect(d.end()).toBe('no newline');
    expect(d.end()).toBeUndefined();
  });

  it('agrees with a plain split on the captured log cut at every position and at random', () => {
    const expected = oracle(LOG);
    for (let cut = 0; cut <= LOG.length; cut++) expect(decode([LOG.slice(0, cut), LOG.slice(cut)])).toEqual(expected);
    const random = rng(42);
    for (let trial = 0; trial < 200; trial++) {
      const chunks: string[] = [];
      for (let i = 0; i < LOG.length; ) {
        const n = 1 + Math.floor(random() * 12);
        chunks.push(LOG.slice(i, i + n));
        i += n;
      }
      expect(decode(chunks)).toEqual(expected);
    }
  });

  it('a partial line past maxLineLength is handed out as a line, the rest follows as the next', () => {
    expect(decode(['abcd', 'efghij', 'k\nxy'], 4)).toEqual(['abcd', 'efgh', 'ijk', 'xy']);
    const d = new LineDecoder(10);
    for (let i = 0; i < 1000; i++) d.push('0123456789'.slice(0, 3)); // never a newline: memory stays bounded
    expect(d.end()!.length).toBeLessThanOrEqual(10);
  });

  it('is linear: 10× the chunks of one long line (or of many short ones) cost far less than 100×', () => {
    const run = (frames: number, text: string) => () => {
      const d = new LineDecoder(Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < frames; i++) d.push(text);
      d.end();
    };
    for (const text of ['0123456789', 'a\nb']) {
      run(40_000, text)(); // warm-up
      const small = cost(run(40_000, text));
      const large = cost(run(400_000, text));
      // Quadratic work (re-scanning the held text per chunk) makes this ~100× (and, for the
      // long line, takes minutes); linear ~10×, with room for a busy machine.
      expect(large / Math.max(small, 1), text).toBeLessThan(50);
    }
  });
});

describe('bodyLines', () => {
  function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start(c) {
        for (const x of chunks) c.enqueue(x);
        c.close();
      },
    });
  }

  async function all(chunks: AsyncIterable<readonly string[]>): Promise<string[]> {
    const out: string[] = [];
    for await (const lines of chunks) out.push(...lines);
    return out;
  }

  it('yields the lines of a body cut anywhere, a UTF-8 character split between chunks included', async () => {
    const bytes = new TextEncoder().encode('a\r\nü€\n\nlast');
    expect(await all(bodyLines(body([bytes.slice(0, 4), bytes.slice(4, 6), bytes.slice(6)])))).toEqual(['a', 'ü€', '', 'last']);
  });

  it('rejects with the body failure after the lines before it', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('a\nb')),
      pull: (c) => c.error(new Error('reset')),
    });
    const out: string[] = [];
    const err = await (async () => {
      for await (const lines of bodyLines(failing)) out.push(...lines);
    })().catch((e) => e);
    expect(out).toEqual(['a']);
    expect(err.message).toBe('reset');
  });

  it('a body that stalls mid-line ends with the idle error, and the body is cancelled', async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('one\ntw'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const out: string[] = [];
    const err = await (async () => {
      for await (const lines of bodyLines(stalled, { idleTimeoutMs: 100, onIdle: () => new RequestTimeoutError('silent', { statusCode: 408 }) })) out.push(...lines);
    })().catch((e) => e);
    expect(out).toEqual(['one']);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(cancelled).toBe(true);
  });
});
