import type { StreamAnswer } from '../core/api-promise.js';
import { ClientError, ConnectionError, RequestTimeoutError, ServerError, StreamError } from '../core/errors.js';
import { DEFAULT_MAX_LINE_LENGTH, LineDecoder } from '../core/lines.js';
import type { Logger } from '../core/log.js';
import type { Secrets } from '../core/redact.js';
import { sleep } from '../core/retry.js';
import type { StreamSpan } from '../core/tracing.js';
import { checkInt, invalid } from '../core/validate.js';
import { openWebSocket, type WebSocketConnection } from '../core/websocket.js';
import type { MessageLogBatch } from '../../generated/ray-logs.asyncapi.js';
import { isTerminal, type JobDetails, type TailOptions } from './types.js';

/** What one tail needs from its client. */
export interface TailContext {
  /** The job id, for messages. */
  id: string;
  /** `ws(s)://<address>/api/jobs/<id>/logs/tail`. */
  url: string;
  /** Handshake headers (credentials, the client's extra headers). */
  headers: Record<string, string>;
  secrets: Secrets;
  logger: Logger;
  /** Default handshake timeout, ms. */
  handshakeTimeoutMs: number;
  /** Maps a refused handshake to the shared error hierarchy. */
  refused(status: number, body: unknown, headers: Headers): ClientError;
  /** The wait before reconnect number `n` (0-based), ms. */
  backoff(n: number): number;
  /** Reads the job (after every close). */
  readJob(signal?: AbortSignal): Promise<JobDetails>;
  /** Where each connection's handshake headers are recorded. */
  answer: StreamAnswer;
  /** The tail's span when tracing is on: reconnects are its events. */
  trace?: StreamSpan | undefined;
}

/** A connection open this long counts as healthy even if it delivered no new line, ms. */
const HEALTHY_AFTER_MS = 10_000;
const DEFAULT_MAX_RECONNECTS = 5;

/**
 * Follows a job's log over Ray's tail WebSocket and yields it **line by line**, one at a time
 * (Ray 2.58 `job_head.py`, `tail_job_logs`):
 *
 * - Ray's frames are slices of the log file that may end mid-line: they are reassembled by
 *   core's {@link LineDecoder} (`\n` or `\r\n`), so a line is yielded once it is whole. Empty
 *   lines are yielded too: a blank line in a log is content. A partial line longer than
 *   `maxLineLength` characters is yielded as it is and the rest follows as the next line, so
 *   memory stays bounded; the work is linear in the bytes received.
 * - Binary frames are decoded with one streaming UTF-8 decoder per connection (a character
 *   split across frames survives).
 * - The socket is opened with `permessage-deflate` off: Ray's dashboard proxy accepts the
 *   extension and then never delivers a frame.
 * - A close is not proof of the end (node preemption and proxies close too): after every close
 *   the job is read. It ends only when the job is terminal **and** the close was Ray's own
 *   (code 1000, sent once the job ended and its log was drained); a log that ends without a
 *   newline then yields its last partial line. Otherwise it reconnects: Ray replays the whole
 *   log on a new connection, so the lines already yielded — and the partial line the old
 *   connection ended on — are skipped, and nothing is yielded twice.
 * - `idleTimeoutMs` counts only waits for the server: a consumer slower than it is not silence.
 * - Reconnects back off like the client's retries; after `maxReconnects` in a row without
 *   progress it gives up with the last error ({@link ConnectionError}, {@link ServerError},
 *   {@link RequestTimeoutError}) or a {@link StreamError} when the server kept closing early.
 * - A refused handshake is mapped through the shared hierarchy: an unknown job is
 *   {@link NotFoundError} (404, `WebSocket tail of job <id> refused: 404 Not Found — Job <id>
 *   does not exist`), before any line.
 *
 * Breaking out of the loop closes the socket; aborting `signal` rejects with its reason.
 */
