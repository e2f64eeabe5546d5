/**
 * Reading an agntz worker's three SSE endpoints: wire frames → typed events, one connection that
 * must end on its terminal event (`POST /run/stream`), and a followed stream that reconnects
 * after a drop and never yields an event twice (`GET /runs/{id}/stream`,
 * `GET /traces/{id}/stream`). Every wait for the server's next bytes is bounded by an idle
 * timeout, because the worker sends no heartbeats and a stalled body would otherwise hang.
 */
import { ClientError, RequestTimeoutError, StreamError, sleep, sseChunks, type Logger, type Secrets, type SseEvent, type StreamSpan } from '../core/index.js';

/** The SSE frame an event came from, as received: its `event:` name, `data:` text and `id:`. */
export interface WireEvent<Name extends string = string> {
  event: Name;
  /** The `data:` lines, joined with `\n`: the JSON text exactly as the worker sent it. */
  data: string;
  /** The frame's `id:` line (`/runs/{id}/stream` sends the event's `seq` there), if any. */
  id: string | undefined;
}

/**
 * Turns one wire frame into a public event. `names` lists the event names it knows; frames with
 * any other name are skipped without looking at their data (the worker's contract: unknown
 * event names must be ignored).
 */
export interface Decoder<E> {
  names: ReadonlySet<string>;
  /** Builds the event from the frame and its parsed `data` (which it may take over). */
  decode(wire: WireEvent, data: unknown): E;
}

/** Builds a {@link Decoder} from one mapping function per known event name. */
export function decoder<E>(table: Record<string, (wire: WireEvent, data: unknown) => E>): Decoder<E> {
  const map = new Map(Object.entries(table));
  return { names: new Set(map.keys()), decode: (wire, data) => map.get(wire.event)!(wire, data) };
}

/**
 * The data of a frame, parsed as JSON. Throws {@link StreamError} with code
 * `INVALID_SSE_PAYLOAD` (its `detail` holds the start of the data, secrets redacted).
 */
export function parseData(frame: SseEvent, secrets: Secrets): unknown {
  try {
    return JSON.parse(frame.data);
  } catch (cause) {
    throw new StreamError(`Invalid JSON in the data of a "${frame.event}" event`, {
      code: 'INVALID_SSE_PAYLOAD',
      detail: secrets.redact(frame.data.slice(0, 200)),
      cause,
    });
  }
}

/** What the stream readers need from the client. */
export interface StreamContext {
  secrets: Secrets;
  logger: Logger;
  /** The wait before reconnect `n` (0-based) in ms, or `undefined` to give up (`Transport.retryDelay`). */
  retryDelay(n: number): number | undefined;
  signal?: AbortSignal | undefined;
  /** Longest wait for the server's next bytes on an open stream, in ms. */
  idleTimeoutMs: number;
  /** The stream's span when tracing is on: reconnects are its events. */
  trace?: StreamSpan | undefined;
}

/** The error of a body silent for `ms`: `RequestTimeoutError` (408). */
function idleError(what: string, ms: number): RequestTimeoutError {
  return new RequestTimeoutError(`${what} sent nothing for ${ms} ms`, { statusCode: 408, code: 'STREAM_IDLE' });
}

/**
 * The frames of one body, bounded by the idle timeout, as the frames each read completes: the
 * readers below hand them out one event per step of their own generator.
 */
function frames(body: ReadableStream<Uint8Array>, what: string, ctx: StreamContext): AsyncGenerator<readonly SseEvent[], void, undefined> {
  const ms = ctx.idleTimeoutMs;
  return sseChunks(body, { idleTimeoutMs: ms, onIdle: () => idleError(what, ms) });
}

/** A frame decoded, or `undefined` for an unknown event name (skipped unparsed). */
function decodeFrame<E>(frame: SseEvent, dec: Decoder<E>, ctx: StreamContext): E | undefined {
  if (!dec.names.has(frame.event)) {
    ctx.logger.debug(`ignoring unknown SSE event "${frame.event}"`);
    return undefined;
  }
  return dec.decode(frame, parseData(frame, ctx.secrets));
}

function truncated(what: string, cause?: unknown, extra = ''): StreamError {
  const how = cause === undefined ? 'ended' : 'lost its connection';
  return new StreamError(`${what} ${how} before its terminal event${extra}`, { code: 'STREAM_TRUNCATED', cause });
}

/** A failure of the body itself (reset, `terminated`), as opposed to our own typed errors (an idle timeout too) or the caller's abort. */
function isDrop(err: unknown, signal: AbortSignal | undefined): boolean {
  return !(err instanceof ClientError) && !signal?.aborted;
}

/**
 * Reads one SSE connection that must end on a terminal event (`POST /run/stream`: exactly one
 * `run-complete` or `run-error`). Yields every known event, returns after the terminal one.
 * Throws {@link StreamError} `STREAM_TRUNCATED` when the body ends or breaks first,
 * `INVALID_SSE_PAYLOAD` for data that is not JSON, `RequestTimeoutError` (408, code
 * `STREAM_IDLE`) when the body is silent for `ctx.idleTimeoutMs`, and the caller's abort reason
 * on abort. Leaving the loop early, an error or a timeout cancels the body, which closes the
 * connection.
 */
