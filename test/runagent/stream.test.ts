/**
 * runStream / runGenericStream against small real `ws` servers on 127.0.0.1 that speak the
 * captured run-stream protocol (test/fixtures/runagent/ws_probe.txt): every frame kind,
 * the 1003 close after a validation error, the 1006 drop after stream_completed (success) and
 * before it (an error), handshake refusals and retries, and where the key travels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import {
  AgentNotFoundError,
  AuthenticationError,
  NetworkError,
  RunAgentClient,
  RunAgentError,
  ServerError,
  StreamError,
  TimeoutError,
  ValidationError,
} from '../../src/runagent/index.js';
import { closedPort, startServer, until, type TestServer } from '../support/servers.js';
import { AGENT, TOKEN, captureLogger, drain, isolateEnvironment, structured } from './helpers.js';

isolateEnvironment();

// Captured frames (ws_probe.txt, the "valid" run), verbatim.
const STARTED = '{"type":"status","status":"stream_started","invocation_id":"ab3abebe-8f9c-4777-b373-025217a3bb5f"}';
const CHUNK = (n: number) => `{"type":"data","content":"{\\"type\\": \\"string\\", \\"payload\\": \\"\\\\\\"chunk ${n}/5 for hi\\\\\\"\\"}"}`;
const COMPLETED = '{"type":"status","status":"stream_completed","total_chunks":5,"execution_time":1.0127720832824707,"invocation_id":"ab3abebe-8f9c-4777-b373-025217a3bb5f"}';
const RAISED = '{"type": "error", "error": "Streaming error: generic_stream() takes from 0 to 1 positional arguments but 2 were given"}';

type End = 'drop' | number;
interface Script {
  frames: string[];
  end: End;
  gapMs?: number;
}

let server: TestServer | undefined;
/** What each connection's first (request) frame was, and how each connection ended, server-side. */
let received: string[] = [];
let serverCloses: number[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  received = [];
  serverCloses = [];
});

/** A run-stream server: reads the request frame, then plays `script(request)`. */
async function runStreamServer(script: (request: any) => Script, wsRefuse?: (req: unknown) => number | undefined): Promise<TestServer> {
  return startServer((_req, res) => void res.writeHead(404).end(), {
    wsRefuse,
    ws: (ws: WebSocket) => {
      ws.on('close', (code) => serverCloses.push(code));
      ws.once('message', async (data) => {
        const text = data.toString();
        received.push(text);
        let request: unknown;
        try {
          request = JSON.parse(text);
        } catch {
          request = undefined;
        }
        const { frames, end, gapMs = 0 } = script(request);
        for (const f of frames) {
          if (ws.readyState !== ws.OPEN) return;
          ws.send(f);
          if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
        }
        if (end === 'drop') ws.terminate();
        else ws.close(end);
      });
    },
  });
}

const good = (): Script => ({ frames: [STARTED, CHUNK(1), CHUNK(2), CHUNK(3), CHUNK(4), CHUNK(5), COMPLETED], end: 'drop' });

function client(extra: Partial<ConstructorParameters<typeof RunAgentClient>[0]> = {}) {
  return new RunAgentClient({ agentId: AGENT, apiKey: TOKEN, baseUrl: server!.url, timeout: 3000, ...extra });
}

