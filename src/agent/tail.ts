import type { paths } from '../../generated/agent.js';
import { BodyLineReader } from '../core/body-lines.js';
import { ClientError, ConnectionError, RequestTimeoutError, ServerError } from '../core/errors.js';
import { LineIterator } from '../core/line-iterator.js';
import { StreamBudget, type StreamLimits } from '../core/stream-limits.js';
import { describe, type Transport } from '../core/transport.js';
import { resolveTimeout } from '../core/timeout.js';
import { checkId, checkOneOf, invalid } from '../core/validate.js';
import { openWebSocket, type CloseInfo, type WebSocketConnection } from '../core/websocket.js';
import { TailDecoder, type TailEvent } from './frames.js';

/** How {@link AgentClient.tailJobLogs} reaches the log: `auto` (WebSocket, then HTTP), or one of the two. */
export type TailProtocol = 'auto' | 'websocket' | 'http';
/** Every {@link TailProtocol}. */
export const TAIL_PROTOCOLS: readonly TailProtocol[] = ['auto', 'websocket', 'http'];

/** The default tail timeout, ms (the seed's 30 s). */
export const DEFAULT_TAIL_TIMEOUT_MS = 30_000;
/** The largest tail timeout accepted, ms (the seed's 300 s). */
export const MAX_TAIL_TIMEOUT_MS = 300_000;

/** Options of one log tail. */
export interface TailOptions {
  /**
   * Milliseconds (the seed's `timeout` is seconds: multiply by 1,000). Default 30,000, at most
   * 300,000. It bounds the connection (WebSocket handshake, or the HTTP response headers)
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
  /** `auto` (default): WebSocket first, HTTP on a 5xx-class failure; or `websocket` / `http` only. */
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
 * Checks a tail's arguments (PROTOCOLS §1, "Validation"): throws {@link ValidationError} (400)
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
 * Each iteration opens its own connection. `protocol` says which transport is serving it and
 * `fallbackReason` why `auto` left the WebSocket, if it did.
 *
 * Lines, not messages: both transports yield the same units (see core's `LineAssembler`), which is
 * what lets `auto` resume over HTTP without repeating a line.
 */
export class JobLogTail implements AsyncIterable<string> {
  #protocol: 'websocket' | 'http' | undefined;
  #fallbackReason: ClientError | undefined;

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

  [Symbol.asyncIterator](): AsyncIterator<string> {
    this.#fallbackReason = undefined;
    return new LineIterator(this.plan.protocol === 'http' ? this.#http(0) : this.#run());
  }

  /**
   * The tail as batches of lines (see {@link LineIterator}): the WebSocket, then — for `auto`,
   * after a 5xx-class failure — the HTTP tail, told how many lines were already delivered.
   */
  async *#run(): AsyncGenerator<readonly string[], void, undefined> {
    const { protocol, signal } = this.plan;
    /** Lines delivered so far: the HTTP tail after a fallback skips this many. */
    let delivered = 0;
    this.#protocol = 'websocket';
    let conn: WebSocketConnection | undefined;
    let completed = false;
    try {
      conn = await openWebSocket(this.#wsUrl(), {
        headers: this.ctx.transport.headers(this.plan.headers),
        handshakeTimeoutMs: this.plan.timeoutMs,
        signal,
        secrets: this.ctx.transport.secrets,
        refused: (status, body, headers) => this.ctx.transport.errorFromBody(status, body, headers),
      });
      const decoder = this.#decoder('message');
      const messages = conn[Symbol.asyncIterator]();
      let out: string[] = [];
      let failure: unknown;
      let silent = false;
      try {
        for (;;) {
          // Drain what has arrived without a promise per message; a batch goes out when
          // nothing more is waiting (or it is large).
          let text = conn.poll();
          if (text === undefined || out.length >= BATCH_LINES) {
            if (out.length) {
              delivered += out.length;
              yield out;
              out = [];
            }
            if (text === undefined) {
              // The timeout counts only this wait for the server (time the caller spends on
              // the lines it was given is not silence).
              const socket = conn;
              const timer = setTimeout(() => {
                silent = true;
                socket.close();
              }, this.plan.timeoutMs);
              const next = await messages.next().finally(() => clearTimeout(timer));
              if (silent) throw new RequestTimeoutError(`no message on ${this.#wsUrl()} for ${this.plan.timeoutMs} ms`, { statusCode: 408 });
              if (next.done) break;
              text = next.value;
            }
          }
          decoder.frame(text, out);
          if (decoder.complete) break;
        }
      } catch (err) {
        failure = err;
      }
      // Lines received before a failure, an error frame or a limit are delivered first.
      if (out.length) {
        delivered += out.length;
        yield out;
        out = [];
      }
      if (failure !== undefined) throw failure;
      if (decoder.complete) {
        completed = true;
        return;
      }
      this.#checkClose(conn.closeInfo);
      decoder.end(out);
      if (out.length) yield out;
      return;
    } catch (err) {
      if (protocol === 'websocket' || signal?.aborted || !fallsBack(err)) throw err;
      this.#fallbackReason = err as ClientError;
      this.ctx.transport.logger.info(
        `log tail of job ${this.plan.jobId}: WebSocket failed after ${delivered} line(s) (${(err as Error).message}); falling back to HTTP`,
      );
    } finally {
      if (completed) conn?.close(1000, '');
      else conn?.close();
    }
    yield* this.#http(delivered);
  }

  /** The HTTP tail as batches of lines, without its first `skip` lines (already delivered). */
  async *#http(skip: number): AsyncGenerator<readonly string[], void, undefined> {
    const { jobId, timeoutMs, signal } = this.plan;
    const t = this.ctx.transport;
    this.#protocol = 'http';
    const local = new AbortController();
    const callSignal = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let reader: BodyLineReader | undefined;
    try {
      const { data: body } = await t.client.GET('/jobs/{job_id}/logs/stream/', {
        params: { path: { job_id: jobId } },
        ...t.init({ stream: true, signal: callSignal, timeout: timeoutMs, headers: this.plan.headers }),
      });
      // No deadline on the body as a whole: only on each wait for the next chunk (time the
      // caller spends on the lines it was given is not silence).
      const silence = () => local.abort(new RequestTimeoutError(`no log line from GET /jobs/${jobId}/logs/stream/ for ${timeoutMs} ms`, { statusCode: 408 }));
      const decoder = this.#decoder('line');
      let out: string[] = [];
      let failure: unknown;
      if (body) {
        reader = new BodyLineReader(body as unknown as ReadableStream<Uint8Array>);
        try {
          for (;;) {
            let line: string | null;
            while (!decoder.complete && out.length < BATCH_LINES && (line = reader.read()) !== null) decoder.line(line, out);
            if (decoder.complete) break;
            if (out.length) {
              if (skip) [out, skip] = dropFirst(out, skip);
              if (out.length) yield out;
              out = [];
              continue;
            }
            if (reader.done) break;
            idle = setTimeout(silence, timeoutMs);
            await reader.wait();
            clearTimeout(idle);
          }
        } catch (err) {
          failure = err;
        }
      }
      if (failure === undefined && !decoder.complete) decoder.end(out);
      if (skip) [out, skip] = dropFirst(out, skip);
      if (out.length) yield out;
      if (failure !== undefined) throw failure;
    } catch (err) {
      if (local.signal.aborted && local.signal.reason instanceof RequestTimeoutError) throw local.signal.reason;
      if (signal?.aborted) throw signal.reason;
      if (err instanceof ClientError) throw err;
      throw new ConnectionError(t.secrets.redact(`HTTP log tail of job ${jobId} broke: ${describe(err)}`), { cause: err });
    } finally {
      clearTimeout(idle);
      reader?.close();
      local.abort();
    }
  }

