/**
 * The log tail against small real WebSocket / HTTP servers on 127.0.0.1 (what Prism cannot do):
 * frames, limits, fallback, drops, timeouts, aborts. Fixtures are the captured Ray frames
 * (ws-tail-frames.txt, as openapi/agent-logs.asyncapi.yaml holds them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import {
  AuthenticationError,
  ConnectionError,
  NotFoundError,
  RequestTimeoutError,
  ServerError,
  StreamLimitError,
  ValidationError,
} from '../../src/agent/index.js';
import { closedPort, startServer, until, type TestServer } from '../support/servers.js';
import { AGENT_TOKEN, CAPTURED_FRAMES, CAPTURED_LINES, CAPTURED_LOG_EVENTS, TENANT, USER_TOKEN, agentClient, drain } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const JOB = 'raysubmit_NRBzaQRtepYZud2i';
const frame = (type: string | undefined, message?: string) => JSON.stringify(type === undefined ? { message } : { type, message });
const log = (message: string) => frame('log', message);
const COMPLETE = frame('complete', '');

/** Sends frames in order, then closes with 1000 (unless `end` says otherwise). */
function sendAll(ws: WebSocket, frames: string[], end: 'close' | 'drop' | 'none' = 'close') {
  for (const f of frames) ws.send(f);
  if (end === 'close') ws.close(1000);
  if (end === 'drop') setTimeout(() => ws.terminate(), 20); // after the frames are flushed
}

/** Writes an HTTP tail body made of `lines` (each followed by \n) and ends it. */
function httpTail(res: ServerResponse, lines: string[], end: 'end' | 'drop' | 'none' = 'end') {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.write(lines.map((l) => `${l}\n`).join(''));
  if (end === 'end') res.end();
  if (end === 'drop') setTimeout(() => res.socket?.destroy(), 20);
}

/** HTTP-tail lines that replay the captured log from its start, as `data:` events, then complete. */
const CAPTURED_HTTP = [...CAPTURED_LOG_EVENTS.map((e) => `data: ${JSON.stringify(e)}`), `data: ${COMPLETE}`];

const notFound = (_req: IncomingMessage, res: ServerResponse) => void res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');

