import type { FetchLike } from './transport.js';

/**
 * A {@link FetchLike} for Node over `undici.request`, which sends **exactly** the request's
 * headers: no `sec-fetch-mode`, no `Origin`, no `Referer`, no `accept-language`, no browser or
 * `node` user agent — only what the `Request` carries (plus `host` and `content-length`).
 *
 * Why it exists: Node's global `fetch` always adds `sec-fetch-mode: cors`, and a Ray dashboard
 * (2.58) answers any POST/PUT/DELETE that carries a `Sec-Fetch-*`, `Origin` or `Referer` header
 * or a `Mozilla` user agent with 405, as browser traffic (PROTOCOLS.md §4, "Browser-traffic
 * block"). Anything that mutates a Ray cluster from Node therefore goes through this.
 *
 * The `Response` it returns is a WHATWG one whose body streams as it arrives. Aborting the
 * request's signal (or `init.signal`) cancels the request, or the body mid-way; the promise
 * then rejects with the signal's reason, as `fetch` does. Network failures reject with undici's
 * error, whose `code` (`ECONNREFUSED`, ...) the transport reads.
 *
 * Node only: `undici` and `node:stream` are imported on first use, so importing this module
 * costs nothing where it is never called (a browser bundle).
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
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
    else if (value !== undefined) responseHeaders.append(name, value);
  }
  const init2 = { status: res.statusCode, statusText: res.statusText ?? '', headers: responseHeaders };
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

/** Is this Node (where {@link nodeFetch} works)? */
export const isNodeRuntime: boolean = typeof process !== 'undefined' && !!process.versions?.node;
