/**
 * The front on its own (no Prism: `specs: false`), with test modules standing in for the API
 * modules: control routes, how a scenario reaches a module (setScenario, PUT, Prefer, __mock,
 * `times`), what a module sees, WebSocket upgrades, errors, close().
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ClientError, ValidationError } from '../../src/core/errors.js';
import { replayFrames } from '../../mock/src/pacing.js';
import { startMockServerWith, type MockServer } from '../../mock/src/server.js';
import type { MockApi } from '../../mock/src/types.js';

const wss = new WebSocketServer({ noServer: true });

/** `/agent/echo` answers with what the module saw; `/agent/stream` replays 5 chunked lines. */
const agent: MockApi = {
  name: 'agent',
  request(req, res, ctx) {
    if (ctx.path === '/echo') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ api: ctx.api, path: ctx.path, url: ctx.url.href, prefer: req.headers.prefer ?? null, scenario: ctx.scenario }));
      return true;
    }
    if (ctx.path === '/plain') return false; // Prism's (none here)
    if (ctx.path === '/boom') throw new Error('module exploded');
    if (ctx.path === '/stream') {
      const controller = new AbortController();
      res.once('close', () => controller.abort());
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      void replayFrames(['a', 'b', 'c', 'd', 'e'], {
        intervalMs: 30_000, // one line, then a long wait: close() must not wait for it
        scenario: ctx.scenario,
        send: (line) => void res.write(`${line}\n`),
        drop: () => res.destroy(),
        end: () => void res.end(),
        signal: controller.signal,
      });
      return true;
    }
    return false;
  },
};

