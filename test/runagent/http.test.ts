/**
 * run / runGeneric / architecture / health against a small real HTTP server on 127.0.0.1:
 * the request on the wire, double decoding, the 200-with-`success:false` rule, error mapping,
 * DESIGN's retry rule for POST /run, and redaction. Bodies follow
 * test/fixtures/runagent/run_generic.txt and PROTOCOLS §3 "Observed".
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentNotFoundError,
  AuthenticationError,
  NetworkError,
  RateLimitError,
  RunAgentClient,
  RunAgentError,
  ServerError,
  StreamError,
  TimeoutError,
  ValidationError,
} from '../../src/runagent/index.js';
import { closedPort, startServer, type TestServer } from '../support/servers.js';
import { AGENT, TOKEN, captureLogger, envelope, failure, isolateEnvironment, structured, writeConfig } from './helpers.js';

const env = isolateEnvironment();

/** The captured answer of POST /run for `generic`, verbatim (run_generic.txt). */
const CAPTURED =
  '{"success":true,"data":"{\\"type\\": \\"object\\", \\"payload\\": \\"{\\\\\\"answer\\\\\\": \\\\\\"echo: hello rig\\\\\\", \\\\\\"kwargs_seen\\\\\\": [\\\\\\"extra\\\\\\"]}\\"}","message":"Agent execution completed successfully","error":null,"timestamp":"2026-11-22T04:10:32.156605","request_id":"b55564a7-40a8-42b3-84d0-2495017b1684"}';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Reply = [status: number, body: string, headers?: Record<string, string>];
/** A server answering each request with the next reply (the last one repeats). */
async function replies(...list: Reply[]): Promise<TestServer> {
  let n = 0;
  return startServer((_req, res) => {
    const [status, body, headers] = list[Math.min(n++, list.length - 1)]!;
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  });
}

function client(extra: Partial<ConstructorParameters<typeof RunAgentClient>[0]> = {}) {
  return new RunAgentClient({ agentId: AGENT, apiKey: TOKEN, baseUrl: server!.url, timeout: 3000, ...extra });
}

/** Fast retries through the config file (the seed's `retry_config`, seconds). */
const fastRetries = () => writeConfig(env.home(), { retry_config: { max_retries: 3, retry_delay: 0.01, retry_backoff: 2 } });

