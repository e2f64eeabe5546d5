/**
 * Opt-in OpenTelemetry. The user hands the clients the `@opentelemetry/api` module (or a
 * `Tracer` and that module); agentwire never imports it — not even its types: the shapes below
 * are the few members of the OpenTelemetry JS API 1.x it calls, which the real module satisfies
 * structurally. So a bundle of the clients never pulls the API in, a project without it installed
 * compiles and runs, and with `tracing` unset no span, context or header object is ever made
 * (every hook below is reached through `tracer?.…`).
 *
 * Spans follow the OpenTelemetry HTTP semantic conventions (v1.26+, stable HTTP attributes):
 * one `CLIENT` span per physical HTTP request, redirects and retries each their own, named
 * `{method} {url.template}`; W3C `traceparent` injected into each request.
 */
import { StreamLimitError } from './errors.js';
import type { Secrets } from './redact.js';

/** Attribute values as OpenTelemetry takes them. */
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue | undefined>;

/** The members of an OpenTelemetry `Span` that agentwire calls. */
export interface SpanLike {
  setAttribute(key: string, value: AttributeValue): unknown;
  addEvent(name: string, attributes?: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
  end(): void;
}

/** The member of an OpenTelemetry `Tracer` that agentwire calls (`trace.getTracer(...)`). */
export interface TracerLike {
  startSpan(name: string, options?: { kind?: number; attributes?: Attributes }, context?: any): SpanLike;
}

/**
 * The members of the `@opentelemetry/api` module agentwire calls: pass the module itself
 * (`import * as otel from '@opentelemetry/api'`).
 */
export interface OpenTelemetryApi {
  trace: { getTracer(name: string, version?: string): TracerLike; setSpan(context: any, span: any): any };
  context: { active(): any };
  propagation: { inject(context: any, carrier: any, setter?: any): void };
}

/**
 * The `tracing` client option. Either field turns tracing on.
 *
 * ```ts
 * import * as otel from '@opentelemetry/api';
 * const agent = new AgentClient({ baseUrl, agentToken, tracing: { api: otel } });
 * ```
 */
export interface TracingOptions {
  /**
   * The `@opentelemetry/api` module: spans go to its global tracer provider (tracer
   * `agentwire`), nest under its active context, and its registered propagator writes the
   * request headers (W3C `traceparent` is written from the span when no propagator wrote one).
   */
  api?: OpenTelemetryApi;
  /** A tracer to use instead of the API's global one (e.g. from your own `TracerProvider`). */
  tracer?: TracerLike;
}

/** `SpanKind` and `SpanStatusCode` values of the OpenTelemetry API (stable since 1.0). */
const INTERNAL = 0;
const CLIENT = 2;
const ERROR = 2;

/** Query parameters whose values never reach a span (the semantic conventions' list, and common token names). */
const SECRET_PARAMS = /^(?:awsaccesskeyid|signature|sig|x-goog-signature|x-amz-signature|x-amz-credential|x-amz-security-token|token|access_token|api_key|apikey|key|auth|password|secret|client_secret)$/i;

/** `url.full` without credentials: userinfo and sensitive query values become `REDACTED`, known secrets masked. */
export function redactUrl(url: string, secrets: Secrets): string {
  let out = url;
  try {
    const u = new URL(url);
    if (u.username) u.username = 'REDACTED';
    if (u.password) u.password = 'REDACTED';
    if (u.search) {
      for (const key of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(key)) u.searchParams.set(key, 'REDACTED');
    }
    out = u.href;
  } catch {
    // not a URL: masked below
  }
  return secrets.redact(out);
}

function portOf(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;
}

/** A W3C `traceparent` value for a span (the Trace Context Level 1 format, version `00`). */
function traceparent(span: SpanLike): string {
  const c = span.spanContext();
  return `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Writes a header into a `Headers` or a plain record (the propagator's carrier). */
const setter = {
  set(carrier: Headers | Record<string, string>, key: string, value: string) {
    if (carrier instanceof Headers) carrier.set(key, value);
    else carrier[key] = value;
  },
};

/** The `error.type` of a failure: its `code` (`ECONNREFUSED`, `STREAM_IDLE`), else its class name. */
function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code) return code;
  return err instanceof Error ? err.name : '_OTHER';
}

/** One stream's span: events on the way, counts and status at the end. */
export class StreamSpan {
  readonly #span: SpanLike;
  readonly #tracer: Tracer;
  /** The API's context with this span active: the parent of the stream's HTTP requests. */
  readonly context: unknown;
  #items = 0;
  #ended = false;

  constructor(span: SpanLike, tracer: Tracer, context: unknown) {
    this.#span = span;
    this.#tracer = tracer;
    this.context = context;
  }

  /** Writes this span's trace context into a WebSocket handshake's headers. */
  inject(headers: Record<string, string>): void {
    this.#tracer.inject(this.#span, headers);
  }

  /** An event on the stream's span: `fallback`, `reconnect` (with `since`), `limit`. */
  event(name: string, attributes?: Attributes): void {
    this.#span.addEvent(name, attributes);
  }

  /** One more line or event delivered to the caller. */
  item(): void {
    this.#items++;
  }

  /** Ends the span once, with the count and, on failure, the error. */
  end(err?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#span.setAttribute('agentwire.stream.items', this.#items);
    if (err !== undefined) this.#tracer.failed(this.#span, err);
    else this.#span.end();
  }
}

/** The tracer of one client: made only when the user turned tracing on. */
export class Tracer {
  readonly #api: OpenTelemetryApi | undefined;
  readonly #tracer: TracerLike;
  readonly #secrets: Secrets;

  constructor(options: TracingOptions, secrets: Secrets) {
    this.#api = options.api;
    const tracer = options.tracer ?? options.api?.trace.getTracer('agentwire');
    if (!tracer) throw new TypeError('tracing needs api or tracer');
    this.#tracer = tracer;
    this.#secrets = secrets;
  }

  /**
   * Starts the `CLIENT` span of one physical request and writes the trace context into its
   * headers. `resend` counts the requests sent before it for the same call (retries and
   * redirects), as `http.request.resend_count`.
   */
  request(request: Request, template: string | undefined, resend: number, parent?: StreamSpan): SpanLike {
    const u = new URL(request.url);
    const span = this.#tracer.startSpan(template ? `${request.method} ${template}` : request.method, {
      kind: CLIENT,
      attributes: {
        'http.request.method': request.method,
        'server.address': u.hostname,
        'server.port': portOf(u),
        'url.full': redactUrl(request.url, this.#secrets),
        'url.template': template,
        'http.request.resend_count': resend > 0 ? resend : undefined,
      },
    }, parent?.context);
    this.inject(span, request.headers);
    return span;
  }

  /** Writes the span's trace context into `carrier`: the API's propagator, else a W3C `traceparent`. */
  inject(span: SpanLike, carrier: Headers | Record<string, string>): void {
    if (this.#api) this.#api.propagation.inject(this.#api.trace.setSpan(this.#api.context.active(), span), carrier, setter);
    const has = carrier instanceof Headers ? carrier.has('traceparent') : 'traceparent' in carrier;
    if (!has) setter.set(carrier, 'traceparent', traceparent(span));
  }

  /** Ends a request's span with its response status (an error at 400 and above, as for any client). */
  response(span: SpanLike, status: number): void {
    span.setAttribute('http.response.status_code', status);
    if (status >= 400) {
      span.setAttribute('error.type', String(status));
      span.setStatus({ code: ERROR });
    }
    span.end();
  }

  /**
   * Ends a span with a failure that has no status (a refused connection, a timeout, an abort):
   * `error.type` is `type` or the error's code or class name; the status message is redacted.
   */
  failed(span: SpanLike, err: unknown, type = errorType(err)): void {
    span.setAttribute('error.type', type);
    span.setStatus({ code: ERROR, message: this.#secrets.redact(err instanceof Error ? err.message : String(err)) });
    span.end();
  }

  /** Starts a stream's span (`agentwire.stream` kind `INTERNAL`), e.g. `tail raysubmit_abc`. */
  stream(name: string, attributes: Attributes): StreamSpan {
    const span = this.#tracer.startSpan(name, { kind: INTERNAL, attributes });
    const api = this.#api;
    return new StreamSpan(span, this, api ? api.trace.setSpan(api.context.active(), span) : undefined);
  }
}

/**
 * `items` counted under `span`: each item delivered is counted, and the span ends when the
 * stream does — its last item, a failure (a stream limit also as a `limit` event), or the
 * caller leaving the loop. Without a span, `items` itself: no wrapper on the untraced path.
 */
export function traced<T>(items: AsyncGenerator<T, void, undefined>, span: StreamSpan | undefined): AsyncGenerator<T, void, undefined> {
  return span ? count(items, span) : items;
}

async function* count<T>(items: AsyncGenerator<T, void, undefined>, span: StreamSpan): AsyncGenerator<T, void, undefined> {
  try {
    for await (const item of items) {
      span.item();
      yield item;
    }
  } catch (err) {
    if (err instanceof StreamLimitError) span.event('limit', { 'error.type': err.code ?? err.name });
    span.end(err);
    throw err;
  } finally {
    span.end();
  }
}
