import { APIPromise, CursorPage, PagePromise, ResponseStream, StreamAnswer, answer, traced, type RequestOptions, type WithResponse } from '../core/index.js';
import { callOptions, streamBody, streamCall, streamContext, streamSpan, type HostedContext, type StreamOptions } from './call.js';
import { isRunTerminal, runDecoder, type RunStreamEvent } from './events.js';
import { checkRunId, checkSince, runListQuery, startRunBody, streamOptions } from './params.js';
import { follow, seqOf } from './stream.js';
import type { Run, RunListParams, StartRunParams } from './types.js';

/** Options of `runs.stream`: resume point, idle timeout, cancellation, and the usual per-call options. */
export interface RunStreamOptions extends StreamOptions {
  /** Start after this `seq` (exclusive: `since: 2` starts at seq 3). Omit for the whole replay buffer. */
  since?: number;
}

/** `client.runs`: durable, observable Runs on an agntz worker (`/runs`). */
export class Runs {
  readonly #c: HostedContext;

  /** @internal Built by `HostedClient`. */
  constructor(context: HostedContext) {
    this.#c = context;
  }

  get #t() {
    return this.#c.transport;
  }

  /**
   * Starts a Run and returns it at once: `POST /runs` → **201** with the Run (usually
   * `running`) and `Location: /runs/{id}` (the same id as `run.id`). An unknown agent still
   * answers 201; the Run then fails (follow it with {@link stream}). Not resent once the
   * worker may have acted. `webhookSecretName` is required with `callbackUrl`. Never throws:
   * bad parameters reject with `ValidationError` before any I/O; other errors as `agents.run`.
   */
  start(params: StartRunParams, options?: RequestOptions): APIPromise<Run> {
    return APIPromise.run(async () => {
      const body = startRunBody(params);
      const call = callOptions(params.signal, options);
      return answer(await this.#t.client.POST('/runs', { body, ...this.#t.init({ ...call, unsafe: true }) }));
    });
  }

  /** The Run as it is now: `GET /runs/{id}`. Rejects with `NotFoundError` (404) for an unknown or another user's Run, `ValidationError` for a malformed id. */
  get(runId: string, options?: RequestOptions): APIPromise<Run> {
    return APIPromise.run(async () => {
      const id = checkRunId(runId);
      return answer(await this.#t.client.GET('/runs/{runId}', { params: { path: { runId: id } }, ...this.#t.init(options) }));
    });
  }

  /**
   * Asks a live Run (and its children) to stop: `POST /runs/{id}/cancel`. Answers the Run as it
   * was — usually **still `running`**; it becomes `cancelled` shortly after (poll {@link get}
   * or follow {@link stream}). Rejects with `NotFoundError` (404) for an unknown Run (an ended
   * one answers 200 until the worker evicts it, about 5 minutes after it ended).
   */
  cancel(runId: string, options?: RequestOptions): APIPromise<Run> {
    return APIPromise.run(async () => {
      const id = checkRunId(runId);
      return answer(await this.#t.client.POST('/runs/{runId}/cancel', { params: { path: { runId: id } }, ...this.#t.init(options) }));
    });
  }

  /**
   * Lists Runs, newest first: `GET /runs`. `await` it for the first page (`rows`, `cursor`,
   * `nextPage()`), or `for await` over it for every Run of every page, each page fetched as the
   * loop reaches it. Filters are checked before any I/O (`limit` 1–200, `status` a RunStatus,
   * instants as `Date`, epoch ms or ISO-8601, sent as ISO-8601). Never throws: bad filters
   * reject the PagePromise with `ValidationError` (`runs.list({limit: 0}).catch(h)` reaches `h`;
   * a `for await` over it throws there).
   */
  list(params: RunListParams = {}, options?: RequestOptions): PagePromise<Run> {
    const t = this.#t;
    const first = async (): Promise<WithResponse<CursorPage<Run>>> => {
      const query = runListQuery(params);
      const page = async (cursor: string | undefined): Promise<WithResponse<CursorPage<Run>>> => {
        const q = cursor === undefined ? query : { ...query, cursor };
        const { data, response } = answer(await t.client.GET('/runs', { params: { query: q as never }, ...t.init(options) }));
        return { data: new CursorPage(data.rows, data.cursor, page), response };
      };
      return page(params.cursor);
    };
    return new PagePromise(first());
  }

  /**
   * Follows a Run and its child runs: `GET /runs/{id}/stream`. Yields {@link RunStreamEvent}s
   * (children's too: compare `event.runId` with `runId`) and ends on the **root** run's
   * `run-complete`, `run-error` or `run-cancelled`, or on `snapshot` (the stored Run, once it was
   * evicted). When the connection drops or ends early it reconnects with `?since=<last seq>`
   * after a backed-off wait, so no event is yielded twice and none is lost (within the
   * worker's 1,000-event replay buffer); after `maxRetries` reconnects without a new event it
   * throws `StreamError` `STREAM_TRUNCATED`. Throws `StreamError` `STREAM_ERROR` for a
   * `stream-error` frame, `INVALID_SSE_PAYLOAD` for data that is not JSON, `NotFoundError` for
   * an unknown Run. When the worker sends nothing for `options.idleTimeoutMs` (default: the
   * client's, 10 minutes) the connection is closed and resumed the same way. `break` or the
   * signal closes the connection (the Run keeps running).
   *
   * The id and options are checked when `stream()` is called: bad ones throw `ValidationError`
   * synchronously, before any I/O. Once connected, the stream's `response` / `headers` are the
   * worker's HTTP response of the latest connection (a reconnect replaces them).
   */
  stream(runId: string, options?: RunStreamOptions): ResponseStream<RunStreamEvent> {
    const id = checkRunId(runId);
    const { call: { since, ...call }, idleTimeoutMs } = streamOptions(options, this.#c.idleTimeoutMs);
    const from = checkSince(since);
    const t = this.#t;
    const seen = new StreamAnswer();
    const trace = t.tracer && streamSpan(t.tracer, 'GET', '/runs/{runId}/stream', { 'agentwire.run.id': id, 'agentwire.stream.since': from });
    const open = async (after: number | undefined) =>
      streamBody(
        await t.client.GET('/runs/{runId}/stream', {
          params: { path: { runId: id }, query: after === undefined ? {} : { since: after } },
          ...t.init(streamCall(call, { trace })),
        }),
        `GET /runs/${id}/stream`,
        seen,
      );
    const events = follow(open, runDecoder(t.secrets), isRunTerminal(id), { seq: seqOf }, `GET /runs/${id}/stream`, {
      ...streamContext(t, call, idleTimeoutMs, trace),
      since: from,
      resumeOnIdle: true,
    });
    return new ResponseStream(traced(events, trace), seen);
  }
}
