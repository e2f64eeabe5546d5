import { APIPromise, ResponseStream, StreamAnswer, answer, traced, type RequestOptions } from '../core/index.js';
import { callOptions, streamBody, streamCall, streamContext, streamSpan, type HostedContext, type StreamOptions } from './call.js';
import { agentDecoder, isAgentTerminal, type AgentStreamEvent } from './events.js';
import { runBody, streamOptions } from './params.js';
import { readToTerminal } from './stream.js';
import type { RunParams, RunResult } from './types.js';

/** `client.agents`: one-shot runs on an agntz worker (`POST /run`, `POST /run/stream`). */
export class Agents {
  readonly #c: HostedContext;

  /** @internal Built by `HostedClient`. */
  constructor(context: HostedContext) {
    this.#c = context;
  }

  /**
   * Runs an agent to completion: `POST /run` → `{output, state, runId, sessionId, usage, replies?, ...}`.
   * Never resent once the worker may have acted on it (only connection refused, 429 and 503 are
   * retried). Never throws: the promise rejects with `ValidationError` for bad parameters
   * (before any I/O) and for 400, `AuthenticationError` 401, `NotFoundError` 404 (unknown agent,
   * `code: 'NOT_FOUND'`), `RateLimitError` 429 (`retryAfterMs`), `ServerError` 5xx (a model
   * failure is a 500).
   */
  run(params: RunParams, options?: RequestOptions): APIPromise<RunResult> {
    return APIPromise.run(async () => {
      const body = runBody(params);
      const call = callOptions(params.signal, options);
      const t = this.#c.transport;
      return answer(await t.client.POST('/run', { body, ...t.init({ ...call, unsafe: true }) }));
    });
  }

  /**
   * Runs an agent and streams its events: `POST /run/stream`, parsed with eventsource-parser.
   * Yields {@link AgentStreamEvent}s one at a time — `start`, `reply` (as each reply is sent),
   * `client-tool-request`, then exactly one terminal `complete` (`output`, `state`, ...) or
   * `error` (`error`; a cancellation too) — and ends after the terminal one. Unknown events are
   * ignored.
   *
   * Parameters and options are checked when `stream()` is called: bad ones throw
   * `ValidationError` synchronously, before any I/O. Once iterating, throws `StreamError`
   * `STREAM_TRUNCATED` when the stream ends or drops before its terminal event (this stream
   * cannot be resumed: its frames carry no `id:`), `INVALID_SSE_PAYLOAD` for data that is not
   * JSON, `RequestTimeoutError` (408, code `STREAM_IDLE`) when the worker sends nothing for
   * `options.idleTimeoutMs` (default: the client's, 10 minutes: an `llm` agent sends nothing
   * between `start` and its terminal event), and the HTTP errors of {@link run} before the
   * stream starts. Leaving the loop (`break`), aborting the signal or an idle timeout closes
   * the connection, which cancels the run on the worker.
   *
   * Once connected, the stream's `response` is the worker's HTTP response (status, headers such
   * as `x-request-id`) and `headers` its headers.
   */
  stream(params: RunParams, options?: StreamOptions): ResponseStream<AgentStreamEvent> {
    const body = runBody(params);
    const { call: checked, idleTimeoutMs } = streamOptions(options, this.#c.idleTimeoutMs);
    const call = callOptions(params.signal, checked);
    const t = this.#c.transport;
    const seen = new StreamAnswer();
    const trace = t.tracer && streamSpan(t.tracer, 'POST', '/run/stream');
    const open = async () => streamBody(await t.client.POST('/run/stream', { body, ...t.init(streamCall(call, { unsafe: true, trace })) }), 'POST /run/stream', seen);
    return new ResponseStream(traced(readToTerminal(open, agentDecoder(), isAgentTerminal, 'POST /run/stream', streamContext(t, call, idleTimeoutMs, trace)), trace), seen);
  }
}
