/**
 * The hosted streams at their edges, against small real HTTP servers on 127.0.0.1: the three
 * SSE line endings (LF, CRLF, bare CR) with the last event flushed at the end of the body, one
 * event per `next()`, and the idle timeout of a body that stalls mid-stream (`agents.stream`
 * and `traces.stream` end with a 408 and close the body; `runs.stream` resumes with `?since=`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sseChunks, type SseEvent } from '../../src/core/sse.js';
import { RequestTimeoutError, StreamError, ValidationError } from '../../src/hosted/index.js';
import { startServer, until, type TestServer } from '../support/servers.js';
import { capture, client, collect, frames, sseExample, sseHead } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const RUN_STREAM = String(capture('run-stream').body);
const ROOT = 'run_iCZXXZXn-j7V';

/** `text` with every line ending (`\n`, as the captures have them) replaced by `eol`. */
const withEol = (text: string, eol: string) => text.replace(/\r\n|\n/g, eol);

/** A server that answers with `parts` as an SSE body, one write per part, then ends it. */
async function sseServer(parts: string[]) {
  return startServer(async (_req, res) => {
    sseHead(res);
    for (const part of parts) {
      res.write(part);
      await new Promise((r) => setTimeout(r, 5));
    }
    res.end();
  });
}

describe('line endings: LF, CRLF and bare CR, the last event flushed at the end of the body', () => {
  for (const [name, eol] of [['LF', '\n'], ['CRLF', '\r\n'], ['CR', '\r']] as const) {
    it(`${name}: run-stream.raw in one piece → start, complete`, async () => {
      server = await sseServer([withEol(RUN_STREAM, eol)]);
      const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' }));
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['start', 'complete']);
    });

    it(`${name}: the same body in 7-byte writes → the same events`, async () => {
      const body = withEol(RUN_STREAM, eol);
      const parts = body.match(/[\s\S]{1,7}/g)!;
      server = await sseServer(parts);
      const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' }));
      expect(error).toBeUndefined();
      expect(events.map((e) => e.type)).toEqual(['start', 'complete']);
      const done = events[1]!;
      expect(done.type === 'complete' && done.output).toBe('Hello from the fake model.');
    });
  }

  it('CR: a terminal event whose closing CR is the last byte is still yielded (runs.stream)', async () => {
    server = await sseServer([withEol(sseExample('/runs/{runId}/stream', 'get', 'snapshot'), '\r')]);
    const { events, error } = await collect(client(server.url, { maxRetries: 0 }).runs.stream(ROOT));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['snapshot']);
  });

  it('an event without its closing blank line is not dispatched (the stream is truncated), with any line ending', async () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const [start, complete] = frames(RUN_STREAM);
      server = await sseServer([withEol(start! + complete!.trimEnd(), eol) + eol]); // one line ending, not two
      const { events, error } = await collect(client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' }));
      expect(events.map((e) => e.type)).toEqual(['start']);
      expect(error).toBeInstanceOf(StreamError);
      expect(error.code).toBe('STREAM_TRUNCATED');
      await server.close();
      server = undefined;
    }
  });
});

describe('core sseChunks: the events each read completes', () => {
  it('three events in one chunk come as one array, in order; the end of the body closes the loop', async () => {
    const body = new Response('event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\nid: 7\n\n').body!;
    const chunks: SseEvent[][] = [];
    for await (const events of sseChunks(body)) chunks.push([...events]);
    expect(chunks.flat()).toEqual([
      { event: 'a', data: '1', id: undefined },
      { event: 'b', data: '2', id: undefined },
      { event: 'message', data: '3', id: '7' },
    ]);
    expect(chunks[0]).toHaveLength(3);
  });

  it('leaving after the first chunk cancels the body', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(new TextEncoder().encode('data: 1\n\ndata: 2\n\n')),
      cancel: () => void (cancelled = true),
    });
    for await (const events of sseChunks(body)) {
      expect(events.map((e) => e.data)).toEqual(['1', '2']);
      break;
    }
    expect(cancelled).toBe(true);
  });
});

/**
 * A server that writes `first` and then holds each response open without another byte, noting
 * when the socket that carried each request closes (undici may open a spare connection
 * meanwhile; that one is not the stream's).
 */
async function stallingServer(first: string) {
  const closed: boolean[] = [];
  const s = await startServer((req, res) => {
    const i = closed.push(false) - 1;
    req.socket.on('close', () => (closed[i] = true));
    sseHead(res);
    res.write(first);
  });
  return { s, closed };
}

