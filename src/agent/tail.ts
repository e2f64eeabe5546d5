import type { paths } from '../../generated/agent.js';
import { SOCKET_SENDS_HEADERS } from '#platform';
import { StreamAnswer, type ConnectedStream } from '../core/api-promise.js';
import { ClientError, ConnectionError, RequestTimeoutError, ServerError } from '../core/errors.js';
import { bodyLines } from '../core/lines.js';
import { StreamBudget, type StreamLimits } from '../core/stream-limits.js';
import { describe, type Transport } from '../core/transport.js';
import { resolveTimeout } from '../core/timeout.js';
import { traced, type StreamSpan } from '../core/tracing.js';
import { checkId, checkOneOf, invalid } from '../core/validate.js';
import { openWebSocket, type CloseInfo, type WebSocketConnection } from '../core/websocket.js';
import { TailDecoder } from './frames.js';

/** How {@link AgentClient.tailJobLogs} reaches the log: `auto` (WebSocket, then HTTP), or one of the two. */
export type TailProtocol = 'auto' | 'websocket' | 'http';
/** Every {@link TailProtocol}. */
export const TAIL_PROTOCOLS: readonly TailProtocol[] = ['auto', 'websocket', 'http'];

/** The default tail timeout, ms (the Synapse SDK's 30 s). */
export const DEFAULT_TAIL_TIMEOUT_MS = 30_000;
/** The largest tail timeout accepted, ms (the Synapse SDK's 300 s). */
export const MAX_TAIL_TIMEOUT_MS = 300_000;

/** Options of one log tail. */
export interface TailOptions {
  /**
   * Milliseconds (the Synapse SDK's `timeout` is seconds: multiply by 1,000). Default 30,000,
   * at most 300,000. It bounds the connection (WebSocket handshake, or the HTTP response headers)
   * and then every wait for the server: waiting this long for the next frame or chunk fails
   * with {@link RequestTimeoutError} (408), on both transports. Time the caller spends on
   * lines already received does not count. A quiet job needs a longer one.
   */
  timeout?: number;
  /** Aborting closes the socket or response body at once; iteration rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Extra headers for this tail's handshake or request (never logged). */
  headers?: Record<string, string>;
}

/** Options of {@link AgentClient.tailJobLogs}. */
export interface TailJobLogsOptions extends TailOptions {
  /**
   * `auto` (default): WebSocket first, HTTP on a 5xx-class failure; or `websocket` / `http` only.
   * In a browser build `auto` is the HTTP tail: a browser's `WebSocket` cannot send the agent's
   * auth headers (`Authorization`, `SYNAPSE-User`, `SYNAPSE-Tenant`), so its handshake would be refused.
   */
  protocol?: TailProtocol;
}

/** What a tail needs from its client. */
export interface TailContext {
  transport: Transport<paths>;
  limits: StreamLimits;
}

/** A checked tail request. */
interface TailPlan {
  jobId: string;
  protocol: TailProtocol;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * Checks a tail's arguments (the Synapse SDK's AgentClient's checks): throws {@link ValidationError} (400)
 * — `job ID cannot be empty`, `Invalid job ID format`, `job ID too long`, `Invalid protocol: …`,
 * or a bad timeout — before any I/O.
 */
export function planTail(jobId: unknown, options: TailJobLogsOptions | undefined, fixed?: TailProtocol): TailPlan {
  const o = options ?? {};
  const id = checkId(jobId, 'job ID');
  const protocol = fixed ?? (o.protocol === undefined ? 'auto' : checkOneOf(o.protocol, 'protocol', TAIL_PROTOCOLS));
  let timeoutMs = DEFAULT_TAIL_TIMEOUT_MS;
  if (o.timeout !== undefined) {
    if (typeof o.timeout !== 'number') invalid(`timeout must be a number of milliseconds, got ${typeof o.timeout}`);
    timeoutMs = resolveTimeout(o.timeout, 'timeout', MAX_TAIL_TIMEOUT_MS).readMs;
  }
  return { jobId: id, protocol, timeoutMs, signal: o.signal, headers: o.headers };
}

/**
 * A running (or not yet started) log tail: iterate it with `for await` to receive log lines.
 * Each iteration opens its own connection. `protocol` says which transport is serving it,
 * `fallbackReason` why `auto` left the WebSocket, if it did, and, once connected, `headers`
 * what the agent answered the connection with (the WebSocket handshake's, or the HTTP tail's
 * response headers; `response` is the HTTP tail's `Response`).
 *
 * Lines, not chunks: each WebSocket message and each HTTP `data:` event ends its last line, and
 * both transports split and skip empty lines by one rule (see `messageLines`), which is what
 * lets `auto` resume over HTTP without repeating a line.
 */
export class JobLogTail implements AsyncIterable<string>, ConnectedStream {
  #protocol: 'websocket' | 'http' | undefined;
  #fallbackReason: ClientError | undefined;
  readonly #answer = new StreamAnswer();

