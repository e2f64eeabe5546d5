/**
 * AgentClient against the shared mock server: every endpoint of `openapi/agent.yaml` through
 * Prism — its default success, named examples, and every error status it declares
 * (`Prefer: code=…`) — and both log tails through `mock/src/apis/agent.ts` (the captured
 * frames, auth, and the stream scenarios). The list of operations and statuses is read from
 * the spec, so a status added there is tested here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { parse } from 'yaml';
import {
  AgentClient,
  AuthenticationError,
  ConnectionError,
  GpuUnavailableError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
  type FetchLike,
} from '../../src/agent/index.js';
import { AGENT_TOKEN, CAPTURED_LINES, drain } from './helpers.js';

const { urls } = inject('mock');
const spec = parse(readFileSync(new URL('../../openapi/agent.yaml', import.meta.url), 'utf8'));

const NODE = '587cd5c11727c1b991afa24a8614432a0cb6235eae0bc61041e38dae';
const TASK = '0ab01f2d6283d719ffffffffffffffffffffffff03000000';
const JOB = 'raysubmit_NRBzaQRtepYZud2i';

function client(extra: Partial<ConstructorParameters<typeof AgentClient>[0]> = {}) {
  return new AgentClient({ baseUrl: urls.agent, agentToken: AGENT_TOKEN, maxRetries: 0, logLevel: 'off', ...extra });
}
const prefer = (value: string) => ({ headers: { Prefer: value } });

/** Each operation of the spec, called through the client with per-call options. */
const calls: Record<string, (a: AgentClient, o?: { headers: Record<string, string> }) => Promise<unknown>> = {
  healthCheck: (a, o) => a.healthCheck(o),
  listJobs: (a, o) => a.listJobs(o),
  getJob: (a, o) => a.getJob('rayrig_long_1', o),
  getJobLogs: (a, o) => a.getJobLogs('rayrig_long_1', o),
  stopJob: (a, o) => a.stopJob('rayrig_long_1', o),
  listNodes: (a, o) => a.listNodes(o),
  getNode: (a, o) => a.getNode(NODE, o),
  listTasks: (a, o) => a.listTasks(o),
  getTask: (a, o) => a.getTask(TASK, o),
  listServeApplications: (a, o) => a.listServeApplications(o),
  getServeApplication: (a, o) => a.getServeApplication('echo', o),
  deleteServeApplication: (a, o) => a.deleteServeApplication('echo', o),
  getGpuStatus: (a, o) => a.getGpuStatus(o),
};

interface Operation {
  id: string;
  method: string;
  path: string;
  responses: Record<string, any>;
}
const operations: Operation[] = Object.entries<any>(spec.paths).flatMap(([path, item]) =>
  ['get', 'post', 'delete', 'put', 'patch']
    .filter((m) => item[m])
    .map((method) => ({ id: item[method].operationId as string, method, path, responses: item[method].responses })),
);
/** streamTailJobLogs is the HTTP tail: tested below with the mock's stream module. */
const restOperations = operations.filter((op) => op.id !== 'streamTailJobLogs');

function resolve(response: any): any {
  const ref = response?.$ref as string | undefined;
  return ref ? spec.components.responses[ref.split('/').pop()!] : response;
}
function firstExample(response: any): { value: unknown; mediaType: string } | undefined {
  const content = resolve(response)?.content ?? {};
  for (const [mediaType, media] of Object.entries<any>(content)) {
    const example = Object.values<any>(media.examples ?? {})[0];
    if (example) return { value: example.$ref ? spec.components.examples[example.$ref.split('/').pop()].value : example.value, mediaType };
  }
  return undefined;
}
const CLASS_FOR: Record<number, Function> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  422: ValidationError,
  429: RateLimitError,
  500: ServerError,
  501: ServerError,
  503: ServerError,
};

