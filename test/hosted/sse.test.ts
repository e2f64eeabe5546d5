/**
 * The hosted client's SSE streams against small real HTTP servers on 127.0.0.1, replaying the
 * worker's captures byte for byte (PROTOCOLS.md §2): event types, chunk boundaries, drops and
 * resume, truncation, bad payloads, unknown events, abort.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamError } from '../../src/hosted/index.js';
import { startServer, until, type TestServer } from '../support/servers.js';
import { capture, client, collect, frames, sseExample, sseHead, tick } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const RUN_STREAM = capture('run-stream');
const RUN_STREAM_FAIL = capture('run-stream-fail');
const RUNS_STREAM = capture('runs-stream');
const SLOW_STREAM = capture('slow-stream');
const ROOT = 'run_iCZXXZXn-j7V';
const CHILD = 'run_e-_sT9KQ7kum';

/** A server that answers every request with `body` as an SSE stream, written in one piece. */
async function sseServer(body: Buffer | string) {
  return startServer((_req, res) => {
    sseHead(res);
    res.end(body);
  });
}

describe('agents.stream: each event type from the captures', () => {
  it('run-stream.raw → start, then complete with the RunResult; the raw frame is kept', async () => {
    server = await sseServer(RUN_STREAM.body);
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'stream please' }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', 'complete']);
    const [start, done] = events;
    if (start?.type !== 'start' || done?.type !== 'complete') throw new Error('unexpected events');
    expect(start.agentId).toBe('echo-bot');
    expect(start.kind).toBe('llm');
    expect(start.runId).toBe('run_oFo1N5pmHCM5');
    expect(start.sessionId).toBe('sess_zQlvitj3GopA');
    expect(start.raw.event).toBe('run-start');
    expect(done.output).toBe('Hello from the fake model.');
    expect(done.state).toEqual({ userQuery: 'stream please' });
    expect(done.usage).toEqual({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
    // raw: the frame as received, its data text byte for byte
    expect(done.raw).toEqual({ event: 'run-complete', id: undefined, data: frames(RUN_STREAM.body)[1]!.split('data: ')[1]!.trimEnd() });
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/run/stream');
    expect(req.headers.accept).toBe('text/event-stream');
    expect(req.headers.authorization).toMatch(/^Bearer ar_live_/);
    expect(JSON.parse(req.body)).toEqual({ agentId: 'echo-bot', input: 'stream please' });
  });

  it('run-stream-fail.raw → start, then error with the message', async () => {
    server = await sseServer(RUN_STREAM_FAIL.body);
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'FAIL' }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', 'error']);
    const last = events[1]!;
    expect(last.type === 'error' && last.error).toBe('fake provider error (prompt contained FAIL)');
  });

  it('reply events arrive as they are sent, with their seq (spec example withReply)', async () => {
    server = await sseServer(sseExample('/run/stream', 'post', 'withReply'));
    const { events } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' }));
    expect(events.map((e) => e.type)).toEqual(['start', 'reply', 'complete']);
    const reply = events[1]!;
    if (reply.type !== 'reply') throw new Error('not a reply');
    expect(reply.text).toBe('Working on it.');
    expect(reply.seq).toBe(3);
    expect(reply.raw.id).toBe('3');
  });

  it('client-tool-request is yielded with its request (spec example clientTool)', async () => {
    server = await sseServer(sseExample('/run/stream', 'post', 'clientTool'));
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x', clientTools: ['getLocation'] }));
    expect(error).toBeUndefined();
    const ctr = events.find((e) => e.type === 'client-tool-request');
    if (ctr?.type !== 'client-tool-request') throw new Error('no client-tool-request');
    expect(ctr.name).toBe('getLocation');
    expect(ctr.requestId).toMatch(/^ctr_/);
    expect(events.at(-1)!.type).toBe('complete');
  });
});