describe('runGenericStream: the captured good run', () => {
  it('yields each decoded chunk, succeeds on stream_completed although the connection then drops (1006)', async () => {
    server = await runStreamServer(good);
    const stream = client().runGenericStream({ message: 'hi' });
    const { items, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(items).toEqual([1, 2, 3, 4, 5].map((n) => `chunk ${n}/5 for hi`));
    expect(stream.invocationId).toBe('ab3abebe-8f9c-4777-b373-025217a3bb5f');
    expect(stream.completion?.totalChunks).toBe(5);
    expect(stream.completion?.executionTimeMs).toBeCloseTo(1012.772, 2); // wire: 1.0127… s
  });

  it('sends exactly one request frame: generic_stream with the input as input_kwargs', async () => {
    server = await runStreamServer(good);
    await drain(client().runGenericStream({ message: 'hi' }));
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!)).toEqual({ entrypoint_tag: 'generic_stream', input_args: [], input_kwargs: { message: 'hi' }, timeout_seconds: 300, async_execution: false });
  });

  it('yields chunks as they arrive, not at the end', async () => {
    server = await runStreamServer(() => ({ ...good(), gapMs: 150 }));
    const seenAt: number[] = [];
    for await (const _chunk of client().runGenericStream({ message: 'hi' })) seenAt.push(performance.now());
    expect(seenAt).toHaveLength(5);
    expect(seenAt[4]! - seenAt[0]!).toBeGreaterThanOrEqual(400); // spaced by the server's gaps
  });

  it('sends the key as Authorization: Bearer in Node and never in the URL', async () => {
    server = await runStreamServer(good);
    await drain(client({ headers: { 'X-Trace': 't-1' } }).runGenericStream({ message: 'hi' }));
    const upgrade = server.requests.find((r) => r.method === 'UPGRADE')!;
    expect(upgrade.url).toBe(`/api/v1/agents/${AGENT}/run-stream`);
    expect(upgrade.url).not.toContain(TOKEN);
    expect(upgrade.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(upgrade.headers['x-trace']).toBe('t-1');
  });

  it('keeps the base URL path (a proxy prefix) in the WebSocket URL', async () => {
    server = await runStreamServer(good);
    await drain(client({ baseUrl: `${server.url}/prefix/` }).runGenericStream({}));
    expect(server.requests.find((r) => r.method === 'UPGRADE')!.url).toBe(`/prefix/api/v1/agents/${AGENT}/run-stream`);
  });
});

describe('every frame kind', () => {
  it('decodes structured data of every type for runStream; runGenericStream gives strings', async () => {
    const values: Array<[string, unknown]> = [
      ['string', 'plain text'],
      ['object', { answer: 'echo: hi', kwargs_seen: ['extra'] }],
      ['array', [1, 'two', { three: 3 }]],
      ['number', 42.5],
      ['boolean', false],
      ['null', null],
    ];
    const frames = [STARTED, ...values.map(([type, v]) => JSON.stringify({ type: 'data', content: structured(type, v) })), COMPLETED];
    server = await runStreamServer(() => ({ frames, end: 'drop' }));
    const decoded = await drain(client().runStream('generic_stream', {}));
    expect(decoded.error).toBeUndefined();
    expect(decoded.items).toEqual(values.map(([, v]) => v));
    const strings = await drain(client().runGenericStream({}));
    expect(strings.items).toEqual(['plain text', '{"answer":"echo: hi","kwargs_seen":["extra"]}', '[1,"two",{"three":3}]', '42.5', 'false', 'null']);
  });

  it('ignores frames of an unknown type or status, and says so in the debug log', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, '{"type":"heartbeat"}', '{"type":"status","status":"queued"}', CHUNK(1), COMPLETED], end: 'drop' }));
    const logger = captureLogger();
    const { items, error } = await drain(client({ logger, logLevel: 'debug' }).runGenericStream({}));
    expect(error).toBeUndefined();
    expect(items).toEqual(['chunk 1/5 for hi']);
    expect(logger.lines.some((l) => l.includes('ignored a frame of type "heartbeat"'))).toBe(true);
  });

  it('a validation error frame ({"detail"}) then close 1003 is a ValidationError, nothing yielded', async () => {
    const detail = "Entrypoint `generic` is not a streaming entrypoint. Use a streaming entrypoint (ending with '_stream').";
    server = await runStreamServer(() => ({ frames: [JSON.stringify({ type: 'error', detail })], end: 1003 }));
    const { items, error } = await drain(client().runGenericStream({}));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain(detail);
    expect((error as ValidationError).code).toBe('VALIDATION_ERROR');
    expect((error as ValidationError).details).toEqual({ type: 'error', detail });
    expect(await until(() => serverCloses.length === 1)).toBe(true);
    expect(serverCloses[0]).toBe(1003);
  });

  it('an unknown-entrypoint error frame is an AgentNotFoundError', async () => {
    server = await runStreamServer(() => ({ frames: ['{"type":"error","detail":"Entrypoint nope_stream not found"}'], end: 1003 }));
    const { error } = await drain(client().runStream('nope_stream', {}));
    expect(error).toBeInstanceOf(AgentNotFoundError);
    expect((error as AgentNotFoundError).statusCode).toBe(404);
  });

  it('an error frame after stream_started ({"error"}, then a 1006 drop) is a ServerError after the chunks so far', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, CHUNK(1), RAISED], end: 'drop' }));
    const { items, error } = await drain(client().runGenericStream({}));
    expect(items).toEqual(['chunk 1/5 for hi']);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toBeInstanceOf(RunAgentError);
    expect((error as ServerError).message).toContain('generic_stream() takes from 0 to 1 positional arguments but 2 were given');
    expect((error as ServerError).code).toBe('STREAM_ERROR');
  });

  it('an error object {code, message} is mapped by its code', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, '{"type":"error","error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down"}}'], end: 'drop' }));
    const { error } = await drain(client().runGenericStream({}));
    expect((error as RunAgentError).code).toBe('RATE_LIMIT_EXCEEDED');
    expect((error as RunAgentError).message).toContain('slow down');
  });

  it('a frame that is not JSON is a StreamError (INVALID_PAYLOAD)', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, '{"type": "data", "content": "{\\"type'], end: 'drop' }));
    const { error } = await drain(client().runGenericStream({}));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('INVALID_PAYLOAD');
  });

  it('a data frame whose content is not JSON is a StreamError', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, '{"type":"data","content":"not json at all"}', COMPLETED], end: 'drop' }));
    const { error } = await drain(client().runGenericStream({}));
    expect(error).toBeInstanceOf(StreamError);
  });
});