describe('WebSocket tail', () => {
  it('yields the captured Ray batches as lines, with the auth headers on the handshake', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, CAPTURED_FRAMES) });
    const agent = agentClient(server.url, { userToken: USER_TOKEN, tenant: TENANT });
    const tail = agent.websocketTailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(tail.protocol).toBe('websocket');
    const [up] = server.requests;
    expect(up!.method).toBe('UPGRADE');
    expect(up!.url).toBe(`/jobs/${JOB}/logs/`);
    expect(up!.headers.authorization).toBe(AGENT_TOKEN);
    expect(up!.headers['synapse-user']).toBe(`Token ${USER_TOKEN}`);
    expect(up!.headers['synapse-tenant']).toBe(`Token ${TENANT}`);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps a base URL path prefix and maps http → ws', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log('x\n'), COMPLETE]) });
    const { lines } = await drain(agentClient(`${server.url}/agent/`).websocketTailJobLogs('j1'));
    expect(lines).toEqual(['x']);
    expect(server.requests[0]!.url).toBe('/agent/jobs/j1/logs/');
  });

  it('handles every frame type: log, no type, non-JSON, JSON non-objects, unknown, empty; stops at complete', async () => {
    const frames = [
      log('one\n'),
      frame(undefined, 'two (no type)\n'),
      'three: not JSON at all\n',
      '"123"',
      '\n',
      '42\n',
      '{"type": "log", "message": broken json}\n',
      frame('progress', 'ignored: unknown type\n'),
      log(''),
      JSON.stringify({ type: 'log', message: 7 }),
      log('four\r\nfive\n\n\nsix\n'),
      COMPLETE,
      log('after complete: never yielded\n'),
    ];
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, frames, 'none') });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['one', 'two (no type)', 'three: not JSON at all', '"123"', '42', '{"type": "log", "message": broken json}', 'four', 'five', 'six']);
  });

  it('overlapping next() calls get consecutive lines, none lost', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, CAPTURED_FRAMES) });
    const it = agentClient(server.url).websocketTailJobLogs(JOB)[Symbol.asyncIterator]();
    const got: string[] = [];
    for (;;) {
      const batch = await Promise.all([it.next(), it.next(), it.next()]);
      for (const r of batch) if (!r.done) got.push(r.value);
      if (batch.some((r) => r.done)) break;
    }
    expect(got).toEqual(CAPTURED_LINES);
  });

  it('a message ends a line: newline-less messages are one line each, never glued to the next', async () => {
    // What an agent server sends: one log line per message, without a trailing newline.
    const five = Array.from({ length: 5 }, (_, i) => log(`line ${i}`));
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [...five, COMPLETE]) });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('raysubmit_abc'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  });

  it('splits a message at \n / \r\n and carries nothing into the next one (partial ends, progress bars)', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log('ab'), log('c\nd'), log('e\r\nf\n'), log('50%\r'), 'plain frame, no JSON', log('g')]) });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['ab', 'c', 'd', 'e', 'f', '50%', 'plain frame, no JSON', 'g']);
  });

  it('each line is delivered as its message arrives, not when a later newline does', async () => {
    let send: ((text: string) => void) | undefined;
    server = await startServer(notFound, { ws: (ws) => void (send = (t) => ws.send(t)) });
    const it = agentClient(server.url).websocketTailJobLogs('j1')[Symbol.asyncIterator]();
    const first = it.next();
    await until(() => send !== undefined);
    send!(log('progress 1/3'));
    expect(await first).toEqual({ value: 'progress 1/3', done: false });
    await it.return?.();
  });

  it('a clean close (1000) without complete ends the tail normally', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, CAPTURED_FRAMES.slice(0, 2)) });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES.slice(0, 12));
  });

  it('an error frame is a ServerError (500) carrying its message, after the lines before it', async () => {
    server = await startServer(notFound, {
      ws: (ws) => sendAll(ws, [log('before\n'), frame('error', 'Job raysubmit_doesnotexist does not exist'), log('after\n')]),
    });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(lines).toEqual(['before']);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(500);
    expect(error.message).toBe('Job raysubmit_doesnotexist does not exist (HTTP 500)');
    expect(error.detail).toEqual({ type: 'error', message: 'Job raysubmit_doesnotexist does not exist' });
  });

  it('a drop (1006) mid-stream is a ConnectionError (503), not a silent end', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, CAPTURED_FRAMES.slice(0, 2), 'drop') });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(lines).toEqual(CAPTURED_LINES.slice(0, 12));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.statusCode).toBe(503);
    expect(error.message).toMatch(/closed with code 1006 before it completed/);
  });

  it('a close with 1011 is a ServerError (500)', async () => {
    server = await startServer(notFound, { ws: (ws) => (ws.send(log('x\n')), ws.close(1011, 'internal')) });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1'));
    expect(lines).toEqual(['x']);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(500);
  });

  it('a refused handshake keeps its status (404 NotFoundError; 503 ServerError), not re-wrapped', async () => {
    server = await startServer(notFound, { ws: () => {}, wsRefuse: (req) => (req.url!.includes('gone') ? 404 : 503) });
    const a = await drain(agentClient(server.url).websocketTailJobLogs('gone'));
    expect(a.error).toBeInstanceOf(NotFoundError);
    expect(a.error.statusCode).toBe(404);
    const b = await drain(agentClient(server.url).websocketTailJobLogs('raysubmit_abc'));
    expect(b.error).toBeInstanceOf(ServerError);
    expect(b.error.statusCode).toBe(503);
    expect(b.error.message).toBe('WebSocket tail of job raysubmit_abc refused: 503 Service Unavailable — refused');
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE', 'UPGRADE']); // no HTTP fallback
  });

  it('no server at all is a ConnectionError (503)', async () => {
    const port = await closedPort();
    const { error } = await drain(agentClient(`http://127.0.0.1:${port}`).websocketTailJobLogs('j1'));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.statusCode).toBe(503);
  });
});