/** `/ray/ws` upgrades (or refuses with scenario.refuse) and sends the scenario as its first frame. */
const ray: MockApi = {
  name: 'ray',
  async upgrade(req, socket, head, ctx) {
    if (ctx.path !== '/ws') return false;
    await new Promise((r) => setTimeout(r, 5)); // an async module
    const { refuse } = ctx.scenario;
    if (refuse) {
      socket.end(`HTTP/1.1 ${refuse} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => ws.send(JSON.stringify({ path: ctx.path, url: ctx.url.href, scenario: ctx.scenario })));
    return true;
  },
};

let mock: MockServer;

beforeAll(async () => {
  mock = await startMockServerWith([agent, ray], { specs: false, quiet: true });
});
afterAll(async () => {
  await mock?.close();
});

async function echo(init?: RequestInit, query = ''): Promise<any> {
  const res = await fetch(`${mock.urls.agent}/echo${query}`, init);
  expect(res.status).toBe(200);
  return res.json();
}

function wsOpen(url: string, headers?: Record<string, string>): Promise<{ status: number; message?: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('message', (data) => {
      resolve({ status: 101, message: JSON.parse(String(data)) });
      ws.close();
    });
    ws.once('error', reject);
  });
}

describe('control routes', () => {
  it('GET /__mock/health', async () => {
    const res = await fetch(`${mock.url}/__mock/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', apis: ['agent', 'hosted', 'runagent', 'ray'], specs: [], prism: false });
  });

  it('PUT /__mock/scenario sets, GET shows, DELETE resets', async () => {
    const put = await fetch(`${mock.url}/__mock/scenario`, {
      method: 'PUT',
      body: JSON.stringify({ api: 'hosted', scenario: 'drop-after=3, truncate', times: 2 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ api: 'hosted', scenario: { dropAfter: 3, truncate: true }, times: 2 });
    const got = await fetch(`${mock.url}/__mock/scenario`);
    expect(await got.json()).toEqual({ hosted: { scenario: { dropAfter: 3, truncate: true }, times: 2 } });
    const del = await fetch(`${mock.url}/__mock/scenario`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(await (await fetch(`${mock.url}/__mock/scenario`)).json()).toEqual({});
  });

  it.each([
    ['not json', /body must be JSON/],
    [JSON.stringify({ api: 'nope', scenario: {} }), /api must be one of/],
    [JSON.stringify({ api: 'agent', scenario: 'delay=soon' }), /malformed scenario token.*delay=soon/],
    [JSON.stringify({ api: 'agent', scenario: 'code=404' }), /unknown scenario token/],
    [JSON.stringify({ api: 'agent', scenario: { refuse: 99 } }), /refuse/],
    [JSON.stringify({ api: 'agent', scenario: {}, times: 0 }), /times/],
  ])('PUT /__mock/scenario %s → 400', async (body, detail) => {
    const res = await fetch(`${mock.url}/__mock/scenario`, { method: 'PUT', body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await res.json()).detail).toMatch(detail);
    expect(await (await fetch(`${mock.url}/__mock/scenario`)).json()).toEqual({});
  });

  it('refuses oversized bodies, unknown routes and wrong methods', async () => {
    const big = await fetch(`${mock.url}/__mock/scenario`, { method: 'PUT', body: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    expect((await fetch(`${mock.url}/__mock/nope`)).status).toBe(404);
    const post = await fetch(`${mock.url}/__mock/scenario`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PUT, DELETE');
  });
});

describe('what a module sees', () => {
  it('the prefix-stripped path, the URL without __mock, and no scenario by default', async () => {
    const seen = await echo(undefined, '?x=1&__mock=delay%3D3&y=2');
    expect(seen.api).toBe('agent');
    expect(seen.path).toBe('/echo');
    expect(seen.url).toBe(`${mock.urls.agent}/echo?x=1&y=2`);
    expect(seen.scenario).toEqual({ delayMs: 3 });
    expect((await echo()).scenario).toEqual({});
  });

  it('the scenario merged from setScenario, then Prefer, then __mock; Prism’s tokens forwarded untouched', async () => {
    mock.setScenario('agent', { delayMs: 1, dropAfter: 1, refuse: 503 });
    try {
      const seen = await echo({ headers: { Prefer: 'code=404, drop-after=2, truncate, delay=bad' } }, '?__mock=truncate%3Dfalse');
      expect(seen.scenario).toEqual({ delayMs: 1, dropAfter: 2, truncate: false, refuse: 503 });
      expect(seen.prefer).toBe('code=404, drop-after=2, truncate, delay=bad');
    } finally {
      mock.resetScenarios();
    }
    expect((await echo()).scenario).toEqual({});
  });

  it('a scenario with times is consumed by that many stream requests', async () => {
    mock.setScenario('agent', { invalidPayload: true }, { times: 2 });
    expect((await echo()).scenario).toEqual({ invalidPayload: true });
    expect((await echo()).scenario).toEqual({ invalidPayload: true });
    expect((await echo()).scenario).toEqual({});
  });

  it('a scenario set with PUT reaches the module', async () => {
    await fetch(`${mock.url}/__mock/scenario`, { method: 'PUT', body: JSON.stringify({ api: 'agent', scenario: { delayMs: 9 }, times: 1 }) });
    expect((await echo()).scenario).toEqual({ delayMs: 9 });
    expect((await echo()).scenario).toEqual({});
  });

  it('setScenario rejects invalid input with ValidationError', () => {
    expect(() => mock.setScenario('agent', { dropAfter: -1 })).toThrow(ValidationError);
    expect(() => mock.setScenario('agent', {}, { times: 0 })).toThrow(/times/);
  });

  it('requests a module declines, or no module takes, go on to Prism (here: none, so 404)', async () => {
    for (const path of ['/agent/plain', '/hosted/anything', '/elsewhere']) {
      const res = await fetch(`${mock.url}${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).detail).toMatch(/No OpenAPI spec is served/);
    }
  });

  it('a module that throws gives a 500 problem', async () => {
    const res = await fetch(`${mock.urls.agent}/boom`);
    expect(res.status).toBe(500);
    expect((await res.json()).detail).toBe('module exploded');
  });

  it('a stream a module claims, dropped by its scenario', async () => {
    const res = await fetch(`${mock.urls.agent}/stream`, { headers: { Prefer: 'delay=1, drop-after=3' } });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow(); // no terminal chunk: the body errors
    const ok = await fetch(`${mock.urls.agent}/stream`, { headers: { Prefer: 'delay=1' } });
    expect(await ok.text()).toBe('a\nb\nc\nd\ne\n');
  });
});

describe('WebSocket upgrades', () => {
  const ws = () => `${mock.url.replace('http', 'ws')}`;

  it('go to the module, with the scenario from Prefer or __mock', async () => {
    const open = await wsOpen(`${ws()}/ray/ws?a=1&__mock=drop-after%3D2`, { Prefer: 'delay=4' });
    expect(open.status).toBe(101);
    expect(open.message).toEqual({ path: '/ws', url: `${mock.urls.ray}/ws?a=1`, scenario: { delayMs: 4, dropAfter: 2 } });
  });

  it('are refused by the module when the scenario says so', async () => {
    expect((await wsOpen(`${ws()}/ray/ws?__mock=refuse%3D503`)).status).toBe(503);
    mock.setScenario('ray', { refuse: 429 }, { times: 1 });
    expect((await wsOpen(`${ws()}/ray/ws`)).status).toBe(429);
    expect((await wsOpen(`${ws()}/ray/ws`)).status).toBe(101);
  });

  it('nobody claims get 404', async () => {
    expect((await wsOpen(`${ws()}/ray/other`)).status).toBe(404);
    expect((await wsOpen(`${ws()}/agent/echo`)).status).toBe(404); // agent has no upgrade()
    expect((await wsOpen(`${ws()}/hosted/x`)).status).toBe(404);
  });
});

describe('startMockServerWith / close', () => {
  it('close() ends open WebSockets and running streams, and is idempotent', async () => {
    const own = await startMockServerWith([agent, ray], { specs: false, quiet: true });
    const socket = new WebSocket(`${own.url.replace('http', 'ws')}/ray/ws`);
    await new Promise((r) => socket.once('message', r));
    const socketClosed = new Promise((r) => socket.once('close', r));
    const res = await fetch(`${own.urls.agent}/stream`);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('a\n');
    const started = performance.now();
    const first = own.close();
    expect(own.close()).toBe(first);
    await first;
    expect(performance.now() - started).toBeLessThan(2000);
    await socketClosed;
    await expect(reader.read()).rejects.toThrow();
    await expect(fetch(`${own.url}/__mock/health`)).rejects.toThrow();
  });

  it('throws MOCK_START_FAILED when the port is taken, ValidationError for bad options', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failure = await startMockServerWith([], { specs: false, quiet: true, port }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ClientError);
      expect((failure as ClientError).code).toBe('MOCK_START_FAILED');
      expect((failure as Error).message).toMatch(new RegExp(`port ${port}.*in use`));
    } finally {
      blocker.close();
    }
    await expect(startMockServerWith([], { specs: false, port: 70000 })).rejects.toThrow(ValidationError);
    await expect(startMockServerWith([], { specs: false, apis: ['nope' as never] })).rejects.toThrow(/unknown api/);
  });
});
