/**
 * The hosted client's JSON calls against small real HTTP servers on 127.0.0.1: what Prism
 * cannot show — retries and their spacing, what is never resent, the browser-key guard,
 * validation before any I/O, credentials kept out of errors and inspect output, and the
 * captures replayed as the worker sent them (PROTOCOLS.md §2).
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  HostedClient,
  NotFoundError,
  RateLimitError,
  ServerError,
  ValidationError,
  type Run,
} from '../../src/hosted/index.js';
import { startServer, type TestServer } from '../support/servers.js';
import { API_KEY, capture, client, replay } from './support.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('retries', () => {
  it('honours Retry-After on 429: the retry comes no sooner than asked', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{"error":"rate limit exceeded","retryAfterSeconds":1}');
      replay(res, capture('runs-list2'));
    });
    const page = await client(server.url).runs.list({ limit: 2 });
    expect(page.rows).toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    const [a, b] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(990);
  });

  it('429 that is not retried → RateLimitError with retryAfterMs (seconds converted to ms)', async () => {
    server = await startServer((_req, res) => void res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"error":"rate limit exceeded","retryAfterSeconds":30}'));
    const err = await client(server.url, { maxRetries: 0 }).runs.get('run_iCZXXZXn-j7V').catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.statusCode).toBe(429);
    expect(err.message).toBe('rate limit exceeded (HTTP 429)');
  });

  it('POST /run that is rate-limited is retried (the worker did not act), after Retry-After', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(429, { 'retry-after': '1' }).end('{"error":"rate limit exceeded","retryAfterSeconds":1}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"output":"ok","state":{},"runId":"run_1","status":"completed","model":"m","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}}');
    });
    const result = await client(server.url).agents.run({ agentId: 'echo-bot', input: 'hi' });
    expect(result.output).toBe('ok');
    expect(server.requests.map((r) => r.body)).toEqual(['{"agentId":"echo-bot","input":"hi"}', '{"agentId":"echo-bot","input":"hi"}']);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it.each([
    ['POST /run', (c: HostedClient) => c.agents.run({ agentId: 'echo-bot' })],
    ['POST /runs', (c: HostedClient) => c.runs.start({ agentId: 'echo-bot' })],
    ['POST /run/stream', async (c: HostedClient) => {
      for await (const _ of c.agents.stream({ agentId: 'echo-bot' })) void _;
    }],
  ])('%s is never resent after a 502 (the worker may have started the run)', async (_name, call) => {
    server = await startServer((_req, res) => void res.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway'));
    const err = await call(client(server.url, { maxRetries: 3 })).catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.statusCode).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  it('a GET is retried after a 502', async () => {
    let n = 0;
    server = await startServer((_req, res) => {
      if (n++ === 0) return void res.writeHead(502).end('Bad Gateway');
      replay(res, capture('trace-detail'));
    });
    const trace = await client(server.url).traces.get('run_iCZXXZXn-j7V');
    expect(trace.spans).toHaveLength(4);
    expect(server.requests).toHaveLength(2);
  });
});

describe('the captures, replayed', () => {
  it('runs.start: 201 with Location → the Run; the body sent is the RunBody', async () => {
    server = await startServer((_req, res) => replay(res, capture('runs-post')));
    const run = await client(server.url).runs.start({ agentId: 'echo-bot', input: 'durable hello', sessionId: 'sess_1', context: ['app/user/u_123'], retention: { mode: 'result', ttlMs: 90_500 } });
    expect(run.id).toBe('run_iCZXXZXn-j7V');
    expect(run.status).toBe('running');
    expect(server.requests[0]!.method).toBe('POST');
    expect(server.requests[0]!.url).toBe('/runs');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      agentId: 'echo-bot', input: 'durable hello', sessionId: 'sess_1', context: ['app/user/u_123'], retention: { mode: 'result', ttlSeconds: 91 },
    });
  });

  it('runs.list follows the cursor across pages; the last page has no cursor key', async () => {
    server = await startServer((req, res) => replay(res, capture(new URL(req.url!, 'http://x').searchParams.has('cursor') ? 'runs-list2' : 'runs-list1')));
    const ids: string[] = [];
    for await (const run of client(server.url).runs.list({ agentId: 'echo-bot', status: 'completed', rootsOnly: false, limit: 2, startedAfter: 1795318800000 })) ids.push(run.id);
    expect(ids).toEqual(['run_ReZdgDdvaUGI', 'run_iCZXXZXn-j7V', 'run_oFo1N5pmHCM5', 'run_AeO-wJ7_fXPY']);
    const [first, second] = server.requests.map((r) => new URL(r.url, 'http://x'));
    expect(Object.fromEntries(first!.searchParams)).toEqual({
      agentId: 'echo-bot', status: 'completed', rootsOnly: 'false', limit: '2', startedAfter: '2026-11-22T03:40:00.000Z',
    });
    expect(second!.searchParams.get('cursor')).toBe('eyJzdGFydGVkQXQiOjE3OTUzMTg4ODU2NTIsImlkIjoicnVuX2lDWlhYWlhuLWo3ViJ9');
    expect(second!.searchParams.get('limit')).toBe('2');
    expect(server.requests).toHaveLength(2);
  });

  it('leaving a list loop early fetches no further page; an empty page with a cursor is skipped', async () => {
    const list1 = capture('runs-list1');
    const empty = { ...list1, body: Buffer.from(JSON.stringify({ rows: [], cursor: 'c_empty' })) };
    server = await startServer((req, res) => {
      const cursor = new URL(req.url!, 'http://x').searchParams.get('cursor');
      replay(res, cursor === null ? empty : cursor === 'c_empty' ? list1 : capture('runs-list2'));
    });
    const hosted = client(server.url);
    for await (const run of hosted.runs.list()) {
      expect(run.id).toBe('run_ReZdgDdvaUGI');
      break;
    }
    expect(server.requests.map((r) => r.url)).toEqual(['/runs', '/runs?cursor=c_empty']);
    const all: string[] = [];
    for await (const run of hosted.runs.list()) all.push(run.id);
    expect(all).toHaveLength(4);
    expect(server.requests).toHaveLength(5);
  });

  it('awaiting a list gives the first page, with nextPage()', async () => {
    server = await startServer((req, res) => replay(res, capture(new URL(req.url!, 'http://x').searchParams.has('cursor') ? 'runs-list2' : 'runs-list1')));
    const page = await client(server.url).runs.list();
    expect(page.rows.map((r: Run) => r.id)).toEqual(['run_ReZdgDdvaUGI', 'run_iCZXXZXn-j7V']);
    expect(page.hasNextPage()).toBe(true);
    const next = await page.nextPage();
    expect(next.hasNextPage()).toBe(false);
    expect(next.cursor).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });

  it('traces.list and traces.get read the captures; traces.delete accepts 204 labelled text/plain', async () => {
    server = await startServer((req, res) => {
      if (req.method === 'DELETE') return void res.writeHead(204, { 'content-type': 'text/plain; charset=UTF-8' }).end();
      replay(res, capture(req.url === '/traces?status=ok' ? 'traces' : 'trace-detail'));
    });
    const hosted = client(server.url);
    const page = await hosted.traces.list({ status: 'ok' });
    expect(page.rows.map((t) => t.traceId)).toEqual(['run_ReZdgDdvaUGI', 'run_iCZXXZXn-j7V']);
    const trace = await hosted.traces.get('run_iCZXXZXn-j7V');
    expect(trace.summary.spanCount).toBe(4);
    await expect(hosted.traces.delete('run_iCZXXZXn-j7V')).resolves.toBeUndefined();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /traces?status=ok', 'GET /traces/run_iCZXXZXn-j7V', 'DELETE /traces/run_iCZXXZXn-j7V']);
  });

  it('errors map to the shared classes with the worker message and code', async () => {
    server = await startServer((req, res) => {
      const json = { 'content-type': 'application/json' };
      if (req.url === '/run') return void res.writeHead(404, json).end('{"error":"Agent \\"x\\" not found","code":"NOT_FOUND"}');
      if (req.url?.startsWith('/runs/')) return void res.writeHead(404, json).end('{"error":"Run not found"}');
      res.writeHead(400, json).end('{"error":"Missing required field: agentId"}');
    });
    const hosted = client(server.url);
    const notFound = await hosted.agents.run({ agentId: 'x' }).catch((e) => e);
    expect(notFound).toBeInstanceOf(NotFoundError);
    expect(notFound.code).toBe('NOT_FOUND');
    expect(notFound.message).toBe('Agent "x" not found (HTTP 404)');
    const cancel = await hosted.runs.cancel('run_nope').catch((e) => e);
    expect(cancel).toBeInstanceOf(NotFoundError);
    expect(cancel.message).toBe('Run not found (HTTP 404)');
    const bad = await hosted.runs.start({ agentId: 'x' }).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.statusCode).toBe(400);
  });
});

describe('browser guard', () => {
  const g = globalThis as { window?: unknown; document?: unknown };
  afterEach(() => {
    delete g.window;
    delete g.document;
  });

  it('refuses an ar_live_ key where window and document exist, unless dangerouslyAllowBrowser', async () => {
    server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","service":"agntz-worker"}'));
    g.window = {};
    g.document = {};
    const err = (() => {
      try {
        client(server!.url);
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.code).toBe('BROWSER_API_KEY');
    expect(err!.message).toMatch(/ar_live_ API key in a browser/);
    expect(err!.message).not.toContain(API_KEY);
    const allowed = client(server.url, { dangerouslyAllowBrowser: true });
    expect(await allowed.health()).toEqual({ status: 'ok', service: 'agntz-worker' });
    expect(() => client(server!.url, { apiKey: 'proxy_session_token' })).not.toThrow(); // not an ar_live_ key
    expect(server.requests).toHaveLength(1); // only the allowed client's call
  });

  it('accepts the key in Node (no window/document)', () => {
    expect(() => client('http://127.0.0.1:1')).not.toThrow();
    g.window = {}; // window alone (a Web Worker polyfill, jsdom half-set) is not a page
    expect(() => client('http://127.0.0.1:1')).not.toThrow();
  });
});

describe('configuration', () => {
  it('reads AGNTZ_API_KEY and AGNTZ_BASE_URL; defaults to https://api.agntz.co', async () => {
    server = await startServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","service":"agntz-worker"}'));
    const saved = { key: process.env.AGNTZ_API_KEY, url: process.env.AGNTZ_BASE_URL };
    try {
      process.env.AGNTZ_API_KEY = 'ar_live_from_env_123';
      delete process.env.AGNTZ_BASE_URL;
      expect(new HostedClient().baseUrl).toBe('https://api.agntz.co');
      process.env.AGNTZ_BASE_URL = `${server.url}/`;
      const hosted = new HostedClient();
      expect(hosted.baseUrl).toBe(server.url);
      await hosted.health();
      expect(server.requests[0]!.headers.authorization).toBe('Bearer ar_live_from_env_123');
      delete process.env.AGNTZ_API_KEY;
      expect(() => new HostedClient()).toThrow(/apiKey is required/);
    } finally {
      for (const [k, v] of [['AGNTZ_API_KEY', saved.key], ['AGNTZ_BASE_URL', saved.url]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('rejects bad options in the constructor', () => {
    expect(() => new HostedClient({ apiKey: 'ar_live_x y', baseUrl: 'http://127.0.0.1:1' })).toThrow(ValidationError);
    expect(() => new HostedClient({ apiKey: API_KEY, baseUrl: 'ftp://x' })).toThrow(/http\(s\)/);
    expect(() => new HostedClient({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:1', timeout: 0 })).toThrow(/timeout/);
    expect(() => new HostedClient({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:1', maxRetries: -1 })).toThrow(/maxRetries/);
  });

  it('per-call headers and timeout reach the request', async () => {
    server = await startServer((_req, res) => void setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok","service":"w"}'), 300));
    const hosted = client(server.url, { headers: { 'x-team': 'a' }, maxRetries: 0 });
    await hosted.health({ headers: { 'x-call': 'b' } });
    expect(server.requests[0]!.headers['x-team']).toBe('a');
    expect(server.requests[0]!.headers['x-call']).toBe('b');
    const err = await hosted.health({ timeout: 50 }).catch((e) => e);
    expect(err.name).toBe('RequestTimeoutError');
    expect(err.statusCode).toBe(408);
  });
});

describe('validation before any network I/O', () => {
  it.each([
    ['agents.run without agentId', (c: HostedClient) => c.agents.run({} as never)],
    ['agents.run with a blank agentId', (c: HostedClient) => c.agents.run({ agentId: '  ' })],
    ['agents.run with context not a string array', (c: HostedClient) => c.agents.run({ agentId: 'a', context: ['ok', 3] as never })],
    ['agents.run with a bad retention mode', (c: HostedClient) => c.agents.run({ agentId: 'a', retention: { mode: 'forever' as never } })],
    ['agents.run with retention in seconds', (c: HostedClient) => c.agents.run({ agentId: 'a', retention: { mode: 'result', ttlSeconds: 5 } as never })],
    ['agents.run with a negative TTL', (c: HostedClient) => c.agents.run({ agentId: 'a', retention: { mode: 'result', ttlMs: -1 } })],
    ['agents.stream without agentId', async (c: HostedClient) => c.agents.stream({ agentId: '' })],
    ['runs.start with callbackUrl but no webhookSecretName', (c: HostedClient) => c.runs.start({ agentId: 'a', callbackUrl: 'https://example.com/hook' })],
    ['runs.start with a callbackUrl that is not http(s)', (c: HostedClient) => c.runs.start({ agentId: 'a', callbackUrl: 'javascript:alert(1)', webhookSecretName: 's' })],
    ['runs.get with an empty id', (c: HostedClient) => c.runs.get('')],
    ['runs.get with a path in the id', (c: HostedClient) => c.runs.get('../traces/x')],
    ['runs.cancel with a too-long id', (c: HostedClient) => c.runs.cancel('r'.repeat(101))],
    ['runs.list limit 0', async (c: HostedClient) => c.runs.list({ limit: 0 })],
    ['runs.list limit 201', async (c: HostedClient) => c.runs.list({ limit: 201 })],
    ['runs.list limit 1.5', async (c: HostedClient) => c.runs.list({ limit: 1.5 })],
    ['runs.list unknown status', async (c: HostedClient) => c.runs.list({ status: 'done' as never })],
    ['runs.list bad startedAfter', async (c: HostedClient) => c.runs.list({ startedAfter: 'yesterday' })],
    ['runs.stream since -1', async (c: HostedClient) => c.runs.stream('run_1', { since: -1 })],
    ['runs.stream bad id', async (c: HostedClient) => c.runs.stream('run 1')],
    ['traces.list with rootsOnly', async (c: HostedClient) => c.traces.list({ rootsOnly: true } as never)],
    ['traces.list with a run status', async (c: HostedClient) => c.traces.list({ status: 'completed' as never })],
    ['traces.get bad id', (c: HostedClient) => c.traces.get('a/b')],
    ['traces.delete empty id', (c: HostedClient) => c.traces.delete('')],
    ['traces.stream bad id', async (c: HostedClient) => c.traces.stream('a?b')],
  ])('%s → ValidationError, nothing sent', async (_name, call) => {
    server = await startServer((_req, res) => void res.writeHead(200).end('{}'));
    const err = await (async () => call(client(server!.url)))().catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.statusCode).toBe(400);
    expect(server.requests).toHaveLength(0);
  });
});

describe('credentials', () => {
  it('never show the key: errors that echo it, JSON.stringify, util.inspect', async () => {
    server = await startServer((req, res) => void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `invalid or revoked API key ${req.headers.authorization}` })));
    const hosted = client(server.url);
    const err = await hosted.runs.get('run_1').catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toBe('invalid or revoked API key Bearer [REDACTED] (HTTP 401)');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    for (const shown of [
      err.message,
      JSON.stringify(err.detail),
      inspect(err, { depth: 10 }),
      JSON.stringify(hosted),
      inspect(hosted, { depth: 10, showHidden: true }),
      inspect(hosted.runs, { depth: 10, showHidden: true }),
      inspect(hosted.agents, { depth: 10, showHidden: true }),
    ]) {
      expect(shown).not.toContain(API_KEY);
    }
    expect(inspect(hosted)).toBe(`HostedClient { baseUrl: '${server.url}', apiKey: '[REDACTED]' }`);
    expect(JSON.parse(JSON.stringify(hosted))).toEqual({ baseUrl: server.url, apiKey: '[REDACTED]' });
  });

  it('a stream-error frame that echoes the key is redacted', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`event: stream-error\ndata: {"error":"bad key ${API_KEY}"}\n\n`);
    });
    const err = await (async () => {
      for await (const _ of client(server!.url).runs.stream('run_1')) void _;
    })().catch((e) => e);
    expect(err.code).toBe('STREAM_ERROR');
    expect(err.message).toBe('bad key [REDACTED]');
    expect(JSON.stringify(err.detail)).not.toContain(API_KEY);
  });
});
