import { CursorPage, PagePromise, unwrap, type RequestOptions } from '../core/index.js';
import { streamBody, streamCall, streamContext, type HostedTransport } from './call.js';
import { isTraceTerminal, traceDecoder, traceEventKey, type TraceStreamEvent } from './events.js';
import { checkTraceId, traceListQuery } from './params.js';
import { follow } from './stream.js';
import type { TraceDetail, TraceListParams, TraceSummary } from './types.js';

/** `client.traces`: the span trees recorded for each root Run (PROTOCOLS.md §2, `/traces`). */
export class Traces {
  readonly #t: HostedTransport;

  constructor(transport: HostedTransport) {
    this.#t = transport;
  }

  /**
   * A trace with all its spans: `GET /traces/{id}` → `{summary, spans}` (times ISO-8601). A root
   * Run's trace id is its run id, so `traces.get(run.id)` works. Throws `NotFoundError` (404).
   */
  async get(traceId: string, options?: RequestOptions): Promise<TraceDetail> {
    const id = checkTraceId(traceId);
    return unwrap(await this.#t.client.GET('/traces/{traceId}', { params: { path: { traceId: id } }, ...this.#t.init(options) }));
  }

  /** Deletes a trace and its spans: `DELETE /traces/{id}` → 204. Throws `NotFoundError` (404). */
  async delete(traceId: string, options?: RequestOptions): Promise<void> {
    const id = checkTraceId(traceId);
    await this.#t.client.DELETE('/traces/{traceId}', { params: { path: { traceId: id } }, ...this.#t.init(options) });
  }

  /**
   * Lists trace summaries, newest first: `GET /traces`, paged like `runs.list` (`await` for the
   * first page, `for await` for every row). `status` is a span status (`running`, `ok`, `error`,
   * `cancelled`); there is no `rootsOnly`. Filters are checked before any I/O.
   */
  list(params: TraceListParams = {}, options?: RequestOptions): PagePromise<TraceSummary> {
    const query = traceListQuery(params);
    const t = this.#t;
    const page = async (cursor: string | undefined): Promise<CursorPage<TraceSummary>> => {
      const q = cursor === undefined ? query : { ...query, cursor };
      const data = unwrap(await t.client.GET('/traces', { params: { query: q as never }, ...t.init(options) }));
      return new CursorPage(data.rows, data.cursor, page);
    };
    return new PagePromise(page(params.cursor));
  }

  /**
   * Follows a trace: `GET /traces/{id}/stream` yields `span-start`, `span-end`, then the terminal
   * `trace-done`, or a single terminal `snapshot` (`{summary, spans}`) for a trace no longer in
   * progress. The worker offers no resume point (no `id:`, no `since`): after a drop the client
   * reconnects with backoff like `runs.stream` and drops the span events it already yielded
   * (keyed by span id). Spans that both start and end while disconnected are only in
   * {@link get}. Errors as `runs.stream`.
   */
  stream(traceId: string, options: RequestOptions = {}): AsyncGenerator<TraceStreamEvent, void, undefined> {
    const id = checkTraceId(traceId);
    const t = this.#t;
    const open = async () =>
      streamBody(
        await t.client.GET('/traces/{traceId}/stream', { params: { path: { traceId: id } }, ...t.init(streamCall(options)) }),
        `GET /traces/${id}/stream`,
      );
    return follow(open, traceDecoder(t.secrets), isTraceTerminal, { key: traceEventKey }, `GET /traces/${id}/stream`, streamContext(t, options));
  }
}