describe('HTTP tail', () => {
  it('yields plain lines and data: events alike; skips empty lines; stops at complete', async () => {
    const body = [
      'plain line one',
      '',
      'data: {"type":"log","message":"event two\\n"}',
      'data: {"message":"event three, no type\\n"}',
      'data: not json, so a log line as-is',
      'data: "123"',
      'data: {"type":"progress","message":"unknown: ignored\\n"}',
      'plain\r',
      `data: ${COMPLETE}`,
      'after complete: never yielded',
    ];
    server = await startServer((req, res) => httpTail(res, body));
    const agent = agentClient(server.url, { userToken: USER_TOKEN, tenant: TENANT });
    const tail = agent.streamTailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(['plain line one', 'event two', 'event three, no type', 'data: not json, so a log line as-is', 'data: "123"', 'plain']);
    expect(tail.protocol).toBe('http');
    const [get] = server.requests;
    expect(get!.method).toBe('GET');
    expect(get!.url).toBe(`/jobs/${JOB}/logs/stream/`);
    expect(get!.headers.authorization).toBe(AGENT_TOKEN);
    expect(get!.headers['synapse-user']).toBe(`Token ${USER_TOKEN}`);
    expect(get!.headers['synapse-tenant']).toBe(`Token ${TENANT}`);
  });

  it('an event ends its line too: data: events and plain lines are never glued', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('data: {"type":"log","message":"from event"}\nplain line\n');
    });
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1'));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['from event', 'plain line']);
  });

  it('the captured frames as data: events give the same lines as the WebSocket', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP));
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs(JOB));
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
  });

  it('reads lines that arrive split across chunks, slowly, with no deadline on the whole body', async () => {
    server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const piece of ['fir', 'st\nsec', 'ond\n', 'data: {"type":"log","message":"thi', 'rd\\n"}\n']) {
        res.write(piece);
        await new Promise((r) => setTimeout(r, 60));
      }
      res.end();
    });
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1', { timeout: 150 }));
    expect(error).toBeUndefined();
    expect(lines).toEqual(['first', 'second', 'third']);
  });

  it('an error event is a ServerError (500) with its message', async () => {
    server = await startServer((_req, res) => httpTail(res, ['line', 'data: {"type":"error","message":"Job raysubmit_doesnotexist does not exist"}']));
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1'));
    expect(lines).toEqual(['line']);
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(500);
    expect(error.message).toBe('Job raysubmit_doesnotexist does not exist (HTTP 500)');
  });

  it('keeps the real status of a failed request (401, 404, 429), unlike the seed (always 503)', async () => {
    const answers: Record<string, [number, string]> = {
      '/jobs/a/logs/stream/': [401, '{"detail":"Invalid token"}'],
      '/jobs/b/logs/stream/': [404, 'Job b does not exist'],
      '/jobs/c/logs/stream/': [429, '{"detail":"Too Many Requests"}'],
    };
    server = await startServer((req, res) => {
      const [status, body] = answers[req.url!]!;
      res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' }).end(body);
    });
    const agent = agentClient(server.url);
    const a = await drain(agent.streamTailJobLogs('a'));
    const b = await drain(agent.streamTailJobLogs('b'));
    const c = await drain(agent.streamTailJobLogs('c'));
    expect([a.error.statusCode, b.error.statusCode, c.error.statusCode]).toEqual([401, 404, 429]);
    expect(a.error).toBeInstanceOf(AuthenticationError);
    expect(b.error).toBeInstanceOf(NotFoundError);
    expect(b.error.message).toBe('Job b does not exist (HTTP 404)');
  });

  it('a body that breaks mid-way is a ConnectionError (503), after the lines before it', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\ntwo\n');
      setTimeout(() => res.socket?.destroy(), 30);
    });
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1'));
    expect(lines).toEqual(['one', 'two']);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.statusCode).toBe(503);
  });
});

