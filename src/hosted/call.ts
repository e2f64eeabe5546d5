/**
 * What the hosted resources share: the typed transport, the client's stream defaults, and how
 * one call's options are merged (a `signal` may come in the parameters, as the agntz client
 * takes it, or in the per-call options).
 */
import { StreamError, type CallOptions, type RequestOptions, type StreamAnswer, type StreamSpan, type Tracer, type Transport } from '../core/index.js';
import type { StreamContext } from './stream.js';
import type { HostedPaths } from './types.js';

/** The transport every hosted resource uses. */
export type HostedTransport = Transport<HostedPaths>;

/** What a hosted resource is built with: the transport and the client's stream idle timeout (ms). */
export interface HostedContext {
  transport: HostedTransport;
  idleTimeoutMs: number;
}

/**
 * Per-call options of a stream (`agents.stream`, `runs.stream`, `traces.stream`): the
 * {@link RequestOptions} (`timeout` bounds the wait for the response headers) and the idle
 * timeout of the body.
 */
export interface StreamOptions extends RequestOptions {
  /**
   * Longest wait for the worker's next bytes once the stream is open, in **ms** (1 ms – 24 h).
   * Default: the client's `idleTimeoutMs` (10 minutes). Only waits for the server count, not
   * the time your loop spends on an event.
   */
  idleTimeoutMs?: number;
}

/** Merges a `signal` given in the parameters (as the agntz client takes it) with the per-call options (the options win). */
export function callOptions(signal: AbortSignal | undefined, options: RequestOptions = {}): RequestOptions {
  return signal && !options.signal ? { ...options, signal } : options;
}

/** The transport options of a stream request: not buffered, `Accept: text/event-stream`. */
export function streamCall(call: RequestOptions, extra: Partial<CallOptions> = {}): CallOptions {
  return { ...call, ...extra, stream: true, headers: { accept: 'text/event-stream', ...call.headers } };
}

/** The stream readers' view of the client for one call. */
export function streamContext(t: HostedTransport, call: RequestOptions, idleTimeoutMs: number, trace?: StreamSpan): StreamContext {
  return { secrets: t.secrets, logger: t.logger, signal: call.signal, retryDelay: (n) => t.retryDelay(n, call), idleTimeoutMs, trace };
}

/** The span of one stream (`stream POST /run/stream`). Call it as `t.tracer && streamSpan(…)`: nothing is built when tracing is off. */
export function streamSpan(tracer: Tracer, method: string, template: string, attributes: Record<string, string | number | undefined> = {}): StreamSpan {
  return tracer.stream(`stream ${method} ${template}`, { 'http.request.method': method, 'url.template': template, ...attributes });
}

/**
 * The body of a stream response (openapi-fetch `parseAs: 'stream'`), its response recorded in
 * `answer`; a bodiless 2xx is a {@link StreamError}.
 */
export function streamBody(result: { data?: unknown; response: Response }, what: string, answer: StreamAnswer): ReadableStream<Uint8Array> {
  answer.http(result.response);
  const body = result.data as ReadableStream<Uint8Array> | null | undefined;
  if (!body) throw new StreamError(`${what} answered ${result.response.status} without a stream body`, { code: 'STREAM_TRUNCATED', statusCode: result.response.status });
  return body;
}
