/**
 * The hosted client against the shared mock server (Prism for JSON from `openapi/hosted.yaml`,
 * the mock's own SSE routes for the three streams): every endpoint's success and error
 * statuses, asked for with `Prefer: code=…` / `example=…`, and the stream scenarios.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  AuthenticationError,
  NotFoundError,
  RateLimitError,
  ServerError,
  StreamError,
  ValidationError,
  type HostedClientOptions,
} from '../../src/hosted/index.js';
import { client, collect } from './support.js';

const { url: mockUrl, urls } = inject('mock');
const ROOT = 'run_iCZXXZXn-j7V';

/** A client of the mock that records the URL of every request it sends. */
function hosted(options: HostedClientOptions = {}) {
  const sent: string[] = [];
  const c = client(urls.hosted, {
    maxRetries: 0,
    fetch: (input, init) => {
      sent.push(`${input.method} ${new URL(input.url).pathname.replace(/^\/hosted/, '')}${new URL(input.url).search}`);
      return globalThis.fetch(input, init);
    },
    ...options,
  });
  return Object.assign(c, { sent });
}
const prefer = (value: string) => ({ headers: { prefer: value } });

/** Expects `promise` to reject with `Class` and the status; returns the error. */
async function rejects(promise: PromiseLike<unknown>, Class: new (...a: any[]) => Error, status: number): Promise<any> {
  const err: any = await Promise.resolve(promise).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Class);
  expect(err.statusCode).toBe(status);
  return err;
}

describe('health', () => {
  it('GET /health → {status, service}', async () => {
    expect(await hosted().health()).toEqual({ status: 'ok', service: 'agntz-worker' });
  });
});

describe('agents.run (POST /run)', () => {
  it('200 → the RunResult; the withReplies example carries replies', async () => {
    const h = hosted();
    const result = await h.agents.run({ agentId: 'echo-bot', input: 'stream please' });
    expect(result.output).toBe('Hello from the fake model.');
    expect(result.sessionId).toBe('sess_zQlvitj3GopA');
    expect(result.usage.totalTokens).toBe(19);
    const withReplies = await h.agents.run({ agentId: 'echo-bot', input: 'x' }, prefer('example=withReplies'));
    expect(withReplies.replies?.[0]?.text).toBe('Working on it.');
  });

  it('400, 401, 404 (NOT_FOUND), 429 (retryAfterMs), 500 → the shared error classes', async () => {
    const h = hosted();
    const run = (p: string) => h.agents.run({ agentId: 'x' }, prefer(p));
    expect((await rejects(run('code=400'), ValidationError, 400)).message).toBe('Missing required field: agentId (HTTP 400)');
    expect((await rejects(run('code=401'), AuthenticationError, 401)).message).toBe('missing authentication (HTTP 401)');
    const notFound = await rejects(run('code=404'), NotFoundError, 404);
    expect(notFound.code).toBe('NOT_FOUND');
    const limited = await rejects(run('code=429'), RateLimitError, 429);
    expect(limited.retryAfterMs).toBe(30_000);
    expect((await rejects(run('code=500'), ServerError, 500)).message).toBe('fake provider error (prompt contained FAIL) (HTTP 500)');
  });
});

