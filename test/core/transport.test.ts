import { inspect } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  RequestTimeoutError,
  Secrets,
  ServerError,
  Transport,
  ValidationError,
} from '../../src/core/index.js';
import { closedPort, startServer, until, type TestServer } from '../support/servers.js';

const TOKEN = 'tok_secret_value_123';
let server: TestServer | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  await server?.close();
  server = undefined;
});

function transport(baseUrl: string, extra: Partial<ConstructorParameters<typeof Transport>[0]> = {}) {
  return new Transport<Record<string, never>>({
    baseUrl,
    secrets: new Secrets().add(TOKEN),
    authHeaders: { Authorization: TOKEN },
    defaultTimeout: 2000,
    retryPolicy: { initialDelayMs: 20, maxDelayMs: 50 },
    ...extra,
  });
}

describe('Transport.send', () => {
  it('sends the credentials and returns a buffered 2xx response', async () => {
    server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const t = transport(server.url);
    const res = await t.send(new Request(`${server.url}/jobs/`));
    expect(await res.json()).toEqual({ ok: true });
    expect(server.requests[0]!.headers.authorization).toBeUndefined(); // send() takes a finished Request
    const viaClient = await (t.client as any).GET('/jobs/', t.init());
    expect(viaClient.data).toEqual({ ok: true });
    expect(server.requests[1]!.headers.authorization).toBe(TOKEN);
  });

  it('retries 503 with backoff, then succeeds', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ < 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end('{}')));
    const res = await transport(server.url).send(new Request(`${server.url}/x`));
    expect(res.status).toBe(200);
    expect(server.requests).toHaveLength(3);
  });

  it('honours Retry-After (seconds) and retry-after-ms between attempts', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      n++;
      if (n === 1) return void res.writeHead(429, { 'retry-after': '1' }).end('{"error":"slow down"}');
      if (n === 2) return void res.writeHead(429, { 'retry-after-ms': '300' }).end('{"error":"slow down"}');
      res.writeHead(200).end('{}');
    });
    await transport(server.url).send(new Request(`${server.url}/x`));
    const [a, b, c] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
    expect(c! - b!).toBeGreaterThanOrEqual(290);
    expect(c! - b!).toBeLessThan(990);
  });

  it('honours Retry-After as an HTTP date', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(503, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }).end();
      res.writeHead(200).end('{}');
    });
    await transport(server.url).send(new Request(`${server.url}/x`));
    // HTTP dates have 1 s resolution: the wait is at least 0.5 s.
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(490);
  });

  it('gives up after maxRetries and throws the typed error with the parsed body', async () => {
    server = await startServer((_req, res) => void res.writeHead(502, { 'content-type': 'application/json' }).end('{"detail":"bad gateway"}'));
    const err = await transport(server.url, { maxRetries: 2 }).send(new Request(`${server.url}/x`)).catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.statusCode).toBe(502);
    expect(err.message).toBe('bad gateway (HTTP 502)');
    expect(err.detail).toEqual({ detail: 'bad gateway' });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry 4xx other than 408/429', async () => {
    server = await startServer((_req, res) => void res.writeHead(404, { 'content-type': 'text/plain' }).end('Job nope does not exist'));
    const err = await transport(server.url).send(new Request(`${server.url}/x`)).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('Job nope does not exist (HTTP 404)');
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 carries retryAfterMs when it is finally raised', async () => {
    server = await startServer((_req, res) => void res.writeHead(429, { 'retry-after': '120' }).end('{"error":"rate limited","retryAfterSeconds":120}'));
    const err = await transport(server.url).send(new Request(`${server.url}/x`)).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(server.requests).toHaveLength(1); // 120 s is over the 60 s cap: not waited for
  });

  it('retries an unsafe request only where the server cannot have acted', async () => {
    server = await startServer((_req, res) => void res.writeHead(502).end());
    const err = await transport(server.url).send(new Request(`${server.url}/run`, { method: 'POST', body: '{}' }), { unsafe: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
    await server.close();
    let n = 0;
    server = await startServer((_req, res) => void (n++ === 0 ? res.writeHead(503).end() : res.writeHead(200).end('{}')));
    const ok = await transport(server.url).send(new Request(`${server.url}/run`, { method: 'POST', body: '{"a":1}' }), { unsafe: true });
    expect(ok.status).toBe(200);
    expect(server.requests.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('turns a stalled response into RequestTimeoutError (408) after the deadline', async () => {
    server = await startServer(() => new Promise(() => {})); // never answers
    const t = transport(server.url, { maxRetries: 0 });
    const err = await t.send(new Request(`${server.url}/x`), { timeout: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(err.message).toMatch(/GET \/x timed out after 200 ms/);
  });

  it('applies {connect, read}: a body that stalls after the headers times out', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const err = await transport(server.url, { maxRetries: 0 }).send(new Request(`${server.url}/x`), { timeout: { connect: 1000, read: 150 } }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toMatch(/body\) timed out after 150 ms/);
  });

  it('maps a refused connection to ConnectionError (503) after retrying', async () => {
    const port = await closedPort();
    const err = await transport(`http://127.0.0.1:${port}`, { maxRetries: 1 }).send(new Request(`http://127.0.0.1:${port}/x`)).catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.statusCode).toBe(503);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("rejects with the caller's abort reason and stops retrying", async () => {
    server = await startServer((_req, res) => void res.writeHead(503).end());
    const controller = new AbortController();
    const pending = transport(server.url, { retryPolicy: { initialDelayMs: 5000, maxDelayMs: 5000 } }).send(new Request(`${server.url}/x`), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await pending.catch((e) => e);
    expect(err.name).toBe('AbortError');
    expect(server.requests).toHaveLength(1);
  });

  it('never shows a token: echoed in a body, in inspect output, in JSON', async () => {
    server = await startServer((req, res) => void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `bad token ${req.headers.authorization}` })));
    const t = transport(server.url);
    const err = await (t.client as any).GET('/x', t.init()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toBe('bad token [REDACTED] (HTTP 401)');
    expect(JSON.stringify(err.detail)).not.toContain(TOKEN);
    expect(inspect(err, { depth: 10 })).not.toContain(TOKEN);
    expect(inspect(t, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(t.secrets)).not.toContain(TOKEN);
  });
});

describe('Transport options', () => {
  it('rejects bad options before any I/O', () => {
    expect(() => transport('ftp://x')).toThrow(ValidationError);
    expect(() => transport('not a url')).toThrow(/not a URL/);
    expect(() => transport('http://u:p@127.0.0.1')).toThrow(/credentials/);
    expect(() => transport('http://127.0.0.1', { timeout: -1 })).toThrow(/positive number of milliseconds/);
    expect(() => transport('http://127.0.0.1', { timeout: { connect: 1, read: Number.NaN } })).toThrow(/timeout.read/);
    expect(() => transport('http://127.0.0.1', { maxRetries: 1.5 })).toThrow(/maxRetries/);
  });
});

/** Resolves (with the time) when the connection that carried `req` closes: the client gave up on it. */
function closed(req: IncomingMessage, ms = 2000): Promise<number> {
  if (req.socket.closed) return Promise.resolve(performance.now());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connection of ${req.url} still open after ${ms} ms`)), ms);
    req.socket.once('close', () => {
      clearTimeout(timer);
      resolve(performance.now());
    });
  });
}

/**
 * A pass-through global `fetch` (a new identity, so the transport learns afresh whether it
 * honours `dispatcher`) that records every init it is given; `strip` drops the `dispatcher`,
 * as a fetch that knows nothing of undici would ignore it.
 */
function spyFetch(strip = false) {
  const real = globalThis.fetch;
  const inits: (RequestInit & { dispatcher?: unknown })[] = [];
  vi.stubGlobal('fetch', (input: string, init: RequestInit & { dispatcher?: unknown }) => {
    inits.push(init);
    const { dispatcher, ...rest } = init;
    return real(input, strip ? rest : init);
  });
  return inits;
}

/** A server where `/ok` answers `{}`, `/stall` never answers, `/stall-body` sends half a body; `stalled` gets each stalled request. */
async function stallServer() {
  const stalled: IncomingMessage[] = [];
  server = await startServer((req, res) => {
    if (req.url === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    stalled.push(req);
    if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    }
    return new Promise<void>(() => {});
  });
  return { t: transport(server.url, { maxRetries: 0 }), stalled, url: server.url };
}

const get = (t: Transport<Record<string, never>>, path: string, call = {}) => (t.client as any).GET(path, t.init(call));

describe('Transport through openapi-fetch with the global fetch', () => {
  it('passes a signal and a dispatcher until fetch shows it uses the dispatcher, then only the dispatcher', async () => {
    const inits = spyFetch();
    const { t } = await stallServer();
    expect((await get(t, '/ok')).data).toEqual({});
    expect((await get(t, '/ok')).data).toEqual({});
    expect(inits[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(inits[0]!.dispatcher).toBeDefined();
    expect(inits[1]!.signal).toBeUndefined();
    expect(inits[1]!.dispatcher).toBeDefined();
    expect(inits[1]!.headers instanceof Headers ? inits[1]!.headers.get('authorization') : undefined).toBe(TOKEN);
  });

  it('a stalled request times out at the deadline and its connection is dropped (dispatcher, no signal)', async () => {
    const inits = spyFetch();
    const { t, stalled } = await stallServer();
    await get(t, '/ok');
    const started = performance.now();
    const err = await get(t, '/stall', { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(err.message).toMatch(/GET \/stall timed out after 200 ms/);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(inits[1]!.signal).toBeUndefined();
    await expect(until(() => stalled.length === 1)).resolves.toBe(true);
    const at = await closed(stalled[0]!);
    expect(at - started).toBeLessThan(1500);
  });

  it('a body that stalls after the headers times out after `read` ms and its connection is dropped', async () => {
    spyFetch();
    const { t, stalled } = await stallServer();
    await get(t, '/ok');
    const err = await get(t, '/stall-body', { timeout: { connect: 1000, read: 150 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toMatch(/GET \/stall-body \(body\) timed out after 150 ms/);
    await closed(stalled[0]!);
  });

  it("the caller's abort wins over the deadline, waiting for headers or for the body, and drops the connection", async () => {
    const inits = spyFetch();
    const { t, stalled } = await stallServer();
    await get(t, '/ok');
    for (const path of ['/stall', '/stall-body']) {
      const controller = new AbortController();
      const started = performance.now();
      const pending = get(t, path, { signal: controller.signal, timeout: 5000 }).catch((e: unknown) => e);
      await until(() => stalled.some((r) => r.url === path));
      setTimeout(() => controller.abort(), 50);
      const err = await pending;
      expect(err.name).toBe('AbortError');
      expect(err).toBe(controller.signal.reason);
      expect(performance.now() - started).toBeLessThan(2000);
      await closed(stalled.find((r) => r.url === path)!);
    }
    expect(inits.at(-1)!.signal).toBeInstanceOf(AbortSignal); // the caller's own, passed as is
  });

  it('a fetch that ignores the dispatcher still times out, and later calls cancel through the signal', async () => {
    const inits = spyFetch(true);
    const { t, stalled } = await stallServer();
    await get(t, '/ok');
    const err = await get(t, '/stall', { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(inits[1]!.signal).toBeInstanceOf(AbortSignal);
    expect(inits[1]!.dispatcher).toBeUndefined();
    await closed(stalled[0]!);
  });

  it('retries a POST with its body, as JSON, on a retryable status', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ === 0 ? res.writeHead(503).end() : res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}')));
    const t = transport(server.url);
    const result = await (t.client as any).POST('/run', { body: { a: 1 }, ...t.init({ unsafe: true }) });
    expect(result.data).toEqual({ ok: 1 });
    expect(server.requests.map((r) => [r.method, r.body, r.headers['content-type']])).toEqual([
      ['POST', '{"a":1}', 'application/json'],
      ['POST', '{"a":1}', 'application/json'],
    ]);
  });

  it('a body openapi-fetch cannot send twice (a stream) goes out as a Request, cloned per attempt', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ === 0 ? res.writeHead(503).end() : res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
    const t = transport(server.url);
    const stream = () => new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{"s":1}')), c.close()) });
    const result = await (t.client as any).POST('/up', { body: {}, bodySerializer: stream, duplex: 'half', ...t.init() });
    expect(result.data).toEqual({});
    expect(server.requests.map((r) => r.body)).toEqual(['{"s":1}', '{"s":1}']);
  });

  it('a user-supplied fetch gets a real Request and a signal per attempt; a fetch that ignores the signal still times out', async () => {
    const seen: [Request, RequestInit | undefined][] = [];
    let n = 0;
    const fetch = async (input: Request, init?: RequestInit) => {
      seen.push([input, init]);
      if (n++ === 0) return new Response('busy', { status: 503 });
      if (input.url.endsWith('/never')) return new Promise<Response>(() => {});
      return new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const t = transport('http://127.0.0.1:9', { fetch });
    const result = await (t.client as any).POST('/jobs/', { body: { a: 1 }, ...t.init() });
    expect(result.data).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    for (const [request, init] of seen) {
      expect(request).toBeInstanceOf(Request);
      expect(request.headers.get('authorization')).toBe(TOKEN);
      expect(await request.text()).toBe('{"a":1}');
      expect(init?.signal).toBeInstanceOf(AbortSignal);
    }
    const err = await (t.client as any).GET('/never', t.init({ timeout: 150 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(seen.at(-1)![1]!.signal!.aborted).toBe(true);
  });

  it('returns the buffered body: many chunks joined, BOM dropped, body null, bytes kept by clone()', async () => {
    const big = JSON.stringify({ rows: Array.from({ length: 5000 }, (_, i) => ({ id: `row_${i}`, text: 'héllo wörld' })) });
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(big)]);
      let i = 0;
      const next = () => (i < bytes.length ? res.write(bytes.subarray(i, (i += 7000)), () => setImmediate(next)) : res.end());
      next();
    });
    const t = transport(server.url);
    const { data, response } = await get(t, '/rows');
    expect(data.rows).toHaveLength(5000);
    expect(data.rows[4999]).toEqual({ id: 'row_4999', text: 'héllo wörld' });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${server.url}/rows`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body).toBeNull();
    expect(response.bodyUsed).toBe(false);
    expect(response).toBeInstanceOf(Response);
    const copy = response.clone();
    expect(await copy.text()).toBe(big);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(big)])));
    expect((await response.bytes()).byteLength).toBe(Buffer.byteLength(big) + 3);
    expect(await (await response.blob()).text()).toBe(big);
    expect(await response.json()).toEqual(data);
  });

  it('buffers a response of any Response class a user fetch returns (copied, not changed)', async () => {
    class Custom extends Response {}
    const original = new Custom('{"ok":true}', { status: 201, headers: { 'content-type': 'application/json', 'x-request-id': 'r1' } });
    const t = transport('http://127.0.0.1:9', { fetch: async () => original });
    const { data, response } = await get(t, '/x');
    expect(data).toEqual({ ok: true });
    expect(response).not.toBe(original);
    expect(Object.getPrototypeOf(original)).toBe(Custom.prototype);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('r1');
    expect(await response.clone().text()).toBe('{"ok":true}');
  });
});
