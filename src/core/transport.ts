import createClient, { type Client } from 'openapi-fetch';
import type { WithResponse } from './api-promise.js';
import {
  ClientError,
  ConnectionError,
  RateLimitError,
  RedirectError,
  ResponseValidationError,
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
import { Deadline, resolveTimeout, type Deadlines, type Timeout } from './timeout.js';
import { Tracer, type SpanLike, type StreamSpan, type TracingOptions } from './tracing.js';

/** A `fetch`-compatible function (the global one, undici's, or a test double). */
export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

/** Options every client constructor accepts. */
export interface BaseClientOptions {
  /** Default request timeout in **ms** (see {@link Timeout}). */
  timeout?: Timeout;
  /** Retries after the first attempt for retryable failures. Default 3; 0 disables. */
  maxRetries?: number;
  /** Extra headers sent with every request (never logged, never sent to another origin). */
  headers?: Record<string, string>;
  /** The `fetch` to use; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Where log lines go (default `console`) and from which level (default `warn`). */
  logger?: Logger;
  logLevel?: LogLevel;
  /**
   * OpenTelemetry, off unless set: pass the `@opentelemetry/api` module (`{ api: otel }`) and
   * each HTTP request becomes a client span (HTTP semantic conventions; `url.full` without
   * credentials), each stream a span with its events; W3C `traceparent` is sent. agentwire
   * never imports the API itself, so it stays out of bundles and costs nothing when unset.
   */
  tracing?: TracingOptions;
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
  /** The caller reads the body as a stream: it is not read here and no body deadline applies. */
  stream?: boolean;
  /**
   * The API's 2xx has no body (its response declares no content, e.g. Ray Serve's PUT): an
   * empty body is `undefined`. Otherwise every 2xx but 204/205 must carry JSON, else
   * {@link ResponseValidationError}.
   */
  allowEmpty?: boolean;
  /** @internal The stream this request belongs to: its span is the request span's parent. */
  trace?: StreamSpan | undefined;
}

/** Where {@link Transport.init} puts a call's options inside openapi-fetch's per-call options. */
export const CALL_OPTIONS = Symbol('agentwire.callOptions');

/** What {@link Transport.init} returns, to spread into an openapi-fetch call's options. */
export type TransportInit = {
  [CALL_OPTIONS]: CallOptions;
  headers?: Record<string, string>;
  parseAs?: 'stream';
};

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

/** Redirect statuses with a `Location` to follow (RFC 9110 §15.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** As many hops as the Fetch standard's redirect limit. */
const MAX_REDIRECTS = 20;
/** Characters of a body kept in a {@link ResponseValidationError}'s `detail`. */
const EXCERPT = 500;

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

type FetchResult = { data?: unknown; error?: unknown; response: Response };
type Init = Partial<TransportInit> & Record<string, unknown>;

/**
 * The HTTP layer every client shares: an openapi-fetch client typed by the API's generated
 * `paths`, used per its documented contract — openapi-fetch builds a real `Request` for every
 * attempt, so its middleware (`client.use()`) sees each one — with the credentials, a deadline
 * per attempt joined to the caller's `AbortSignal` (see {@link Deadline}), retries with backoff,
 * redirects followed within the origin only, and every failure mapped to {@link ClientError}.
 *
 * A call resolves as openapi-fetch's do, `{data, response}`, and never to a failure: non-2xx
 * statuses, timeouts and lost connections throw. A 2xx body is read within the read deadline
 * and parsed as JSON here (one parse); a body that is not JSON, or empty where the API promises
 * a record, is {@link ResponseValidationError}; 204 and 205 give `data: undefined`.
 */
export class Transport<Paths extends {}> {
  /** openapi-fetch's client, each method going through this transport; `use()` adds middleware. */
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
  /** `undefined` unless the user turned tracing on: every tracing hook is behind it. */
  readonly tracer: Tracer | undefined;

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
    this.tracer = tracerFor(options.tracing, this.secrets);
    this.logger = createLogger(options.logLevel, options.logger, (s) => this.secrets.redact(s));
    const inner = createClient<Paths>({ baseUrl: this.baseUrl, headers: this.#headers });
    const method = (name: string) => (url: string, init?: Init) =>
      this.#call(init, url, (i) => (inner.request as (m: string, u: string, i: object) => Promise<FetchResult>)(name, url, i));
    const methods = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'].map((name) => [name, method(name)]);
    this.client = {
      ...inner,
      ...Object.fromEntries(methods),
      request: (name: string, url: string, init?: Init) => method(name.toUpperCase())(url, init),
    } as unknown as Client<Paths>;
  }

  /** The per-call options that route one openapi-fetch call through this transport. */
  init(call: CallOptions = {}): TransportInit {
    return {
      [CALL_OPTIONS]: call,
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

  /**
   * One call with its retries: each attempt is one openapi-fetch call (a fresh `Request`, its
   * body serialised again) under its own {@link Deadline}: `headersMs` until the response
   * headers, then `readMs` for the body, read here (a 2xx) or by openapi-fetch (an error body).
   */
  async #call(init: Init | undefined, template: string, invoke: (init: object) => Promise<FetchResult>): Promise<FetchResult> {
    const { [CALL_OPTIONS]: given, ...rest } = init ?? {};
    const call: CallOptions = given ?? {};
    const { headersMs, readMs } = call.timeout == null ? this.#deadlines : resolveTimeout(call.timeout);
    const trace: Trace | undefined = this.tracer && { tracer: this.tracer, template, parent: call.trace, sent: 0, span: undefined };
    for (let retry = 0; ; retry++) {
      const deadline = new Deadline(call.signal).arm(headersMs);
      let sent: Request | undefined;
      let answered = false;
      const fetch = async (request: Request) => {
        sent = request;
        const response = await this.#follow(request, deadline, trace);
        answered = true;
        deadline.arm(readMs);
        return response;
      };
      const attempt = async () => {
        const result = await invoke({ ...rest, parseAs: 'stream', redirect: 'manual', fetch });
        const read = result.response.ok && !call.stream && result.data != null;
        return { result, text: read ? await result.response.text() : '' };
      };
      let result: FetchResult;
      let text: string;
      try {
        ({ result, text } = await deadline.race(attempt()));
      } catch (err) {
        deadline.clear();
        if (trace?.span) {
          const type = call.signal?.aborted ? 'cancelled' : deadline.timedOut ? 'timeout' : (errorCode(err) ?? undefined);
          trace.tracer.failed(trace.span, err, type);
          trace.span = undefined;
        }
        if (call.signal?.aborted) throw call.signal.reason;
        if (!deadline.timedOut && (err instanceof ClientError || sent === undefined)) throw err; // not I/O: refused redirect, middleware, serializer
        const what = label(sent);
        const error = deadline.timedOut
          ? deadline.timeoutError(answered ? `${what} (body)` : what, err)
          : new ConnectionError(this.secrets.redact(answered ? `${what}: body lost: ${describe(err)}` : `${what} failed: ${describe(err)}`), { cause: err });
        const retryable = !call.unsafe || (!answered && NEVER_SENT.has(errorCode(err) ?? ''));
        await this.#backoff(retryable, retry, call, error, what);
        continue;
      }
      deadline.clear();
      const { response } = result;
      if (trace?.span) {
        trace.tracer.response(trace.span, response.status);
        trace.span = undefined;
      }
      if (!response.ok) {
        const error = this.errorFromBody(response.status, result.error, response.headers, response.statusText);
        const statuses = call.unsafe ? RETRYABLE_UNSAFE_STATUSES : RETRYABLE_STATUSES;
        await this.#backoff(statuses.has(response.status), retry, call, error, label(sent), parseRetryAfter(response.headers));
        continue;
      }
      if (call.stream) return result;
      return { data: this.#json(text, response, sent, call), response };
    }
  }

  /**
   * Sends `request` (built with `redirect: 'manual'`) with the attempt's signal, and follows its
   * redirects within its origin: a 303,
   * or a 301/302 after a POST, becomes a GET without a body; a 307/308 resends the method and
   * body. A redirect to another origin is {@link RedirectError}, so the credential headers never
   * leave the origin; so is every redirect where `fetch` hides the target (a browser's opaque
   * redirect).
   */
  async #follow(request: Request, deadline: Deadline, trace: Trace | undefined): Promise<Response> {
    const fetch = this.#fetch ?? globalThis.fetch;
    for (let hops = 0; ; hops++) {
      const replay = request.body === null ? request : request.clone();
      if (trace) trace.span = trace.tracer.request(request, trace.template, trace.sent++, trace.parent);
      const response = await fetch(request, { signal: deadline.signal });
      if (response.type === 'opaqueredirect') {
        throw new RedirectError(`${label(request)}: redirected, and this runtime's fetch does not say where (an opaque redirect): not followed; use the final URL as the base URL`, {
          statusCode: response.status,
          code: 'REDIRECT_HIDDEN',
        });
      }
      const location = REDIRECTS.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      if (trace?.span) {
        trace.tracer.response(trace.span, response.status);
        trace.span = undefined;
      }
      await response.body?.cancel().catch(() => {});
      const target = new URL(location, request.url);
      const origin = new URL(request.url).origin;
      const init = { statusCode: response.status, detail: { location: this.secrets.redact(target.href) } };
      if (target.origin !== origin) {
        throw new RedirectError(
          this.secrets.redact(`${label(request)}: redirected (HTTP ${response.status}) to another origin, ${target.origin}: not followed, so no credential leaves ${origin}; use that origin as the base URL if you trust it`),
          { ...init, code: 'CROSS_ORIGIN_REDIRECT' },
        );
      }
      if (hops === MAX_REDIRECTS) throw new RedirectError(`${label(request)}: more than ${MAX_REDIRECTS} redirects`, { ...init, code: 'TOO_MANY_REDIRECTS' });
      const toGet = response.status === 303 ? request.method !== 'HEAD' : response.status <= 302 && request.method === 'POST';
      request = toGet
        ? new Request(target, { method: 'GET', headers: withoutBodyHeaders(request.headers), redirect: 'manual' })
        : new Request(target, { method: replay.method, headers: replay.headers, body: replay.body === null ? null : await replay.arrayBuffer(), redirect: 'manual' });
    }
  }

  /** The JSON of a 2xx body, or {@link ResponseValidationError} where it is not JSON or is missing. */
  #json(text: string, response: Response, request: Request | undefined, call: CallOptions): unknown {
    if (text === '') {
      if (response.status === 204 || response.status === 205 || request?.method === 'HEAD' || call.allowEmpty) return undefined;
      throw this.#invalid(response, request, 'EMPTY_BODY', 'an empty body where the API promises a record', text);
    }
    try {
      return JSON.parse(text);
    } catch {
      const type = response.headers.get('content-type');
      throw this.#invalid(response, request, 'INVALID_JSON', `a body that is not JSON${type ? ` (${type})` : ''}`, text);
    }
  }

  #invalid(response: Response, request: Request | undefined, code: string, what: string, text: string): ResponseValidationError {
    return new ResponseValidationError(this.secrets.redact(`${label(request)}: HTTP ${response.status} with ${what}`), {
      statusCode: response.status,
      code,
      detail: this.secrets.redact(text.slice(0, EXCERPT)),
      requestId: this.#requestId(response.headers),
    });
  }

  /** Waits before the next retry, or throws `error` when this failure is not (or no longer) retried. */
  async #backoff(retryable: boolean, retry: number, call: CallOptions, error: ClientError, what: string, retryAfterMs?: number) {
    const wait = retryable ? this.retryDelay(retry, call, retryAfterMs) : undefined;
    if (wait === undefined) throw error;
    this.logger.debug(`${what}: ${error.message}; retry ${retry + 1} in ${Math.round(wait)} ms`);
    await sleep(wait, call.signal);
  }

  #requestId(headers: Headers | undefined, body?: unknown): string | undefined {
    const id = headers?.get('x-request-id') ?? headers?.get('request-id') ?? requestIdFromBody(body);
    return id === undefined ? undefined : this.secrets.redact(id);
  }

  /**
   * The typed error for a status and an already-parsed body (JSON, else text). Every string
   * taken from the response — message, `code`, `detail`, `requestId` — is redacted.
   */
  errorFromBody(status: number, body: unknown, headers?: Headers, statusText = ''): ClientError {
    const code = codeFromBody(body);
    const init = {
      statusCode: status,
      code: code === undefined ? undefined : this.secrets.redact(code),
      detail: this.secrets.redactValue(body),
      requestId: this.#requestId(headers, body),
    };
    const message = this.secrets.redact(messageFromBody(body) ?? (statusText || `HTTP ${status}`));
    const Class = this.#classify?.(status, body) ?? errorClassFor(status);
    if (Class === RateLimitError) {
      const retryAfterMs = headers ? parseRetryAfter(headers) : undefined;
      return new RateLimitError(`${message} (HTTP ${status})`, { ...init, retryAfterMs });
    }
    return new Class(`${message} (HTTP ${status})`, init);
  }
}

