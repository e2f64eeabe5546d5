import { APIPromise, CursorPage, PagePromise, ResponseStream, StreamAnswer, answer, traced, type RequestOptions, type WithResponse } from '../core/index.js';
import { streamBody, streamCall, streamContext, streamSpan, type HostedContext, type StreamOptions } from './call.js';
import { isTraceTerminal, traceDecoder, traceEventKey, type TraceStreamEvent } from './events.js';
import { checkTraceId, streamOptions, traceListQuery } from './params.js';
import { follow } from './stream.js';
import type { TraceDetail, TraceListParams, TraceSummary } from './types.js';

/** `client.traces`: the span trees an agntz worker records for each root Run (`/traces`). */
export class Traces {
  readonly #c: HostedContext;

  /** @internal Built by `HostedClient`. */
  constructor(context: HostedContext) {
    this.#c = context;
  }

  get #t() {
    return this.#c.transport;
  }

  /**
   * A trace with all its spans: `GET /traces/{id}` → `{summary, spans}` (times ISO-8601). A root
   * Run's trace id is its run id, so `traces.get(run.id)` works. Rejects with `NotFoundError`
   * (404), `ValidationError` for a malformed id (before any I/O).
   */
  get(traceId: string, options?: RequestOptions): APIPromise<TraceDetail> {
    return APIPromise.run(async () => {
      const id = checkTraceId(traceId);
      return answer(await this.#t.client.GET('/traces/{traceId}', { params: { path: { traceId: id } }, ...this.#t.init(options) }));
    });
  }

  /** Deletes a trace and its spans: `DELETE /traces/{id}` → 204. Rejects with `NotFoundError` (404), `ValidationError` for a malformed id. */
  delete(traceId: string, options?: RequestOptions): APIPromise<void> {
    return APIPromise.run(async () => {
      const id = checkTraceId(traceId);
      const { response } = await this.#t.client.DELETE('/traces/{traceId}', { params: { path: { traceId: id } }, ...this.#t.init(options) });
      return { data: undefined, response };
    });
  }

  /**
   * Lists trace summaries, newest first: `GET /traces`, paged like `runs.list` (`await` for the
   * first page, `for await` for every row). `status` is a span status (`running`, `ok`, `error`,
   * `cancelled`); there is no `rootsOnly`. Filters are checked before any I/O. Never throws:
   * bad filters reject the PagePromise with `ValidationError`.
   */
  list(params: TraceListParams = {}, options?: RequestOptions): PagePromise<TraceSummary> {
    const t = this.#t;
    const first = async (): Promise<WithResponse<CursorPage<TraceSummary>>> => {
      const query = traceListQuery(params);
      const page = async (cursor: string | undefined): Promise<WithResponse<CursorPage<TraceSummary>>> => {
        const q = cursor === undefined ? query : { ...query, cursor };
        const { data, response } = answer(await t.client.GET('/traces', { params: { query: q as never }, ...t.init(options) }));
        return { data: new CursorPage(data.rows, data.cursor, page), response };
      };
      return page(params.cursor);
    };
    return new PagePromise(first());
  }

  /**
   * Follows a trace: `GET /traces/{id}/stream` yields `span-start`, `span-end`, then the terminal
   * `trace-done`, or a single terminal `snapshot` (`{summary, spans}`) for a trace no longer in
   * progress. The worker offers no resume point (no `id:`, no `since`): after a drop the client
   * reconnects with backoff like `runs.stream` and drops the span events it already yielded
   * (keyed by span id). Spans that both start and end while disconnected are only in
   * {@link get}. When the worker sends nothing for `options.idleTimeoutMs` (default: the
   * client's, 10 minutes) the stream closes its connection and throws `RequestTimeoutError`
   * (408, code `STREAM_IDLE`): without a resume point, a reconnect could not promise to lose
   * nothing. Other errors as `runs.stream`. The id and options are checked when `stream()` is
   * called: bad ones throw `ValidationError` synchronously, before any I/O. Once connected, the
   * stream's `response` / `headers` are those of its latest connection.
   */
  stream(traceId: string, options?: StreamOptions): ResponseStream<TraceStreamEvent> {
    const id = checkTraceId(traceId);
    const { call, idleTimeoutMs } = streamOptions(options, this.#c.idleTimeoutMs);
    const t = this.#t;
    const seen = new StreamAnswer();
    const trace = t.tracer && streamSpan(t.tracer, 'GET', '/traces/{traceId}/stream', { 'agentwire.trace.id': id });
    const open = async () =>
      streamBody(
        await t.client.GET('/traces/{traceId}/stream', { params: { path: { traceId: id } }, ...t.init(streamCall(call, { trace })) }),
        `GET /traces/${id}/stream`,
        seen,
      );
    const events = follow(open, traceDecoder(t.secrets), isTraceTerminal, { key: traceEventKey }, `GET /traces/${id}/stream`, streamContext(t, call, idleTimeoutMs, trace));
    return new ResponseStream(traced(events, trace), seen);
  }
}