describe('auto protocol', () => {
  it('falls back to HTTP when the handshake is refused with 503', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: () => {}, wsRefuse: () => 503 });
    const tail = agentClient(server.url).tailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`UPGRADE /jobs/${JOB}/logs/`, `GET /jobs/${JOB}/logs/stream/`]);
    expect(tail.protocol).toBe('http');
    expect(tail.fallbackReason).toBeInstanceOf(ServerError);
    expect(tail.fallbackReason!.statusCode).toBe(503);
  });

  it('falls back when nothing listens for WebSocket… and the HTTP failure is then raised', async () => {
    const port = await closedPort();
    const tail = agentClient(`http://127.0.0.1:${port}`).tailJobLogs('j1');
    const { error } = await drain(tail);
    expect(tail.fallbackReason).toBeInstanceOf(ConnectionError);
    expect(tail.protocol).toBe('http');
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it('after a drop (1006) mid-stream, resumes over HTTP — which replays from the start — without repeating a line', async () => {
    // Frames 1–2 (12 lines), then the connection drops; the HTTP tail replays all 23 lines.
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: (ws) => sendAll(ws, CAPTURED_FRAMES.slice(0, 2), 'drop') });
    const tail = agentClient(server.url).tailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(new Set(lines).size).toBe(lines.length);
    expect(tail.fallbackReason).toBeInstanceOf(ConnectionError);
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE', 'GET']);
  });

  it('after a drop, newline-less messages and messages with embedded newlines are counted as HTTP counts them: no line lost or repeated', async () => {
    // The WebSocket delivers 'a', 'b', 'c' (one message) and 'd' (newline-less), then drops;
    // the HTTP tail replays the log from its start, as events and as plain lines.
    server = await startServer((_req, res) => httpTail(res, ['data: {"type":"log","message":"a"}', 'b', 'data: {"type":"log","message":"c\\nd"}', 'e', 'data: {"type":"log","message":"f"}', `data: ${COMPLETE}`]), {
      ws: (ws) => sendAll(ws, [log('a'), log('b\nc\n'), log('d')], 'drop'),
    });
    const tail = agentClient(server.url).tailJobLogs('j1');
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(tail.fallbackReason).toBeInstanceOf(ConnectionError);
  });

  it('falls back on an error frame (500)', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: (ws) => sendAll(ws, [frame('error', 'Ray is restarting')], 'none') });
    const tail = agentClient(server.url).tailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(tail.fallbackReason!.message).toBe('Ray is restarting (HTTP 500)');
  });

  it('does not fall back on a 401 (or 404) handshake: the error is raised, no HTTP request is made', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: () => {}, wsRefuse: (req) => (req.url!.includes('/a/') ? 401 : 404) });
    const a = await drain(agentClient(server.url).tailJobLogs('a'));
    expect(a.error).toBeInstanceOf(AuthenticationError);
    expect(a.error.statusCode).toBe(401);
    const b = await drain(agentClient(server.url).tailJobLogs('b'));
    expect(b.error).toBeInstanceOf(NotFoundError);
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE', 'UPGRADE']);
  });

  it('does not fall back on a stream limit (429)', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: (ws) => sendAll(ws, CAPTURED_FRAMES) });
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxMessages: 2 } }).tailJobLogs(JOB));
    expect(error).toBeInstanceOf(StreamLimitError);
    expect(lines).toEqual(CAPTURED_LINES.slice(0, 12));
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE']);
  });

  it('does not fall back on a timeout (408)', async () => {
    server = await startServer((_req, res) => httpTail(res, CAPTURED_HTTP), { ws: () => {} }); // accepts, then says nothing
    const { error } = await drain(agentClient(server.url).tailJobLogs('j1', { timeout: 150 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE']);
  });
});

describe('stream limits', () => {
  const big = 'x'.repeat(300);

  it('WebSocket: maxMessages → StreamLimitError (429) with the seed message', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log('1\n'), log('2\n'), log('3\n'), COMPLETE]) });
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxMessages: 2 } }).websocketTailJobLogs('j1'));
    expect(lines).toEqual(['1', '2']);
    expect(error).toBeInstanceOf(StreamLimitError);
    expect(error.statusCode).toBe(429);
    expect(error.message).toMatch(/^Stream message limit exceeded/);
  });

  it('WebSocket: maxBytes counts every frame (the seed forgets it on WebSocket)', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log(`${big}\n`), log(`${big}\n`), log(`${big}\n`), COMPLETE]) });
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxBytes: 700 } }).websocketTailJobLogs('j1'));
    expect(lines).toEqual([big, big]);
    expect(error).toBeInstanceOf(StreamLimitError);
    expect(error.message).toMatch(/^Stream size limit exceeded/);
  });

  it('WebSocket: a message over maxMessageSize is skipped but counted', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log('small\n'), log(`${big}\n`), log('after\n'), log('over the count\n'), COMPLETE]) });
    const agent = agentClient(server.url, { streamLimits: { maxMessageSize: 100, maxMessages: 3 } });
    const { lines, error } = await drain(agent.websocketTailJobLogs('j1'));
    expect(lines).toEqual(['small', 'after']);
    expect(error).toBeInstanceOf(StreamLimitError); // the skipped one counted: the 4th message is over
  });

  it('HTTP: maxLines → StreamLimitError (429) with the seed message', async () => {
    server = await startServer((_req, res) => httpTail(res, ['1', '2', '3', '4']));
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxLines: 3 } }).streamTailJobLogs('j1'));
    expect(lines).toEqual(['1', '2', '3']);
    expect(error).toBeInstanceOf(StreamLimitError);
    expect(error.message).toMatch(/^Stream line limit exceeded/);
  });

  it('HTTP: maxBytes', async () => {
    server = await startServer((_req, res) => httpTail(res, [big, big, big]));
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxBytes: 700 } }).streamTailJobLogs('j1'));
    expect(lines).toEqual([big, big]);
    expect(error).toBeInstanceOf(StreamLimitError);
    expect(error.message).toMatch(/^Stream size limit exceeded/);
  });

  it('HTTP: a line over maxMessageSize is skipped but counted', async () => {
    server = await startServer((_req, res) => httpTail(res, ['small', big, 'after', `data: ${JSON.stringify({ type: 'log', message: big })}`, 'last']));
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxMessageSize: 100, maxLines: 4 } }).streamTailJobLogs('j1'));
    expect(lines).toEqual(['small', 'after']);
    expect(error).toBeInstanceOf(StreamLimitError);
  });
});

