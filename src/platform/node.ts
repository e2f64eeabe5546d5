/**
 * The Node pieces (Node, Bun and Deno: every runtime with the `node` export condition), reached
 * through the package's `#platform` import so that no client imports them statically and a
 * browser build gets `web.ts` instead, with the same names.
 */
import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import type { FetchLike } from '../core/transport.js';
import type { SocketOpener } from '../core/websocket.js';

/**
 * Opens a WebSocket with the `ws` package: handshake headers sent (credentials), compression
 * only when asked, messages up to 64 MiB, and **no redirect followed** (`followRedirects: false`,
 * `ws`'s default, set explicitly): a 3xx answer is reported as a refusal, so a handshake's
 * credentials never reach another origin.
 */
export const openSocket: SocketOpener = (url, init, on) => {
  const ws = new WebSocket(url, { headers: init.headers, perMessageDeflate: init.perMessageDeflate, maxPayload: 64 * 1024 * 1024, followRedirects: false });
  let accepted: Headers | undefined;
  ws.on('unexpected-response', (_req, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', () => {});
    res.on('end', () => {
      on.refused(res.statusCode ?? 500, res.statusMessage ?? '', Buffer.concat(chunks).toString('utf8'), webHeaders(res.headers));
      ws.terminate();
    });
  });
  // `upgrade` carries the 101 response and comes just before `open`.
  ws.on('upgrade', (res) => (accepted = webHeaders(res.headers)));
  ws.on('open', () => on.open(accepted));
  ws.on('message', (data, isBinary) => on.message(isBinary ? (data as Buffer) : data.toString()));
  ws.on('error', (err) => on.error(err));
  ws.on('close', (code, reason) => on.close(code, reason.toString()));
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    get extensions() {
      return Object.keys(ws.extensions ?? {}).join(', ');
    },
  };
};

/** Node's response headers as web `Headers` (a repeated header, `set-cookie`, appended per value). */
function webHeaders(raw: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

/** Whether {@link openSocket} sends handshake headers: yes with `ws`. */
export const SOCKET_SENDS_HEADERS = true;

/**
 * A {@link FetchLike} for Node over `undici.request`, which sends **exactly** the request's
 * headers: no `sec-fetch-mode`, no `Origin`, no `Referer`, no `accept-language`, no browser or
 * `node` user agent — only what the `Request` carries (plus `host` and `content-length`).
 *
 * Why it exists: Node's global `fetch` always adds `sec-fetch-mode: cors`, and a Ray dashboard
 * (2.58) answers any POST/PUT/DELETE that carries a `Sec-Fetch-*`, `Origin` or `Referer` header
 * or a `Mozilla` user agent with 405, as browser traffic (Ray 2.58 `http_server_head.py`). Anything that mutates a Ray cluster
 * from Node therefore goes through this.
 *
 * The `Response` it returns is a WHATWG one whose body streams as it arrives. Aborting the
 * request's signal (or `init.signal`) cancels the request, or the body mid-way; the promise
 * then rejects with the signal's reason, as `fetch` does. Network failures reject with undici's
 * error, whose `code` (`ECONNREFUSED`, ...) the transport reads.
 *
 * `undici` is imported on first use, so a client that never mutates a Ray cluster never loads it.
 */
export const nodeFetch: FetchLike = async (input, init) => {
  const request = needsMerge(init) ? new Request(input, init) : input;
  const signal = init?.signal ? (request === input ? AbortSignal.any([input.signal, init.signal]) : request.signal) : request.signal;
  signal.throwIfAborted();
  const [{ request: send }, { Readable }] = await modules();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  let res: Awaited<ReturnType<typeof send>>;
  try {
    res = await send(request.url, { method: request.method as 'GET', headers, body, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  }
  const init2 = { status: res.statusCode, statusText: res.statusText ?? '', headers: webHeaders(res.headers) };
  let response: Response;
  if (NULL_BODY.has(res.statusCode) || request.method === 'HEAD') {
    await res.body.dump().catch(() => {});
    response = new Response(null, init2);
  } else {
    const web = Readable.toWeb(res.body) as unknown as ReadableStream<Uint8Array>;
    response = new Response(web, init2);
  }
  Object.defineProperty(response, 'url', { value: request.url });
  return response;
};

/** Statuses whose `Response` must have a null body. */
const NULL_BODY = new Set([204, 205, 304]);

type Modules = [{ request: typeof import('undici').request }, { Readable: typeof import('node:stream').Readable }];
let loaded: Promise<Modules> | undefined;
function modules(): Promise<Modules> {
  return (loaded ??= Promise.all([import('undici'), import('node:stream')]).then(([u, s]) => [{ request: u.request }, { Readable: s.Readable }]));
}

/** `init` changes more than the signal: build a new `Request` from both. */
function needsMerge(init: RequestInit | undefined): init is RequestInit {
  if (!init) return false;
  return Object.keys(init).some((k) => k !== 'signal' && (init as Record<string, unknown>)[k] !== undefined);
}

/** RunAgent's settings on disk (the `runagent` CLI's database, then `config.json`). */
export { readRunAgentUserConfig } from '../runagent/config-file.js';