export async function* readToTerminal<E>(
  open: () => Promise<ReadableStream<Uint8Array>>,
  dec: Decoder<E>,
  isTerminal: (event: E) => boolean,
  what: string,
  ctx: StreamContext,
): AsyncGenerator<E, void, undefined> {
  const body = await open();
  try {
    for await (const chunk of frames(body, what, ctx)) {
      for (const frame of chunk) {
        const event = decodeFrame(frame, dec, ctx);
        if (event === undefined) continue;
        yield event;
        if (isTerminal(event)) return;
      }
    }
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (isDrop(err, ctx.signal)) throw truncated(what, err);
    throw err;
  }
  if (ctx.signal?.aborted) throw ctx.signal.reason;
  throw truncated(what);
}

/** How a followed stream places its events, so that a reconnect neither repeats nor skips one. */
export interface Position<E> {
  /**
   * The event's sequence number (`/runs/{id}/stream`: the frame's `id:` / the data's `seq`).
   * Reconnects ask for events after the last one seen, and events at or below it are dropped.
   */
  seq?(event: E, wire: WireEvent): number | undefined;
  /**
   * An identity for events without a sequence (`/traces/{id}/stream`: `span-start:<spanId>`):
   * an event whose key was already yielded is dropped after a reconnect.
   */
  key?(event: E): string | undefined;
}

/**
 * Follows a resumable SSE stream until its terminal event. When the connection drops or the
 * body ends early — or, with `resumeOnIdle`, is silent for `ctx.idleTimeoutMs` — it closes the
 * body and reconnects — `open(lastSeq)` — after `ctx.retryDelay(n)` ms, where `n` counts
 * reconnects since the last one that delivered a new event; when `retryDelay` gives up it
 * throws {@link StreamError} `STREAM_TRUNCATED` (`RequestTimeoutError` 408 if the last attempt
 * timed out). Without `resumeOnIdle` an idle timeout ends the stream with
 * `RequestTimeoutError` (408, code `STREAM_IDLE`). Events already yielded are never yielded
 * again. HTTP errors while reconnecting (404, 401, ...) are thrown as they are: the transport
 * has already retried what can be retried.
 */
export async function* follow<E>(
  open: (since: number | undefined) => Promise<ReadableStream<Uint8Array>>,
  dec: Decoder<E>,
  isTerminal: (event: E) => boolean,
  position: Position<E>,
  what: string,
  ctx: StreamContext & { since?: number | undefined; resumeOnIdle?: boolean },
): AsyncGenerator<E, void, undefined> {
  let last = ctx.since;
  const seen = new Set<string>();
  for (let stalls = 0; ; ) {
    const body = await open(last);
    let progressed = false;
    let cause: unknown;
    try {
      for await (const chunk of frames(body, what, ctx)) {
        for (const frame of chunk) {
          const event = decodeFrame(frame, dec, ctx);
          if (event === undefined) continue;
          const seq = position.seq?.(event, frame);
          if (seq !== undefined) {
            if (last !== undefined && seq <= last) continue;
            last = seq;
          }
          const key = position.key?.(event);
          if (key !== undefined) {
            if (seen.has(key)) continue;
            seen.add(key);
          }
          progressed = true;
          yield event;
          if (isTerminal(event)) return;
        }
      }
    } catch (err) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      // Only the body is read in here: a RequestTimeoutError is the idle timeout, not an HTTP 408.
      const idle = err instanceof RequestTimeoutError;
      if (!(idle && ctx.resumeOnIdle) && !isDrop(err, ctx.signal)) throw err;
      cause = err;
    }
    if (ctx.signal?.aborted) throw ctx.signal.reason;
    if (progressed) stalls = 0;
    const wait = ctx.retryDelay(stalls);
    if (wait === undefined) {
      const why = ` (gave up after ${stalls} reconnect(s) without a new event)`;
      if (cause instanceof RequestTimeoutError) throw new RequestTimeoutError(cause.message + why, { statusCode: 408, code: cause.code, cause });
      throw truncated(what, cause, why);
    }
    stalls++;
    const how = cause === undefined ? 'ended early' : cause instanceof RequestTimeoutError ? 'went idle' : 'dropped';
    ctx.logger.debug(`${what} ${how}; reconnecting${last === undefined ? '' : ` since ${last}`} in ${Math.round(wait)} ms`);
    ctx.trace?.event('reconnect', { 'agentwire.stream.reason': how, 'agentwire.stream.since': last, 'agentwire.stream.delay_ms': Math.round(wait) });
    await sleep(wait, ctx.signal);
  }
}

/** A sequence number from the frame's `id:` line or the event's numeric `seq`, else `undefined`. */
export function seqOf(event: unknown, wire: WireEvent): number | undefined {
  if (wire.id !== undefined && /^\d+$/.test(wire.id)) return Number(wire.id);
  const seq = (event as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' && Number.isFinite(seq) ? seq : undefined;
}