/** A traced call's state: the span of the request in flight, and how many were sent before it. */
interface Trace {
  tracer: Tracer;
  template: string;
  parent: StreamSpan | undefined;
  sent: number;
  span: SpanLike | undefined;
}

/** The client's {@link Tracer}, or `undefined` when tracing is off. Throws {@link ValidationError}. */
function tracerFor(options: TracingOptions | undefined, secrets: Secrets): Tracer | undefined {
  if (options === undefined) return undefined;
  const ok = (v: unknown, key: string) => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[key] === 'object';
  const usable =
    typeof options === 'object' && options !== null &&
    (typeof options.tracer?.startSpan === 'function' || (ok(options.api, 'trace') && ok(options.api, 'propagation') && ok(options.api, 'context')));
  if (!usable) throw new ValidationError('tracing must be { api } (the @opentelemetry/api module) or { tracer } (an OpenTelemetry Tracer)', { statusCode: 400 });
  return new Tracer(options, secrets);
}

/** The request headers of a redirect that drops the body (the Fetch standard's request-body-header names). */
function withoutBodyHeaders(headers: Headers): Headers {
  const out = new Headers(headers);
  for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) out.delete(name);
  return out;
}

/** `GET /jobs/`: how errors and log lines name a request (none was sent when a middleware answered). */
function label(request: Request | undefined): string {
  return request ? `${request.method} ${new URL(request.url).pathname}` : 'request';
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
 * A successful call's data and its final `Response`, for an `APIPromise`. The transport throws on
 * every failure, so a result that reaches here is a success; 204s give `data: undefined`.
 */
export function answer<T>(result: { data?: T; error?: unknown; response: Response }): WithResponse<T> {
  return { data: result.data as T, response: result.response };
}
