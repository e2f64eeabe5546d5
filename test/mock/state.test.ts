/**
 * The mock as the real servers answer: unknown ids are 404 with each API's body, RunAgent
 * needs no key, Ray refuses browser-like mutating requests, every route (streams included)
 * sends CORS; and, on a `stateful` mock of its own, a submitted job and a started run go
 * through their whole life (submit → follow → status → stop/cancel → delete), per instance,
 * forgotten by `reset()`. Raw HTTP where the peer clients call that way, the SDK's clients
 * for the flows.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { AgentClient, HostedClient, NotFoundError, RayClient } from '../../src/index.js';
import { startMockServer, type MockServer } from '../../mock/src/index.js';

const { url, urls } = inject('mock');

/** A raw request with `node:http` (no fetch-added headers): status, headers, body text. */
function raw(method: string, target: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(target, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('unknown ids are 404 with the real bodies; the examples’ ids still answer', () => {
  it('Ray: text/plain "Job <id> does not exist" on get, stop, logs and delete', async () => {
    for (const [method, path] of [['GET', ''], ['POST', '/stop'], ['GET', '/logs'], ['DELETE', '']] as const) {
      const r = await raw(method, `${urls.ray}/api/jobs/nope${path}`);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      expect(r.body).toBe('Job nope does not exist');
    }
    expect((await raw('GET', `${urls.ray}/api/jobs/rayrig_tasks_1`)).status).toBe(200);
  });

  it('agent: {"detail": "Job <id> does not exist"} (NotFoundError), the HTTP tail sends the in-band error', async () => {
    const agent = new AgentClient({ baseUrl: urls.agent, agentToken: 't' });
    await expect(agent.getJob('raysubmit_doesnotexist')).rejects.toBeInstanceOf(NotFoundError);
    const r = await raw('GET', `${urls.agent}/jobs/raysubmit_doesnotexist/`, { authorization: 'Bearer t' });
    expect(JSON.parse(r.body)).toEqual({ detail: 'Job raysubmit_doesnotexist does not exist' });
    const tail = await raw('GET', `${urls.agent}/jobs/job_unknown_7/logs/stream/`, { authorization: 'Bearer t' });
    expect(tail.body).toBe('data: {"type":"error","message":"Job job_unknown_7 does not exist"}\n');
    expect((await agent.getJob('rayrig_long_1')).submission_id).toBeTruthy();
  });

  it('hosted: {"error": "Run not found"} for get and cancel, {"error": "Trace not found"} for traces', async () => {
    const auth = { authorization: 'Bearer ar_live_x' };
    expect(await raw('GET', `${urls.hosted}/runs/X`, auth)).toMatchObject({ status: 404, body: '{"error":"Run not found"}' });
    expect(await raw('POST', `${urls.hosted}/runs/X/cancel`, auth)).toMatchObject({ status: 404, body: '{"error":"Run not found"}' });
    expect(await raw('GET', `${urls.hosted}/traces/X`, auth)).toMatchObject({ status: 404, body: '{"error":"Trace not found"}' });
    expect((await raw('GET', `${urls.hosted}/runs/run_iCZXXZXn-j7V`, auth)).status).toBe(200);
  });

  it('RunAgent: {"detail": "Not Found"} for another agent id; its run-stream handshake is refused 403', async () => {
    const r = await raw('GET', `${urls.runagent}/api/v1/agents/other-agent/architecture`);
    expect(r).toMatchObject({ status: 404, body: '{"detail":"Not Found"}' });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${urls.runagent.replace('http', 'ws')}/api/v1/agents/other-agent/run-stream`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('open', () => (ws.close(), resolve(101)));
      ws.once('error', () => {});
    });
    expect(status).toBe(403);
  });
});

describe('an example id is answered as itself (Prism alone answers the first example for any id)', () => {
  it('Ray and agent GET job: the spec’s record of that id; hosted GET run and cancel echo the path id', async () => {
    const ray = JSON.parse((await raw('GET', `${urls.ray}/api/jobs/rayrig_fail_1`)).body);
    expect(ray).toMatchObject({ submission_id: 'rayrig_fail_1', status: 'FAILED' });
    const agent = JSON.parse((await raw('GET', `${urls.agent}/jobs/rayrig_tasks_1/`, { authorization: 'Bearer t' })).body);
    expect(agent).toMatchObject({ submission_id: 'rayrig_tasks_1', status: 'SUCCEEDED' });
    const auth = { authorization: 'Bearer ar_live_x' };
    expect(JSON.parse((await raw('GET', `${urls.hosted}/runs/run_ReZdgDdvaUGI`, auth)).body).id).toBe('run_ReZdgDdvaUGI');
    expect(JSON.parse((await raw('POST', `${urls.hosted}/runs/run_ReZdgDdvaUGI/cancel`, auth)).body).id).toBe('run_ReZdgDdvaUGI');
  });
});

describe('RunAgent needs no key, as the local server (raw HTTP, the way its Python SDK calls)', () => {
  it('health, architecture and POST /run answer without Authorization; Prefer: code=401 still demands one', async () => {
    const agent = '14bc8f86-c108-485b-adb7-cf06f2831091';
    expect((await raw('GET', `${urls.runagent}/api/v1/health`)).status).toBe(200);
    expect((await raw('GET', `${urls.runagent}/api/v1/agents/${agent}/architecture`)).status).toBe(200);
    const run = await raw('POST', `${urls.runagent}/api/v1/agents/${agent}/run`, { 'content-type': 'application/json' }, JSON.stringify({ entrypoint_tag: 'generic', input_args: [], input_kwargs: { message: 'hi' } }));
    expect(run.status).toBe(200);
    expect((await raw('GET', `${urls.runagent}/api/v1/health`, { prefer: 'code=401' })).status).toBe(401);
  });
});

describe('Ray’s browser block and CORS on every route', () => {
  it('a browser-like POST/PUT/DELETE to Ray is 405 with its text; a GET is not', async () => {
    const browserish: Record<string, string>[] = [{ origin: 'http://localhost:3000' }, { referer: 'http://x/' }, { 'sec-fetch-mode': 'cors' }, { 'user-agent': 'Mozilla/5.0' }];
    for (const headers of browserish) {
      const r = await raw('POST', `${urls.ray}/api/jobs/`, { ...headers, 'content-type': 'application/json' }, '{"entrypoint":"echo"}');
      expect(r).toMatchObject({ status: 405, body: "'POST' method not allowed for browser traffic." });
    }
    expect((await raw('DELETE', `${urls.ray}/api/jobs/rayrig_tasks_1`, { origin: 'http://x' })).status).toBe(405);
    expect((await raw('GET', `${urls.ray}/api/jobs/`, { origin: 'http://x' })).status).toBe(200);
    expect((await raw('POST', `${urls.ray}/api/jobs/`, { 'content-type': 'application/json' }, '{"entrypoint":"echo"}')).status).toBe(200);
  });

  it('preflights allow any origin and the SDK’s headers; JSON, SSE and chunked tails send Access-Control-Allow-Origin', async () => {
    const pre = await raw('OPTIONS', `${urls.hosted}/runs/run_iCZXXZXn-j7V/stream`, {
      origin: 'http://localhost:5173',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization, prefer',
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    const allowed = String(pre.headers['access-control-allow-headers']).toLowerCase();
    for (const h of ['authorization', 'synapse-user', 'synapse-tenant', 'prefer', 'content-type', 'accept', 'x-ray-authorization']) expect(allowed).toContain(h);
    const auth = { authorization: 'Bearer ar_live_x', origin: 'http://localhost:5173' };
    for (const [method, target, body] of [
      ['GET', `${urls.hosted}/runs/run_iCZXXZXn-j7V/stream`],
      ['POST', `${urls.hosted}/run/stream`, '{"agentId":"echo-bot","input":"hi"}'],
      ['GET', `${urls.agent}/jobs/rayrig_long_1/logs/stream/`],
      ['GET', `${urls.agent}/jobs/`],
      ['GET', `${url}/runagent/api/v1/health`],
      ['GET', `${url}/__mock/scenario`],
    ] as const) {
      const r = await raw(method, target, { ...auth, 'content-type': 'application/json', prefer: 'delay=0' }, body);
      expect(r.status, target).toBe(200);
      expect(r.headers['access-control-allow-origin'], target).toBe('*');
    }
  });
});

describe('a stateful mock of its own: full flows, per instance, reset()', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ quiet: true, stateful: true, jobRunMs: 60_000, runMs: 60_000 });
  });
  afterAll(() => mock?.close());

  it('Ray: submit → listed → tail plays → SUCCEEDED; an `exit 3` job FAILED; stop → STOPPED; delete removes it', async () => {
    const ray = new RayClient({ address: mock.urls.ray, token: undefined });
    const { submission_id: id } = await ray.jobs.submit({ entrypoint: 'python3 work.py' });
    expect(id).toMatch(/^raysubmit_/);
    expect((await ray.jobs.get(id)).status).toBe('RUNNING');
    expect((await ray.jobs.list()).map((j) => j.submission_id)).toContain(id);
    const lines: string[] = [];
    mock.setScenario('ray', { delayMs: 0 }, { times: 1 });
    for await (const line of ray.jobs.tail(id)) lines.push(line);
    expect(lines.length).toBeGreaterThan(0);
    expect((await ray.jobs.get(id)).status).toBe('SUCCEEDED');
    expect(await ray.jobs.delete(id)).toBe(true);
    await expect(ray.jobs.get(id)).rejects.toBeInstanceOf(NotFoundError);

    const failing = await ray.jobs.submit({ entrypoint: 'exit 3', submissionId: 'mine_fail' });
    expect(failing.submission_id).toBe('mine_fail');
    mock.setScenario('ray', { delayMs: 0 }, { times: 1 });
    for await (const line of ray.jobs.tail('mine_fail')) lines.push(line);
    expect((await ray.jobs.get('mine_fail')).status).toBe('FAILED');

    const long = await ray.jobs.submit({ entrypoint: 'sleep 300' });
    expect(await ray.jobs.stop(long.submission_id)).toBe(true);
    expect((await ray.jobs.get(long.submission_id)).status).toBe('STOPPED');
    expect(await ray.jobs.stop(long.submission_id)).toBe(false);
  });

  it('agent: the Ray job is the agent server’s job too (get, list, logs; the tail ends it)', async () => {
    const ray = new RayClient({ address: mock.urls.ray, token: undefined });
    const { submission_id: id } = await ray.jobs.submit({ entrypoint: 'exit 2' });
    const agent = new AgentClient({ baseUrl: mock.urls.agent, agentToken: 't' });
    expect((await agent.getJob(id)).status).toBe('RUNNING');
    expect((await agent.listJobs()).map((j) => j.submission_id)).toContain(id);
    const seen: string[] = [];
    mock.setScenario('agent', { delayMs: 0 }, { times: 1 });
    for await (const line of agent.streamTailJobLogs(id)) seen.push(String(line));
    expect(seen.length).toBeGreaterThan(0);
    const done = await agent.getJob(id);
    expect(done).toMatchObject({ status: 'FAILED', error_type: 'JOB_ENTRYPOINT_COMMAND_ERROR', driver_exit_code: 2 });
    expect((await agent.getJobLogs(id)).logs).toContain(`Running entrypoint for job ${id}: exit 2`);
  });

  it('hosted: runs.start and agents.run are visible to get/list/stream/traces.get; cancel changes the run', async () => {
    const hosted = new HostedClient({ apiKey: 'ar_live_state', baseUrl: mock.urls.hosted, logLevel: 'off' });
    const run = await hosted.runs.start({ agentId: 'echo-bot', input: 'durable hello' });
    expect(run.status).toBe('running');
    expect((await hosted.runs.get(run.id)).id).toBe(run.id);
    const page = await hosted.runs.list();
    expect(page.rows[0]!.id).toBe(run.id);
    const events = [];
    for await (const e of hosted.runs.stream(run.id)) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'run-complete', runId: run.id });
    expect((await hosted.runs.get(run.id)).status).toBe('completed');
    expect((await hosted.traces.get(run.id)).summary.traceId).toBe(run.id);

    const second = await hosted.runs.start({ agentId: 'echo-bot', input: 'to cancel' });
    expect((await hosted.runs.cancel(second.id)).status).toBe('running'); // as the worker answers
    expect((await hosted.runs.get(second.id)).status).toBe('cancelled');

    const result = await hosted.agents.run({ agentId: 'echo-bot', input: 'hi' });
    expect(result.runId).not.toBe('run_oFo1N5pmHCM5');
    expect((await hosted.runs.get(result.runId!)).status).toBe('completed');
  });

  it('reset() forgets everything; another mock instance never saw it', async () => {
    const ray = new RayClient({ address: mock.urls.ray, token: undefined });
    const { submission_id: id } = await ray.jobs.submit({ entrypoint: 'echo' });
    await expect(new RayClient({ address: urls.ray, token: undefined }).jobs.get(id)).rejects.toBeInstanceOf(NotFoundError);
    mock.reset();
    await expect(ray.jobs.get(id)).rejects.toBeInstanceOf(NotFoundError);
  });
});