describe('agents.stream (POST /run/stream, the mock SSE route)', () => {
  it('default example: start then complete', async () => {
    const h = hosted();
    const { events, error } = await collect(h.agents.stream({ agentId: 'echo-bot', input: 'stream please' }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', 'complete']);
    const done = events[1]!;
    expect(done.type === 'complete' && done.output).toBe('Hello from the fake model.');
    expect(h.sent).toEqual(['POST /run/stream']);
  });

  it.each([
    ['failed', ['start', 'error']],
    ['withReply', ['start', 'reply', 'complete']],
    ['clientTool', ['start', 'client-tool-request', 'complete']],
  ])('example=%s → %j', async (example, types) => {
    const { events, error } = await collect(hosted().agents.stream({ agentId: 'echo-bot' }, prefer(`example=${example}`)));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(types);
  });

  it('errors before the stream (Prism answers code=…): 404 NotFoundError, 429, 400', async () => {
    const h = hosted();
    const stream = (p: string) => collect(h.agents.stream({ agentId: 'x' }, prefer(p))).then((r) => Promise.reject(r.error));
    expect((await rejects(stream('code=404'), NotFoundError, 404)).code).toBe('NOT_FOUND');
    await rejects(stream('code=429'), RateLimitError, 429);
    await rejects(stream('code=400'), ValidationError, 400);
  });

  it('the mock route itself needs a Bearer key, and an agentId', async () => {
    const noKey = await fetch(`${urls.hosted}/run/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"agentId":"a"}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ error: 'missing authentication' });
    const noAgent = await fetch(`${urls.hosted}/run/stream`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{}' });
    expect(noAgent.status).toBe(400);
  });
});

describe('runs (POST /runs, GET /runs/{id}, POST /runs/{id}/cancel, GET /runs)', () => {
  it('start → 201 Run (running); unknownAgent still 201; 400/401/429/500', async () => {
    const h = hosted();
    const run = await h.runs.start({ agentId: 'echo-bot', input: 'durable hello' });
    expect(run).toMatchObject({ id: ROOT, status: 'running', depth: 0 });
    const unknown = await h.runs.start({ agentId: 'nope', input: 'x' }, prefer('example=unknownAgent'));
    expect(unknown.agentId).toBe('nope');
    await rejects(h.runs.start({ agentId: 'a' }, prefer('code=400')), ValidationError, 400);
    await rejects(h.runs.start({ agentId: 'a' }, prefer('code=401')), AuthenticationError, 401);
    await rejects(h.runs.start({ agentId: 'a' }, prefer('code=429')), RateLimitError, 429);
    await rejects(h.runs.start({ agentId: 'a' }, prefer('code=500')), ServerError, 500);
  });

  it('get → the Run in each named state; 404 Run not found', async () => {
    const h = hosted();
    expect((await h.runs.get(ROOT)).status).toBe('completed');
    for (const state of ['running', 'cancelled', 'failed'] as const) {
      expect((await h.runs.get(ROOT, prefer(`example=${state}`))).status).toBe(state);
    }
    expect((await rejects(h.runs.get('run_nope', prefer('code=404')), NotFoundError, 404)).message).toBe('Run not found (HTTP 404)');
    await rejects(h.runs.get(ROOT, prefer('code=401')), AuthenticationError, 401);
    await rejects(h.runs.get(ROOT, prefer('code=500')), ServerError, 500);
  });

  it('cancel → the Run still running; 404 unless live', async () => {
    const h = hosted();
    const run = await h.runs.cancel('run_ReZdgDdvaUGI');
    expect(run.status).toBe('running');
    await rejects(h.runs.cancel('run_ReZdgDdvaUGI', prefer('code=404')), NotFoundError, 404);
    await rejects(h.runs.cancel('run_ReZdgDdvaUGI', prefer('code=429')), RateLimitError, 429);
  });

  it('list → first page with a cursor; the last page has none; 400/401/429', async () => {
    const h = hosted();
    const page = await h.runs.list({ limit: 2, status: 'completed' });
    expect(page.rows).toHaveLength(2);
    expect(page.hasNextPage()).toBe(true);
    const last = await h.runs.list({ cursor: page.cursor!, limit: 2 }, prefer('example=page2'));
    expect(last.hasNextPage()).toBe(false);
    expect(h.sent[1]).toBe(`GET /runs?limit=2&cursor=${page.cursor}`);
    expect((await rejects(h.runs.list({}, prefer('code=400')), ValidationError, 400)).message).toBe('Invalid `limit` query param (HTTP 400)');
    await rejects(h.runs.list({}, prefer('code=401')), AuthenticationError, 401);
    await rejects(h.runs.list({}, prefer('code=429')), RateLimitError, 429);
  });
});

describe('paging on the mock', () => {
  it('for await over runs.list and traces.list ends: the cursor of page1 answers page2', async () => {
    const h = hosted();
    const runs: string[] = [];
    for await (const run of h.runs.list({ limit: 2 })) runs.push(run.id);
    expect(runs).toEqual(['run_ReZdgDdvaUGI', 'run_iCZXXZXn-j7V', 'run_oFo1N5pmHCM5', 'run_AeO-wJ7_fXPY']);
    const traces: string[] = [];
    for await (const t of h.traces.list()) traces.push(t.traceId);
    expect(traces).toHaveLength(4);
    expect(h.sent.map((s) => s.split('?')[0])).toEqual(['GET /runs', 'GET /runs', 'GET /traces', 'GET /traces']);
  });
});

describe('traces (GET /traces, GET/DELETE /traces/{id})', () => {
  it('get, list, delete and their errors', async () => {
    const h = hosted();
    const trace = await h.traces.get(ROOT);
    expect(trace.summary.traceId).toBe(ROOT);
    expect(trace.spans.map((s) => s.kind)).toEqual(['run', 'manifest', 'invoke', 'model']);
    const page = await h.traces.list({ status: 'ok', limit: 2 });
    expect(page.rows[0]!.traceId).toBe('run_ReZdgDdvaUGI');
    expect((await h.traces.list({}, prefer('example=page2'))).hasNextPage()).toBe(false);
    await expect(h.traces.delete(ROOT)).resolves.toBeUndefined();
    expect((await rejects(h.traces.get('tr_nope', prefer('code=404')), NotFoundError, 404)).message).toBe('Trace not found (HTTP 404)');
    await rejects(h.traces.delete('tr_nope', prefer('code=404')), NotFoundError, 404);
    await rejects(h.traces.list({}, prefer('code=400')), ValidationError, 400);
    await rejects(h.traces.list({}, prefer('code=500')), ServerError, 500);
    await rejects(h.traces.get(ROOT, prefer('code=401')), AuthenticationError, 401);
  });
});

describe('runs.stream and traces.stream (the mock SSE routes)', () => {
  it('follows another known run id: the example root is renamed, so the root terminal ends the stream; an unknown id is 404', async () => {
    const h = hosted();
    const { events, error } = await collect(h.runs.stream('run_oFo1N5pmHCM5')); // a /run/stream example's run
    expect(error).toBeUndefined();
    expect(events.map((e) => [e.type, 'runId' in e ? e.runId : '']).at(-1)).toEqual(['run-complete', 'run_oFo1N5pmHCM5']);
    const unknown = await collect(h.runs.stream('run_mine_1'));
    expect(unknown.error).toMatchObject({ statusCode: 404, message: expect.stringContaining('Run not found') });
    expect(events).toHaveLength(4);
  });

  it('since is exclusive on the mock too: since=2 → seq 3, 4', async () => {
    const h = hosted();
    const { events } = await collect(h.runs.stream(ROOT, { since: 2 }));
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual([3, 4]);
    expect(h.sent).toEqual([`GET /runs/${ROOT}/stream?since=2`]);
  });

  it.each([
    ['cancelled', 'run-cancelled'],
    ['failed', 'run-error'],
    ['snapshot', 'snapshot'],
    ['allEvents', 'run-complete'],
    ['resumed', 'run-complete'],
  ])('example=%s ends on %s', async (example, last) => {
    const { events, error } = await collect(hosted().runs.stream('run_mine_2', prefer(`example=${example}`)));
    expect(error).toBeUndefined();
    expect(events.at(-1)!.type).toBe(last);
    const end = events.at(-1)!;
    expect(end.type === 'snapshot' ? end.run.id : end.runId).toBe('run_mine_2');
  });

  it('example=resumed: the child run-complete (seq 3) does not end it, the root one (seq 4) does', async () => {
    const { events } = await collect(hosted().runs.stream('run_mine_3', prefer('example=resumed')));
    expect(events.map((e) => [e.type, 'runId' in e ? e.runId : '', 'seq' in e ? e.seq : 0])).toEqual([
      ['run-complete', 'run_e-_sT9KQ7kum', 3],
      ['run-complete', 'run_mine_3', 4],
    ]);
  });

  it('404 for an unknown run (Prism answers code=404)', async () => {
    const { error } = await collect(hosted().runs.stream('run_nope', prefer('code=404')));
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('traces.stream: live ends on trace-done, snapshot on snapshot', async () => {
    const live = await collect(hosted().traces.stream('run_oFo1N5pmHCM5'));
    expect(live.error).toBeUndefined();
    expect(live.events.at(-1)!.type).toBe('trace-done');
    const first = live.events[0]!;
    expect(first.type === 'span-start' && first.span.traceId).toBe('run_oFo1N5pmHCM5');
    const snap = await collect(hosted().traces.stream(ROOT, prefer('example=snapshot')));
    expect(snap.events.map((e) => e.type)).toEqual(['snapshot']);
  });
});

describe('stream scenarios', () => {
  it('drop-after=2 on runs.stream: the client resumes with since=2, every event once', async () => {
    const h = hosted({ maxRetries: 2 });
    const { events, error } = await collect(h.runs.stream(ROOT, prefer('drop-after=2')));
    expect(error).toBeUndefined();
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual([1, 2, 3, 4]);
    expect(h.sent).toEqual([`GET /runs/${ROOT}/stream`, `GET /runs/${ROOT}/stream?since=2`]);
  });

  it('truncate on agents.stream → StreamError STREAM_TRUNCATED', async () => {
    const { events, error } = await collect(hosted().agents.stream({ agentId: 'echo-bot' }, prefer('truncate')));
    expect(events.map((e) => e.type)).toEqual(['start']);
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('STREAM_TRUNCATED');
  });

  it('drop-after=1 on agents.stream → STREAM_TRUNCATED (cannot resume)', async () => {
    const { error } = await collect(hosted().agents.stream({ agentId: 'echo-bot' }, prefer('drop-after=1')));
    expect(error?.code).toBe('STREAM_TRUNCATED');
  });

  it('invalid-payload → StreamError INVALID_SSE_PAYLOAD', async () => {
    const { error } = await collect(hosted().runs.stream(ROOT, prefer('invalid-payload')));
    expect(error).toBeInstanceOf(StreamError);
    expect(error.code).toBe('INVALID_SSE_PAYLOAD');
  });

  it('delay=<ms> spaces the events', async () => {
    const at: number[] = [];
    for await (const _ of hosted().traces.stream(ROOT, prefer('delay=80'))) at.push(performance.now());
    expect(at).toHaveLength(9);
    // The server waits 80 ms before each of the 8 later events; one late arrival can shorten the
    // next gap as seen here, so check the whole span (less one late first arrival) and every gap's floor.
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(8 * 80 - 40);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(10);
  });

  it('a scenario set with PUT /__mock/scenario (times: 1) truncates one stream; resume heals it', async () => {
    const put = await fetch(`${mockUrl}/__mock/scenario`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: 'hosted', scenario: { truncate: true }, times: 1 }),
    });
    expect(put.status).toBe(200);
    const h = hosted({ maxRetries: 2 });
    const { events, error } = await collect(h.runs.stream(ROOT));
    expect(error).toBeUndefined();
    expect(events.map((e) => ('seq' in e ? e.seq : undefined))).toEqual([1, 2, 3, 4]);
    expect(h.sent).toEqual([`GET /runs/${ROOT}/stream`, `GET /runs/${ROOT}/stream?since=3`]);
  });
});
