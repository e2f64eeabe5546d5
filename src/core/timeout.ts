import { RequestTimeoutError, ValidationError } from './errors.js';

/**
 * A request timeout in **milliseconds** (the Python seeds use seconds; agentwire never does).
 *
 * - `number`: one budget for the response headers and another of the same size for the body.
 * - `{connect, read}`: `connect + read` for the response headers (fetch cannot tell the TCP
 *   connect apart from the server's think time, so the two share one budget, as a Python
 *   `(connect, read)` pair effectively does), then `read` for the body; for a stream, `read`
 *   is the longest silence allowed between two chunks.
 */
export type Timeout = number | { connect: number; read: number };

/** A {@link Timeout} resolved to the two deadlines the transport applies, in ms. */
export interface Deadlines {
  headersMs: number;
  readMs: number;
}

function positiveMs(value: unknown, name: string, maxMs: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(`${name} must be a positive number of milliseconds, got ${String(value)}`, { statusCode: 400 });
  }
  if (value > maxMs) {
    throw new ValidationError(`${name} must be at most ${maxMs} ms, got ${value}`, { statusCode: 400 });
  }
  return value;
}

/**
 * Checks a {@link Timeout} and resolves it. Throws {@link ValidationError} (400) for a value that
 * is not a positive finite number of ms or exceeds `maxMs` (default 24 h).
 */
export function resolveTimeout(timeout: Timeout, name = 'timeout', maxMs = 86_400_000): Deadlines {
  if (typeof timeout === 'object' && timeout !== null) {
    const connect = positiveMs(timeout.connect, `${name}.connect`, maxMs);
    const read = positiveMs(timeout.read, `${name}.read`, maxMs);
    return { headersMs: connect + read, readMs: read };
  }
  const ms = positiveMs(timeout, name, maxMs);
  return { headersMs: ms, readMs: ms };
}

/**
 * One attempt's abort signal: aborts when the caller's signal does or when the armed timer
 * fires. `timedOut` tells the two apart, so a timeout becomes {@link RequestTimeoutError} and a
 * caller's abort stays an `AbortError`.
 */
export class Deadline {
  readonly #controller = new AbortController();
  readonly signal: AbortSignal;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOutAfter: number | undefined;

  constructor(callerSignal?: AbortSignal) {
    this.signal = callerSignal ? AbortSignal.any([callerSignal, this.#controller.signal]) : this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOutAfter !== undefined;
  }

  /** (Re)starts the timer: the signal aborts `ms` from now unless re-armed or cleared. */
  arm(ms: number): this {
    this.clear();
    this.#timer = setTimeout(() => {
      this.#timedOutAfter = ms;
      this.#controller.abort(new RequestTimeoutError(`timed out after ${ms} ms`, { statusCode: 408 }));
    }, ms);
    return this;
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The error to throw for a timeout: 408, naming what was being waited for. */
  timeoutError(what: string, cause?: unknown): RequestTimeoutError {
    return new RequestTimeoutError(`${what} timed out after ${this.#timedOutAfter} ms`, { statusCode: 408, cause });
  }
}
