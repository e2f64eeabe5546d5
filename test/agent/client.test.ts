/**
 * AgentClient's own behaviour against a small real HTTP server on 127.0.0.1: options,
 * auth headers, id checks before I/O, error classes (incl. the seed's names), redaction.
 * Every endpoint against the spec (Prism) is in mock.test.ts.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import * as agentModule from '../../src/agent/index.js';
import {
  AgentClient,
  AuthenticationError,
  AuthorizationError,
  ClientConnectionError,
  ClientError,
  ClientTimeoutError,
  ConnectionError,
  DEFAULT_STREAM_LIMITS,
  GpuUnavailableError,
  HTTPError,
  NotFoundError,
  PermissionDeniedError,
  RequestTimeoutError,
  ServerError,
  StreamLimitError,
  StreamLimitExceededError,
  ValidationError,
  WebSocketError,
} from '../../src/agent/index.js';
import { closedPort, startServer, type TestServer } from '../support/servers.js';
import { AGENT_TOKEN, TENANT, USER_TOKEN, agentClient } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** A server answering from a table of `METHOD path` → response (404 otherwise). */
async function agentServer(routes: Record<string, { status: number; body: string; headers?: Record<string, string> }>) {
  return startServer((req, res) => {
    const r = routes[`${req.method} ${req.url}`];
    if (!r) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
    res.writeHead(r.status, r.headers).end(r.status === 204 ? undefined : r.body);
  });
}

describe('constructor', () => {
  it('validates its options before any I/O, with ValidationError (400)', () => {
    const ok = { baseUrl: 'http://127.0.0.1:1', agentToken: AGENT_TOKEN };
    const bad: Array<[unknown, RegExp]> = [
      [undefined, /options are required/],
      [{ agentToken: AGENT_TOKEN }, /baseUrl is required/],
      [{ ...ok, baseUrl: 'ftp://x' }, /http\(s\) URL/],
      [{ ...ok, baseUrl: 'http://user:pw@host' }, /must not carry credentials/],
      [{ baseUrl: ok.baseUrl }, /agentToken is required/],
      [{ ...ok, agentToken: '' }, /agentToken must be a non-empty string/],
      [{ ...ok, agentToken: 'tok\r\nX-Evil: 1' }, /agentToken must not contain control characters/],
      [{ ...ok, userToken: 42 }, /userToken must be a non-empty string/],
      [{ ...ok, tenant: ' ' }, /tenant must be a non-empty string/],
      [{ ...ok, timeout: 0 }, /timeout must be a positive number of milliseconds/],
      [{ ...ok, timeout: { connect: 3000 } }, /timeout.read/],
      [{ ...ok, maxRetries: -1 }, /maxRetries/],
      [{ ...ok, streamLimits: { maxLines: 0 } }, /streamLimits.maxLines/],
      [{ ...ok, streamLimits: { maxBytes: 1.5 } }, /streamLimits.maxBytes/],
      [{ ...ok, logLevel: 'loud' }, /Invalid logLevel/],
      [{ ...ok, fetch: 'fetch' }, /fetch must be a function/],
      [{ ...ok, headers: { 'X-A': 1 } }, /header X-A/],
    ];
    for (const [options, message] of bad) {
      let thrown: any;
      try {
        new AgentClient(options as any);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, String(message)).toBeInstanceOf(ValidationError);
      expect(thrown.statusCode).toBe(400);
      expect(thrown.message).toMatch(message);
    }
  });

  it('keeps defaults: stream limits of the seed, base URL without trailing slash', () => {
    const agent = new AgentClient({ baseUrl: 'https://agent.example.com/', agentToken: AGENT_TOKEN, streamLimits: { maxLines: 10 } });
    expect(agent.baseUrl).toBe('https://agent.example.com');
    expect(agent.streamLimits).toEqual({ ...DEFAULT_STREAM_LIMITS, maxLines: 10 });
  });
});

