import type { Transform } from 'node:stream';
import { ClientError, ConnectionError, RequestTimeoutError, ServerError, StreamError } from '../core/errors.js';
import { lineSplitter } from '../core/lines.js';
import type { Logger } from '../core/log.js';
import type { Secrets } from '../core/redact.js';
import { sleep } from '../core/retry.js';
import { checkInt, invalid } from '../core/validate.js';
import { openWebSocket, type WebSocketConnection } from '../core/websocket.js';
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
}

/** A connection open this long counts as healthy even if it delivered no new line, ms. */
const HEALTHY_AFTER_MS = 10_000;
const DEFAULT_MAX_RECONNECTS = 5;

/**
 * Follows a job's log over Ray's tail WebSocket and yields it **line by line** (PROTOCOLS.md §4):
 *
 * - Ray's frames are batches of raw text that may end mid-line: they are reassembled with the
 *   shared line splitter (split2), so a line is yielded once it is whole.
 * - The socket is opened with `permessage-deflate` off: Ray's dashboard proxy accepts the
 *   extension and then never delivers a frame (issue "RayClient" 3b).
 * - A close is not proof of the end (node preemption and proxies close too): after every close
 *   the job is read. It ends only when the job is terminal **and** the close was Ray's own
 *   (code 1000, sent once the job ended and its log was drained); a log that ends without a
 *   newline then yields its last partial line. Otherwise it reconnects: Ray replays the whole
 *   log on a new connection, so the lines already yielded — and the partial line the old
 *   connection ended on — are skipped, and nothing is yielded twice.
 * - Reconnects back off like the client's retries; after `maxReconnects` in a row without
 *   progress it gives up with the last error ({@link ConnectionError}, {@link ServerError},
 *   {@link RequestTimeoutError}) or a {@link StreamError} when the server kept closing early.
 * - A refused handshake is mapped through the shared hierarchy: an unknown job is
 *   {@link NotFoundError} (404, `Job <id> does not exist`), before any line.
 *
 * Breaking out of the loop closes the socket; aborting `signal` rejects with its reason.
 */
export async function* tailJobLines(ctx: TailContext, options: TailOptions = {}): AsyncGenerator<string, void, undefined> {
  const { signal, maxReconnects, idleTimeoutMs, handshakeTimeoutMs } = resolveTailOptions(options, ctx.handshakeTimeoutMs);
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
        headers: ctx.headers,
        handshakeTimeoutMs,
        idleTimeoutMs,
        signal,
        perMessageDeflate: false,
        secrets: ctx.secrets,
        refused: ctx.refused,
      });
    } catch (err) {
      if (signal?.aborted || !isTransient(err)) throw err;
      failure = err;
    }
    if (conn) {
      const frames = new FrameLines();
      try {
        try {
          for await (const frame of conn) {
            for (const line of frames.push(frame)) {
              if (++seen > delivered) {
                delivered++;
                progressed = true;
                yield line;
              }
            }
          }
        } catch (err) {
          if (signal?.aborted || !isTransient(err)) throw err;
          failure = err;
        }
        const rest = await frames.end();
        for (const line of rest.lines) {
          if (++seen > delivered) {
            delivered++;
            progressed = true;
            yield line;
          }
        }
        partial = rest.partial;
      } finally {
        frames.destroy();
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
      if (partial !== undefined && ++seen > delivered) yield partial;
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
    await sleep(wait, signal);
  }
}

/**
 * Checks {@link TailOptions} and fills in the defaults. Throws {@link ValidationError} (400):
 * `maxReconnects` a whole number 0–1,000, `idleTimeoutMs` / `handshakeTimeoutMs` 1 ms–24 h.
 */
export function resolveTailOptions(options: TailOptions, defaultHandshakeTimeoutMs: number) {
  if (options === null || typeof options !== 'object') invalid('tail options must be an object');
  return {
    signal: options.signal,
    maxReconnects: options.maxReconnects === undefined ? DEFAULT_MAX_RECONNECTS : checkInt(options.maxReconnects, 'maxReconnects', 0, 1000),
    idleTimeoutMs: options.idleTimeoutMs === undefined ? undefined : checkInt(options.idleTimeoutMs, 'idleTimeoutMs', 1, 86_400_000),
    handshakeTimeoutMs:
      options.handshakeTimeoutMs === undefined ? defaultHandshakeTimeoutMs : checkInt(options.handshakeTimeoutMs, 'handshakeTimeoutMs', 1, 86_400_000),
  };
}

/** Failures a reconnect may cure: no connection, a timeout, a 5xx. */
function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof RequestTimeoutError || err instanceof ServerError;
}

const NONE: string[] = [];

/**
 * Reassembles frames into lines with the shared splitter. `end()` flushes it and tells the
 * last line apart when the text did not end with a newline (a partial line).
 */
class FrameLines {
  readonly #splitter: Transform = lineSplitter();
  #out: string[] = [];
  #endsWithNewline = true;
  #ended = false;

  constructor() {
    this.#splitter.on('data', (line: string) => this.#out.push(line));
  }

  /** Feeds one frame; returns the lines it completed (split2 emits them synchronously). */
  push(frame: string): string[] {
    if (frame.length) {
      this.#endsWithNewline = frame.charCodeAt(frame.length - 1) === 10;
      this.#splitter.write(frame);
    }
    return this.#take();
  }

  /** Flushes: the lines still pending, and the partial last line if the text ended mid-line. */
  async end(): Promise<{ lines: string[]; partial?: string }> {
    this.#ended = true;
    await new Promise<void>((resolve, reject) => {
      this.#splitter.once('end', resolve);
      this.#splitter.once('error', reject);
      this.#splitter.end();
    });
    const lines = this.#take();
    const partial = !this.#endsWithNewline && lines.length ? lines.pop() : undefined;
    return { lines, partial };
  }

  destroy(): void {
    if (!this.#ended || !this.#splitter.destroyed) this.#splitter.destroy();
  }

  #take(): string[] {
    if (!this.#out.length) return NONE;
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