describe('validation before any I/O', () => {
  it('rejects bad job ids, timeouts and protocols at call time, with the seed messages', async () => {
    server = await startServer((_req, res) => httpTail(res, ['x']), { ws: (ws) => sendAll(ws, [COMPLETE]) });
    const agent = agentClient(server.url);
    const cases: Array<[() => unknown, RegExp]> = [
      [() => agent.tailJobLogs(''), /^job ID cannot be empty$/],
      [() => agent.tailJobLogs(undefined as unknown as string), /^job ID cannot be empty$/],
      [() => agent.tailJobLogs('../etc/passwd'), /^Invalid job ID format/],
      [() => agent.websocketTailJobLogs('a b'), /^Invalid job ID format/],
      [() => agent.streamTailJobLogs('x'.repeat(101)), /^job ID too long/],
      [() => agent.tailJobLogs('j1', { protocol: 'grpc' as 'http' }), /^Invalid protocol: "grpc"/],
      [() => agent.tailJobLogs('j1', { timeout: 0 }), /timeout must be a positive number of milliseconds/],
      [() => agent.tailJobLogs('j1', { timeout: -5 }), /timeout must be a positive number of milliseconds/],
      [() => agent.tailJobLogs('j1', { timeout: Number.NaN }), /timeout/],
      [() => agent.tailJobLogs('j1', { timeout: 300_001 }), /timeout must be at most 300000 ms/],
      [() => agent.streamTailJobLogs('j1', { timeout: '30' as unknown as number }), /timeout must be a number of milliseconds/],
    ];
    for (const [call, message] of cases) {
      let thrown: any;
      try {
        call(); // throws here, not at the first iteration
      } catch (err) {
        thrown = err;
      }
      expect(thrown, String(message)).toBeInstanceOf(ValidationError);
      expect(thrown.statusCode).toBe(400);
      expect(thrown.message).toMatch(message);
    }
    expect(agent.tailJobLogs('j1', { timeout: 300_000 })).toBeDefined(); // the maximum is allowed
    expect(server.requests).toHaveLength(0);
  });
});