describe('every endpoint through Prism (openapi/agent.yaml)', () => {
  it('the client has a method for every operation of the spec', () => {
    expect(restOperations.map((o) => o.id).sort()).toEqual(Object.keys(calls).sort());
  });

  it.each(restOperations.map((o) => [o.id, o] as const))('%s: the default success is the first example', async (_id, op) => {
    const ok = Object.keys(op.responses).find((s) => s.startsWith('2'))!;
    const result = await calls[op.id]!(client());
    if (ok === '204') expect(result).toBeUndefined();
    else expect(result).toEqual(firstExample(op.responses[ok])!.value);
  });

  const errorCases = restOperations.flatMap((op) =>
    Object.keys(op.responses)
      .filter((s) => Number(s) >= 400)
      .map((status) => [op.id, Number(status), op] as const),
  );
  it.each(errorCases)('%s: Prefer code=%i → the typed error, with the spec body', async (_id, status, op) => {
    const err: any = await calls[op.id]!(client(), prefer(`code=${status}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CLASS_FOR[status]!);
    expect(err.statusCode).toBe(status);
    const example = firstExample(op.responses[String(status)])!;
    expect(err.detail).toEqual(example.value);
    expect(err.message).toMatch(new RegExp(`\\(HTTP ${status}\\)$`));
  });

  it('named examples: a job in each state, logs, stop of a terminal job', async () => {
    const a = client();
    for (const [name, status] of [['running', 'RUNNING'], ['stopped', 'STOPPED'], ['failed', 'FAILED'], ['succeeded', 'SUCCEEDED']] as const) {
      const job = await a.getJob('rayrig_long_1', prefer(`example=${name}`));
      expect(job.status).toBe(status);
    }
    const failed = await a.getJob('rayrig_fail_1', prefer('example=failed'));
    expect(failed).toMatchObject({ submission_id: 'rayrig_fail_1', error_type: 'JOB_ENTRYPOINT_COMMAND_ERROR', driver_exit_code: 3, end_time: 1795319821689 });
    expect(await a.stopJob('rayrig_long_1', prefer('example=alreadyTerminal'))).toEqual({ stopped: false });
    expect((await a.getJobLogs('rayrig_tasks_1', prefer('example=succeeded'))).logs).toContain('[0, 1, 4]');
    expect(await a.listJobs(prefer('example=empty'))).toEqual([]);
  });

  it('a 404 passed through as Ray text keeps Ray\'s message', async () => {
    const err: any = await client().getJob('rayrig_long_1', { headers: { Prefer: 'code=404', Accept: 'text/plain' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('Job rayrig_long_1 does not exist (HTTP 404)');
  });

  it('503 gpu_unavailable is a GpuUnavailableError', async () => {
    const err: any = await client().getGpuStatus(prefer('code=503, example=gpuUnavailable')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuUnavailableError);
    expect(err.message).toBe('No GPU is available on the cluster (HTTP 503)');
  });

  it('Prism requires the Authorization header', async () => {
    const res = await fetch(`${urls.agent}/jobs/`);
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });
});

describe('log tails through the mock stream module', () => {
  const fast = { headers: { Prefer: 'delay=0' } };

  it('WebSocket: the captured frames, as 23 lines', async () => {
    const tail = client().websocketTailJobLogs(JOB, fast);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
  });

  it('HTTP: the same 23 lines', async () => {
    const { lines, error } = await drain(client().streamTailJobLogs(JOB, fast));
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
  });

  it('auto with the handshake refused (503): falls back to HTTP', async () => {
    const tail = client().tailJobLogs(JOB, { headers: { Prefer: 'delay=0, refuse=503' } });
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(tail.protocol).toBe('http');
    expect(tail.fallbackReason).toBeInstanceOf(ServerError);
    expect(tail.fallbackReason!.message).toBe(`WebSocket tail of job ${JOB} refused: 503 Service Unavailable — Ray cluster is unavailable`);
  });

  it('auto with the WebSocket dropped after 2 frames: resumes over HTTP without repeating a line', async () => {
    // The drop is asked for on the WebSocket only: this fetch (HTTP only) strips the Prefer header.
    const fetchWithoutPrefer: FetchLike = (input, init) => {
      const request = new Request(input);
      request.headers.delete('prefer');
      return globalThis.fetch(request, init);
    };
    const tail = client({ fetch: fetchWithoutPrefer, headers: { Prefer: 'delay=0, drop-after=2' } }).tailJobLogs(JOB);
    const { lines, error } = await drain(tail);
    expect(error).toBeUndefined();
    expect(lines).toEqual(CAPTURED_LINES);
    expect(tail.fallbackReason).toBeInstanceOf(ConnectionError);
  });

  it('websocket with a drop: ConnectionError (503) after the lines received', async () => {
    const { lines, error } = await drain(client().websocketTailJobLogs(JOB, { headers: { Prefer: 'delay=0, drop-after=2' } }));
    expect(lines).toEqual(CAPTURED_LINES.slice(0, 12));
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it('the missing job gets the error frame: ServerError (500) with Ray\'s captured text', async () => {
    const { error } = await drain(client().websocketTailJobLogs('raysubmit_doesnotexist', fast));
    expect(error).toBeInstanceOf(ServerError);
    expect(error.statusCode).toBe(500);
    expect(error.message).toBe('Job raysubmit_doesnotexist does not exist (HTTP 500)');
  });

  it('truncate (clean close before complete) ends normally; invalid-payload is a line of text', async () => {
    const t = await drain(client().websocketTailJobLogs(JOB, { headers: { Prefer: 'delay=0, truncate' } }));
    expect(t.error).toBeUndefined();
    expect(t.lines).toEqual(CAPTURED_LINES);
    const i = await drain(client().streamTailJobLogs(JOB, { headers: { Prefer: 'delay=0, invalid-payload' } }));
    expect(i.error).toBeUndefined();
    expect(i.lines).toEqual(['{"type": "log", "message": "not JSON: the quote is never closed', ...CAPTURED_LINES]);
  });

  it('HTTP tail: Prefer code=… answers the spec\'s error', async () => {
    const { error } = await drain(client().streamTailJobLogs(JOB, { headers: { Prefer: 'code=404' } }));
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe('Job rayrig_long_1 does not exist (HTTP 404)');
  });

  it('both tails need the Authorization header (401)', async () => {
    const res = await fetch(`${urls.agent}/jobs/${JOB}/logs/stream/`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Invalid token' });
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${urls.agent.replace(/^http/, 'ws')}/jobs/${JOB}/logs/`);
      ws.on('unexpected-response', (_req, r) => (resolve(r.statusCode ?? 0), ws.terminate()));
      ws.on('open', () => reject(new Error('opened without a token')));
      ws.on('error', () => {});
    });
    expect(status).toBe(401);
  });

  it('sends one newline-less message per log line, as an agent server does', async () => {
    const frames = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const ws = new WebSocket(`${urls.agent.replace(/^http/, 'ws')}/jobs/${JOB}/logs/`, { headers: { Authorization: AGENT_TOKEN, Prefer: 'delay=0' } });
      ws.on('message', (d) => got.push(String(d)));
      ws.on('close', () => resolve(got));
      ws.on('error', reject);
    });
    const messages = frames.map((f) => JSON.parse(f)).filter((e) => e.type === 'log').map((e) => e.message);
    expect(messages).toEqual(CAPTURED_LINES);
    expect(JSON.parse(frames.at(-1)!).type).toBe('complete');
  });
});