describe('runGeneric', () => {
  it('posts the generic entrypoint with the input as input_kwargs and decodes the captured answer twice', async () => {
    server = await replies([200, CAPTURED]);
    const out = await client().runGeneric({ message: 'hello rig', extra: 1 });
    expect(out).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
    const [req] = server.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/api/v1/agents/${AGENT}/run`);
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(req!.body)).toEqual({
      entrypoint_tag: 'generic',
      input_args: [],
      input_kwargs: { message: 'hello rig', extra: 1 },
      timeout_seconds: 3, // the client's 3,000 ms, in the wire's seconds
      async_execution: false,
    });
  });

  it('per-call timeout (ms → timeout_seconds, rounded up) and headers', async () => {
    server = await replies([200, CAPTURED]);
    await client({ headers: { 'X-Client': 'a' } }).runGeneric({}, { timeout: 1500, headers: { 'X-Call': 'b' } });
    const [req] = server.requests;
    expect(JSON.parse(req!.body).timeout_seconds).toBe(2);
    expect(req!.headers['x-client']).toBe('a');
    expect(req!.headers['x-call']).toBe('b');
  });

  it.each([
    ['object', { a: [1, { b: null }] }],
    ['string', 'just text'],
    ['array', ['x', 2, true]],
    ['number', 3.25],
    ['boolean', true],
    ['null', null],
  ])('decodes a structured payload of type %s', async (type, value) => {
    server = await replies([200, envelope(structured(type, value))]);
    expect(await client().runGeneric({})).toEqual(value);
  });

  it('keeps a payload that is not JSON as the string it is (as runagent-ts does)', async () => {
    server = await replies([200, envelope(JSON.stringify({ type: 'string', payload: 'no quotes' }))]);
    expect(await client().runGeneric({})).toBe('no quotes');
  });

  it('a data string that is not JSON is a StreamError', async () => {
    server = await replies([200, envelope('{"type": "object", "payl')]);
    await expect(client().runGeneric({})).rejects.toBeInstanceOf(StreamError);
  });

  it('run(tag, kwargs, {inputArgs}) sends them', async () => {
    server = await replies([200, envelope(structured('number', 7))]);
    expect(await client().run('add', { b: 3 }, { inputArgs: [4] })).toBe(7);
    expect(JSON.parse(server.requests[0]!.body)).toMatchObject({ entrypoint_tag: 'add', input_args: [4], input_kwargs: { b: 3 } });
  });
});

describe('errors', () => {
  it('a 200 with success:false (the agent raised) is a ServerError with the envelope, not retried', async () => {
    const body = {
      success: false,
      data: null,
      message: 'Agent execution failed',
      error: { code: 'INTERNAL_ERROR', message: 'Server error running agent: generic() takes from 0 to 1 positional arguments but 2 were given', details: null, field: null },
      timestamp: '2026-11-22T04:10:32.873911',
      request_id: 'f0b65915-214d-4bb1-b286-7087197a76ec',
    };
    server = await replies([200, JSON.stringify(body)]);
    await fastRetries();
    const error = await failure(client().runGeneric({}));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toBeInstanceOf(RunAgentError);
    expect(error.code).toBe('INTERNAL_ERROR');
    expect(error.statusCode).toBe(500);
    expect(error.requestId).toBe('f0b65915-214d-4bb1-b286-7087197a76ec');
    expect(error.message).toContain('generic() takes from 0 to 1 positional arguments');
    expect(error.details).toEqual(body);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['VALIDATION_ERROR', ValidationError, 400],
    ['NOT_FOUND', AgentNotFoundError, 404],
    ['AUTHENTICATION_ERROR', AuthenticationError, 401],
    ['RATE_LIMIT_EXCEEDED', RateLimitError, 429],
    ['SOMETHING_NEW', RunAgentError, undefined],
  ])('success:false with code %s → %s', async (code, Class, status) => {
    server = await replies([200, JSON.stringify({ success: false, data: null, message: 'failed', error: { code, message: 'why', details: null, field: null }, timestamp: 't', request_id: 'r' })]);
    const error = await failure(client().runGeneric({}));
    expect(error).toBeInstanceOf(Class);
    expect(error.code).toBe(code);
    expect(error.statusCode).toBe(status);
  });

  it.each<[string, number, string, Function, string]>([
    ['a _stream tag (400 envelope)', 400, '{"success":false,"data":null,"message":"Validation failed","error":{"code":"VALIDATION_ERROR","message":"Entrypoint `generic_stream` is a streaming entrypoint.","details":null,"field":"entrypoint_tag"},"timestamp":"t","request_id":"r"}', ValidationError, 'is a streaming entrypoint'],
    ['an unknown tag (404 envelope)', 404, '{"success":false,"data":null,"message":"Entrypoint not found","error":{"code":"NOT_FOUND","message":"Entrypoint nope not found","details":null,"field":"entrypoint_tag"},"timestamp":"t","request_id":"r"}', AgentNotFoundError, 'Entrypoint nope not found'],
    ['a wrong agent id (FastAPI 404)', 404, '{"detail":"Not Found"}', AgentNotFoundError, 'Not Found'],
    ['a bad body (FastAPI 422)', 422, '{"detail":[{"type":"missing","loc":["body","entrypoint_tag"],"msg":"Field required","input":{}}]}', ValidationError, 'body.entrypoint_tag: Field required'],
    ['a bad key (401)', 401, '{"detail":"Invalid or missing API key"}', AuthenticationError, 'Invalid or missing API key'],
    ['a forbidden agent (403, authentication per PROTOCOLS §3)', 403, '{"detail":"Not authorized to access this resource"}', AuthenticationError, 'Not authorized'],
  ])('%s', async (_name, status, body, Class, text) => {
    server = await replies([status, body]);
    const error = await failure(client().run('generic', {}));
    expect(error).toBeInstanceOf(Class);
    expect(error.statusCode).toBe(status);
    expect(error.message).toContain(text);
    expect(server.requests).toHaveLength(1);
  });

  it('429 carries retryAfterMs once retries are exhausted', async () => {
    server = await replies([429, '{"detail":"Rate limit exceeded"}', { 'retry-after': '0' }]);
    const error = await failure(client({ maxRetries: 1 }).runGeneric({}));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('a slow answer is a TimeoutError, and POST /run is not retried after it (the run may have started)', async () => {
    server = await startServer(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 600));
      res.writeHead(200).end(CAPTURED);
    });
    await fastRetries();
    const error = await failure(client({ timeout: 150 }).runGeneric({}));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(server.requests).toHaveLength(1);
  });

  it('a refused connection is a NetworkError (retried: nothing was sent)', async () => {
    const port = await closedPort();
    await fastRetries();
    const error = await failure(new RunAgentClient({ agentId: AGENT, baseUrl: `http://127.0.0.1:${port}` }).runGeneric({}));
    expect(error).toBeInstanceOf(NetworkError);
  });
});