describe('runs.stream: each event type', () => {
  it('runs-stream.raw: a child run-complete does not end the stream; the root one does', async () => {
    server = await sseServer(RUNS_STREAM.body);
    const { events, error } = await collect(client(server.url).runs.stream(ROOT));
    expect(error).toBeUndefined();
    expect(events.map((e) => [e.type, 'runId' in e ? e.runId : undefined])).toEqual([
      ['run-spawn', ROOT],
      ['run-spawn', CHILD],
      ['run-complete', CHILD],
      ['run-complete', ROOT],
    ]);
    const child = events[1]!;
    expect(child.type === 'run-spawn' && child.parentId).toBe(ROOT);
    const done = events[3]!;
    expect(done.type === 'run-complete' && done.result.usage.promptTokens).toBe(12);
    expect(server.requests.map((r) => r.url)).toEqual([`/runs/${ROOT}/stream`]);
  });

  it('slow-stream.raw: run-cancelled of the root ends it', async () => {
    server = await sseServer(SLOW_STREAM.body);
    const { events, error } = await collect(client(server.url).runs.stream('run_ReZdgDdvaUGI'));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['run-spawn', 'run-spawn', 'run-cancelled', 'run-cancelled']);
  });

  it('the remaining event types (spec example allEvents) are yielded with their payloads', async () => {
    server = await sseServer(sseExample('/runs/{runId}/stream', 'get', 'allEvents'));
    const { events, error } = await collect(client(server.url).runs.stream(ROOT));
    expect(error).toBeUndefined();
    const types = new Set(events.map((e) => e.type));
    for (const t of ['run-spawn', 'text-delta', 'tool-call-start', 'tool-call-end', 'step-complete', 'draining', 'reply', 'client-tool-request', 'run-error', 'run-complete']) {
      expect(types, t).toContain(t);
    }
    const delta = events.find((e) => e.type === 'text-delta');
    expect(delta?.type === 'text-delta' && typeof delta.text).toBe('string');
  });

  it('a snapshot (evicted run) ends the stream and carries the stored Run', async () => {
    server = await sseServer(sseExample('/runs/{runId}/stream', 'get', 'snapshot'));
    const { events, error } = await collect(client(server.url).runs.stream(ROOT));
    expect(error).toBeUndefined();
    expect(events).toHaveLength(1);
    const snap = events[0]!;
    if (snap.type !== 'snapshot') throw new Error('not a snapshot');
    expect(snap.run.id).toBe(ROOT);
    expect(snap.run.status).toBe('completed');
  });

  it('a stream-error frame is thrown as StreamError STREAM_ERROR', async () => {
    server = await sseServer(`${frames(RUNS_STREAM.body)[0]}event: stream-error\ndata: {"error":"registry unavailable"}\n\n`);
    const { events, error } = await collect(client(server.url, { maxRetries: 0 }).runs.stream(ROOT));
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('STREAM_ERROR');
    expect(error.message).toBe('registry unavailable');
    expect(server.requests).toHaveLength(1);
  });
});

describe('traces.stream', () => {
  it('live example: span-start ×4, span-end ×4, trace-done (terminal)', async () => {
    server = await sseServer(sseExample('/traces/{traceId}/stream', 'get', 'live'));
    const { events, error } = await collect(client(server.url).traces.stream(ROOT));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([...Array(4).fill('span-start'), ...Array(4).fill('span-end'), 'trace-done']);
    const first = events[0]!;
    expect(first.type === 'span-start' && first.span.name).toBe('agent.run');
    expect(server.requests[0]!.url).toBe(`/traces/${ROOT}/stream`);
  });

  it('snapshot example: one terminal snapshot with summary and spans', async () => {
    server = await sseServer(sseExample('/traces/{traceId}/stream', 'get', 'snapshot'));
    const { events } = await collect(client(server.url).traces.stream(ROOT));
    expect(events).toHaveLength(1);
    const snap = events[0]!;
    expect(snap.type === 'snapshot' && snap.spans).toHaveLength(4);
  });

  it('after a drop it reconnects and does not yield a span event twice', async () => {
    const all = frames(sseExample('/traces/{traceId}/stream', 'get', 'live'));
    server = await startServer((req, res) => {
      sseHead(res);
      if (server!.requests.length === 1) {
        res.write(all.slice(0, 5).join(''));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(all.slice(0, 2).join('') + all.slice(5).join('')); // the worker re-sends in-progress spans
      }
    });
    const { events, error } = await collect(client(server.url, { maxRetries: 2 }).traces.stream(ROOT));
    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual([...Array(4).fill('span-start'), ...Array(4).fill('span-end'), 'trace-done']);
  });
});

