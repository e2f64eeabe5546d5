/**
 * Retry policy, as openai-node's: exponential backoff with jitter that honours the server's
 * `retry-after-ms` / `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3), capped.
 */

/** How a client retries. Every duration is in milliseconds. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). Default 3. */
  maxRetries: number;
  /** Delay before the first retry, ms. Default 500. */
  initialDelayMs: number;
  /** Multiplier per retry (delay = initialDelayMs × backoff^n). Default 2. */
  backoff: number;
  /** Upper bound of a computed delay, ms. Default 8,000. */
  maxDelayMs: number;
  /** Fraction of the delay taken off at random (0 = none, 0.25 = up to 25 % shorter). Default 0.25. */
  jitter: number;
  /** The longest server-asked wait (`Retry-After`) that is honoured, ms; longer asks are not retried. Default 60,000. */
  maxRetryAfterMs: number;
}

/** The policy a client uses unless told otherwise: 3 retries, 500 ms × 2ⁿ up to 8 s, 25 % jitter, `Retry-After` honoured up to 60 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 500,
  backoff: 2,
  maxDelayMs: 8_000,
  jitter: 0.25,
  maxRetryAfterMs: 60_000,
};

/** Statuses retried for any request: a timeout, a rate limit, a gateway or an overloaded server. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);
/** Statuses retried for a request that may start work twice: the server cannot have acted. */
export const RETRYABLE_UNSAFE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/**
 * The wait the server asked for, in ms: `retry-after-ms` first, then `Retry-After` as seconds
 * or as an HTTP date. `undefined` when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const header = headers.get('retry-after');
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `retry` (0-based), in ms, or `undefined` when the server asked
 * for longer than `maxRetryAfterMs` (the caller then gives up and reports the error).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : undefined;
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.backoff ** retry);
  return base * (1 - policy.jitter * random());
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}