describe('timeouts', () => {
  it('WebSocket: silence longer than the timeout → RequestTimeoutError (408)', async () => {
    server = await startServer(notFound, { ws: (ws) => ws.send(log('first\n')) });
    const { lines, error } = await drain(agentClient(server.url).websocketTailJobLogs('j1', { timeout: 200 }));
    expect(lines).toEqual(['first']);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.statusCode).toBe(408);
  });

  it('HTTP: a body silent for longer than the timeout → RequestTimeoutError (408), and the socket is closed', async () => {
    let socketClosed = false;
    server = await startServer((req, res) => {
      req.socket.on('close', () => (socketClosed = true));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
    });
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1', { timeout: 200 }));
    expect(lines).toEqual(['first']);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.statusCode).toBe(408);
    expect(error.message).toMatch(/no log line from GET \/jobs\/j1\/logs\/stream\/ for 200 ms/);
    expect(await until(() => socketClosed)).toBe(true);
  });

  it('a consumer slower than the timeout is not a silent server (both transports)', async () => {
    // 2,000 lines at once, `complete` 2 s later; the consumer takes ~1.25 ms a line (2.5 s in
    // all). The server is quiet for longer than the 500 ms timeout, but only while the client
    // still has lines to hand out: the tail never waited on it that long.
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i}`);
    server = await startServer(
      (_req, res) => {
        httpTail(res, lines, 'none');
        setTimeout(() => res.end(`data: ${COMPLETE}\n`), 2000);
      },
      {
        ws: (ws) => {
          sendAll(ws, lines.map((l) => log(`${l}\n`)), 'none');
          setTimeout(() => sendAll(ws, [COMPLETE]), 2000);
        },
      },
    );
    const agent = agentClient(server.url);
    for (const tail of [agent.websocketTailJobLogs('j1', { timeout: 500 }), agent.streamTailJobLogs('j1', { timeout: 500 })]) {
      let n = 0;
      for await (const _ of tail) if (++n % 4 === 0) await new Promise((r) => setTimeout(r, 5));
      expect(n).toBe(2000);
    }
  }, 30_000);

  it('HTTP: no response headers within the timeout → RequestTimeoutError (408)', async () => {
    server = await startServer(() => new Promise(() => {}));
    const { error } = await drain(agentClient(server.url).streamTailJobLogs('j1', { timeout: 200 }));
    expect(error).toBeInstanceOf(RequestTimeoutError);
  });
});

describe('break and abort close the connection at once', () => {
  it('WebSocket: break after the first line → the server sees its socket close', async () => {
    let closed = false;
    server = await startServer(notFound, {
      ws: (ws) => {
        ws.on('close', () => (closed = true));
        ws.send(log('one\ntwo\n')); // never completes
      },
    });
    for await (const line of agentClient(server.url).websocketTailJobLogs('j1')) {
      expect(line).toBe('one');
      break;
    }
    expect(await until(() => closed, 1000)).toBe(true);
  });

  it('HTTP: break after the first line → the server sees its socket close', async () => {
    let closed = false;
    server = await startServer((req, res) => {
      // The request's own TCP socket (undici may open a spare connection afterwards: not ours to judge).
      req.socket.on('close', () => (closed = true));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\ntwo\n'); // never ends
    });
    for await (const line of agentClient(server.url).streamTailJobLogs('j1')) {
      expect(line).toBe('one');
      break;
    }
    expect(await until(() => closed, 1000)).toBe(true);
  });

  it('WebSocket: an aborted signal rejects with its reason and closes the socket', async () => {
    let closed = false;
    server = await startServer(notFound, {
      ws: (ws) => {
        ws.on('close', () => (closed = true));
        ws.send(log('one\n'));
      },
    });
    const controller = new AbortController();
    const lines: string[] = [];
    const err = await (async () => {
      for await (const line of agentClient(server!.url).tailJobLogs('j1', { signal: controller.signal })) {
        lines.push(line);
        setTimeout(() => controller.abort(), 20);
      }
    })().catch((e) => e);
    expect(lines).toEqual(['one']);
    expect(err.name).toBe('AbortError');
    expect(await until(() => closed, 1000)).toBe(true);
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE']); // an abort is not a reason to fall back
  });

  it('HTTP: an aborted signal rejects with its reason and closes the body', async () => {
    let closed = false;
    server = await startServer((req, res) => {
      req.socket.on('close', () => (closed = true));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one\n');
    });
    const controller = new AbortController();
    const err = await (async () => {
      for await (const _ of agentClient(server!.url).streamTailJobLogs('j1', { signal: controller.signal })) {
        setTimeout(() => controller.abort(), 20);
      }
    })().catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(await until(() => closed, 1000)).toBe(true);
  });
});

describe('redaction', () => {
  it('a refused handshake that echoes the token shows [REDACTED]', async () => {
    server = await startServer(notFound, { ws: () => {} });
    // A server that answers the upgrade with a 401 body echoing the token.
    await server.close();
    const { createServer } = await import('node:http');
    const http = createServer();
    http.on('upgrade', (req, socket) => {
      const body = JSON.stringify({ detail: `invalid token ${req.headers.authorization}` });
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    try {
      const { error } = await drain(agentClient(`http://127.0.0.1:${port}`).websocketTailJobLogs('j1'));
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toBe('WebSocket tail of job j1 refused: 401 Unauthorized — invalid token [REDACTED]');
      expect(JSON.stringify(error.detail)).not.toContain(AGENT_TOKEN);
    } finally {
      server = undefined;
      await new Promise((r) => http.close(r));
    }
  });
});

