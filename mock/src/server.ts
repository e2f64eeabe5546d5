/**
 * The mock server's front: one `node:http` server on 127.0.0.1 that answers, in order,
 *
 * 1. `/__mock/…` control routes (`GET /__mock/health`, `GET|PUT|DELETE /__mock/scenario`,
 *    `DELETE /__mock/state`);
 * 2. CORS preflights (every route allows any origin and the SDK's headers), and Ray's block of
 *    browser-like mutating requests (405, as the Ray 2.58 dashboard's browser middleware);
 * 3. what the per-instance state knows (`state.ts`: submitted jobs, started runs, 404 for
 *    unknown ids);
 * 4. the routes an API module claims (`apis/<api>.ts`: WebSocket, paced SSE,
 *    chunked log tails — what Prism cannot do);
 * 5. everything else, proxied unchanged (method, path, query, headers including
 *    `Prefer: code=…, example=…`, body; status, headers and body streamed back) to the one
 *    Prism process serving every `openapi/<api>.yaml` merged under `/<api>`.
 *
 * WebSocket upgrades go to the API modules; one nobody claims gets HTTP 404 and is closed.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { ClientError, ValidationError } from 'agentwire';
import { mockApis } from './apis/index.js';
import {
  findPackageRoot,
  hasOperations,
  loadOpenApiDocs,
  mergeSpecs,
  preparePrism,
  readSpecFile,
  serveWithRetry,
  type PrismProcess,
  type SpecDoc,
} from './prism.js';
import { checkScenarioRequest, resolveScenario, ScenarioStore, takeMockParam } from './scenario.js';
import { MockState, sendAnswer, type Answer, type MockStateOptions } from './state.js';
import type { ApiName, MockApi, MockRequestContext, StreamScenario } from './types.js';
import { API_NAMES } from './types.js';

/** Options of {@link startMockServer}. */
export interface MockServerOptions extends MockStateOptions {
  /**
   * The port to listen on, on 127.0.0.1. Absent or `0`: a free port chosen by the OS. A port
   * in use makes {@link startMockServer} throw.
   */
  port?: number;
  /**
   * The APIs to serve (default: all four). Others get no Prism routes and no stream routes
   * (Prism's 404). An API whose `openapi/<api>.yaml` is missing is served by its module only.
   */
  apis?: readonly ApiName[];
  /**
   * `true`: print nothing. Default `false`: Prism's log lines (one per request, its
   * warnings) and stream-module failures are written to stderr, prefixed `[prism]` / `[mock]`.
   */
  quiet?: boolean;
}

/** Options of {@link MockServer.setScenario}. */
export interface SetScenarioOptions {
  /** Apply to this many stream requests, then forget it. Absent: sticky until reset. An integer ≥ 1. */
  times?: number;
}

/** A running mock server. */
export interface MockServer {
  /** The base URL, `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Each API's base URL: `url + '/agent'`, `url + '/hosted'`, `url + '/runagent'`, `url + '/ray'`. */
  urls: Record<ApiName, string>;
  /**
   * Sets the stream scenario of every following stream request to `api` (replacing the previous
   * one), until {@link resetScenarios} or, with `times`, for that many stream requests. A
   * request's own `Prefer` header and `__mock` query parameter override it field by field.
   * Throws `ValidationError` (code `INVALID_SCENARIO`) for an unknown api, an invalid field or
   * an invalid `times`.
   */
  setScenario(api: ApiName, scenario: StreamScenario, options?: SetScenarioOptions): void;
  /** Forgets every API's scenario. */
  resetScenarios(): void;
  /** Forgets every API's scenario and everything the state holds (submitted jobs, started runs). */
  reset(): void;
  /**
   * Stops listening, destroys every open connection (WebSockets and streams still running
   * included), and stops Prism (SIGTERM, SIGKILL after 2 s), resolving once it has exited.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/__mock';
const MAX_CONTROL_BODY = 64 * 1024;
/** Hop-by-hop headers: they describe one connection, not the message, and are not forwarded. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/**
 * Starts the mock server: loads every `openapi/<api>.yaml` of the package, starts one Prism on
 * their merged document (on a free internal loopback port), and the front on 127.0.0.1.
 *
 * Resolves once both listen (typically 1–2 s: Prism's start-up dominates).
 *
 * Throws `ValidationError` (code `INVALID_OPTIONS`) for bad options; `ClientError` with code
 * `MOCK_BAD_SPEC` when a spec file is not valid YAML, `MOCK_START_FAILED` when the port is in
 * use or Prism exits or is not listening within 20 s (the message quotes the line of Prism's
 * output that says why; `detail` holds its whole output tail).
 */
export function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  return startMockServerWith(mockApis, options);
}

