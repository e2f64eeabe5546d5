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
 * One attempt's deadline: when the armed timer fires, the attempt is cancelled — its
 * {@link signal} aborts, the undici request behind its {@link dispatcher} is aborted, and a
 * {@link race} in progress rejects — with a {@link RequestTimeoutError}. `timedOut` tells a timeout
 * from a caller's abort, so a timeout becomes {@link RequestTimeoutError} and a caller's abort
 * stays an `AbortError`.
 *
 * Nothing is allocated for a cancellation path the attempt does not use: the `AbortController`
 * (joined to the caller's signal) is made on the first read of {@link signal}, the hook on the
 * first call of {@link dispatcher}.
 */
export class Deadline {
  readonly #callerSignal: AbortSignal | undefined;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #hook: AbortHook | undefined;
  #armedMs = 0;
  #expiresAt = 0;
  #timedOutAfter: number | undefined;
  #reason: RequestTimeoutError | undefined;
  #reject: ((reason: unknown) => void) | undefined;

  constructor(callerSignal?: AbortSignal) {
    this.#callerSignal = callerSignal;
  }

  /** Aborts when the caller's signal does or when the deadline passes (made on first use). */
  get signal(): AbortSignal {
    if (this.#signal === undefined) {
      const controller = (this.#controller = new AbortController());
      if (this.#reason !== undefined) controller.abort(this.#reason);
      const caller = this.#callerSignal;
      this.#signal = caller ? AbortSignal.any([caller, controller.signal]) : controller.signal;
    }
    return this.#signal;
  }

  get timedOut(): boolean {
    return this.#timedOutAfter !== undefined;
  }

  /** (Re)starts the countdown: the attempt is cancelled `ms` from now unless re-armed or cleared. */
  arm(ms: number): this {
    const now = performance.now();
    this.#armedMs = ms;
    this.#expiresAt = now + ms;
    const armed = Deadline.#armed;
    armed.add(this);
    if (this.#expiresAt < Deadline.#timerAt) Deadline.#setTimer(this.#expiresAt, now);
    else if (armed.size === 1) ref(Deadline.#timer, true);
    return this;
  }

  clear(): void {
    const armed = Deadline.#armed;
    if (armed.delete(this) && armed.size === 0) ref(Deadline.#timer, false);
  }

  /*
   * Every armed deadline shares one timer, set for the earliest expiry and kept only while some
   * deadline is armed (unref'd otherwise). Arming a deadline that expires after it — the next
   * request of a sequence, with the same timeout — and clearing one cost no timer call (a Node
   * timer set, restarted and cleared per request cost a few % of a loopback `listJobs`). Expiry
   * is checked against `performance.now()`, so a timer that fires early only sets the next one.
   */
  static readonly #armed = new Set<Deadline>();
  static #timer: ReturnType<typeof setTimeout> | undefined;
  static #timerAt = Infinity;

  static #setTimer(at: number, now: number): void {
    if (Deadline.#timer !== undefined) clearTimeout(Deadline.#timer);
    Deadline.#timerAt = at;
    Deadline.#timer = setTimeout(Deadline.#tick, Math.max(1, Math.ceil(at - now)));
  }

  /** The shared timer fired: expires every deadline that is due and sets the timer for the next one. */
  static #tick(): void {
    Deadline.#timer = undefined;
    Deadline.#timerAt = Infinity;
    const now = performance.now();
    const due: Deadline[] = [];
    let next = Infinity;
    for (const deadline of Deadline.#armed) {
      if (deadline.#expiresAt <= now) due.push(deadline);
      else if (deadline.#expiresAt < next) next = deadline.#expiresAt;
    }
    for (const deadline of due) Deadline.#armed.delete(deadline);
    if (next !== Infinity) Deadline.#setTimer(next, now);
    for (const deadline of due) deadline.#expire(deadline.#armedMs);
  }

  #expire(ms: number): void {
    this.#timedOutAfter = ms;
    const reason = (this.#reason = new RequestTimeoutError(`timed out after ${ms} ms`, { statusCode: 408 }));
    this.#controller?.abort(reason);
    this.#hook?.abort(reason);
    const reject = this.#reject;
    this.#reject = undefined;
    reject?.(reason);
  }

  /**
   * `promise`, or a rejection with the timeout's reason as soon as the deadline passes (also
   * where the work behind `promise` ignores the cancellation). A later settlement of `promise`
   * is then ignored.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#reason !== undefined) {
      promise.catch(() => {});
      return Promise.reject(this.#reason);
    }
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject;
      promise.then(resolve, reject);
    });
  }

  /**
   * An undici `Dispatcher` for this attempt (the `dispatcher` option of Node's built-in `fetch`):
   * it hands the request to `target` (default: undici's global dispatcher, read per request) and
   * keeps the request's abort function, so the deadline cancels the request without an
   * `AbortSignal` — undici pays for a signal on every request (an abort listener, a WeakRef and a
   * FinalizationRegistry entry: ~10 % of a loopback call). {@link hooked} tells whether `fetch`
   * used it.
   */
  dispatcher(target?: UndiciDispatcher): UndiciDispatcher {
    const hook = (this.#hook ??= new AbortHook(target));
    if (this.#reason !== undefined) hook.abort(this.#reason);
    return hook;
  }

  /** Did the request go through {@link dispatcher} far enough to be abortable by it? */
  get hooked(): boolean {
    return this.#hook?.hooked ?? false;
  }

  /** The error to throw for a timeout: 408, naming what was being waited for. */
  timeoutError(what: string, cause?: unknown): RequestTimeoutError {
    return new RequestTimeoutError(`${what} timed out after ${this.#timedOutAfter} ms`, { statusCode: 408, cause });
  }
}

/** Keeps the process alive for a Node timer, or stops doing so (browsers' timers are numbers). */
function ref(timer: ReturnType<typeof setTimeout> | undefined, on: boolean): void {
  if (typeof timer === 'object' && timer !== null && typeof timer.ref === 'function') {
    if (on) timer.ref();
    else timer.unref();
  }
}

/** The part of an undici `Dispatcher` that `fetch` uses. */
export interface UndiciDispatcher {
  dispatch(options: object, handler: object): boolean;
  readonly isMockActive?: boolean;
}

type AbortFn = (reason: Error) => void;
interface UndiciHandler {
  onConnect?: (abort: AbortFn, context?: unknown) => void;
  onRequestStart?: (controller: { abort(reason: Error): void }, context?: unknown) => void;
}

/** Where undici (Node's bundled copy and the package alike) keeps its global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * A dispatcher that passes every request on to another and keeps the abort function undici hands
 * the request's handler (`onConnect(abort)`, or `onRequestStart(controller)` in undici's newer
 * handler API). A request aborted before it got that far is aborted as soon as it does.
 */
class AbortHook implements UndiciDispatcher {
  readonly #target: UndiciDispatcher | undefined;
  #abort: AbortFn | undefined;
  #reason: Error | undefined;

  constructor(target?: UndiciDispatcher) {
    this.#target = target;
  }

  get #dispatcher(): UndiciDispatcher {
    return this.#target ?? (globalThis as Record<symbol, UndiciDispatcher>)[GLOBAL_DISPATCHER]!;
  }

  get isMockActive(): boolean | undefined {
    return this.#dispatcher.isMockActive;
  }

  get hooked(): boolean {
    return this.#abort !== undefined;
  }

  dispatch(options: object, handler: UndiciHandler): boolean {
    const hook = this;
    const { onConnect, onRequestStart } = handler;
    if (typeof onConnect === 'function') {
      handler.onConnect = function (this: UndiciHandler, abort, context) {
        hook.#hold(abort);
        onConnect.call(this, abort, context);
        if (hook.#reason !== undefined) abort(hook.#reason);
      };
    } else if (typeof onRequestStart === 'function') {
      handler.onRequestStart = function (this: UndiciHandler, controller, context) {
        hook.#hold((reason) => controller.abort(reason));
        onRequestStart.call(this, controller, context);
        if (hook.#reason !== undefined) controller.abort(hook.#reason);
      };
    }
    return this.#dispatcher.dispatch(options, handler);
  }

  #hold(abort: AbortFn): void {
    this.#abort = abort;
  }

  abort(reason: Error): void {
    this.#reason = reason;
    this.#abort?.(reason);
  }
}
