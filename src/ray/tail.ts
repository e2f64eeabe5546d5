import { ClientError, ConnectionError, RequestTimeoutError, ServerError, StreamError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import type { Secrets } from '../core/redact.js';
import { sleep } from '../core/retry.js';
import { checkInt, invalid } from '../core/validate.js';
import { openWebSocket, type WebSocketConnection } from '../core/websocket.js';
import { LineBuffer } from './line-buffer.js';
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
 * - Ray's frames are batches of raw text that may end mid-line: they are reassembled by a
 *   {@link LineBuffer} (split2's rules, `\n` or `\r\n`), so a line is yielded once it is whole.
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
export function tailJobLines(ctx: TailContext, options: TailOptions = {}): AsyncIterableIterator<string> {
  return flatten(tailBatches(ctx, resolveTailOptions(options, ctx.handshakeTimeoutMs)));
}

/**
 * The tail as batches of new lines (one per burst of frames): the generator's per-`yield`
 * cost is paid per burst, not per line; {@link flatten} hands the lines out one by one.
 */
async function* tailBatches(ctx: TailContext, resolved: ReturnType<typeof resolveTailOptions>): AsyncGenerator<string[], void, undefined> {
  const { signal, maxReconnects, idleTimeoutMs, handshakeTimeoutMs } = resolved;
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
    /** The lines of `lines` not yielded before (a new connection replays from the start). */
    const fresh = (lines: string[]): string[] | undefined => {
      const start = seen;
      seen += lines.length;
      if (seen <= delivered) return undefined;
      const out = start >= delivered ? lines : lines.slice(delivered - start);
      delivered = seen;
      progressed = true;
      return out;
    };
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
      const frames = new LineBuffer();
      try {
        try {
          for await (const frame of conn) {
            // One batch per burst: the frames already received are taken without a promise each.
            const lines = frames.push(frame);
            for (let next = conn.poll(); next !== undefined; next = conn.poll()) frames.push(next, lines);
            const batch = fresh(lines);
            if (batch) yield batch;
          }
        } catch (err) {
          if (signal?.aborted || !isTransient(err)) throw err;
          failure = err;
        }
        partial = frames.partial;
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
      if (partial !== undefined && seen >= delivered) yield [partial];
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

/**
 * Hands out the lines of a batch generator one by one. Lines already in hand resolve at once
 * (one promise per line, no generator resume); calls made while a batch is being fetched wait
 * their turn, so overlapping `next()` calls lose nothing; `return()` (a `break`) and `throw()`
 * reach the generator, so its `finally` closes the socket.
 */
function flatten(batches: AsyncGenerator<string[], void, undefined>): AsyncIterableIterator<string> {
  let batch: string[] = [];
  let i = 0;
  let busy: Promise<unknown> | undefined; // a pull in progress: later calls queue behind it
  const pull = async (): Promise<IteratorResult<string>> => {
    while (i >= batch.length) {
      const r = await batches.next();
      if (r.done) return { value: undefined, done: true };
      batch = r.value;
      i = 0;
    }
    return { value: batch[i++]!, done: false };
  };
  const it: AsyncIterableIterator<string> = {
    next(): Promise<IteratorResult<string>> {
      if (!busy && i < batch.length) return Promise.resolve({ value: batch[i++]!, done: false });
      const p = busy ? busy.then(pull, pull) : pull();
      busy = p;
      const clear = () => {
        if (busy === p) busy = undefined;
      };
      p.then(clear, clear);
      return p;
    },
    async return(): Promise<IteratorResult<string>> {
      batch = [];
      i = 0;
      await batches.return(undefined);
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<string>> {
      batch = [];
      i = 0;
      await batches.throw(error);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** Failures a reconnect may cure: no connection, a timeout, a 5xx. */
function isTransient(err: unknown): boolean {
  return err instanceof ConnectionError || err instanceof RequestTimeoutError || err instanceof ServerError;
}
