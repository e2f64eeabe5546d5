/**
 * Raw responses on demand, on all four clients, against small real servers on 127.0.0.1 that
 * count requests: every promise-returning method resolves to its data as before and also gives
 * the final `Response` of the same request (`withResponse()`, `asResponse()`), never a second
 * request; streams tell what answered their connection (`response`, `headers`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { AgentClient } from '../../src/agent/index.js';
import { NotFoundError, ValidationError } from '../../src/core/errors.js';
import { HostedClient } from '../../src/hosted/index.js';
import { RayClient } from '../../src/ray/index.js';
import { RunAgentClient } from '../../src/runagent/index.js';
import { jobRecord } from '../ray/support.js';
import { startServer, type TestServer } from '../support/servers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quiet = { maxRetries: 0, logLevel: 'off' } as const;
const agent = (url: string) => new AgentClient({ baseUrl: url, agentToken: 'agent-token', ...quiet });
const hosted = (url: string, extra: { maxRetries?: number } = {}) => new HostedClient({ apiKey: 'ar_live_raw', baseUrl: url, ...quiet, ...extra });
const ray = (url: string) => new RayClient({ address: url, ...quiet });
const runagent = (url: string) => new RunAgentClient({ agentId: 'agent_1', apiKey: 'ra-key', baseUrl: url, timeout: 3000, ...quiet });

type Answer = [status: number, body?: unknown, headers?: Record<string, string>];

/**
 * A server whose every answer carries `x-request-id: req-<n>` (n counts the requests, from 1)
 * and a rate-limit header; `route` picks the status and JSON body (a string is sent as is).
 */
