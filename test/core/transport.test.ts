import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
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
import { closedPort, startServer, type TestServer } from '../support/servers.js';

const TOKEN = 'tok_secret_value_123';
let server: TestServer | undefined;
afterEach(async () => {
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
