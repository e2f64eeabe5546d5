/**
 * The hosted client's argument rules: retention TTLs within the worker's range (checked before
 * any request, and stated by `openapi/hosted.yaml`, so the mock refuses what the worker
 * refuses), and one rule for bad arguments — a method that returns a promise or a PagePromise
 * never throws, it rejects; a stream method throws `ValidationError` when called.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ValidationError } from '../../src/hosted/index.js';
import { startServer, type TestServer } from '../support/servers.js';
import { API_KEY, capture, client, replay } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const { urls } = inject('mock');

describe('retention TTLs: 60 s … 365 days, checked before any request', () => {
  it.each([
    ['ttlMs', 0],
    ['ttlMs', 59_000],
    ['ttlMs', 31_536_000_001],
    ['ttlMs', -60_000],
    ['artifactTtlMs', 0],
    ['artifactTtlMs', 1_000],
    ['artifactTtlMs', 40_000_000_000],
    ['ttlMs', Number.POSITIVE_INFINITY],
  ] as const)('%s %d → ValidationError naming the field and the range, nothing sent', async (field, value) => {
    server = await startServer((_req, res) => void res.writeHead(200).end('{}'));
    const hosted = client(server.url);
    for (const call of [
      () => hosted.agents.run({ agentId: 'a', retention: { mode: 'result', [field]: value } }),
      () => hosted.runs.start({ agentId: 'a', retention: { mode: 'session', [field]: value } }),
    ]) {
      const err = await call().catch((e) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.message).toContain(`retention.${field}`);
      expect(err.message).toContain('60000 to 31536000000 ms');
      expect(err.message).toContain('60 to 31536000 seconds');
    }
    expect(() => hosted.agents.stream({ agentId: 'a', retention: { mode: 'result', [field]: value } })).toThrow(ValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it('the bounds are accepted and sent in whole seconds, rounded up', async () => {
    server = await startServer((_req, res) => replay(res, capture('runs-post')));
    const hosted = client(server.url);
    await hosted.runs.start({ agentId: 'a', retention: { mode: 'result', ttlMs: 60_000, artifactTtlMs: 31_536_000_000 } });
    await hosted.runs.start({ agentId: 'a', retention: { mode: 'result', ttlMs: 59_001 } });
    expect(server.requests.map((r) => JSON.parse(r.body).retention)).toEqual([
      { mode: 'result', ttlSeconds: 60, artifactTtlSeconds: 31_536_000 },
      { mode: 'result', ttlSeconds: 60 },
    ]);
  });

  it('the spec states the range: the mock refuses ttlSeconds 59 and artifactTtlSeconds 31,536,001, as the worker does', async () => {
    const post = (retention: object) =>
      fetch(`${urls.hosted}/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agentId: 'echo-bot', retention }),
      });
    for (const bad of [{ mode: 'result', ttlSeconds: 59 }, { mode: 'result', artifactTtlSeconds: 31_536_001 }]) {
      const res = await post(bad);
      await res.arrayBuffer();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const ok = await post({ mode: 'result', ttlSeconds: 60, artifactTtlSeconds: 31_536_000 });
    await ok.arrayBuffer();
    expect(ok.status).toBe(201);
  });
});

describe('one rule for bad arguments', () => {
  const hosted = client('http://127.0.0.1:1', { maxRetries: 0 });

  it.each([
    ['runs.list({limit: 0})', () => hosted.runs.list({ limit: 0 })],
    ['runs.list(null)', () => hosted.runs.list(null as never)],
    ['runs.list({cursor: 5})', () => hosted.runs.list({ cursor: 5 as never })],
    ['traces.list({limit: 201})', () => hosted.traces.list({ limit: 201 })],
    ['traces.list({rootsOnly})', () => hosted.traces.list({ rootsOnly: true } as never)],
    ['agents.run({})', () => hosted.agents.run({} as never)],
    ['agents.run(null)', () => hosted.agents.run(null as never)],
    ['runs.start(callbackUrl alone)', () => hosted.runs.start({ agentId: 'a', callbackUrl: 'https://x.example/h' })],
    ['runs.get("")', () => hosted.runs.get('')],
    ['runs.cancel("a/b")', () => hosted.runs.cancel('a/b')],
    ['traces.get("a?b")', () => hosted.traces.get('a?b')],
    ['traces.delete("")', () => hosted.traces.delete('')],
  ])('%s does not throw; it rejects with ValidationError (.catch(h) reaches h)', async (_name, call) => {
    let result: PromiseLike<unknown> | undefined;
    expect(() => (result = call())).not.toThrow();
    let caught: unknown;
    await Promise.resolve(result!).then(undefined, (e: unknown) => (caught = e));
    expect(caught).toBeInstanceOf(ValidationError);
  });

  it('a PagePromise with bad filters: .catch(h) reaches h, and a for-await throws the ValidationError', async () => {
    const h = await hosted.runs.list({ limit: 0 }).catch((e: unknown) => e);
    expect(h).toBeInstanceOf(ValidationError);
    const loop = async () => {
      for await (const _ of hosted.traces.list({ status: 'done' as never })) break;
    };
    await expect(loop()).rejects.toBeInstanceOf(ValidationError);
  });

  it.each([
    ['agents.stream({agentId: ""})', () => hosted.agents.stream({ agentId: '' })],
    ['agents.stream(ok, {timeout: -1})', () => hosted.agents.stream({ agentId: 'a' }, { timeout: -1 })],
    ['agents.stream(ok, {maxRetries: 99})', () => hosted.agents.stream({ agentId: 'a' }, { maxRetries: 99 })],
    ['runs.stream("run 1")', () => hosted.runs.stream('run 1')],
    ['runs.stream(id, null)', () => hosted.runs.stream('run_1', null as never)],
    ['runs.stream(id, {since: -1})', () => hosted.runs.stream('run_1', { since: -1 })],
    ['runs.stream(id, {timeout: 0})', () => hosted.runs.stream('run_1', { timeout: 0 })],
    ['traces.stream(id, null)', () => hosted.traces.stream('run_1', null as never)],
    ['traces.stream("")', () => hosted.traces.stream('')],
  ])('%s throws ValidationError when called, before any I/O', (_name, call) => {
    expect(call).toThrow(ValidationError);
  });
});