/**
 * Internal (not exported by `agentwire-mock`): {@link startMockServer} with the given API
 * modules instead of `apis/`; `specs: false` serves no OpenAPI document at all (no
 * Prism; unclaimed requests get 404). For the mock's own tests.
 */
export async function startMockServerWith(
  moduleList: readonly MockApi[],
  options: MockServerOptions & { specs?: boolean } = {},
): Promise<MockServer> {
  const { port = 0, quiet = false } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ValidationError(`agentwire mock: port must be an integer in 0-65535, got ${port}`, {
      statusCode: 400,
      code: 'INVALID_OPTIONS',
    });
  }
  const apis = [...new Set(options.apis ?? API_NAMES)];
  const unknownApi = apis.find((a) => !API_NAMES.includes(a));
  if (unknownApi !== undefined) {
    throw new ValidationError(`agentwire mock: unknown api ${JSON.stringify(unknownApi)}; expected ${API_NAMES.join(', ')}`, {
      statusCode: 400,
      code: 'INVALID_OPTIONS',
    });
  }

  const root = findPackageRoot();
  // Spawn Prism's guard first: it loads Prism's modules while the specs are read and merged.
  const withSpecs = options.specs !== false && apis.length > 0;
  const pending = withSpecs ? preparePrism({ quiet }) : undefined;
  let merged: SpecDoc;
  let docs: Partial<Record<ApiName, SpecDoc>>;
  try {
    docs = withSpecs ? await loadOpenApiDocs(root, apis) : {};
    merged = mergeSpecs(docs);
  } catch (error) {
    await pending?.cancel();
    throw error;
  }
  const modules = new Map<ApiName, MockApi>(moduleList.filter((m) => apis.includes(m.name)).map((m) => [m.name, m]));
  const front = new Front({ root, docs, modules, apis, quiet, state: { stateful: options.stateful, jobRunMs: options.jobRunMs, runMs: options.runMs } });

  // Listen at once, holding every request until Prism is up; a busy port stops Prism at once.
  const listening = front.listen(port);
  listening.catch(() => pending?.cancel());
  const [listened, started] = await Promise.allSettled([
    listening,
    pending && hasOperations(merged) ? serveWithRetry(pending, merged, { quiet }) : pending?.cancel().then(() => undefined),
  ]);
  if (listened.status === 'rejected' || started.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value?.close();
    await front.close();
    throw listened.status === 'rejected' ? listened.reason : (started as PromiseRejectedResult).reason;
  }
  front.ready(started.value);

  const url = `http://127.0.0.1:${listened.value}`;
  const urls = Object.fromEntries(API_NAMES.map((api) => [api, `${url}/${api}`])) as Record<ApiName, string>;
  let closing: Promise<void> | undefined;
  return {
    url,
    urls,
    setScenario: (api, scenario, opts) => front.scenarios.set(api, scenario, opts?.times),
    resetScenarios: () => front.scenarios.reset(),
    reset: () => {
      front.scenarios.reset();
      front.state.reset();
    },
    close: () => (closing ??= front.close()),
  };
}

interface FrontInit {
  root: string;
  docs: Partial<Record<ApiName, SpecDoc>>;
  modules: Map<ApiName, MockApi>;
  apis: ApiName[];
  quiet: boolean;
  state: MockStateOptions;
}

/** The headers a page may send on any route (the SDK's), answered to every CORS preflight. */
const CORS_HEADERS = 'Authorization, SYNAPSE-User, SYNAPSE-Tenant, Prefer, Content-Type, Accept, X-Ray-Authorization, Last-Event-ID, Cache-Control';
const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** Ray's test for browser traffic: an `Origin`, a `Referer`, any `Sec-Fetch-*` header, or a `Mozilla` user agent. */
function isBrowserRequest(req: IncomingMessage): boolean {
  const h = req.headers;
  return (
    h.origin !== undefined ||
    h.referer !== undefined ||
    Object.keys(h).some((name) => name.startsWith('sec-fetch-')) ||
    /Mozilla/.test(h['user-agent'] ?? '')
  );
}