describe('retries (DESIGN.md: POST /run is unsafe)', () => {
  it('POST /run is not retried after a 502 (the run may have started)', async () => {
    server = await replies([502, '{"detail":"Bad gateway"}'], [200, CAPTURED]);
    await fastRetries();
    await expect(client().runGeneric({})).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it('POST /run is retried after a 503 (the server cannot have acted), then succeeds', async () => {
    server = await replies([503, '{"detail":"busy"}'], [503, '{"detail":"busy"}'], [200, CAPTURED]);
    await fastRetries();
    expect(await client().runGeneric({})).toEqual({ answer: 'echo: hello rig', kwargs_seen: ['extra'] });
    expect(server.requests).toHaveLength(3);
  });

  it('GET architecture (safe) is retried after a 502', async () => {
    const arch = envelope({ agent_id: AGENT, entrypoints: [{ tag: 'generic' }, { tag: 'generic_stream' }] });
    server = await replies([502, 'bad gateway'], [200, arch]);
    await fastRetries();
    const a = await client().architecture();
    expect(a.entrypoints.map((e) => e.tag)).toEqual(['generic', 'generic_stream']);
    expect(server.requests).toHaveLength(2);
  });

  it('maxRetries: 0 disables retrying', async () => {
    server = await replies([503, '{"detail":"busy"}'], [200, CAPTURED]);
    await fastRetries();
    await expect(client({ maxRetries: 0 }).runGeneric({})).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('architecture and health', () => {
  it('architecture() returns the envelope data; a success:false envelope is an error', async () => {
    server = await replies(
      [200, envelope({ agent_id: AGENT, entrypoints: [{ tag: 'generic', file: 'main.py', module: 'generic' }] })],
      [200, JSON.stringify({ success: false, data: null, message: 'x', error: { code: 'NOT_FOUND', message: 'Agent not found', details: null, field: null }, timestamp: 't', request_id: 'r' })],
    );
    const a = await client().architecture();
    expect(a).toEqual({ agent_id: AGENT, entrypoints: [{ tag: 'generic', file: 'main.py', module: 'generic' }] });
    expect(server.requests[0]!.url).toBe(`/api/v1/agents/${AGENT}/architecture`);
    await expect(client().architecture()).rejects.toBeInstanceOf(AgentNotFoundError);
  });

  it('health() returns the body as it is', async () => {
    server = await replies([200, '{"status":"healthy","version":"1.0.0"}']);
    expect(await client().health()).toEqual({ status: 'healthy', version: '1.0.0' });
    expect(server.requests[0]!.url).toBe('/api/v1/health');
  });
});

describe('bad input: a ValidationError before any I/O', () => {
  it.each([
    ['a _stream tag on run', (c: RunAgentClient) => c.run('generic_stream', {})],
    ['an empty tag', (c: RunAgentClient) => c.run('', {})],
    ['a tag with a slash', (c: RunAgentClient) => c.run('a/b', {})],
    ['input that is not an object', (c: RunAgentClient) => c.runGeneric(null as never)],
    ['a per-call timeout of 0', (c: RunAgentClient) => c.runGeneric({}, { timeout: 0 })],
  ])('%s', async (_name, call) => {
    server = await replies([200, CAPTURED]);
    await expect(call(client())).rejects.toBeInstanceOf(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['no agentId', { agentId: '' }],
    ['an agentId with a slash', { agentId: 'a/b' }],
    ['a baseUrl that is not http(s)', { agentId: AGENT, baseUrl: 'ftp://x' }],
    ['a negative timeout', { agentId: AGENT, timeout: -5 }],
    ['maxRetries 11', { agentId: AGENT, maxRetries: 11 }],
    ['an empty apiKey', { agentId: AGENT, apiKey: '' }],
    ['a non-string header', { agentId: AGENT, headers: { a: 1 as never } }],
    ['an unknown logLevel', { agentId: AGENT, logLevel: 'loud' as never }],
  ])('constructor: %s', (_name, options) => {
    expect(() => new RunAgentClient(options as never)).toThrow(ValidationError);
  });
});

describe('the key never shows', () => {
  it('not in errors whose body echoes it, nor in their details, nor in the log', async () => {
    server = await startServer((req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `bad header ${req.headers.authorization}` }));
    });
    await fastRetries();
    const logger = captureLogger();
    const error = await failure(client({ logger, logLevel: 'debug', maxRetries: 2 }).runGeneric({}));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toContain('bad header Bearer [REDACTED]');
    expect(JSON.stringify(error.details)).not.toContain(TOKEN);
    expect(inspect(error, { depth: 5 })).not.toContain(TOKEN);
    expect(logger.lines.length).toBeGreaterThanOrEqual(2); // the retries were logged
    expect(logger.lines.join('\n')).not.toContain(TOKEN);
  });

  it('not in a success:false envelope that echoes it', async () => {
    server = await replies([200, JSON.stringify({ success: false, data: null, message: 'x', error: { code: 'INTERNAL_ERROR', message: `key ${TOKEN} rejected`, details: { key: TOKEN }, field: null }, timestamp: 't', request_id: 'r' })]);
    const error = await failure(client().runGeneric({}));
    expect(error.message).toContain('key [REDACTED] rejected');
    expect(JSON.stringify(error.details)).not.toContain(TOKEN);
  });

  it('not in util.inspect, JSON.stringify or settings() of a client', async () => {
    server = await replies([200, CAPTURED]);
    const c = client();
    await c.runGeneric({});
    for (const text of [inspect(c, { depth: 10, showHidden: true }), JSON.stringify(c), JSON.stringify(await c.settings())]) {
      expect(text).not.toContain(TOKEN);
    }
    expect(inspect(c)).toContain('[REDACTED]');
    expect(inspect(c)).toContain(AGENT);
  });

  it('not when the key came from the environment', async () => {
    server = await startServer((req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end(`Traceback (most recent call last):\nValueError: bad key ${req.headers.authorization}`));
    process.env.RUNAGENT_API_KEY = TOKEN; // restored by vi.unstubAllEnvs (stubbed in isolateEnvironment)
    const c = new RunAgentClient({ agentId: AGENT, baseUrl: server.url, maxRetries: 0 });
    const error = await failure(c.runGeneric({}));
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(error.message).toBe('ValueError: bad key Bearer [REDACTED] (HTTP 500)');
    expect(inspect(c)).not.toContain(TOKEN);
  });
});