  #decoder(unit: 'message' | 'line'): TailDecoder {
    const t = this.ctx.transport;
    const limit = this.ctx.limits.maxMessageSize;
    return new TailDecoder({
      budget: new StreamBudget(this.ctx.limits, unit),
      errorFrom: (event: TailEvent) => t.errorFromBody(500, event, undefined, 'the log tail reported an error'),
      onOversized: (bytes) =>
        t.logger.warn(`log tail of job ${this.plan.jobId}: skipped a ${unit} of ${bytes} bytes (over maxMessageSize ${limit}); later ones are skipped silently`),
    });
  }

  #wsUrl(): string {
    return `${this.ctx.transport.baseUrl.replace(/^http/i, 'ws')}/jobs/${this.plan.jobId}/logs/`;
  }

  /**
   * A WebSocket that closed without `complete`: 1000 / 1005 is the server's normal end (Ray
   * has no end sentinel, PROTOCOLS §4); 1011 is a server error (500); anything else — 1006,
   * a drop without a close frame above all — is a lost connection (503), never a silent end.
   */
  #checkClose(info: CloseInfo | undefined): void {
    const code = info?.code ?? 1006;
    if (code === 1000 || code === 1005) return;
    const what = `WebSocket log tail of job ${this.plan.jobId} closed with code ${code}${info?.reason ? ` (${info.reason})` : ''} before it completed`;
    if (code === 1011) throw new ServerError(this.ctx.transport.secrets.redact(what), { statusCode: 500, code: 'WS_CLOSE_1011' });
    throw new ConnectionError(this.ctx.transport.secrets.redact(what), { code: `WS_CLOSE_${code}` });
  }
}

/** The most lines handed out in one batch (bounds memory when a fast server is far ahead). */
const BATCH_LINES = 1024;

/** `lines` without its first `n`, and what is left of `n`. */
function dropFirst(lines: string[], n: number): [string[], number] {
  return n >= lines.length ? [[], n - lines.length] : [lines.slice(n), 0];
}

/**
 * `auto` falls back to HTTP on a 500/503-class failure only (PROTOCOLS §1): a 5xx refusal of
 * the handshake, a connection failure or drop (503), an `error` frame (500). Anything else —
 * 400, 401, 403, 404, a 408 timeout, a 429 stream limit, an abort — is the caller's to see.
 */
function fallsBack(err: unknown): boolean {
  return err instanceof ClientError && (err.statusCode ?? 0) >= 500 && (err instanceof ServerError || err instanceof ConnectionError);
}