describe('newline-less messages under the limits and at scale', () => {
  it('maxMessages counts newline-less messages after delivering their lines', async () => {
    server = await startServer(notFound, { ws: (ws) => sendAll(ws, [log('1'), log('2'), log('3'), COMPLETE]) });
    const { lines, error } = await drain(agentClient(server.url, { streamLimits: { maxMessages: 2 } }).websocketTailJobLogs('j1'));
    expect(lines).toEqual(['1', '2']);
    expect(error).toBeInstanceOf(StreamLimitError);
  });

  it('is linear in the frames: 40,000 tiny frames cost far less than 100× 4,000 (WebSocket, HTTP events)', async () => {
    const limits = { maxMessages: 1e9, maxLines: 1e9, maxBytes: 2 ** 40 };
    const frames = (n: number) => Array.from({ length: n }, (_, i) => log(`l${i % 10}`));
    server = await startServer(
      (req, res) => {
        const n = Number(/n(\d+)/.exec(req.url!)![1]);
        httpTail(res, [...frames(n).map((f) => `data: ${f}`), `data: ${COMPLETE}`]);
      },
      { ws: (ws, req) => sendAll(ws, [...frames(Number(/n(\d+)/.exec(req.url!)![1])), COMPLETE]) },
    );
    const agent = agentClient(server.url, { streamLimits: limits });
    for (const tail of [(id: string) => agent.websocketTailJobLogs(id), (id: string) => agent.streamTailJobLogs(id)]) {
      const time = async (n: number) => {
        const t = performance.now();
        const { lines, error } = await drain(tail(`n${n}`));
        expect(error).toBeUndefined();
        expect(lines).toHaveLength(n);
        return performance.now() - t;
      };
      await time(4_000); // warm-up
      const small = await time(4_000);
      const large = await time(40_000);
      // Gluing messages into one held line and re-scanning it (the old tail) is ~100× here.
      expect(large / Math.max(small, 5)).toBeLessThan(40);
    }
  }, 60_000);
});

describe('the server stalls mid-body (HTTP) and redirects (WebSocket)', () => {
  it('HTTP: a body that stalls mid-line ends with RequestTimeoutError (408) after the timeout, lines before it delivered', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('whole line\nhalf a li'); // then nothing, the connection kept open
    });
    const started = performance.now();
    const { lines, error } = await drain(agentClient(server.url).streamTailJobLogs('j1', { timeout: 250 }));
    expect(lines).toEqual(['whole line']);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('WebSocket: a handshake answered with a redirect to another origin is refused, never followed with the credentials', async () => {
    const other = await startServer(notFound, { ws: (ws) => sendAll(ws, [COMPLETE]) });
    try {
      const { createServer } = await import('node:http');
      const http = createServer();
      http.on('upgrade', (_req, socket) => {
        socket.end(`HTTP/1.1 302 Found\r\nLocation: ${other.wsUrl}/jobs/j1/logs/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const port = (http.address() as { port: number }).port;
      try {
        const { error } = await drain(agentClient(`http://127.0.0.1:${port}`, { userToken: USER_TOKEN }).websocketTailJobLogs('j1'));
        expect(error.statusCode).toBe(302);
        expect(error.message).toBe('WebSocket tail of job j1 refused: 302 Found');
        expect(other.requests).toHaveLength(0); // the other origin never saw the token
      } finally {
        await new Promise((r) => http.close(r));
      }
    } finally {
      await other.close();
    }
  });
});
