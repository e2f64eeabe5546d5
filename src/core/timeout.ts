import { RequestTimeoutError, ValidationError } from './errors.js';

/**
 * A request timeout in **milliseconds**.
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
 * One attempt's deadline, as openai-node's `fetchWithTimeout` does it: one `AbortController`
 * and one `setTimeout`, its {@link signal} joined to the caller's with `AbortSignal.any`. When
 * the timer fires the signal aborts with a {@link RequestTimeoutError}; {@link race} rejects as
 * soon as the signal aborts, so a `fetch` that ignores its signal still gives up on time.
 * {@link timedOut} tells a timeout from the caller's abort (which stays an `AbortError`).
 */
export class Deadline {
  readonly #controller = new AbortController();
  /** Aborts when the caller's signal does or when the armed time passes. */
  readonly signal: AbortSignal;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOutAfter: number | undefined;

  constructor(callerSignal?: AbortSignal) {
    this.signal = callerSignal ? AbortSignal.any([callerSignal, this.#controller.signal]) : this.#controller.signal;
  }

  get timedOut(): boolean {
    return this.#timedOutAfter !== undefined;
  }

  /** (Re)starts the countdown: the attempt is aborted `ms` from now unless re-armed or cleared. */
  arm(ms: number): this {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timedOutAfter = ms;
      this.#controller.abort(new RequestTimeoutError(`timed out after ${ms} ms`, { statusCode: 408 }));
    }, ms);
    return this;
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** `promise`, or a rejection with the signal's reason as soon as it aborts (a later settlement is ignored). */
  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) {
      promise.catch(() => {});
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const abort = () => reject(signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      promise.then(
        (value) => (signal.removeEventListener('abort', abort), resolve(value)),
        (err) => (signal.removeEventListener('abort', abort), reject(err)),
      );
    });
  }

  /** The error to throw for a timeout: 408, naming what was being waited for. */
  timeoutError(what: string, cause?: unknown): RequestTimeoutError {
    return new RequestTimeoutError(`${what} timed out after ${this.#timedOutAfter} ms`, { statusCode: 408, cause });
  }
}