describe('chunk boundaries', () => {
  it('a stream split in two at every byte offset yields the same events', async () => {
    const body = RUN_STREAM.body;
    let offset = 0;
    server = await startServer(async (_req, res) => {
      sseHead(res);
      res.write(body.subarray(0, offset));
      await tick();
      res.end(body.subarray(offset));
    });
    const hosted = client(server.url);
    const expected = (await collect(hosted.agents.stream({ agentId: 'echo-bot' }))).events.map((e) => JSON.stringify(e));
    expect(expected).toHaveLength(2);
    for (offset = 1; offset < body.length; offset++) {
      const { events, error } = await collect(hosted.agents.stream({ agentId: 'echo-bot' }));
      expect(error, `split at ${offset}`).toBeUndefined();
      expect(events.map((e) => JSON.stringify(e)), `split at ${offset}`).toEqual(expected);
    }
    expect(server.requests).toHaveLength(body.length);
  });

  it('a multi-byte UTF-8 character split between chunks is decoded whole', async () => {
    const text = 'Grüße — 你好 🎉';
    const body = Buffer.from(`event: run-start\ndata: {"agentId":"a","kind":"llm","runId":"r","retention":{"mode":"none"}}\n\nevent: run-complete\ndata: ${JSON.stringify({ output: text, state: {} })}\n\n`);
    const start = body.indexOf(Buffer.from('🎉'));
    let offset = 0;
    server = await startServer(async (_req, res) => {
      sseHead(res);
      res.write(body.subarray(0, offset));
      await tick();
      res.end(body.subarray(offset));
    });
    for (offset = start - 8; offset <= start + 4; offset++) {
      const { events } = await collect(client(server.url).agents.stream({ agentId: 'a' }));
      const done = events[1]!;
      expect(done.type === 'complete' && done.output, `split at ${offset}`).toBe(text);
    }
  });
});

describe('runs.stream: drop mid-stream → resume with since', () => {
  it('reconnects with ?since=<last seq> and yields every event exactly once', async () => {
    const all = frames(RUNS_STREAM.body);
    server = await startServer((req, res) => {
      sseHead(res);
      const since = new URL(req.url!, 'http://x').searchParams.get('since');
      if (since === null) {
        res.write(all.slice(0, 2).join(''));
        setTimeout(() => res.socket?.destroy(), 20); // abrupt: no terminating chunk
      } else {
        res.end(all.slice(Number(since)).join('')); // seq n is frame n-1
      }
    });
    const { events, error } = await collect(client(server.url).runs.stream(ROOT));
    expect(error).toBeUndefined();
    expect(server.requests.map((r) => r.url)).toEqual([`/runs/${ROOT}/stream`, `/runs/${ROOT}/stream?since=2`]);
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual([1, 2, 3, 4]);
  });

  it('drops events a server replays at or below since (none twice), and starts from a given since', async () => {
    const all = frames(RUNS_STREAM.body);
    server = await startServer((req, res) => {
      sseHead(res);
      if (server!.requests.length === 1) {
        res.write(all.slice(1, 3).join(''));
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.end(all.join('')); // ignores since: replays everything
      }
    });
    const { events, error } = await collect(client(server.url).runs.stream(ROOT, { since: 1 }));
    expect(error).toBeUndefined();
    expect(server.requests.map((r) => r.url)).toEqual([`/runs/${ROOT}/stream?since=1`, `/runs/${ROOT}/stream?since=3`]);
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual([2, 3, 4]);
  });

  it('a clean end before the root terminal (after a child terminal) also resumes', async () => {
    const all = frames(RUNS_STREAM.body);
    server = await startServer((req, res) => {
      sseHead(res);
      const since = Number(new URL(req.url!, 'http://x').searchParams.get('since') ?? 0);
      res.end(since === 0 ? all.slice(0, 3).join('') : all.slice(since).join(''));
    });
    const { events } = await collect(client(server.url).runs.stream(ROOT));
    expect(server.requests[1]!.url).toBe(`/runs/${ROOT}/stream?since=3`);
    expect(events.map((e) => e.type)).toEqual(['run-spawn', 'run-spawn', 'run-complete', 'run-complete']);
  });

  it('gives up with STREAM_TRUNCATED after maxRetries reconnects that bring nothing new', async () => {
    const all = frames(RUNS_STREAM.body);
    server = await startServer((_req, res) => {
      sseHead(res);
      res.end(all.slice(0, 2).join('')); // always the same two events, never the terminal one
    });
    const { events, error } = await collect(client(server.url, { maxRetries: 1 }).runs.stream(ROOT));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('STREAM_TRUNCATED');
    expect(events).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
  });

  it('waits between reconnects (backoff)', async () => {
    const all = frames(RUNS_STREAM.body);
    server = await startServer((req, res) => {
      sseHead(res);
      if (server!.requests.length < 3) res.end('');
      else res.end(all.join(''));
    });
    const { error } = await collect(client(server.url).runs.stream(ROOT));
    expect(error).toBeUndefined();
    const [a, b, c] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(300); // 500 ms × (1 − 25 % jitter) at least
    expect(c! - b!).toBeGreaterThanOrEqual(700); // 1,000 ms × 0.75
  });
});