  /** @internal */
  constructor(
    private readonly ctx: TailContext,
    private readonly plan: TailPlan,
  ) {}

  /** The transport in use: `undefined` before the first line is asked for. */
  get protocol(): 'websocket' | 'http' | undefined {
    return this.#protocol;
  }

  /** The WebSocket failure that made `auto` switch to HTTP, if it did. */
  get fallbackReason(): ClientError | undefined {
    return this.#fallbackReason;
  }

  /**
   * The HTTP tail's response (`GET jobs/{id}/logs/stream/`: status, headers), once it answered;
   * `undefined` before, and while the WebSocket serves the tail.
   */
  get response(): Response | undefined {
    return this.#answer.response;
  }

  /**
   * The headers the agent answered the current connection with: the WebSocket handshake's
   * (`101`) or the HTTP tail's response's. `undefined` before it connected (and for a browser's
   * `WebSocket`, which hides them).
   */
  get headers(): Headers | undefined {
    return this.#answer.headers;
  }

  [Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    this.#fallbackReason = undefined;
    this.#answer.response = this.#answer.headers = undefined;
    // A browser's WebSocket cannot send the auth headers: there `auto` is the HTTP tail.
    const http = this.plan.protocol === 'http' || (this.plan.protocol === 'auto' && !SOCKET_SENDS_HEADERS);
    const trace = this.ctx.transport.tracer?.stream('tail /jobs/{job_id}/logs', { 'agentwire.job.id': this.plan.jobId, 'agentwire.tail.protocol': this.plan.protocol });
    return traced(http ? this.#http(0, trace) : this.#run(trace), trace);
  }

  /**
   * The tail's lines: the WebSocket, then — for `auto`, after a 5xx-class failure — the HTTP
   * tail, told how many lines were already delivered.
   */
  async *#run(trace: StreamSpan | undefined): AsyncGenerator<string, void, undefined> {
    const { protocol, signal } = this.plan;
    /** Lines delivered so far: the HTTP tail after a fallback skips this many. */
    let delivered = 0;
    this.#protocol = 'websocket';
    let conn: WebSocketConnection | undefined;
    let completed = false;
    const headers = this.ctx.transport.headers(this.plan.headers);
    trace?.inject(headers);
    try {
      conn = await openWebSocket(this.#wsUrl(), {
        label: `WebSocket tail of job ${this.plan.jobId}`,
        headers,
        handshakeTimeoutMs: this.plan.timeoutMs,
        // Counts only the waits for the server: a consumer slower than the timeout is not silence.
        idleTimeoutMs: this.plan.timeoutMs,
        signal,
        secrets: this.ctx.transport.secrets,
        refused: (status, body, headers) => this.ctx.transport.errorFromBody(status, body, headers),
      });
      this.#answer.websocket(conn.headers);
      const decoder = this.#decoder('message', trace);
      for (let text = await conn.read(); text !== undefined; text = await conn.read()) {
        for (const line of decoder.frame(text)) {
          delivered++;
          yield line;
        }
        if (decoder.complete) {
          completed = true;
          return;
        }
      }
      this.#checkClose(conn.closeInfo);
      return;
    } catch (err) {
      if (protocol === 'websocket' || signal?.aborted || !fallsBack(err)) throw err;
      this.#fallbackReason = err as ClientError;
      trace?.event('fallback', { 'agentwire.tail.protocol': 'http', 'error.type': (err as ClientError).code ?? (err as ClientError).name, 'agentwire.stream.items': delivered });
      this.ctx.transport.logger.info(
        `log tail of job ${this.plan.jobId}: WebSocket failed after ${delivered} line(s) (${(err as Error).message}); falling back to HTTP`,
      );
    } finally {
      if (completed) conn?.close(1000, '');
      else conn?.close();
    }
    yield* this.#http(delivered, trace);
  }