describe('requests', () => {
  it('sends the auth headers exactly as PROTOCOLS §1 says, never in the query string', async () => {
    server = await agentServer({ 'GET /jobs/': json(200, []) });
    await agentClient(server.url, { userToken: USER_TOKEN, tenant: TENANT }).listJobs();
    await agentClient(server.url).listJobs();
    const [withAll, agentOnly] = server.requests;
    expect(withAll!.headers.authorization).toBe(AGENT_TOKEN);
    expect(withAll!.headers['synapse-user']).toBe(`Token ${USER_TOKEN}`);
    expect(withAll!.headers['synapse-tenant']).toBe(`Token ${TENANT}`);
    expect(withAll!.url).toBe('/jobs/');
    expect(agentOnly!.headers.authorization).toBe(AGENT_TOKEN);
    expect(agentOnly!.headers['synapse-user']).toBeUndefined();
    expect(agentOnly!.headers['synapse-tenant']).toBeUndefined();
  });

  it('extra headers (client and per call) cannot replace the credentials', async () => {
    server = await agentServer({ 'GET /health/': json(200, { status: 'ok' }) });
    const agent = agentClient(server.url, { headers: { Authorization: 'not-the-token', 'X-Client': 'a' } });
    expect(await agent.healthCheck({ headers: { 'X-Call': 'b' } })).toEqual({ status: 'ok' });
    const seen = server.requests[0]!.headers;
    expect(seen.authorization).toBe(AGENT_TOKEN);
    expect(seen['x-client']).toBe('a');
    expect(seen['x-call']).toBe('b');
  });

  it('uses the §1 paths (trailing slashes kept) and methods; stop has no body; delete resolves to undefined on 204', async () => {
    const node = '587cd5c11727c1b991afa24a8614432a0cb6235eae0bc61041e38dae';
    const task = '0ab01f2d6283d719ffffffffffffffffffffffff03000000';
    server = await agentServer({
      'GET /health/': json(200, { status: 'ok' }),
      'GET /jobs/': json(200, []),
      'GET /jobs/rayrig_long_1/': json(200, { submission_id: 'rayrig_long_1' }),
      'GET /jobs/rayrig_long_1/logs/': json(200, { logs: 'a\nb\n' }),
      'POST /jobs/rayrig_long_1/stop/': json(200, { stopped: true }),
      'GET /nodes/': json(200, []),
      [`GET /nodes/${node}/`]: json(200, { node_id: node }),
      'GET /tasks/': json(200, []),
      [`GET /tasks/${task}/`]: json(200, { task_id: task }),
      'GET /serve_applications/': json(200, []),
      'GET /serve_applications/my%20app/': json(200, { name: 'my app' }),
      'DELETE /serve_applications/my%20app/': { status: 204, body: '' },
      'GET /gpu_status/': json(200, { available: false }),
    });
    const a = agentClient(server.url);
    expect(await a.healthCheck()).toEqual({ status: 'ok' });
    expect(await a.listJobs()).toEqual([]);
    expect(await a.getJob('rayrig_long_1')).toEqual({ submission_id: 'rayrig_long_1' });
    expect(await a.getJobLogs('rayrig_long_1')).toEqual({ logs: 'a\nb\n' });
    expect(await a.stopJob('rayrig_long_1')).toEqual({ stopped: true });
    expect(await a.listNodes()).toEqual([]);
    expect(await a.getNode(node)).toEqual({ node_id: node });
    expect(await a.listTasks()).toEqual([]);
    expect(await a.getTask(task)).toEqual({ task_id: task });
    expect(await a.listServeApplications()).toEqual([]);
    expect(await a.getServeApplication('my app')).toEqual({ name: 'my app' });
    expect(await a.deleteServeApplication('my app')).toBeUndefined();
    expect(await a.getGpuStatus()).toEqual({ available: false });
    expect(server.requests).toHaveLength(13);
    const stop = server.requests.find((r) => r.method === 'POST')!;
    expect(stop.body).toBe('');
  });

  it('checks every id that goes into a path before any I/O', async () => {
    server = await agentServer({});
    const a = agentClient(server.url);
    const cases: Array<[() => Promise<unknown>, RegExp]> = [
      [() => a.getJob(''), /^job ID cannot be empty$/],
      [() => a.getJob('a/b'), /^Invalid job ID format/],
      [() => a.getJobLogs('x'.repeat(101)), /^job ID too long/],
      [() => a.stopJob('../x'), /^Invalid job ID format/],
      [() => a.getNode(''), /^node ID cannot be empty$/],
      [() => a.getNode('node id'), /^Invalid node ID format/],
      [() => a.getTask('t'.repeat(101)), /^task ID too long/],
      [() => a.getServeApplication(''), /Serve application name cannot be empty/],
      [() => a.deleteServeApplication('a/b'), /Invalid Serve application name format/],
      [() => a.listJobs({ timeout: -1 }), /timeout/],
      [() => a.listJobs({ maxRetries: 99 }), /maxRetries/],
    ];
    for (const [call, message] of cases) {
      const err: any = await call().catch((e: unknown) => e);
      expect(err, String(message)).toBeInstanceOf(ValidationError);
      expect(err.statusCode).toBe(400);
      expect(err.message).toMatch(message);
    }
    expect(server.requests).toHaveLength(0);
  });

  it('applies a per-call timeout (408) and the retry count', async () => {
    server = await startServer(() => new Promise(() => {}));
    const err = await agentClient(server.url).listJobs({ timeout: 150 }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toBeInstanceOf(ClientTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 503 (by default three times) and succeeds', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ < 2 ? res.writeHead(503).end('{"detail":"busy"}') : res.writeHead(200).end('[]')));
    const agent = new AgentClient({ baseUrl: server.url, agentToken: AGENT_TOKEN, logLevel: 'off' });
    expect(await agent.listJobs()).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it('a refused connection is a ConnectionError (503), the seed ClientConnectionError', async () => {
    const port = await closedPort();
    const err = await agentClient(`http://127.0.0.1:${port}`).healthCheck().catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toBeInstanceOf(ClientConnectionError);
    expect(err).toBeInstanceOf(WebSocketError); // the seed's WebSocket name is the same class
    expect(err.statusCode).toBe(503);
  });
});

describe('errors', () => {
  it('503 with detail.error_type "gpu_unavailable" is a GpuUnavailableError (a ServerError)', async () => {
    const body = { detail: { error_type: 'gpu_unavailable', message: 'No GPU is available on the cluster', max_utilization: 0.97, threshold: 0.9 } };
    server = await agentServer({ 'GET /gpu_status/': json(503, body), 'GET /health/': json(503, { detail: 'Ray cluster is unavailable' }) });
    const err = await agentClient(server.url).getGpuStatus().catch((e) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.statusCode).toBe(503);
    expect(err.code).toBe('gpu_unavailable');
    expect(err.message).toBe('No GPU is available on the cluster (HTTP 503)');
    expect(err.errorDetails).toEqual({ max_utilization: 0.97, threshold: 0.9 });
    const plain = await agentClient(server.url).healthCheck().catch((e) => e);
    expect(plain).toBeInstanceOf(ServerError);
    expect(plain).not.toBeInstanceOf(GpuUnavailableError);
  });

  it('maps statuses to classes, under agentwire names and the seed names alike', async () => {
    server = await agentServer({
      'GET /jobs/a/': json(400, { detail: 'Invalid job ID format' }),
      'GET /jobs/b/': json(401, { detail: 'Invalid token' }),
      'GET /jobs/c/': json(403, { detail: 'You do not have permission to perform this action.' }),
      'GET /jobs/d/': { status: 404, body: 'Job d does not exist', headers: { 'content-type': 'text/plain' } },
      'GET /jobs/e/': json(422, { detail: [{ loc: ['path', 'job_id'], msg: 'String should match pattern', type: 'string_pattern_mismatch' }] }),
      'GET /jobs/f/': json(429, { detail: 'Too Many Requests' }),
      'GET /jobs/g/': { status: 500, body: '500 Internal Server Error\n\nServer got itself in trouble', headers: { 'content-type': 'text/plain' } },
    });
    const a = agentClient(server.url);
    const get = (id: string) => a.getJob(id).catch((e) => e);
    const [e400, e401, e403, e404, e422, e429, e500] = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(get));
    expect(e400).toBeInstanceOf(ValidationError);
    expect(e401).toBeInstanceOf(AuthenticationError);
    expect(e403).toBeInstanceOf(PermissionDeniedError);
    expect(e403).toBeInstanceOf(AuthorizationError);
    expect(e404).toBeInstanceOf(NotFoundError);
    expect(e404.message).toBe('Job d does not exist (HTTP 404)');
    expect(e422).toBeInstanceOf(ValidationError);
    expect(e422.message).toBe('path.job_id: String should match pattern (HTTP 422)');
    expect(e429.statusCode).toBe(429);
    expect(e500).toBeInstanceOf(ServerError);
    expect(e500.message).toBe('500 Internal Server Error (HTTP 500)');
    for (const e of [e400, e401, e403, e404, e422, e429, e500]) {
      expect(e).toBeInstanceOf(ClientError);
      expect(e).toBeInstanceOf(HTTPError);
    }
    expect(StreamLimitExceededError).toBe(StreamLimitError);
  });

  it('exports every seed error name', () => {
    for (const name of [
      'ClientError', 'HTTPError', 'ClientConnectionError', 'ClientTimeoutError', 'AuthenticationError', 'AuthorizationError',
      'NotFoundError', 'ValidationError', 'RateLimitError', 'ServerError', 'GpuUnavailableError', 'StreamError',
      'StreamLimitExceededError', 'WebSocketError',
    ]) {
      expect(typeof (agentModule as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});

describe('no token ever shows', () => {
  it('not in inspect, JSON.stringify, error messages or log lines', async () => {
    server = await startServer((req, res) =>
      void res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `upstream refused ${req.headers.authorization} for ${req.headers['synapse-user']}` })),
    );
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const agent = new AgentClient({ baseUrl: server.url, agentToken: AGENT_TOKEN, userToken: USER_TOKEN, tenant: TENANT, maxRetries: 1, logger, logLevel: 'debug' });
    const err = await agent.listJobs().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toBe('upstream refused [REDACTED] for Token [REDACTED] (HTTP 503)');
    expect(lines.length).toBeGreaterThan(0); // the retry was logged
    const everything = [
      err.message,
      JSON.stringify(err.detail),
      inspect(err, { depth: 10 }),
      inspect(agent, { depth: 10, showHidden: true }),
      JSON.stringify(agent),
      String(agent),
      ...lines,
    ].join('\n');
    for (const secret of [AGENT_TOKEN, USER_TOKEN, TENANT]) expect(everything).not.toContain(secret);
    expect(inspect(agent)).toBe(`AgentClient { baseUrl: '${server.url}', agentToken: '[REDACTED]', userToken: '[REDACTED]', tenant: '[REDACTED]' }`);
    expect(JSON.parse(JSON.stringify(agent))).toMatchObject({ baseUrl: server.url, agentToken: '[REDACTED]', userToken: '[REDACTED]', tenant: '[REDACTED]' });
  });
});