export async function* tailJobLines(ctx: TailContext, options: TailOptions = {}): AsyncGenerator<string, void, undefined> {
  const { signal, maxReconnects, idleTimeoutMs, handshakeTimeoutMs, maxLineLength } = resolveTailOptions(options, ctx.handshakeTimeoutMs);
  let delivered = 0; // lines yielded so far, over every connection
  let failures = 0; // connections in a row that made no progress
  for (;;) {
    signal?.throwIfAborted();
    const openedAt = performance.now();
    let failure: unknown;
    let progressed = false;
    let clean = false;
    let partial: string | undefined;
    let seen = 0; // lines this connection has sent (Ray replays from the first line)
    let conn: WebSocketConnection | undefined;
    try {
      conn = await openWebSocket(ctx.url, {
        label: `WebSocket tail of job ${ctx.id}`,
        headers: ctx.headers,
        handshakeTimeoutMs,
        idleTimeoutMs,
        signal,
        perMessageDeflate: false,
        secrets: ctx.secrets,
        refused: ctx.refused,
      });
      ctx.answer.websocket(conn.headers);
    } catch (err) {
      if (signal?.aborted || !isTransient(err)) throw err;
      failure = err;
    }
    if (conn) {
      const lines = new LineDecoder(maxLineLength);
      try {
        try {
          // Each frame is the one message Ray's tail declares, `logBatch`: raw log text, not JSON.
          for (let text: MessageLogBatch | undefined = await conn.read(); text !== undefined; text = await conn.read()) {
            for (const line of lines.push(text)) {
              // A new connection replays the log from its start: skip what was yielded before.
              if (++seen <= delivered) continue;
              delivered = seen;
              progressed = true;
              yield line;
            }
          }
        } catch (err) {
          if (signal?.aborted || !isTransient(err)) throw err;
          failure = err;
        }
        // The unterminated rest: yielded only at the very end, and skipped on a reconnect
        // (the next connection replays it as the start of a whole line).
        partial = lines.end();
      } finally {
        conn.close();
      }
      clean = failure === undefined && conn.closeInfo?.code === 1000;
      if (performance.now() - openedAt >= HEALTHY_AFTER_MS) progressed = true;
    }

    let job: JobDetails | undefined;
    try {
      job = await ctx.readJob(signal);
    } catch (err) {
      if (signal?.aborted || !isTransient(err)) throw err;
      failure ??= err;
    }
    if (job && isTerminal(job.status) && clean) {
      if (partial !== undefined && seen >= delivered) yield partial;
      return;
    }

    failures = progressed ? 0 : failures + 1;
    const why = failure instanceof Error ? failure.message : `closed ${conn?.closeInfo?.code ?? '?'}`;
    if (failures > maxReconnects) {
      if (failure instanceof ClientError) throw failure;
      throw new StreamError(
        ctx.secrets.redact(`log tail of job ${ctx.id} ended early ${failures} times in a row (last: ${why}) while the job was ${job?.status ?? 'unknown'}`),
        { code: 'TAIL_RECONNECTS_EXHAUSTED', cause: failure },
      );
    }
    const wait = ctx.backoff(Math.max(0, failures - 1));
    ctx.logger.info(`log tail of job ${ctx.id}: ${why} while the job was ${job?.status ?? 'unknown'}; reconnecting in ${Math.round(wait)} ms after ${delivered} line(s)`);
    ctx.trace?.event('reconnect', { 'agentwire.stream.reason': ctx.secrets.redact(why), 'agentwire.stream.items': delivered, 'agentwire.stream.delay_ms': Math.round(wait) });
    await sleep(wait, signal);
  }
}

/**
 * Checks {@link TailOptions} and fills in the defaults. Throws {@link ValidationError} (400):
 * `maxReconnects` a whole number 0–1,000, `idleTimeoutMs` / `handshakeTimeoutMs` 1 ms–24 h,
 * `maxLineLength` 1–2^30 characters.
 */
export function resolveTailOptions(options: TailOptions, defaultHandshakeTimeoutMs: number) {
  if (options === null || typeof options !== 'object') invalid('tail options must be an object');
  return {
    signal: options.signal,
    maxReconnects: options.maxReconnects === undefined ? DEFAULT_MAX_RECONNECTS : checkInt(options.maxReconnects, 'maxReconnects', 0, 1000),
    idleTimeoutMs: options.idleTimeoutMs === undefined ? undefined : checkInt(options.idleTimeoutMs, 'idleTimeoutMs', 1, 86_400_000),
    handshakeTimeoutMs:
      options.handshakeTimeoutMs === undefined ? defaultHandshakeTimeoutMs : checkInt(options.handshakeTimeoutMs, 'handshakeTimeoutMs', 1, 86_400_000),
    maxLineLength: options.maxLineLength === undefined ? DEFAULT_MAX_LINE_LENGTH : checkInt(options.maxLineLength, 'maxLineLength', 1, 2 ** 30),
  };
}

/** Failures a reconnect may cure: no connection, a timeout, a 5xx. */
function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof RequestTimeoutError || err instanceof ServerError;
}