  /** The HTTP tail's lines, without its first `skip` (already delivered over the WebSocket). */
  async *#http(skip: number, trace: StreamSpan | undefined): AsyncGenerator<string, void, undefined> {
    const { jobId, timeoutMs, signal } = this.plan;
    const t = this.ctx.transport;
    this.#protocol = 'http';
    try {
      const { data: body, response } = await t.client.GET('/jobs/{job_id}/logs/stream/', {
        params: { path: { job_id: jobId } },
        ...t.init({ stream: true, signal, timeout: timeoutMs, headers: this.plan.headers, trace }),
      });
      this.#answer.http(response);
      if (!body) return;
      const decoder = this.#decoder('line', trace);
      // No deadline on the body as a whole: only on each wait for the next chunk.
      const lines = bodyLines(body as unknown as ReadableStream<Uint8Array>, {
        idleTimeoutMs: timeoutMs,
        onIdle: () => new RequestTimeoutError(`no log line from GET /jobs/${jobId}/logs/stream/ for ${timeoutMs} ms`, { statusCode: 408 }),
      });
      for await (const chunk of lines) {
        for (const bodyLine of chunk) {
          for (const line of decoder.line(bodyLine)) {
            if (skip) skip--;
            else yield line;
          }
          if (decoder.complete) return;
        }
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ClientError) throw err;
      throw new ConnectionError(t.secrets.redact(`HTTP log tail of job ${jobId} broke: ${describe(err)}`), { cause: err });
    }
  }

  #decoder(unit: 'message' | 'line', trace: StreamSpan | undefined): TailDecoder {
    const t = this.ctx.transport;
    const limit = this.ctx.limits.maxMessageSize;
    return new TailDecoder({
      budget: new StreamBudget(this.ctx.limits, unit),
      errorFrom: (event) => t.errorFromBody(500, event, undefined, 'the log tail reported an error'),
      onOversized: (bytes) => {
        trace?.event('limit', { 'error.type': 'MESSAGE_TOO_LARGE', 'agentwire.stream.bytes': bytes });
        t.logger.warn(`log tail of job ${this.plan.jobId}: skipped a ${unit} of ${bytes} bytes (over maxMessageSize ${limit}); later ones are skipped silently`);
      },
    });
  }

  #wsUrl(): string {
    return `${this.ctx.transport.baseUrl.replace(/^http/i, 'ws')}/jobs/${this.plan.jobId}/logs/`;
  }

  /**
   * A WebSocket that closed without `complete`: 1000 / 1005 is the server's normal end (Ray
   * has no end sentinel); 1011 is a server error (500); anything else — 1006, a drop without a
   * close frame above all — is a lost connection (503), never a silent end.
   */
  #checkClose(info: CloseInfo | undefined): void {
    const code = info?.code ?? 1006;
    if (code === 1000 || code === 1005) return;
    const what = `WebSocket log tail of job ${this.plan.jobId} closed with code ${code}${info?.reason ? ` (${info.reason})` : ''} before it completed`;
    if (code === 1011) throw new ServerError(this.ctx.transport.secrets.redact(what), { statusCode: 500, code: 'WS_CLOSE_1011' });
    throw new ConnectionError(this.ctx.transport.secrets.redact(what), { code: `WS_CLOSE_${code}` });
  }
}

/**
 * `auto` falls back to HTTP on a 500/503-class failure only (as the Synapse SDK's AgentClient
 * does): a 5xx refusal of
 * the handshake, a connection failure or drop (503), an `error` frame (500). Anything else —
 * 400, 401, 403, 404, a 408 timeout, a 429 stream limit, an abort — is the caller's to see.
 */
function fallsBack(err: unknown): boolean {
  return err instanceof ClientError && (err.statusCode ?? 0) >= 500 && (err instanceof ServerError || err instanceof ConnectionError);
}
