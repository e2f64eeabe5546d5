/**
 * `jobs.tail` and `jobs.wait` against a fake Ray dashboard (real http + ws servers on
 * 127.0.0.1): line reassembly across frames, reconnect after a close before the job is terminal
 * without a repeated line, drops, 404 before the upgrade, Ray's permessage-deflate trap,
 * bounded reconnects, abort and break.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, RayClient, RequestTimeoutError, ServerError, StreamError, ValidationError } from '../../src/ray/index.js';
import { collect, play, startFakeRay, type FakeRay } from './support.js';

const servers: FakeRay[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function fake(...args: Parameters<typeof startFakeRay>) {
  const s = await startFakeRay(...args);
  servers.push(s);
  return s;
}
const quiet = { logLevel: 'off' as const };

// The captured live tail (ws-tail-frames.txt): 5 frames, the first holding the preamble and 0–6.
const CAPTURED = [
  '2026-11-22 03:55:32,015\tINFO job_manager.py:583 -- Runtime env is setting up.\nRunning entrypoint for job raysubmit_NRBzaQRtepYZud2i: python3 -c "import time\nfor i in range(20): print(i, flush=True); time.sleep(0.2)"\n0\n1\n2\n3\n4\n5\n6\n',
  '7\n8\n',
  '9\n10\n11\n12\n13\n',
  '14\n15\n16\n17\n18\n',
  '19\n',
];
const CAPTURED_LINES = CAPTURED.join('').split('\n').slice(0, -1);
// The same log replayed on a finished job (the capture's [finished] connection): batched differently.
const REPLAYED = [CAPTURED[0]!, '7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n', '17\n18\n19\n'];

describe('jobs.tail: lines', () => {
  it('yields the captured frames as lines, then ends when the job is terminal and the close is 1000', async () => {
    const s = await fake({ status: () => 'SUCCEEDED', tail: (ws) => play(ws, CAPTURED) });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(lines).toHaveLength(23);
    expect(s.upgrades()).toHaveLength(1);
    expect(s.jobReads()).toHaveLength(1); // a close is checked against the job
    expect(s.upgrades()[0]!.url).toBe('/api/jobs/raysubmit_NRBzaQRtepYZud2i/logs/tail');
  });

  it('reassembles lines split across frames, keeps empty lines, strips \\r\\n, and yields a last line without newline', async () => {
    const s = await fake({ status: () => 'FAILED', tail: (ws) => play(ws, ['alpha\nbe', 'ta\ngam', 'ma\n\n', 'delta\r', '\nepsilon\r\nzet', 'a']) });
    const { lines } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1'));
    expect(lines).toEqual(['alpha', 'beta', 'gamma', '', 'delta', 'epsilon', 'zeta']);
  });

  it('overlapping next() calls (without for await) get every line once, in order', async () => {
    const s = await fake({ status: () => 'SUCCEEDED', tail: (ws) => play(ws, CAPTURED, 1000, 20) });
    const it = new RayClient({ address: s.url, ...quiet }).jobs.tail('j1')[Symbol.asyncIterator]();
    const results = await Promise.all(Array.from({ length: 30 }, () => it.next()));
    expect(results.filter((r) => !r.done).map((r) => r.value)).toEqual(CAPTURED_LINES);
    expect(results.slice(23).every((r) => r.done)).toBe(true);
  });

  it('a close before the job is terminal reconnects and repeats no line (Ray replays from the start)', async () => {
    const s = await fake({
      status: (n) => (n === 0 ? 'RUNNING' : 'SUCCEEDED'),
      tail: (ws, n) =>
        n === 0
          ? play(ws, [CAPTURED[0]!, CAPTURED[1]!, '9\n1'], 1000) // a proxy closes mid-line, job still RUNNING
          : play(ws, REPLAYED, 1000),
    });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES); // '1' (the partial of '10') was not yielded; nothing twice
    expect(new Set(lines).size).toBe(lines.length);
    expect(s.upgrades()).toHaveLength(2);
    expect(s.jobReads()).toHaveLength(2);
  });

  it('a drop (no close frame) after the job ended reconnects once to drain the rest', async () => {
    const s = await fake({
      status: () => 'SUCCEEDED',
      tail: (ws, n) => (n === 0 ? play(ws, CAPTURED.slice(0, 2), 'drop') : play(ws, REPLAYED, 1000)),
    });
    const { lines } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('raysubmit_NRBzaQRtepYZud2i'));
    expect(lines).toEqual(CAPTURED_LINES);
    expect(s.upgrades()).toHaveLength(2);
  });

  it('reconnects several times while the job runs, backing off, and delivers every line once', async () => {
    const all = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const s = await fake({
      status: (n) => (n < 3 ? 'RUNNING' : 'SUCCEEDED'),
      tail: (ws, n) => {
        const upTo = Math.min(all.length, (n + 1) * 10); // each connection sees 10 more lines
        const text = all.slice(0, upTo).join('\n') + '\n';
        return play(ws, [text.slice(0, 7), text.slice(7)], n < 3 ? 'drop' : 1000);
      },
    });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(all);
    const ups = s.upgrades();
    expect(ups).toHaveLength(4);
    for (let i = 1; i < ups.length; i++) expect(ups[i]!.at - ups[i - 1]!.at).toBeGreaterThanOrEqual(300); // 500 ms less ≤ 25 % jitter
  });
});

describe('jobs.tail: failures', () => {
  it('an unknown job is NotFoundError from the 404 before the upgrade (no line, no retry)', async () => {
    const s = await fake({ refuse: () => [404, 'Job raysubmit_doesnotexist does not exist'] });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('raysubmit_doesnotexist'));
    expect(lines).toEqual([]);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('WebSocket tail of job raysubmit_doesnotexist refused: 404 Not Found — Job raysubmit_doesnotexist does not exist');
    expect(error.detail).toBe('Job raysubmit_doesnotexist does not exist');
    expect(s.requests).toHaveLength(1);
  });

  it('gives up after maxReconnects handshakes refused with 503, with the ServerError', async () => {
    const s = await fake({ status: () => 'RUNNING', refuse: () => [503, 'Service Unavailable'] });
    const { error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { maxReconnects: 2 }));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(503);
    expect(s.upgrades()).toHaveLength(3);
    const [a, b, c] = s.upgrades().map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(300);
    expect(c! - b!).toBeGreaterThanOrEqual(700); // backed off: 1 s less ≤ 25 % jitter
  });

  it('a server that keeps closing early without new lines ends in StreamError', async () => {
    const s = await fake({ status: () => 'RUNNING', tail: (ws) => play(ws, ['same\n'], 1000) });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { maxReconnects: 1 }));
    expect(lines).toEqual(['same']);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('TAIL_RECONNECTS_EXHAUSTED');
    expect(error.message).toMatch(/log tail of job j1 ended early 2 times in a row .* while the job was RUNNING/);
    expect(s.upgrades()).toHaveLength(3);
  });

  it('maxReconnects: 0 never reconnects', async () => {
    const s = await fake({ status: () => 'RUNNING', tail: (ws) => play(ws, [], 'drop') });
    const { error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { maxReconnects: 0 }));
    expect(error).toBeInstanceOf(StreamError);
    expect(s.upgrades()).toHaveLength(1);
  });

  it('a job deleted mid-tail ends with NotFoundError from the status read', async () => {
    const s = await fake({ status: () => undefined, tail: (ws) => play(ws, ['a\n'], 'drop') });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('gone_1'));
    expect(lines).toEqual(['a']);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Job gone_1 does not exist (HTTP 404)');
  });

  it('an idle connection (idleTimeoutMs) is re-opened after checking the job', async () => {
    const s = await fake({
      status: (n) => (n === 0 ? 'RUNNING' : 'SUCCEEDED'),
      tail: (ws, n) => (n === 0 ? play(ws, ['a\n'], 'none') : play(ws, ['a\nb\n'], 1000)),
    });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { idleTimeoutMs: 150 }));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['a', 'b']);
    expect(s.upgrades()).toHaveLength(2);
  });
});

describe('jobs.tail: the socket', () => {
  it('is opened without permessage-deflate, so a Ray proxy that drops deflated frames still delivers them', async () => {
    const s = await fake({ status: () => 'SUCCEEDED', deflateTrapMs: 100, tail: (ws) => play(ws, CAPTURED) });
    // The trap is real: a raw `ws` client with its defaults (deflate offered) receives nothing.
    const raw = new WebSocket(`${s.url.replace('http', 'ws')}/api/jobs/j1/logs/tail`);
    const rawFrames: string[] = [];
    raw.on('message', (d) => rawFrames.push(String(d)));
    await new Promise((resolve) => raw.on('close', resolve));
    expect(rawFrames).toEqual([]);
    expect(s.upgrades()[0]!.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);

    const { lines } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1'));
    expect(lines).toEqual(CAPTURED_LINES);
    expect(s.upgrades()[1]!.headers['sec-websocket-extensions']).toBeUndefined();
  });

  it('sends the token and extra headers on the handshake, and no Origin', async () => {
    const s = await fake({ status: () => 'SUCCEEDED', tail: (ws) => play(ws, ['x\n']) });
    await collect(new RayClient({ address: s.url, token: 'ray-token-abc123', headers: { 'X-Extra': 'yes' }, ...quiet }).jobs.tail('j1'));
    const up = s.upgrades()[0]!;
    expect(up.headers.authorization).toBe('Bearer ray-token-abc123');
    expect(up.headers['x-extra']).toBe('yes');
    expect(up.headers.origin).toBeUndefined();
    expect(s.jobReads()[0]!.headers.authorization).toBe('Bearer ray-token-abc123');
  });

  it('break closes the socket', async () => {
    const s = await fake({ status: () => 'RUNNING', tail: (ws) => play(ws, ['a\nb\nc\n'], 'none') });
    const got: string[] = [];
    for await (const line of new RayClient({ address: s.url, ...quiet }).jobs.tail('j1')) {
      got.push(line);
      if (got.length === 2) break;
    }
    expect(got).toEqual(['a', 'b']);
    await expect.poll(() => s.closedSockets()).toBe(1);
    expect(s.jobReads()).toHaveLength(0);
  });

  it('aborting the signal rejects with its reason and closes the socket', async () => {
    const s = await fake({ status: () => 'RUNNING', tail: (ws) => play(ws, ['a\n'], 'none') });
    const controller = new AbortController();
    const got: string[] = [];
    const pending = (async () => {
      for await (const line of new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { signal: controller.signal })) {
        got.push(line);
        controller.abort();
      }
    })();
    const err = await pending.catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(got).toEqual(['a']);
    await expect.poll(() => s.closedSockets()).toBe(1);
  });

  it('keeps the address path prefix (a proxy) for the socket and the status reads', async () => {
    const s = await fake({ prefix: '/ray', status: () => 'SUCCEEDED', tail: (ws) => play(ws, ['p\n']) });
    const { lines } = await collect(new RayClient({ address: `${s.url}/`, ...quiet }).jobs.tail('j1'));
    expect(lines).toEqual(['p']);
    expect(s.upgrades()[0]!.url).toBe('/ray/api/jobs/j1/logs/tail');
    expect(s.jobReads()[0]!.url).toBe('/ray/api/jobs/j1');
  });

  it('checks the id and options before any I/O', async () => {
    const s = await fake({});
    const ray = new RayClient({ address: s.url, ...quiet });
    const bad = [['', {}, /job ID cannot be empty/], ['a/b', {}, /Invalid job ID format/], ['x'.repeat(101), {}, /job ID too long/], ['j1', { maxReconnects: -1 }, /maxReconnects/], ['j1', { idleTimeoutMs: 0 }, /idleTimeoutMs/], ['j1', { handshakeTimeoutMs: 1.5 }, /handshakeTimeoutMs/]] as const;
    for (const [id, opts, message] of bad) {
      expect(() => ray.jobs.tail(id, opts as never)).toThrow(ValidationError); // thrown by tail() itself
      expect(() => ray.jobs.tail(id, opts as never)).toThrow(message);
    }
    await expect(ray.jobs.wait('j1', { pollIntervalMs: 1 })).rejects.toThrow(/pollIntervalMs/);
    await expect(ray.jobs.wait('j1', { timeout: -5 })).rejects.toThrow(ValidationError);
    expect(s.requests).toHaveLength(0);
  });
});

describe('jobs.wait', () => {
  it('polls every pollIntervalMs until the status is terminal', async () => {
    const statuses = ['PENDING', 'RUNNING', 'RUNNING', 'STOPPED'];
    const s = await fake({ status: (n) => statuses[Math.min(n, 3)] });
    const job = await new RayClient({ address: s.url }).jobs.wait('rayrig_long_1', { pollIntervalMs: 50 });
    expect(job.status).toBe('STOPPED');
    const reads = s.jobReads();
    expect(reads).toHaveLength(4);
    for (let i = 1; i < reads.length; i++) expect(reads[i]!.at - reads[i - 1]!.at).toBeGreaterThanOrEqual(45);
  });

  it('times out with RequestTimeoutError (408) naming the last status', async () => {
    const s = await fake({ status: () => 'RUNNING' });
    const err = await new RayClient({ address: s.url }).jobs.wait('rayrig_long_1', { pollIntervalMs: 20, timeout: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(err.message).toBe('job rayrig_long_1 is not terminal after 150 ms (last status RUNNING)');
  });

  it('a missing job is NotFoundError at once', async () => {
    const s = await fake({ status: () => undefined });
    await expect(new RayClient({ address: s.url }).jobs.wait('nope')).rejects.toThrow(NotFoundError);
    expect(s.jobReads()).toHaveLength(1);
  });
});

describe('jobs.tail: bounded, linear, UTF-8 safe', () => {
  it('decodes binary frames with one streaming decoder: a character split across frames survives', async () => {
    const bytes = Buffer.from('café\nnaïve ü€\n', 'utf8');
    const cuts = [bytes.subarray(0, 4), bytes.subarray(4, 9), bytes.subarray(9, 16), bytes.subarray(16)];
    const s = await fake({
      status: () => 'SUCCEEDED',
      tail: async (ws) => {
        for (const c of cuts) await new Promise<void>((r, j) => ws.send(c, { binary: true }, (e) => (e ? j(e) : r())));
        ws.close(1000);
      },
    });
    const { lines, error } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['café', 'naïve ü€']);
  });

  it('a partial line past maxLineLength is yielded as a line and the rest follows as the next', async () => {
    const s = await fake({ status: () => 'SUCCEEDED', tail: (ws) => play(ws, ['0123456', '789abc', 'd\nshort\n']) });
    const { lines } = await collect(new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { maxLineLength: 5 }));
    expect(lines).toEqual(['01234', '56789', 'abcd', 'short']);
    expect(() => new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { maxLineLength: 0 })).toThrow(ValidationError);
  });

  it('is linear in the bytes: one long line in 40,000 tiny frames costs far less than 100× 4,000', async () => {
    const s = await fake({
      status: () => 'SUCCEEDED',
      tail: (ws, _n, req) => {
        const n = Number(/\/j(\d+)\//.exec(req.url!)![1]);
        // Synchronous sends: the frames go out as fast as the socket takes them.
        for (let i = 0; i < n; i++) ws.send('0123456789');
        ws.send('\n');
        ws.close(1000);
      },
    });
    const ray = new RayClient({ address: s.url, ...quiet });
    const time = async (n: number) => {
      const t = performance.now();
      const { lines, error } = await collect(ray.jobs.tail(`j${n}`, { maxLineLength: 2 ** 30 }));
      expect(error).toBeUndefined();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toHaveLength(10 * n);
      return performance.now() - t;
    };
    await time(4_000); // warm-up
    const small = await time(4_000);
    const large = await time(40_000);
    // Re-scanning the held line per frame (quadratic) is ~100× here.
    expect(large / Math.max(small, 5)).toBeLessThan(40);
  }, 60_000);

  it('a consumer slower than idleTimeoutMs on a paused socket is not a silent server: no 408, no reconnect', async () => {
    // 3,000 lines at once (more than the 1,024 messages that pause the socket), then the server
    // waits 1.5 s and closes. The consumer takes ~2.5 s: the socket stays paused for it far
    // longer than the 300 ms idle timeout, but the tail never waits on the server that long.
    const all = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    const s = await fake({
      status: () => 'SUCCEEDED',
      tail: (ws) => {
        for (const l of all) ws.send(`${l}\n`);
        setTimeout(() => ws.close(1000), 1500);
      },
    });
    const got: string[] = [];
    for await (const line of new RayClient({ address: s.url, ...quiet }).jobs.tail('j1', { idleTimeoutMs: 300 })) {
      got.push(line);
      if (got.length % 6 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(got).toEqual(all);
    expect(s.upgrades()).toHaveLength(1);
  }, 30_000);
});
