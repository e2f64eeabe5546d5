import { unwrap, type RequestOptions } from '../core/index.js';
import { callOptions, streamBody, streamCall, streamContext, type HostedTransport } from './call.js';
import { agentDecoder, isAgentTerminal, type AgentStreamEvent } from './events.js';
import { runBody } from './params.js';
import { readToTerminal } from './stream.js';
import type { RunParams, RunResult } from './types.js';

/** `client.agents`: one-shot runs (PROTOCOLS.md §2, `POST /run`, `POST /run/stream`). */
export class Agents {
  readonly #t: HostedTransport;

  constructor(transport: HostedTransport) {
    this.#t = transport;
  }

  /**
   * Runs an agent to completion: `POST /run` → `{output, state, runId, sessionId, usage, replies?, ...}`.
   * Never resent once the worker may have acted on it (only connection refused, 429 and 503 are
   * retried). Throws `ValidationError` for bad parameters (before any I/O) and for 400,
   * `AuthenticationError` 401, `NotFoundError` 404 (unknown agent, `code: 'NOT_FOUND'`),
   * `RateLimitError` 429 (`retryAfterMs`), `ServerError` 5xx (a model failure is a 500).
   */
  async run(params: RunParams, options?: RequestOptions): Promise<RunResult> {
    const body = runBody(params);
    const call = callOptions(params.signal, options);
    return unwrap(await this.#t.client.POST('/run', { body, ...this.#t.init({ ...call, unsafe: true }) }));
  }

  /**
   * Runs an agent and streams its events: `POST /run/stream`, parsed with eventsource-parser.
   * Yields {@link AgentStreamEvent}s — `start`, `reply` (as each reply is sent),
   * `client-tool-request`, then exactly one terminal `complete` (`output`, `state`, ...) or
   * `error` (`error`; a cancellation too) — and ends after the terminal one. Unknown events are
   * ignored. Throws `StreamError` `STREAM_TRUNCATED` when the stream ends or drops before its
   * terminal event (this stream cannot be resumed: its frames carry no `id:`),
   * `INVALID_SSE_PAYLOAD` for data that is not JSON, and the HTTP errors of {@link run} before
   * the stream starts. Leaving the loop (`break`) or aborting the signal closes the connection,
   * which cancels the run on the worker. Parameters are checked when `stream()` is called.
   */
  stream(params: RunParams, options?: RequestOptions): AsyncGenerator<AgentStreamEvent, void, undefined> {
    const body = runBody(params);
    const call = callOptions(params.signal, options);
    const t = this.#t;
    const open = async () => streamBody(await t.client.POST('/run/stream', { body, ...t.init(streamCall(call, { unsafe: true })) }), 'POST /run/stream');
    return readToTerminal(open, agentDecoder(), isAgentTerminal, 'POST /run/stream', streamContext(t, call));
  }
}
