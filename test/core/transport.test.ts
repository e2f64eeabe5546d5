import { inspect } from 'node:util';
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthenticationError,
  ClientError,
  ConnectionError,
  RedirectError,
  ResponseValidationError,
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

const get = (t: Transport<Record<string, never>>, path: string, call = {}) => (t.client as any).GET(path, t.init(call));
const post = (t: Transport<Record<string, never>>, path: string, body: unknown, call = {}) => (t.client as any).POST(path, { body, ...t.init(call) });

describe('Transport', () => {
  it('sends the credentials and resolves to the parsed 2xx body', async () => {
    server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const { data, response } = await get(transport(server.url), '/jobs/');
    expect(data).toEqual({ ok: true });
    expect(response.status).toBe(200);
    expect(server.requests[0]!.headers.authorization).toBe(TOKEN);
  });

  it('retries 503 with backoff, then succeeds', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ < 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end('{}')));
    const { response } = await get(transport(server.url), '/x');
    expect(response.status).toBe(200);
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
    await get(transport(server.url), '/x');
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
    await get(transport(server.url), '/x');
    // HTTP dates have 1 s resolution: the wait is at least 0.5 s.
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(490);
  });

  it('gives up after maxRetries and throws the typed error with the parsed body', async () => {
    server = await startServer((_req, res) => void res.writeHead(502, { 'content-type': 'application/json' }).end('{"detail":"bad gateway"}'));
    const err = await get(transport(server.url, { maxRetries: 2 }), '/x').catch((e: any) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.statusCode).toBe(502);
    expect(err.message).toBe('bad gateway (HTTP 502)');
    expect(err.detail).toEqual({ detail: 'bad gateway' });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry 4xx other than 408/429', async () => {
    server = await startServer((_req, res) => void res.writeHead(404, { 'content-type': 'text/plain' }).end('Job nope does not exist'));
    const err = await get(transport(server.url), '/x').catch((e: any) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('Job nope does not exist (HTTP 404)');
    expect(server.requests).toHaveLength(1);
  });

  it('a 429 carries retryAfterMs when it is finally raised', async () => {
    server = await startServer((_req, res) => void res.writeHead(429, { 'retry-after': '120' }).end('{"error":"rate limited","retryAfterSeconds":120}'));
    const err = await get(transport(server.url), '/x').catch((e: any) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterMs).toBe(120_000);
    expect(server.requests).toHaveLength(1); // 120 s is over the 60 s cap: not waited for
  });

  it('retries an unsafe request only where the server cannot have acted', async () => {
    server = await startServer((_req, res) => void res.writeHead(502).end());
    const err = await post(transport(server.url), '/run', {}, { unsafe: true }).catch((e: any) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
    await server.close();
    let n = 0;
    server = await startServer((_req, res) => void (n++ === 0 ? res.writeHead(503).end() : res.writeHead(200).end('{}')));
    const { response } = await post(transport(server.url), '/run', { a: 1 }, { unsafe: true });
    expect(response.status).toBe(200);
    expect(server.requests.map((r) => r.body)).toEqual(['{"a":1}', '{"a":1}']);
  });

  it('turns a stalled response into RequestTimeoutError (408) after the deadline', async () => {
    server = await startServer(() => new Promise(() => {})); // never answers
    const err = await get(transport(server.url, { maxRetries: 0 }), '/x', { timeout: 200 }).catch((e: any) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(err.message).toMatch(/GET \/x timed out after 200 ms/);
  });

  it('a null per-call timeout means the client timeout', async () => {
    server = await startServer(() => new Promise(() => {}));
    const err = await get(transport(server.url, { maxRetries: 0, timeout: 150 }), '/x', { timeout: null }).catch((e: any) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toMatch(/timed out after 150 ms/);
  });

  it('maps a refused connection to ConnectionError (503) after retrying', async () => {
    const port = await closedPort();
    const err = await get(transport(`http://127.0.0.1:${port}`, { maxRetries: 1 }), '/x').catch((e: any) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.statusCode).toBe(503);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("rejects with the caller's abort reason and stops retrying", async () => {
    server = await startServer((_req, res) => void res.writeHead(503).end());
    const controller = new AbortController();
    const pending = get(transport(server.url, { retryPolicy: { initialDelayMs: 5000, maxDelayMs: 5000 } }), '/x', { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await pending.catch((e: any) => e);
    expect(err.name).toBe('AbortError');
    expect(server.requests).toHaveLength(1);
  });

  it('never shows a token: echoed in a body, in inspect output, in JSON', async () => {
    server = await startServer((req, res) => void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `bad token ${req.headers.authorization}` })));
    const t = transport(server.url);
    const err = await get(t, '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toBe('bad token [REDACTED] (HTTP 401)');
    expect(JSON.stringify(err.detail)).not.toContain(TOKEN);
    expect(inspect(err, { depth: 10 })).not.toContain(TOKEN);
    expect(inspect(t, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(t.secrets)).not.toContain(TOKEN);
  });

  it('redacts every string copied from a response: request id, code, message, detail', async () => {
    server = await startServer((req, res) => {
      const key = String(req.headers.authorization);
      res.writeHead(req.url === '/ok' ? 200 : 409, { 'content-type': 'application/json', 'x-request-id': `req-${key}` });
      res.end(req.url === '/ok' ? `<html>${key}</html>` : JSON.stringify({ error: `conflict for ${key}`, code: `E_${key}`, request_id: key }));
    });
    const t = transport(server.url);
    for (const path of ['/conflict', '/ok']) {
      const err = await get(t, path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClientError);
      expect(err.requestId).toBe('req-[REDACTED]');
      for (const shown of [JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }), err.message, String(err.code)]) expect(shown).not.toContain(TOKEN);
    }
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

describe('Transport through openapi-fetch', () => {
  it('a stalled request times out at the deadline and its connection is dropped', async () => {
    const { t, stalled } = await stallServer();
    const started = performance.now();
    const err = await get(t, '/stall', { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.statusCode).toBe(408);
    expect(err.message).toMatch(/GET \/stall timed out after 200 ms/);
    await expect(until(() => stalled.length === 1)).resolves.toBe(true);
    const at = await closed(stalled[0]!);
    expect(at - started).toBeLessThan(1500);
  });

  it('a body that stalls after the headers times out after `read` ms ({connect, read}) and its connection is dropped', async () => {
    const { t, stalled } = await stallServer();
    const err = await get(t, '/stall-body', { timeout: { connect: 1000, read: 150 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err.message).toMatch(/GET \/stall-body \(body\) timed out after 150 ms/);
    await closed(stalled[0]!);
  });

  it('{connect, read}: the headers may take connect + read ms', async () => {
    server = await startServer((_req, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), 250));
    const { data } = await get(transport(server.url, { maxRetries: 0 }), '/x', { timeout: { connect: 150, read: 150 } });
    expect(data).toEqual({ late: true });
    const err = await get(transport(server.url, { maxRetries: 0 }), '/x', { timeout: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
  });

  it("the caller's abort wins over the deadline, waiting for headers or for the body, and drops the connection", async () => {
    const { t, stalled } = await stallServer();
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
  });

  it('a user middleware sees the real Request of every attempt, credentials included', async () => {
    let n = 0;
    server = await startServer((_req, res) => void (n++ === 0 ? res.writeHead(503).end() : res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":1}')));
    const t = transport(server.url);
    const seen: Request[] = [];
    const statuses: number[] = [];
    t.client.use({
      onRequest: ({ request }) => void seen.push(request),
      onResponse: ({ response }) => void statuses.push(response.status),
    });
    const { data } = await post(t, '/run', { a: 1 });
    expect(data).toEqual({ ok: 1 });
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request).toBeInstanceOf(Request);
      expect(request.method).toBe('POST');
      expect(request.url).toBe(`${server.url}/run`);
      expect(request.headers.get('authorization')).toBe(TOKEN);
    }
    expect(statuses).toEqual([503, 200]);
  });

  it("a middleware's own Response (onRequest answering) is checked and parsed like a fetched one", async () => {
    const t = transport('http://127.0.0.1:9', { maxRetries: 0 });
    let answer = new Response('{"cached":true}', { status: 200 });
    t.client.use({ onRequest: () => answer });
    expect((await get(t, '/x')).data).toEqual({ cached: true });
    answer = new Response('<html>', { status: 200 });
    await expect(get(t, '/x')).rejects.toBeInstanceOf(ResponseValidationError);
    answer = new Response('{"detail":"nope"}', { status: 404 });
    await expect(get(t, '/x')).rejects.toBeInstanceOf(NotFoundError);
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

  it('a stream body (a bodySerializer returning a ReadableStream) goes out whole on every attempt', async () => {
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
      expect(request.redirect).toBe('manual');
      expect(init?.signal).toBeInstanceOf(AbortSignal);
    }
    const err = await (t.client as any).GET('/never', t.init({ timeout: 150 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(seen.at(-1)![1]!.signal!.aborted).toBe(true);
  });

  it('parses a body of many chunks (a BOM dropped) and keeps the response as fetched', async () => {
    const big = JSON.stringify({ rows: Array.from({ length: 5000 }, (_, i) => ({ id: `row_${i}`, text: 'héllo wörld' })) });
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(big)]);
      let i = 0;
      const next = () => (i < bytes.length ? res.write(bytes.subarray(i, (i += 7000)), () => setImmediate(next)) : res.end());
      next();
    });
    const { data, response } = await get(transport(server.url), '/rows');
    expect(data.rows).toHaveLength(5000);
    expect(data.rows[4999]).toEqual({ id: 'row_4999', text: 'héllo wörld' });
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${server.url}/rows`);
    expect(response.headers.get('content-type')).toBe('application/json');
  });
});

describe('a 2xx that is not the JSON the API promises', () => {
  const answer = (status: number, body: string, type = 'application/json') =>
    startServer((_req, res) => void res.writeHead(status, { 'content-type': type, 'x-request-id': 'req_1' }).end(body));

  it('HTML from a proxy, or a truncated body, is ResponseValidationError with the status and a redacted excerpt; not retried', async () => {
    for (const [body, type] of [[`<html><body>Gateway login ${TOKEN}</body></html>`, 'text/html'], ['{"rows":[{"id":"a"},', 'application/json']] as const) {
      server = await answer(200, body, type);
      const err = await get(transport(server.url), '/jobs/').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResponseValidationError);
      expect(err).toBeInstanceOf(ClientError);
      expect(err.statusCode).toBe(200);
      expect(err.code).toBe('INVALID_JSON');
      expect(err.requestId).toBe('req_1');
      expect(err.message).toBe(`GET /jobs/: HTTP 200 with a body that is not JSON (${type})`);
      expect(err.detail).toBe(body.replace(TOKEN, '[REDACTED]'));
      expect(server.requests).toHaveLength(1);
      await server.close();
    }
    server = await answer(200, 'x'.repeat(2000), 'text/plain');
    const long = await get(transport(server.url), '/x').catch((e: unknown) => e);
    expect(long.detail).toHaveLength(500);
  });

  it('an empty 200 is ResponseValidationError (EMPTY_BODY) unless the call allows it; a 204 is undefined', async () => {
    server = await answer(200, '');
    const t = transport(server.url);
    const err = await get(t, '/jobs/x/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseValidationError);
    expect(err.code).toBe('EMPTY_BODY');
    expect(err.message).toBe('GET /jobs/x/: HTTP 200 with an empty body where the API promises a record');
    expect((await get(t, '/serve/', { allowEmpty: true })).data).toBeUndefined();
    await server.close();
    server = await answer(204, '');
    expect((await get(transport(server.url), '/x')).data).toBeUndefined();
  });
});

describe('redirects', () => {
  /** A server that redirects `/from` with `status` to `location`, and answers everything else with what it saw. */
  const redirecting = (status: number, location: (self: string) => string) => {
    let self = '';
    return startServer((req, res) => {
      if (req.url === '/from') return void res.writeHead(status, { location: location(self) }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"at":"target"}');
    }).then((s) => ((self = s.url), s));
  };
  const credentials = { 'synapse-user': 'Token user_secret_1', 'x-ray-authorization': 'Bearer ray_secret_1', 'x-custom-key': 'custom_secret_1' };

  for (const status of [301, 302, 307, 308]) {
    it(`${status} within the origin is followed with the credentials; a POST body is ${status >= 307 ? 'resent' : 'dropped (GET)'}`, async () => {
      server = await redirecting(status, (self) => `${self}/to`);
      const t = transport(server.url, { headers: credentials });
      const { data } = await post(t, '/from', { a: 1 });
      expect(data).toEqual({ at: 'target' });
      const [first, second] = server.requests;
      expect(first!.method).toBe('POST');
      expect(second!.url).toBe('/to');
      expect(second!.headers.authorization).toBe(TOKEN);
      expect(second!.headers['x-custom-key']).toBe('custom_secret_1');
      if (status >= 307) {
        expect([second!.method, second!.body, second!.headers['content-type']]).toEqual(['POST', '{"a":1}', 'application/json']);
      } else {
        expect([second!.method, second!.body, second!.headers['content-type']]).toEqual(['GET', '', undefined]);
      }
    });

    it(`${status} to another origin is RedirectError and no credential reaches it`, async () => {
      const other = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"at":"other"}'));
      try {
        server = await redirecting(status, () => `${other.url}/to?key=${TOKEN}`);
        const t = transport(server.url, { headers: credentials });
        for (const call of [() => get(t, '/from'), () => post(t, '/from', { a: 1 })]) {
          const err = await call().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(RedirectError);
          expect(err.code).toBe('CROSS_ORIGIN_REDIRECT');
          expect(err.statusCode).toBe(status);
          expect(err.message).toContain(other.url);
          expect(err.detail).toEqual({ location: `${other.url}/to?key=[REDACTED]` });
          expect(inspect(err, { depth: 10 }) + JSON.stringify(err)).not.toContain(TOKEN);
        }
        expect(other.requests).toHaveLength(0);
        expect(server.requests).toHaveLength(2); // not retried
      } finally {
        await other.close();
      }
    });
  }

  it('a 303 turns a POST into a GET; more than 20 hops is RedirectError', async () => {
    server = await redirecting(303, (self) => `${self}/to`);
    await post(transport(server.url), '/from', { a: 1 });
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
    await server.close();
    server = await startServer((_req, res) => void res.writeHead(302, { location: '/again' }).end());
    const err = await get(transport(server.url), '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectError);
    expect(err.code).toBe('TOO_MANY_REDIRECTS');
    expect(server.requests).toHaveLength(21);
  });

  it("a browser's opaque redirect (fetch hides the target) is RedirectError", async () => {
    // What a browser's fetch gives for redirect: 'manual': type "opaqueredirect", status 0, no headers.
    const opaque = Object.defineProperty(new Response(null, { status: 200 }), 'type', { value: 'opaqueredirect' });
    const t = transport('http://127.0.0.1:9', { fetch: async () => opaque });
    const err = await get(t, '/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedirectError);
    expect(err.code).toBe('REDIRECT_HIDDEN');
  });
});