class Front {
  readonly scenarios = new ScenarioStore();
  readonly state: MockState;
  prism: PrismProcess | undefined;
  /** Resolves once start-up is over; requests that arrive earlier wait for it. */
  readonly #ready: Promise<void>;
  #markReady!: () => void;
  readonly #init: FrontInit;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #agent = new Agent({ keepAlive: true });
  readonly #asyncapi = new Map<string, Promise<any>>();
  #port = 0;
  #closed = false;

  constructor(init: FrontInit) {
    this.#init = init;
    this.state = new MockState(
      {
        spec: (api) => {
          const doc = init.docs[api];
          return doc ? Promise.resolve(doc) : Promise.reject(new ClientError(`agentwire mock: openapi/${api}.yaml is missing`, { code: 'MOCK_NO_SPECS' }));
        },
        asyncapi: (name) => this.#loadAsyncApi(name),
      },
      init.state,
    );
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#server = createServer();
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('request', (req, res) => {
      this.#onRequest(req, res).catch((error) => this.#fail(res, error));
    });
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      this.#onUpgrade(req, socket, head).catch((error) => {
        this.#log(`upgrade ${req.url}: ${(error as Error)?.stack ?? error}`);
        rejectUpgrade(socket, 500, 'Internal Server Error', { title: 'Mock module failed', status: 500, detail: String(error) });
      });
    });
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          new ClientError(
            error.code === 'EADDRINUSE'
              ? `agentwire mock: port ${port} on 127.0.0.1 is in use`
              : `agentwire mock: cannot listen on 127.0.0.1:${port}: ${error.message}`,
            { code: 'MOCK_START_FAILED', cause: error },
          ),
        );
      };
      this.#server.once('error', onError);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', onError);
        const address = this.#server.address();
        this.#port = typeof address === 'object' && address ? address.port : port;
        resolve(this.#port);
      });
    });
  }

  /** Start-up is over: serve requests (with `prism` answering, when there is one). */
  ready(prism: PrismProcess | undefined): void {
    this.prism = prism;
    this.#markReady();
  }

  async close(): Promise<void> {
    this.#markReady();
    if (this.#closed) return;
    this.#closed = true;
    const stopped = new Promise<void>((resolve) => {
      if (!this.#server.listening) return resolve();
      this.#server.close(() => resolve());
    });
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    this.state.close();
    await Promise.all([stopped, this.prism?.close()]);
  }

  #log(message: string): void {
    if (!this.#init.quiet) process.stderr.write(`[mock] ${message}\n`);
  }

  #fail(res: ServerResponse, error: unknown): void {
    this.#log(`${(error as Error)?.stack ?? error}`);
    if (!res.headersSent) {
      sendJson(res, 500, { title: 'Mock server error', status: 500, detail: String((error as Error)?.message ?? error) }, 'application/problem+json');
    } else res.destroy();
  }

  #context(api: ApiName, path: string, url: URL, req: IncomingMessage, mockParams: string[]): MockRequestContext {
    const scenarios = this.scenarios;
    let scenario: StreamScenario | undefined;
    return {
      api,
      path,
      url,
      get scenario(): StreamScenario {
        return (scenario ??= resolveScenario(() => scenarios.take(api), req.headers.prefer, mockParams));
      },
      set scenario(value: StreamScenario) {
        scenario = value;
      },
      spec: () => {
        const doc = this.#init.docs[api];
        return doc
          ? Promise.resolve(doc)
          : Promise.reject(new ClientError(`agentwire mock: openapi/${api}.yaml is missing`, { code: 'MOCK_NO_SPECS' }));
      },
      asyncapi: (name) => this.#loadAsyncApi(name),
      hasJob: (id) => this.state.hasJob(id),
    };
  }

  #loadAsyncApi(name: string): Promise<any> {
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) {
      return Promise.reject(new ValidationError(`agentwire mock: bad AsyncAPI name ${JSON.stringify(name)}`, { code: 'INVALID_OPTIONS' }));
    }
    let doc = this.#asyncapi.get(name);
    if (!doc) {
      doc = readSpecFile(join(this.#init.root, 'openapi', `${name}.asyncapi.yaml`));
      doc.catch(() => this.#asyncapi.delete(name));
      this.#asyncapi.set(name, doc);
    }
    return doc;
  }

  #url(req: IncomingMessage): URL | undefined {
    const fallback = `127.0.0.1:${this.#port}`;
    for (const host of [req.headers.host, fallback]) {
      if (!host) continue;
      try {
        return new URL(req.url ?? '/', `http://${host}`);
      } catch {
        // try the next base
      }
    }
    return undefined;
  }

  /** `/agent/jobs/` → `{api: 'agent', path: '/jobs/'}` for a served API with a module. */
  #route(pathname: string): { api: ApiName; path: string; module: MockApi } | undefined {
    const m = /^\/([a-z]+)(\/.*)?$/.exec(pathname);
    const module = m ? this.#init.modules.get(m[1] as ApiName) : undefined;
    return m && module ? { api: module.name, path: m[2] ?? '/', module } : undefined;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.#ready;
    const url = this.#url(req);
    if (!url) return sendJson(res, 400, { title: 'Bad request URL', status: 400 }, 'application/problem+json');
    // CORS on every route (control routes and streams included), so a page can test against it.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', '*');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      req.resume();
      res.writeHead(204, {
        'Access-Control-Allow-Methods': CORS_METHODS,
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ? `${CORS_HEADERS}, ${req.headers['access-control-request-headers']}` : CORS_HEADERS,
        'Access-Control-Max-Age': '600',
        'Content-Length': '0',
      });
      res.end();
      return;
    }
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      return this.#control(req, res, url);
    }
    const mockParams = takeMockParam(url);
    const api = this.#apiOf(url.pathname);
    if (api === 'ray' && isBrowserRequest(req) && !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET')) {
      req.resume();
      const text = `'${req.method}' method not allowed for browser traffic.`;
      res.writeHead(405, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
      return;
    }
    const target = mockParams.length === 0 && req.url?.startsWith('/') ? req.url : url.pathname + url.search;
    if (api) {
      const path = url.pathname.slice(api.length + 1) || '/';
      const decision = await this.state.request(api, req, path, (body) => this.#ask(req, target, body));
      if (decision.kind === 'answer') return sendAnswer(res, decision.answer);
    }
    const route = this.#route(url.pathname);
    if (route?.module.request) {
      const ctx = this.#context(route.api, route.path, url, req, mockParams);
      if (await route.module.request(req, res, ctx)) return;
      if (res.headersSent || res.writableEnded) return; // answered after all: nothing to forward to
    }
    // The request target verbatim, unless __mock had to be cut out or it is in absolute form.
    this.#proxy(req, res, target);
  }

  /** The served API whose prefix `pathname` is under. */
  #apiOf(pathname: string): ApiName | undefined {
    const m = /^\/([a-z]+)(\/|$)/.exec(pathname);
    return m && this.#init.apis.includes(m[1] as ApiName) ? (m[1] as ApiName) : undefined;
  }

  /** Sends the request to Prism with `body` (or none) and buffers the answer. */
  #ask(req: IncomingMessage, path: string, body?: Buffer): Promise<Answer> {
    const prism = this.prism;
    if (!prism) return Promise.resolve({ status: 404, headers: { 'content-type': 'application/problem+json' }, body: Buffer.from('{"title":"No spec served","status":404}') });
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length' && name !== 'transfer-encoding') headers[name] = value;
    }
    if (body) headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest({ host: '127.0.0.1', port: prism.port, method: req.method, path, headers, agent: this.#agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.once('error', reject);
        answer.once('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name) && !name.startsWith('access-control-')) out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: answer.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
        });
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    await this.#ready;
    const url = this.#url(req);
    const route = url && !url.pathname.startsWith(CONTROL_PREFIX) ? this.#route(url.pathname) : undefined;
    const api = url && !url.pathname.startsWith(CONTROL_PREFIX) ? this.#apiOf(url.pathname) : undefined;
    if (url && api && (await this.state.upgrade(api, req, socket, head, url.pathname.slice(api.length + 1) || '/'))) return;
    if (url && route?.module.upgrade) {
      const mockParams = takeMockParam(url);
      const ctx = this.#context(route.api, route.path, url, req, mockParams);
      if (await route.module.upgrade(req, socket, head, ctx)) return;
    }
    rejectUpgrade(socket, 404, 'Not Found', {
      title: 'No WebSocket route',
      status: 404,
      detail: `No mock module takes a WebSocket on ${url?.pathname ?? req.url}`,
    });
  }

  #proxy(req: IncomingMessage, res: ServerResponse, path: string): void {
    const prism = this.prism;
    if (!prism) {
      req.resume();
      return sendJson(
        res,
        404,
        {
          type: 'https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR',
          title: 'Route not resolved, no path matched',
          status: 404,
          detail: `No OpenAPI spec is served for ${path} (served: ${Object.keys(this.#init.docs).join(', ') || 'none'})`,
        },
        'application/problem+json',
      );
    }
    const headers: string[] = [];
    const dropped = connectionTokens(req.headers.connection);
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_BY_HOP.has(name.toLowerCase()) && !dropped.has(name.toLowerCase())) headers.push(name, req.rawHeaders[i + 1]!);
    }
    if (!req.headers.host) headers.push('Host', `127.0.0.1:${this.#port}`);
    const bodiless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;

    const send = (retry: boolean): void => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: prism.port, method: req.method, path, headers, agent: this.#agent },
        (answer) => {
          const out: Record<string, string[]> = {};
          const droppedOut = connectionTokens(answer.headers.connection);
          for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
            const name = answer.rawHeaders[i]!.toLowerCase();
            // The front's own CORS headers (set on every response) replace Prism's.
            if (!HOP_BY_HOP.has(name) && name !== 'transfer-encoding' && !droppedOut.has(name) && !name.startsWith('access-control-')) {
              (out[answer.rawHeaders[i]!] ??= []).push(answer.rawHeaders[i + 1]!);
            }
          }
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
          answer.pipe(res);
          answer.once('error', () => res.destroy());
          answer.once('aborted', () => res.destroy());
        },
      );
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket Prism closed meanwhile: resend once if nothing was consumed.
        if (retry && bodiless && upstream.reusedSocket && error.code === 'ECONNRESET' && !res.headersSent) {
          return send(false);
        }
        if (res.headersSent) return res.destroy();
        sendJson(res, 502, { title: 'Prism unavailable', status: 502, detail: error.message }, 'application/problem+json');
      });
      if (bodiless) upstream.end();
      else req.pipe(upstream);
    };
    if (bodiless) req.resume();
    send(true);
  }

  async #control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const problem = (status: number, title: string, detail?: string) =>
      sendJson(res, status, { title, status, ...(detail ? { detail } : {}) }, 'application/problem+json');
    const method = req.method ?? 'GET';
    if (url.pathname === `${CONTROL_PREFIX}/health`) {
      if (method !== 'GET' && method !== 'HEAD') return allow(res, 'GET, HEAD');
      req.resume();
      return sendJson(res, 200, {
        status: 'ok',
        apis: this.#init.apis,
        specs: Object.keys(this.#init.docs),
        prism: this.prism !== undefined,
      });
    }
    if (url.pathname === `${CONTROL_PREFIX}/state`) {
      req.resume();
      if (method !== 'DELETE') return allow(res, 'DELETE');
      this.state.reset();
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === `${CONTROL_PREFIX}/scenario`) {
      if (method === 'GET') {
        req.resume();
        return sendJson(res, 200, this.scenarios.snapshot());
      }
      if (method === 'DELETE') {
        req.resume();
        this.scenarios.reset();
        res.writeHead(204).end();
        return;
      }
      if (method === 'PUT') {
        let body: unknown;
        try {
          body = JSON.parse(await readBody(req, MAX_CONTROL_BODY));
        } catch (error) {
          if (error instanceof ValidationError && error.statusCode === 413) {
            return problem(413, 'Body too large', `at most ${MAX_CONTROL_BODY} bytes`);
          }
          return problem(400, 'Invalid scenario', 'body must be JSON {api, scenario, times?}');
        }
        const checked = checkScenarioRequest(body);
        if (!checked.ok) return problem(400, 'Invalid scenario', checked.error);
        const { api, scenario, times } = checked.value;
        this.scenarios.set(api, scenario, times);
        return sendJson(res, 200, { api, scenario, times: times ?? null });
      }
      return allow(res, 'GET, PUT, DELETE');
    }
    req.resume();
    return problem(404, 'No such control route', `${url.pathname}: try ${CONTROL_PREFIX}/health or ${CONTROL_PREFIX}/scenario`);
  }
}

function connectionTokens(value: string | undefined): Set<string> {
  return new Set((value ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
}

function sendJson(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function allow(res: ServerResponse, methods: string): void {
  const text = JSON.stringify({ title: 'Method not allowed', status: 405, detail: `allowed: ${methods}` });
  res.writeHead(405, { Allow: methods, 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ValidationError(`body over ${limit} bytes`, { statusCode: 413, code: 'BODY_TOO_LARGE' }));
      } else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Answers a WebSocket upgrade with a plain HTTP response, then closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, reason: string, body: unknown): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  const head =
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n`;
  socket.end(head + text, () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}
