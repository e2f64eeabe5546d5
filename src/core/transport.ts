import createClient, { type Client } from 'openapi-fetch';
import {
  ClientError,
  ConnectionError,
  RateLimitError,
  ValidationError,
  codeFromBody,
  errorClassFor,
  messageFromBody,
} from './errors.js';
import { createLogger, type Logger, type LogLevel } from './log.js';
import type { Secrets } from './redact.js';
import {
  DEFAULT_RETRY_POLICY,
  RETRYABLE_STATUSES,
  RETRYABLE_UNSAFE_STATUSES,
  parseRetryAfter,
  retryDelayMs,
  sleep,
  type RetryPolicy,
} from './retry.js';
import { Deadline, resolveTimeout, type Deadlines, type Timeout, type UndiciDispatcher } from './timeout.js';

/** A `fetch`-compatible function (the global one, undici's, or a test double). */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

/** Options every client constructor accepts. */
export interface BaseClientOptions {
  /** Default request timeout in **ms** (see {@link Timeout}). */
  timeout?: Timeout;
  /** Retries after the first attempt for retryable failures. Default 3; 0 disables. */
  maxRetries?: number;
  /** Extra headers sent with every request (never logged). */
  headers?: Record<string, string>;
  /** The `fetch` to use; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Where log lines go (default `console`) and from which level (default `warn`). */
  logger?: Logger;
  logLevel?: LogLevel;
}