describe('truncated streams and bad payloads', () => {
  it('agents.stream that ends without run-complete/run-error → StreamError STREAM_TRUNCATED', async () => {
    server = await sseServer(frames(RUN_STREAM.body)[0]!);
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot' }));
    expect(events.map((e) => e.type)).toEqual(['start']);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('STREAM_TRUNCATED');
    expect(server.requests).toHaveLength(1); // never resent
  });

  it('agents.stream whose connection drops → STREAM_TRUNCATED, not resent', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      res.write(frames(RUN_STREAM.body)[0]!);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot' }));
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('STREAM_TRUNCATED');
    expect(error.message).toMatch(/lost its connection/);
    expect(server.requests).toHaveLength(1);
  });

  it('data that is not JSON → StreamError INVALID_SSE_PAYLOAD (agents and runs)', async () => {
    server = await sseServer(`${frames(RUN_STREAM.body)[0]}event: run-complete\ndata: {"output": "unterminated\n\n`);
    const a = await collect(client(server.url).agents.stream({ agentId: 'echo-bot' }));
    expect(a.events).toHaveLength(1);
    expect(a.error).toBeInstanceOf(StreamError);
    expect(a.error.code).toBe('INVALID_SSE_PAYLOAD');
    await server.close();
    server = await sseServer(`event: run-spawn\ndata: not json\nid: 1\n\n`);
    const r = await collect(client(server.url).runs.stream(ROOT));
    expect(r.error).toBeInstanceOf(StreamError);
    expect(r.error.code).toBe('INVALID_SSE_PAYLOAD');
    expect(server.requests).toHaveLength(1); // a bad payload is not a drop: no reconnect
  });

  it('unknown events are ignored, even with data that is not JSON', async () => {
    const [start, done] = frames(RUN_STREAM.body);
    server = await sseServer(`event: heartbeat-v2\ndata: <ping>\n\n${start}event: token\ndata: {"t":"Hel"}\n\n: a comment\n\n${done}`);
    const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot' }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', 'complete']);
  });
});

describe('leaving a stream closes the connection', () => {
  /**
   * A server that sends the first frame and then holds the stream open, noting when the socket
   * that carried each request closes (undici may open a spare connection meanwhile; that one is
   * not the stream's).
   */
  async function holdingServer(first: string) {
    const closed: boolean[] = [];
    const s = await startServer((req, res) => {
      const i = closed.push(false) - 1;
      req.socket.on('close', () => (closed[i] = true));
      sseHead(res);
      res.write(first);
    });
    return { s, closed };
  }

  it('break out of agents.stream → the server sees the socket close', async () => {
    const { s, closed } = await holdingServer(frames(RUN_STREAM.body)[0]!);
    server = s;
    for await (const e of client(s.url).agents.stream({ agentId: 'echo-bot' })) {
      expect(e.type).toBe('start');
      break;
    }
    expect(await until(() => closed[0] === true)).toBe(true);
    expect(s.requests).toHaveLength(1);
  });

  it('aborting the signal mid-stream rejects with the abort reason and closes the socket', async () => {
    const { s, closed } = await holdingServer(frames(RUNS_STREAM.body)[0]!);
    server = s;
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of client(s.url).runs.stream(ROOT, { signal: controller.signal })) {
        seen.push(e.type);
        setTimeout(() => controller.abort(), 10);
      }
    })().catch((e) => e);
    expect(seen).toEqual(['run-spawn']);
    expect(err.name).toBe('AbortError');
    expect(await until(() => closed[0] === true)).toBe(true);
    expect(s.requests).toHaveLength(1); // an abort is not a drop: no reconnect
  });

  it('the seed-style signal parameter of agents.stream works the same', async () => {
    const { s, closed } = await holdingServer(frames(RUN_STREAM.body)[0]!);
    server = s;
    const controller = new AbortController();
    const stream = client(s.url).agents.stream({ agentId: 'echo-bot', signal: controller.signal });
    const first = await stream.next();
    expect(first.value?.type).toBe('start');
    controller.abort();
    const err = await stream.next().catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(await until(() => closed[0] === true)).toBe(true);
  });
});
