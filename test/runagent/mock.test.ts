/**
 * RunAgentClient against the shared mock server: HTTP through Prism (every endpoint's success
 * and error statuses, `Prefer: code=` / `example=`), the run-stream WebSocket through
 * `mock/src/apis/runagent.ts` (captured frames, the real server's validation and closes, and
 * the stream scenarios).
 */
import { inject, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AgentNotFoundError,
  AuthenticationError,
  RateLimitError,
  RunAgentClient,
  ServerError,
  StreamError,
  ValidationError,
} from '../../src/runagent/index.js';
import { AGENT, TOKEN, drain, failure, isolateEnvironment, writeConfig } from './helpers.js';

const env = isolateEnvironment();
const { url: mockUrl, urls } = inject('mock');
const base = urls.runagent;

afterEach(async () => {
  await fetch(`${mockUrl}/__mock/scenario`, { method: 'DELETE' });
});

function client(extra: Partial<ConstructorParameters<typeof RunAgentClient>[0]> = {}) {
  return new RunAgentClient({ agentId: AGENT, apiKey: TOKEN, baseUrl: base, timeout: 5000, ...extra });
}
const prefer = (value: string) => ({ headers: { Prefer: value } });

describe('HTTP through Prism (openapi/runagent.yaml)', () => {
  it('runGeneric decodes the captured answer', async () => {
    expect(await client().runGeneric({ message: 'hello rig', extra: 1 })).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
  });

  it('the agentRaised example (200, success:false) is a ServerError', async () => {
    const error = await failure(client().runGeneric({}, prefer('example=agentRaised')));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.message).toContain('generic() takes from 0 to 1 positional arguments but 2 were given');
    expect(error.requestId).toBe('f0b65915-214d-4bb1-b286-7087197a76ec');
  });

  it.each<[string, Function, number, string]>([
    ['code=400', ValidationError, 400, 'is a streaming entrypoint'],
    ['code=401', AuthenticationError, 401, 'Invalid or missing API key'],
    ['code=403', AuthenticationError, 403, 'Not authorized'],
    ['code=404, example=unknownEntrypoint', AgentNotFoundError, 404, 'Entrypoint nope not found'],
    ['code=404, example=wrongAgentId', AgentNotFoundError, 404, 'Not Found'],
    ['code=422', ValidationError, 422, 'body.entrypoint_tag: Field required'],
    ['code=429', RateLimitError, 429, 'Rate limit exceeded'],
    ['code=500', ServerError, 500, 'Internal server error'],
  ])('POST /run with Prefer: %s', async (preferValue, Class, status, text) => {
    const error = await failure(client({ maxRetries: 0 }).runGeneric({}, prefer(preferValue)));
    expect(error).toBeInstanceOf(Class);
    expect(error.statusCode).toBe(status);
    expect(error.message).toContain(text);
  });

  it('architecture() lists the entrypoints; 404 and 401 are typed', async () => {
    const a = await client().architecture();
    expect(a.entrypoints.map((e) => e.tag)).toEqual(['generic', 'generic_stream']);
    await expect(client().architecture(prefer('code=404'))).rejects.toBeInstanceOf(AgentNotFoundError);
    await expect(client().architecture(prefer('code=401'))).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('health() answers; its 500 is a ServerError', async () => {
    expect(await client().health()).toMatchObject({ status: 'healthy' });
    await expect(client({ maxRetries: 0 }).health(prefer('code=500'))).rejects.toBeInstanceOf(ServerError);
  });
});

describe('run-stream WebSocket (the mock replays the captured frames)', () => {
  it('streams the captured chunks and completes', async () => {
    const stream = client().runGenericStream({ message: 'hi' }, prefer('delay=0'));
    const { items, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(items).toEqual([1, 2, 3, 4, 5].map((n) => `chunk ${n}/5 for hi`));
    expect(stream.completion?.totalChunks).toBe(5);
    expect(stream.invocationId).toBe('ab3abebe-8f9c-4777-b373-025217a3bb5f');
  });

  it('paces frames by the channel\'s x-frame-interval-ms (200 ms) by default, or by delay=', async () => {
    const times = async (options?: { headers: Record<string, string> }) => {
      const at: number[] = [];
      for await (const _ of client().runGenericStream({}, options)) at.push(performance.now());
      return at;
    };
    const slow = await times();
    expect(slow[1]! - slow[0]!).toBeGreaterThanOrEqual(180);
    const paced = await times(prefer('delay=320'));
    expect(paced[1]! - paced[0]!).toBeGreaterThanOrEqual(300); // more than the channel's 200 ms: delay= won
  });

  it('an unknown streaming tag: the server\'s error frame, an AgentNotFoundError', async () => {
    const error = await drain(client().runStream('nope_stream', {}, prefer('delay=0'))).then((r) => r.error as any);
    expect(error).toBeInstanceOf(AgentNotFoundError);
    expect(error.message).toContain('Entrypoint nope_stream not found');
  });

  it('an agent that raises mid-stream: stream_started, then a ServerError', async () => {
    const stream = client().runStream('generic_stream', {}, { inputArgs: ['a', 'b'], ...prefer('delay=0') });
    const { items, error } = await drain(stream);
    expect(items).toEqual([]);
    expect(stream.invocationId).toBe('fce60dde-b606-46b3-a65a-4aa17dfa144d');
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).message).toContain('Streaming error: generic_stream() takes from 0 to 1 positional arguments but 2 were given');
  });

  it('drop-after=3: stream_started and two chunks, then a 1006 drop → StreamError', async () => {
    const { items, error } = await drain(client().runGenericStream({}, prefer('delay=0, drop-after=3')));
    expect(items).toHaveLength(2);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toContain('1006');
  });

  it('truncate: a clean close (1000) without stream_completed → StreamError', async () => {
    const { items, error } = await drain(client().runGenericStream({}, prefer('delay=0, truncate')));
    expect(items).toHaveLength(5);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).message).toContain('1000');
  });

  it('invalid-payload: a frame that is not JSON → StreamError', async () => {
    const { error } = await drain(client().runGenericStream({}, prefer('delay=0, invalid-payload')));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('INVALID_PAYLOAD');
  });

  it('refuse=403 (the real server\'s answer to a wrong agent id) → AuthenticationError', async () => {
    const { error } = await drain(client().runGenericStream({}, prefer('refuse=403')));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).statusCode).toBe(403);
  });

  it('a refused handshake (503, once) is retried, then the run streams', async () => {
    await writeConfig(env.home(), { retry_config: { retry_delay: 0.01 } });
    const put = await fetch(`${mockUrl}/__mock/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api: 'runagent', scenario: { refuse: 503, delayMs: 0 }, times: 1 }) });
    expect(put.ok).toBe(true);
    const { items, error } = await drain(client().runGenericStream({}, prefer('delay=0')));
    expect(error).toBeUndefined();
    expect(items).toHaveLength(5);
  });
});

describe('the mock answers like the real server (ws_probe.txt), seen by a raw WebSocket', () => {
  /** Sends `request`, returns the frames received and the close code. */
  function probe(request: string, query = '__mock=delay%3D0'): Promise<{ frames: string[]; code: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/agents/${AGENT}/run-stream?${query}`);
      const frames: string[] = [];
      ws.on('open', () => ws.send(request));
      ws.on('message', (d) => frames.push(d.toString()));
      ws.on('close', (code) => resolve({ frames, code }));
      ws.on('error', reject);
    });
  }

  it.each([
    ['bad JSON', '{not json', 'Invalid JSON format: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
    ['a missing field', '{"entrypoint_tag":"generic_stream","input_args":[]}', 'Missing required field: input_kwargs'],
    ['an unknown tag', '{"entrypoint_tag":"nope_stream","input_args":[],"input_kwargs":{}}', 'Entrypoint nope_stream not found'],
    ['a non-stream tag', '{"entrypoint_tag":"generic","input_args":[],"input_kwargs":{}}', "Entrypoint `generic` is not a streaming entrypoint. Use a streaming entrypoint (ending with '_stream')."],
  ])('%s: one {"type":"error","detail"} frame, then close 1003', async (_name, request, detail) => {
    const { frames, code } = await probe(request);
    expect(frames.map((f) => JSON.parse(f))).toEqual([{ type: 'error', detail }]);
    expect(code).toBe(1003);
  });

  it('a good run ends with stream_completed and then a drop: close code 1006', async () => {
    const { frames, code } = await probe('{"entrypoint_tag":"generic_stream","input_args":[],"input_kwargs":{"message":"hi"},"timeout_seconds":60,"async_execution":false}');
    expect(frames).toHaveLength(7);
    expect(JSON.parse(frames.at(-1)!)).toMatchObject({ type: 'status', status: 'stream_completed', total_chunks: 5 });
    expect(code).toBe(1006);
  });
});