async function jsonServer(route: (req: IncomingMessage, n: number) => Answer): Promise<TestServer> {
  let n = 0;
  return startServer((req, res) => {
    n++;
    const [status, body, headers] = route(req, n);
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req-${n}`, 'x-ratelimit-remaining': String(100 - n), ...headers });
    res.end(text);
  });
}

const id = (r: { headers: Headers | undefined } | undefined) => r?.headers?.get('x-request-id');

async function drain<T>(items: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const out: T[] = [];
  try {
    for await (const item of items) out.push(item);
    return { items: out, error: undefined };
  } catch (error) {
    return { items: out, error };
  }
}

describe('APIPromise: the data as before, and the response of the same request', () => {
  it('await, withResponse() and asResponse() share one request; .then() gives a plain Promise', async () => {
    server = await jsonServer(() => [200, [{ submission_id: 'raysubmit_1' }]]);
    const call = agent(server.url).listJobs();
    expect(call).toBeInstanceOf(Promise);
    const [jobs, both, raw] = await Promise.all([call, call.withResponse(), call.asResponse()]);
    expect(server.requests).toHaveLength(1);
    expect(jobs).toEqual([{ submission_id: 'raysubmit_1' }]);
    expect(both.data).toBe(jobs);
    expect(both.response).toBe(raw);
    expect(raw.status).toBe(200);
    expect(id(raw)).toBe('req-1');
    expect(raw.headers.get('x-ratelimit-remaining')).toBe('99');
    expect(Object.getPrototypeOf(call.then((x) => x))).toBe(Promise.prototype);
    expect(server.requests).toHaveLength(1);
  });

  it('the request starts when the method is called, whichever of the three is used', async () => {
    server = await jsonServer(() => [200, { status: 'ok' }]);
    const client = agent(server.url);
    const { data, response } = await client.healthCheck().withResponse();
    expect(data).toEqual({ status: 'ok' });
    expect(id(response)).toBe('req-1');
    expect((await client.healthCheck().asResponse()).headers.get('x-request-id')).toBe('req-2');
    expect(server.requests).toHaveLength(2);
  });

  it('a failed call rejects all three with the same error, after one request', async () => {
    server = await jsonServer(() => [404, { detail: 'Job missing does not exist' }]);
    const call = agent(server.url).getJob('missing');
    const errors = await Promise.all([call, call.withResponse(), call.asResponse()].map((p) => p.then(() => undefined, (e: unknown) => e)));
    expect(errors[0]).toBeInstanceOf(NotFoundError);
    expect(errors[1]).toBe(errors[0]);
    expect(errors[2]).toBe(errors[0]);
    expect((errors[0] as NotFoundError).requestId).toBe('req-1');
    expect(server.requests).toHaveLength(1);
  });

  it('bad input: nothing thrown, withResponse() and asResponse() reject with ValidationError, nothing sent, no unhandled rejection', async () => {
    server = await jsonServer(() => [200, {}]);
    const client = agent(server.url);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls: ReturnType<AgentClient['getJob']>[] = [];
      expect(() => (calls = [client.getJob(''), client.getJob('a/b')])).not.toThrow();
      await expect(calls[0]!.withResponse()).rejects.toBeInstanceOf(ValidationError);
      await expect(calls[1]!.asResponse()).rejects.toBeInstanceOf(ValidationError);
      await expect(hosted(server.url).runs.list({ limit: 0 }).withResponse()).rejects.toBeInstanceOf(ValidationError);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('the response is the final one: a same-origin redirect the client followed', async () => {
    server = await jsonServer((req) => (req.url === '/jobs/' ? [307, '', { location: '/moved/jobs/' }] : [200, []]));
    const { data, response } = await agent(server.url).listJobs().withResponse();
    expect(data).toEqual([]);
    expect(server.requests.map((r) => r.url)).toEqual(['/jobs/', '/moved/jobs/']);
    expect(response.url).toBe(`${server.url}/moved/jobs/`);
    expect(id(response)).toBe('req-2');
  });
});

describe('every client gives the response of its requests', () => {
  it('AgentClient: a record, and a 204 (data undefined)', async () => {
    server = await jsonServer((req) => (req.method === 'DELETE' ? [204] : [200, { submission_id: 'raysubmit_1', status: 'RUNNING' }]));
    const client = agent(server.url);
    const job = await client.getJob('raysubmit_1').withResponse();
    expect(job.data.status).toBe('RUNNING');
    expect(id(job.response)).toBe('req-1');
    const deleted = await client.deleteServeApplication('app1').withResponse();
    expect(deleted.data).toBeUndefined();
    expect(deleted.response.status).toBe(204);
    expect(id(deleted.response)).toBe('req-2');
    expect(server.requests).toHaveLength(2);
  });

  it('HostedClient: runs.get, a PagePromise and nextPage(), traces.delete', async () => {
    server = await jsonServer((req) => {
      if (req.method === 'DELETE') return [204];
      if (req.url === '/runs/run_1') return [200, { id: 'run_1', status: 'running' }];
      if (req.url?.startsWith('/runs?') || req.url === '/runs') return req.url.includes('cursor=c2') ? [200, { rows: [{ id: 'b' }] }] : [200, { rows: [{ id: 'a' }], cursor: 'c2' }];
      return [404, { error: 'not found', code: 'NOT_FOUND' }];
    });
    const client = hosted(server.url);
    const run = await client.runs.get('run_1').withResponse();
    expect(run.data.id).toBe('run_1');
    expect(id(run.response)).toBe('req-1');

    const list = client.runs.list();
    const first = await list.withResponse();
    expect(first.data.rows.map((r) => r.id)).toEqual(['a']);
    expect(id(first.response)).toBe('req-2');
    expect(await list).toBe(first.data);
    const second = await first.data.nextPage().withResponse();
    expect(second.data.rows.map((r) => r.id)).toEqual(['b']);
    expect(id(second.response)).toBe('req-3');
    await expect(second.data.nextPage().withResponse()).rejects.toBeInstanceOf(RangeError);

    const deleted = await client.traces.delete('run_1').withResponse();
    expect(deleted.response.status).toBe(204);
    expect(server.requests).toHaveLength(4);
  });

  it('RunAgentClient: runGeneric gives the decoded output and the POST’s response', async () => {
    const data = JSON.stringify({ type: 'string', payload: JSON.stringify('echo: hi') });
    server = await jsonServer(() => [200, { success: true, data, message: 'ok', error: null }]);
    const { data: output, response } = await runagent(server.url).runGeneric({ query: 'hi' }).withResponse();
    expect(output).toBe('echo: hi');
    expect(id(response)).toBe('req-1');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/v1/agents/agent_1/run']);
  });

  it('RayClient: jobs.stop (a field of the body), state.nodes (an envelope), jobs.wait (the read that found the job terminal)', async () => {
    let reads = 0;
    server = await jsonServer((req) => {
      if (req.url === '/api/jobs/raysubmit_1/stop') return [200, { stopped: true }];
      if (req.url?.startsWith('/api/v0/nodes')) {
        return [200, { result: true, msg: '', data: { result: { total: 1, num_after_truncation: 1, num_filtered: 1, result: [{ node_id: 'n1' }], partial_failure_warning: '', warnings: null } } }];
      }
      if (req.url === '/api/jobs/raysubmit_1') return [200, jobRecord('raysubmit_1', ++reads < 2 ? 'RUNNING' : 'SUCCEEDED')];
      return [404, 'Job does not exist'];
    });
    const client = ray(server.url);
    const stop = await client.jobs.stop('raysubmit_1').withResponse();
    expect(stop.data).toBe(true);
    expect(id(stop.response)).toBe('req-1');
    const nodes = await client.state.nodes().withResponse();
    expect(nodes.data.rows).toEqual([{ node_id: 'n1' }]);
    expect(id(nodes.response)).toBe('req-2');
    const waited = await client.jobs.wait('raysubmit_1', { pollIntervalMs: 10 }).withResponse();
    expect(waited.data.status).toBe('SUCCEEDED');
    expect(id(waited.response)).toBe('req-4');
    expect(server.requests).toHaveLength(4);
  });
});

describe('streams tell what answered their connection', () => {
  const sse = (res: ServerResponse, n: number, body: string) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `sse-${n}` });
    res.end(body);
  };

  it('hosted agents.stream: the worker’s Response once connected, undefined before', async () => {
    server = await startServer((_req, res) =>
      sse(res, 1, 'event: run-start\ndata: {"runId":"run_1"}\n\nevent: run-complete\ndata: {"runId":"run_1","output":"hi"}\n\n'),
    );
    const stream = hosted(server.url).agents.stream({ agentId: 'echo-bot', input: 'x' });
    expect(stream.response).toBeUndefined();
    expect(stream.headers).toBeUndefined();
    const first = await stream.next();
    expect(first.value).toMatchObject({ type: 'start' });
    expect(stream.response?.status).toBe(200);
    expect(id(stream)).toBe('sse-1');
    expect(stream.response?.headers.get('content-type')).toBe('text/event-stream');
    const rest = await drain(stream);
    expect(rest.error).toBeUndefined();
    expect(rest.items.map((e) => e.type)).toEqual(['complete']);
    expect(server.requests).toHaveLength(1);
  });

  it('hosted runs.stream: after a reconnect with ?since=, the latest connection’s response', async () => {
    let n = 0;
    server = await startServer((req, res) => {
      n++;
      if (n === 1) sse(res, n, 'event: text-delta\nid: 1\ndata: {"runId":"run_1","seq":1,"delta":"hi"}\n\n'); // ends early: a reconnect
      else sse(res, n, `event: run-complete\nid: 2\ndata: {"runId":"run_1","seq":2,"since":"${req.url}"}\n\n`);
    });
    const stream = hosted(server.url, { maxRetries: 1 }).runs.stream('run_1');
    const { items, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(items.map((e) => e.type)).toEqual(['text-delta', 'run-complete']);
    expect(server.requests.map((r) => r.url)).toEqual(['/runs/run_1/stream', '/runs/run_1/stream?since=1']);
    expect(id(stream)).toBe('sse-2');
    expect(stream.response?.status).toBe(200);
  });

  const LOG = (message: string) => JSON.stringify({ type: 'log', message });
  const COMPLETE = JSON.stringify({ type: 'complete' });

  it('agent tail over the WebSocket: the handshake’s headers, no Response', async () => {
    server = await startServer((_req, res) => void res.writeHead(500).end(), {
      wsHeaders: () => ({ 'x-request-id': 'ws-1' }),
      ws: (ws: WebSocket) => {
        ws.send(LOG('one'));
        ws.send(COMPLETE);
      },
    });
    const tail = agent(server.url).websocketTailJobLogs('raysubmit_1');
    expect(tail.headers).toBeUndefined();
    const { items, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(items).toEqual(['one']);
    expect(tail.headers?.get('x-request-id')).toBe('ws-1');
    expect(tail.response).toBeUndefined();
  });

  it('agent tail that fell back to HTTP: the HTTP tail’s Response and headers', async () => {
    server = await startServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': 'http-1' });
        res.end(`data: ${LOG('over http')}\n`);
      },
      { ws: () => {}, wsRefuse: () => 503 },
    );
    const tail = agent(server.url).tailJobLogs('raysubmit_1');
    const { items, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(items).toEqual(['over http']);
    expect(tail.protocol).toBe('http');
    expect(tail.response?.status).toBe(200);
    expect(id(tail)).toBe('http-1');
    expect(server.requests.map((r) => r.method)).toEqual(['UPGRADE', 'GET']);
  });

  it('Ray tail: the handshake’s headers', async () => {
    server = await startServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(jobRecord('raysubmit_1', 'SUCCEEDED')));
      },
      {
        wsHeaders: () => ({ 'x-request-id': 'ray-ws-1' }),
        ws: (ws: WebSocket) => {
          ws.send('line 1\nline 2\n');
          ws.close(1000);
        },
      },
    );
    const tail = ray(server.url).jobs.tail('raysubmit_1');
    const { items, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(items).toEqual(['line 1', 'line 2']);
    expect(tail.headers?.get('x-request-id')).toBe('ray-ws-1');
    expect(tail.response).toBeUndefined();
  });

  it('RunAgent run-stream: the handshake’s headers, shared by a mapped stream', async () => {
    const chunk = JSON.stringify({ type: 'data', content: JSON.stringify({ type: 'string', payload: JSON.stringify('chunk 1') }) });
    server = await startServer((_req, res) => void res.writeHead(404).end(), {
      wsHeaders: () => ({ 'x-request-id': 'ra-ws-1' }),
      ws: (ws: WebSocket) => {
        ws.once('message', () => {
          ws.send('{"type":"status","status":"stream_started","invocation_id":"inv-1"}');
          ws.send(chunk);
          ws.send('{"type":"status","status":"stream_completed","total_chunks":1,"execution_time":0.1,"invocation_id":"inv-1"}');
          ws.close(1000);
        });
      },
    });
    const stream = runagent(server.url).runGenericStream({ query: 'hi' });
    expect(stream.headers).toBeUndefined();
    const { items, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(items).toEqual(['chunk 1']);
    expect(stream.headers?.get('x-request-id')).toBe('ra-ws-1');
    expect(stream.response).toBeUndefined();
  });
});