describe('a close before stream_completed is an error, never a silent end', () => {
  it('a 1006 drop after some chunks', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, CHUNK(1), CHUNK(2)], end: 'drop' }));
    const { items, error } = await drain(client().runGenericStream({}));
    expect(items).toEqual(['chunk 1/5 for hi', 'chunk 2/5 for hi']);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('STREAM_TRUNCATED');
    expect((error as StreamError).message).toContain('1006');
    expect((error as StreamError).details).toMatchObject({ closeCode: 1006, chunks: 2, started: true });
  });

  it('a clean close (1000) without stream_completed', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED, CHUNK(1)], end: 1000 }));
    const { error } = await drain(client().runGenericStream({}));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toContain('1000');
  });

  it('a 1003 close without any frame', async () => {
    server = await runStreamServer(() => ({ frames: [], end: 1003 }));
    const { error } = await drain(client().runGenericStream({}));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toMatch(/1003.*before stream_started/);
  });

  it('silence longer than the timeout is a TimeoutError', async () => {
    // The server sends stream_started, then nothing, and keeps the connection open.
    server = await startServer((_q, r) => void r.end(), { ws: (ws) => void ws.once('message', () => ws.send(STARTED)) });
    const { items, error } = await drain(client({ timeout: 300 }).runGenericStream({}));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(TimeoutError);
  });
});

describe('idle timeout: only waits for the server count', () => {
  it('a run that stalls after two chunks ends with RequestTimeoutError (408) after the timeout, the chunks delivered', async () => {
    server = await startServer((_q, r) => void r.end(), { ws: (ws) => void ws.once('message', () => [STARTED, CHUNK(1), CHUNK(2)].forEach((f) => ws.send(f))) });
    const { items, error } = await drain(client({ timeout: 300 }).runGenericStream({}));
    expect(items).toEqual(['chunk 1/5 for hi', 'chunk 2/5 for hi']);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).statusCode).toBe(408);
  });

  it('a consumer slower than the timeout is not a silent server', async () => {
    server = await runStreamServer(good);
    const items: string[] = [];
    for await (const chunk of client({ timeout: 200 }).runGenericStream({})) {
      items.push(chunk);
      await new Promise((r) => setTimeout(r, 120)); // 5 × 120 ms: longer than the timeout in all
    }
    expect(items).toHaveLength(5);
  });
});