describe('idle timeout: only waits for the server count', () => {
  it('agents.stream: a body that stalls after run-start ends with RequestTimeoutError 408 and the connection closed', async () => {
    const [start] = frames(RUN_STREAM);
    const { s, closed } = await stallingServer(start!);
    server = s;
    const { events, error } = await collect(client(s.url).agents.stream({ agentId: 'echo-bot', input: 'x' }, { idleTimeoutMs: 200 }));
    expect(events.map((e) => e.type)).toEqual(['start']);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.statusCode).toBe(408);
    expect(error.code).toBe('STREAM_IDLE');
    expect(await until(() => closed[0] === true)).toBe(true);
  });

  it("the client's idleTimeoutMs is the default of every stream; a call may lengthen it", async () => {
    const [start, complete] = frames(RUN_STREAM);
    server = await startServer(async (_req, res) => {
      sseHead(res);
      res.write(start!);
      await new Promise((r) => setTimeout(r, 400));
      res.end(complete!);
    });
    const hosted = client(server.url, { idleTimeoutMs: 150 });
    const short = await collect(hosted.agents.stream({ agentId: 'echo-bot', input: 'x' }));
    expect(short.error).toBeInstanceOf(RequestTimeoutError);
    const long = await collect(hosted.agents.stream({ agentId: 'echo-bot', input: 'x' }, { idleTimeoutMs: 5_000 }));
    expect(long.error).toBeUndefined();
    expect(long.events.map((e) => e.type)).toEqual(['start', 'complete']);
  });

  it("the consumer's own time between events is not counted", async () => {
    server = await sseServer([RUN_STREAM]);
    const events: string[] = [];
    for await (const e of client(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' }, { idleTimeoutMs: 100 })) {
      events.push(e.type);
      await new Promise((r) => setTimeout(r, 300)); // three idle timeouts' worth, spent by the caller
    }
    expect(events).toEqual(['start', 'complete']);
  });

  it('runs.stream: after a stall it resumes with ?since=<last seq>; no event twice, none lost', async () => {
    const all = frames(capture('runs-stream').body);
    const closed: boolean[] = [];
    server = await startServer((req, res) => {
      const i = closed.push(false) - 1;
      req.socket.on('close', () => (closed[i] = true));
      sseHead(res);
      if (!req.url!.includes('since=')) res.write(all.slice(0, 3).join('')); // then silence
      else res.end(all.slice(3).join(''));
    });
    const { events, error } = await collect(client(server.url).runs.stream(ROOT, { idleTimeoutMs: 200 }));
    expect(error).toBeUndefined();
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual(all.map((_, i) => i + 1));
    expect(server.requests.map((r) => r.url)).toEqual([`/runs/${ROOT}/stream`, `/runs/${ROOT}/stream?since=3`]);
    expect(await until(() => closed[0] === true)).toBe(true); // the stalled connection was closed
  });

  it('runs.stream: stalls that bring nothing new end with RequestTimeoutError after maxRetries reconnects', async () => {
    const all = frames(capture('runs-stream').body);
    const { s, closed } = await stallingServer(all[0]!);
    server = s;
    const { events, error } = await collect(client(server.url, { maxRetries: 1 }).runs.stream(ROOT, { idleTimeoutMs: 100 }));
    expect(events).toHaveLength(1);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.statusCode).toBe(408);
    expect(server.requests).toHaveLength(2);
    expect(await until(() => closed.every(Boolean))).toBe(true);
  });

  it('traces.stream: a stall ends with RequestTimeoutError 408, no reconnect, the connection closed', async () => {
    const live = frames(sseExample('/traces/{traceId}/stream', 'get', 'live'));
    const { s, closed } = await stallingServer(live[0]!);
    server = s;
    const { events, error } = await collect(client(s.url).traces.stream(ROOT, { idleTimeoutMs: 150 }));
    expect(events.map((e) => e.type)).toEqual(['span-start']);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.statusCode).toBe(408);
    expect(s.requests).toHaveLength(1);
    expect(await until(() => closed[0] === true)).toBe(true);
  });

  it('idleTimeoutMs is checked before any I/O: per call (thrown by the stream method) and per client', () => {
    const hosted = client('http://127.0.0.1:1');
    for (const bad of [0, -1, 1.5, 86_400_001, '100', Number.NaN]) {
      expect(() => hosted.agents.stream({ agentId: 'a' }, { idleTimeoutMs: bad as never })).toThrow(ValidationError);
      expect(() => hosted.runs.stream(ROOT, { idleTimeoutMs: bad as never })).toThrow(/idleTimeoutMs/);
      expect(() => hosted.traces.stream(ROOT, { idleTimeoutMs: bad as never })).toThrow(/idleTimeoutMs/);
      expect(() => client('http://127.0.0.1:1', { idleTimeoutMs: bad as never })).toThrow(/idleTimeoutMs/);
    }
  });
});