/** Per-call options: every method that does I/O takes these last. */
export interface RequestOptions {
  /** Cancels the call; the promise then rejects with the signal's reason (an `AbortError`). */
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call, in **ms**. */
  timeout?: Timeout;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** How the transport treats one call. */
export interface CallOptions extends RequestOptions {
  /**
   * The request may start work on the server (POST `/run`, `/runs`, a job submit): after a
   * failure it is retried only where the server cannot have acted — connection refused, 429, 503.
   */
  unsafe?: boolean;
  /** The caller reads the body as a stream: it is not buffered and no body deadline applies. */
  stream?: boolean;
}

export interface TransportOptions extends BaseClientOptions {
  baseUrl: string;
  /** The client's credentials, for redaction. */
  secrets: Secrets;
  /** Headers that carry credentials, computed once. */
  authHeaders?: Record<string, string>;
  /** Client defaults when the user gives none. */
  defaultTimeout: Timeout;
  retryPolicy?: Partial<RetryPolicy>;
  /** Picks a more specific error class for an API's bodies (e.g. the agent API's `gpu_unavailable`). */
  classify?: (status: number, body: unknown) => typeof ClientError | undefined;
}

/** Node's error codes that prove the request never reached a server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Checks a base URL and returns it without its trailing slashes. Throws {@link ValidationError}. */
export function normalizeBaseUrl(value: unknown, name = 'baseUrl'): string {
  if (typeof value !== 'string' || !value) throw new ValidationError(`${name} is required`, { statusCode: 400 });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${name} is not a URL: ${value}`, { statusCode: 400 });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`${name} must be an http(s) URL, got ${url.protocol}`, { statusCode: 400 });
  }
  if (url.username || url.password) throw new ValidationError(`${name} must not carry credentials`, { statusCode: 400 });
  return value.replace(/\/+$/, '');
}

/** Checks `maxRetries`: a whole number from 0 to 10. Throws {@link ValidationError}. */
export function checkMaxRetries(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 10) {
    throw new ValidationError(`maxRetries must be a whole number from 0 to 10, got ${String(value)}`, { statusCode: 400 });
  }
  return value;
}

/**
 * The HTTP layer every client shares: an openapi-fetch client typed by the API's generated
 * `paths`, whose `fetch` adds the credentials, a per-attempt deadline (see {@link Deadline}) next
 * to the caller's `AbortSignal`, retries with backoff, and the mapping of every failure to
 * {@link ClientError}.
 * Successful responses are returned as openapi-fetch returns them; failures never are: they throw.
 */
export class Transport<Paths extends {}> {
  readonly client: Client<Paths>;
  readonly baseUrl: string;
  readonly secrets: Secrets;
  readonly logger: Logger;
  /** The user's `fetch`; `undefined` for the global one (looked up per request). */
  readonly #fetch: FetchLike | undefined;
  readonly #timeout: Timeout;
  readonly #deadlines: Deadlines;
  readonly #policy: RetryPolicy;
  readonly #headers: Record<string, string>;
  readonly #classify: TransportOptions['classify'];

  constructor(options: TransportOptions) {
    this.baseUrl = normalizeBaseUrl(options.baseUrl);
    this.secrets = options.secrets;
    this.#timeout = options.timeout ?? options.defaultTimeout;
    this.#deadlines = resolveTimeout(this.#timeout); // validated now, before any I/O
    this.#policy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
    const maxRetries = checkMaxRetries(options.maxRetries);
    if (maxRetries !== undefined) this.#policy.maxRetries = maxRetries;
    this.#fetch = options.fetch;
    this.#headers = { ...options.headers, ...options.authHeaders };
    this.#classify = options.classify;
    this.logger = createLogger(options.logLevel, options.logger, (s) => this.secrets.redact(s));
    this.client = createClient<Paths>({ baseUrl: this.baseUrl, headers: this.#headers });
  }

  /**
   * The openapi-fetch per-call options that route one call through this transport. openapi-fetch
   * is given {@link PlannedRequest} as its `Request` class, so it builds the URL and init of the
   * call but no `Request`: with the default `fetch` the transport calls `fetch(url, init)`, and
   * undici builds the one `Request` of the call (a `Request` made from another costs about as
   * much again); a user's `fetch` still gets a real `Request`.
   */
  init(call: CallOptions = {}): { fetch: (input: Request) => Promise<Response>; Request: typeof Request; headers?: Record<string, string>; parseAs?: 'stream' } {
    return {
      fetch: (request: Request | PlannedRequest) => this.#send(request, call),
      Request: PlannedRequest as unknown as typeof Request,
      ...(call.headers ? { headers: call.headers } : {}),
      ...(call.stream ? { parseAs: 'stream' as const } : {}),
    };
  }

  /** Headers for a connection the transport does not make itself (WebSocket handshakes). */
  headers(extra?: Record<string, string>): Record<string, string> {
    return { ...this.#headers, ...extra };
  }

  /** The client's timeout, or the call's, resolved to deadlines in ms. */
  deadlines(call: RequestOptions = {}) {
    return resolveTimeout(call.timeout ?? this.#timeout);
  }

  /** The wait before retry `retry` (0-based) of a call, or `undefined` to give up. */
  retryDelay(retry: number, call: RequestOptions = {}, retryAfterMs?: number): number | undefined {
    const max = call.maxRetries ?? this.#policy.maxRetries;
    return retry < max ? retryDelayMs(this.#policy, retry, retryAfterMs) : undefined;
  }

  /** Sends one request with retries; resolves only to a 2xx/3xx response. */
  send(request: Request, call: CallOptions = {}): Promise<Response> {
    return this.#send(request, call);
  }

  async #send(request: Request | PlannedRequest, call: CallOptions): Promise<Response> {
    const { headersMs, readMs } = call.timeout == null ? this.#deadlines : resolveTimeout(call.timeout);
    // With the default `fetch`, a planned request is sent as `fetch(url, init)` (see #fetchPlanned);
    // otherwise as a `Request`, made once.
    const planned = this.#fetch === undefined && request instanceof PlannedRequest && request.resendable ? request : undefined;
    const real = planned ? undefined : request instanceof PlannedRequest ? request.toRequest() : request;
    for (let retry = 0; ; retry++) {
      const deadline = new Deadline(call.signal).arm(headersMs);
      let response: Response;
      try {
        response = await (planned ? this.#fetchPlanned(planned, call, deadline) : this.#fetchRequest(real!, deadline));
      } catch (err) {
        deadline.clear();
        if (call.signal?.aborted) throw call.signal.reason;
        const what = label(request);
        const error = deadline.timedOut
          ? deadline.timeoutError(what, err)
          : new ConnectionError(this.secrets.redact(`${what} failed: ${describe(err)}`), { cause: err });
        const retryable = !call.unsafe || NEVER_SENT.has(errorCode(err) ?? '');
        await this.#backoff(retryable, retry, call, error, what);
        continue;
      }
      if (response.ok) {
        if (call.stream) {
          deadline.clear();
          return response;
        }
        deadline.arm(readMs);
        try {
          return buffered(await deadline.race(readBody(response)), response);
        } catch (err) {
          if (call.signal?.aborted) throw call.signal.reason;
          const what = label(request);
          const error = deadline.timedOut ? deadline.timeoutError(`${what} (body)`, err) : new ConnectionError(`${what}: body lost: ${describe(err)}`, { cause: err });
          await this.#backoff(!call.unsafe, retry, call, error, what);
          continue;
        } finally {
          deadline.clear();
        }
      }
      deadline.arm(readMs);
      const error = await this.errorFrom(response).finally(() => deadline.clear());
      const statuses = call.unsafe ? RETRYABLE_UNSAFE_STATUSES : RETRYABLE_STATUSES;
      await this.#backoff(statuses.has(response.status), retry, call, error, label(request), parseRetryAfter(response.headers));
    }
  }

  /**
   * One attempt of a planned request with the default `fetch`: `fetch(url, init)`, so undici
   * builds the call's only `Request`. The deadline cancels it through a per-attempt undici
   * dispatcher where this `fetch` is known to use one (Node's built-in fetch: no `AbortSignal`
   * to pay for, see {@link Deadline.dispatcher}; the caller's signal, if any, is passed as is),
   * else through its `AbortSignal`. The first response through a `fetch` tells which: until
   * then both are passed.
   */
  #fetchPlanned({ url, init }: PlannedRequest, call: CallOptions, deadline: Deadline): Promise<Response> {
    const fetch = globalThis.fetch;
    const hooks = DISPATCHER_HOOKS.get(fetch);
    const attempt: RequestInit & { dispatcher?: UndiciDispatcher } = { ...init };
    if (hooks !== false) attempt.dispatcher = deadline.dispatcher((init as { dispatcher?: UndiciDispatcher }).dispatcher);
    if (hooks !== true) attempt.signal = deadline.signal;
    else if (call.signal) attempt.signal = call.signal;
    const response = deadline.race(fetch(url, attempt));
    if (hooks !== undefined) return response;
    return response.then((r) => {
      DISPATCHER_HOOKS.set(fetch, deadline.hooked);
      return r;
    });
  }

  /** One attempt of a `Request`: sent as is without a body, cloned with one; the deadline's signal. */
  #fetchRequest(request: Request, deadline: Deadline): Promise<Response> {
    return deadline.race((this.#fetch ?? defaultFetch)(request.body === null ? request : request.clone(), { signal: deadline.signal }));
  }

  /** Waits before the next retry, or throws `error` when this failure is not (or no longer) retried. */
  async #backoff(retryable: boolean, retry: number, call: CallOptions, error: ClientError, what: string, retryAfterMs?: number) {
    const wait = retryable ? this.retryDelay(retry, call, retryAfterMs) : undefined;
    if (wait === undefined) throw error;
    this.logger.debug(`${what}: ${error.message}; retry ${retry + 1} in ${Math.round(wait)} ms`);
    await sleep(wait, call.signal);
  }

  /** The typed error for a failed response, its body parsed (JSON, else text) and redacted. */
  async errorFrom(response: Response): Promise<ClientError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* a text/plain body stays text */
    }
    return this.errorFromBody(response.status, body, response.headers, response.statusText);
  }

  /** The typed error for a status and an already-parsed body. */
  errorFromBody(status: number, body: unknown, headers?: Headers, statusText = ''): ClientError {
    const detail = this.secrets.redactValue(body);
    const message = this.secrets.redact(messageFromBody(body) ?? (statusText || `HTTP ${status}`));
    const init = {
      statusCode: status,
      code: codeFromBody(body),
      detail,
      requestId: headers?.get('x-request-id') ?? headers?.get('request-id') ?? requestIdFromBody(body),
    };
    const Class = this.#classify?.(status, body) ?? errorClassFor(status);
    if (Class === RateLimitError) {
      const retryAfterMs = headers ? parseRetryAfter(headers) : undefined;
      return new RateLimitError(`${message} (HTTP ${status})`, { ...init, retryAfterMs });
    }
    return new Class(`${message} (HTTP ${status})`, init);
  }
}

/** The global `fetch`, looked up per request (so a `fetch` installed later is used). */
const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

/**
 * Whether a global `fetch` (by identity) honours the `dispatcher` init option: learnt from its
 * first response, `undefined` until then (both the signal and the dispatcher are passed).
 */
const DISPATCHER_HOOKS = new WeakMap<object, boolean>();

/**
 * What openapi-fetch builds for a call routed through {@link Transport.init} (passed as its
 * `Request` class): the URL and `RequestInit` of the call, not yet a `Request`. openapi-fetch
 * reads only `method` from it (middleware would see this object, not a `Request`; the transport
 * registers none). {@link toRequest} makes the real one where a `Request` is needed.
 */
class PlannedRequest {
  readonly url: string;
  readonly init: RequestInit;
  readonly method: string;

  constructor(url: string | URL, init: RequestInit = {}) {
    this.url = String(url);
    this.init = init;
    this.method = (init.method ?? 'GET').toUpperCase();
  }

  /** The body can be given to `fetch` once per attempt (anything but a stream or an async iterable). */
  get resendable(): boolean {
    const body = this.init.body as unknown;
    if (body === undefined || body === null || typeof body !== 'object') return true;
    return typeof (body as ReadableStream).getReader !== 'function' && typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function';
  }

  toRequest(): Request {
    return new Request(this.url, this.init);
  }
}

/** Where a {@link BufferedResponse} keeps its bytes. */
const BYTES = Symbol('agentwire.bytes');

/**
 * A 2xx response whose body the transport has already read (within the read deadline). Its
 * `text()`, `json()`, `arrayBuffer()`, `bytes()` and `blob()` decode the bytes at hand instead of
 * streaming them again through a new body: a second web-stream read cost as much as the rest of
 * a small request (agent bench, `listJobs`). `body` is `null` and `bodyUsed` `false`; `clone()`
 * keeps the bytes. Made by {@link buffered}, not by `new`.
 */
class BufferedResponse extends Response {
  declare [BYTES]: Uint8Array;

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this[BYTES].slice().buffer as ArrayBuffer;
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this[BYTES].slice();
  }

  override async text(): Promise<string> {
    return utf8Decode(this[BYTES]);
  }

  override async json(): Promise<any> {
    return JSON.parse(utf8Decode(this[BYTES]));
  }

  override async blob(): Promise<Blob> {
    return new Blob([this[BYTES] as Uint8Array<ArrayBuffer>], { type: this.headers.get('content-type') ?? '' });
  }

  override clone(): Response {
    return buffered(this[BYTES], new Response(null, this));
  }
}
Object.defineProperties(BufferedResponse.prototype, {
  body: { get: () => null, configurable: true },
  bodyUsed: { get: () => false, configurable: true },
});

/**
 * `response` (whose body was read into `bytes`) as a {@link BufferedResponse}. A plain global
 * `Response` — what `fetch` returns — becomes one in place (its prototype swapped: status,
 * headers, `url` and `redirected` stay as fetched, and no second `Response` with a copy of the
 * headers is built, a few µs a call); any other kind is copied into a new one.
 */
function buffered(bytes: Uint8Array, response: Response): BufferedResponse {
  const target = Object.getPrototypeOf(response) === Response.prototype ? response : new Response(null, response);
  (target as BufferedResponse)[BYTES] = bytes;
  return Object.setPrototypeOf(target, BufferedResponse.prototype) as BufferedResponse;
}

function bytesOf(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError('Received non-Uint8Array chunk');
}

/**
 * The whole body of `response`: a body of one chunk is that chunk, a longer one is copied once
 * (`arrayBuffer()` joins and then copies again, even one chunk).
 */
async function readBody(response: Response): Promise<Uint8Array> {
  const body = response.body;
  if (body === null || typeof body.getReader !== 'function') return new Uint8Array(await response.arrayBuffer());
  const reader = body.getReader();
  let chunk = await reader.read();
  if (chunk.done) return new Uint8Array(0);
  const first = bytesOf(chunk.value);
  chunk = await reader.read();
  if (chunk.done) return first;
  const chunks = [first];
  let length = first.byteLength;
  do {
    chunks.push(bytesOf(chunk.value));
    length += chunk.value.byteLength;
    chunk = await reader.read();
  } while (!chunk.done);
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}

const nodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'utf8'): string } } }).Buffer;
const textDecoder = new TextDecoder();

/** UTF-8 text of a body, without a BOM (as `Response.text()` does); Node's native decoder where there is one. */
function utf8Decode(bytes: Uint8Array): string {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return nodeBuffer ? nodeBuffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8') : textDecoder.decode(bytes);
}

/** `GET /jobs/`: how errors and log lines name a request. */
function label(request: Request | PlannedRequest): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

function requestIdFromBody(body: unknown): string | undefined {
  const id = (body as { request_id?: unknown } | undefined)?.request_id;
  return typeof id === 'string' ? id : undefined;
}

/** A one-line description of a low-level error (`ECONNREFUSED`, `fetch failed: ...`). */
export function describe(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * The `data` of an openapi-fetch result. The transport throws on every failure, so a result
 * that reaches here is a success; 204s give `undefined`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown }): T {
  return result.data as T;
}