describe('handshake', () => {
  it('a refused handshake (403, as the real server answers a wrong agent id) is an AuthenticationError, not retried', async () => {
    server = await runStreamServer(good, () => 403);
    const { error } = await drain(client().runGenericStream({}));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).statusCode).toBe(403);
    expect((error as AuthenticationError).message).toBe(`run-stream of agent ${AGENT} refused: 403 Forbidden — refused`);
    expect(server.requests.filter((r) => r.method === 'UPGRADE')).toHaveLength(1);
  });

  it('a 503 refusal is retried (no work started before the request frame), then the run streams', async () => {
    let n = 0;
    server = await runStreamServer(good, () => (n++ < 2 ? 503 : undefined));
    await writeRetryConfig();
    const { items, error } = await drain(client().runGenericStream({}));
    expect(error).toBeUndefined();
    expect(items).toHaveLength(5);
    expect(server.requests.filter((r) => r.method === 'UPGRADE')).toHaveLength(3);
    expect(received).toHaveLength(1);
  });

  it('a refused connection is a NetworkError after maxRetries', async () => {
    const port = await closedPort();
    await writeRetryConfig();
    const c = new RunAgentClient({ agentId: AGENT, baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
    const { error } = await drain(c.runGenericStream({}));
    expect(error).toBeInstanceOf(NetworkError);
  });

  it('nothing is retried once the request frame was sent', async () => {
    server = await runStreamServer(() => ({ frames: [STARTED], end: 'drop' }));
    await writeRetryConfig();
    await drain(client().runGenericStream({}));
    expect(server.requests.filter((r) => r.method === 'UPGRADE')).toHaveLength(1);
  });
});

describe('consumer control', () => {
  it('break closes the connection', async () => {
    server = await runStreamServer(() => ({ ...good(), gapMs: 100 }));
    for await (const _chunk of client().runGenericStream({})) break;
    expect(await until(() => server!.openSockets() === 0)).toBe(true);
  });

  it('an AbortSignal cancels the stream with its reason', async () => {
    server = await runStreamServer(() => ({ ...good(), gapMs: 200 }));
    const controller = new AbortController();
    const items: string[] = [];
    let error: unknown;
    try {
      for await (const chunk of client().runGenericStream({}, { signal: controller.signal })) {
        items.push(chunk);
        controller.abort(new Error('user cancelled'));
      }
    } catch (err) {
      error = err;
    }
    expect(items).toHaveLength(1);
    expect((error as Error).message).toBe('user cancelled');
  });

  it('a stream can be iterated once', async () => {
    server = await runStreamServer(good);
    const stream = client().runGenericStream({});
    await drain(stream);
    const again = await drain(stream);
    expect(again.error).toBeInstanceOf(RunAgentError);
    expect(server.requests.filter((r) => r.method === 'UPGRADE')).toHaveLength(1);
  });
});

describe('bad input: a ValidationError before any I/O', () => {
  it.each([
    ['a non-stream tag on runStream', (c: RunAgentClient) => c.runStream('generic', {})],
    ['an empty tag', (c: RunAgentClient) => c.runStream('', {})],
    ['input that is not an object', (c: RunAgentClient) => c.runGenericStream('hello' as never)],
    ['input that is an array', (c: RunAgentClient) => c.runGenericStream([] as never)],
    ['input that cannot be JSON', (c: RunAgentClient) => c.runGenericStream({ n: 10n })],
    ['inputArgs that is not an array', (c: RunAgentClient) => c.runStream('generic_stream', {}, { inputArgs: 'a' as never })],
    ['a negative timeout', (c: RunAgentClient) => c.runGenericStream({}, { timeout: -1 })],
  ])('%s', async (_name, call) => {
    server = await runStreamServer(good);
    expect(() => call(client())).toThrow(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it('the message names the right method', () => {
    const c = new RunAgentClient({ agentId: AGENT, baseUrl: 'http://127.0.0.1:9' });
    expect(() => c.runStream('generic', {})).toThrow(/not a streaming entrypoint.*use run\(\)/);
  });
});

/** Fast retries through the config file (the seed's `retry_config`, seconds). */
async function writeRetryConfig() {
  const { writeConfig } = await import('./helpers.js');
  await writeConfig(process.env.HOME!, { retry_config: { max_retries: 3, retry_delay: 0.01, retry_backoff: 2 } });
}
