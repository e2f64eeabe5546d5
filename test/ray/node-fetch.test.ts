/**
 * `nodeFetch` (src/platform/node.ts) against a real loopback server: exactly the request's
 * headers on the wire, a streaming WHATWG Response, AbortSignal before and during the body.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nodeFetch } from '../../src/platform/node.js';
import { closedPort, startServer, type TestServer } from '../support/servers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function server(handler: Parameters<typeof startServer>[0]) {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

describe('nodeFetch', () => {
  it("sends exactly the request's headers and body: no sec-fetch-*, Origin, Referer, user agent or accept-*", async () => {
    const s = await server((_req, res) => void res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"ok":true}'));
    const res = await nodeFetch(new Request(`${s.url}/api/jobs/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t0ken' }, body: '{"entrypoint":"x"}' }));
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Created');
    expect(res.url).toBe(`${s.url}/api/jobs/`);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ ok: true });
    const seen = s.requests[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.body).toBe('{"entrypoint":"x"}');
    expect(Object.keys(seen.headers).sort()).toEqual(['authorization', 'connection', 'content-length', 'content-type', 'host']);
  });

  it('returns the body as a stream: the first chunk is readable before the server ends', async () => {
    let finish!: () => void;
    const released = new Promise<void>((r) => (finish = r));
    const s = await server(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      await released;
      res.end('second\n');
    });
    const res = await nodeFetch(new Request(`${s.url}/x`));
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first\n');
    finish();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('second\n');
  });

  it('rejects with the signal reason when aborted before the response, and mid-body', async () => {
    const s = await server((req, res) => {
      if (req.url === '/stall') return; // never answers
      res.writeHead(200);
      res.write('partial');
    });
    const early = new AbortController();
    const pending = nodeFetch(new Request(`${s.url}/stall`), { signal: early.signal });
    setTimeout(() => early.abort(), 50);
    expect((await pending.catch((e) => e)).name).toBe('AbortError');

    const late = new AbortController();
    const res = await nodeFetch(new Request(`${s.url}/body`, { signal: late.signal }));
    const reader = res.body!.getReader();
    await reader.read();
    late.abort();
    await expect(reader.read()).rejects.toBeDefined();

    const already = AbortSignal.abort();
    await expect(nodeFetch(new Request(`${s.url}/body`), { signal: already })).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.requests.filter((r) => r.url === '/body')).toHaveLength(1); // the pre-aborted call sent nothing
  });

  it('a 204 has a null body; a refused connection rejects with ECONNREFUSED', async () => {
    const s = await server((_req, res) => void res.writeHead(204).end());
    const res = await nodeFetch(new Request(`${s.url}/x`, { method: 'DELETE' }));
    expect(res.status).toBe(204);
    expect(res.body).toBeNull();
    const port = await closedPort();
    const err = await nodeFetch(new Request(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' })).catch((e) => e);
    expect(err.code).toBe('ECONNREFUSED');
  });

  it('init fields other than signal override the request', async () => {
    const s = await server((_req, res) => void res.writeHead(200).end());
    await nodeFetch(new Request(`${s.url}/x`), { method: 'PUT', headers: { 'x-a': '1' }, body: 'b' });
    expect(s.requests[0]).toMatchObject({ method: 'PUT', body: 'b' });
    expect(s.requests[0]!.headers['x-a']).toBe('1');
  });
});
