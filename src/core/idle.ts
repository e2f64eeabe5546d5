/**
 * Idle timeouts for streams: how long a stream may wait for the server before it gives up.
 *
 * Only time spent waiting for the server counts. A stream built as an async generator reads
 * its source (a body reader, a socket's message queue) only when its consumer asks for the next
 * item, so wrapping each of those reads (and nothing else) in {@link idleWait} never charges the
 * consumer's own time to the server. On a timeout the stream closes its own source (cancels the
 * reader, closes the socket): a pending read cannot be abandoned any other way.
 * One `setTimeout` per wait and no `refresh()`: the same code runs in Node, Bun, Deno and
 * browsers.
 */

/**
 * Waits for `wait` (one read from the server) for at most `ms` milliseconds. When the server is
 * silent that long, rejects with `onIdle()` (typically a `RequestTimeoutError`, 408) and calls
 * nothing else: the caller closes its socket or body. `ms` `undefined` means no limit.
 * A rejection of `wait` passes through unchanged.
 */
export function idleWait<T>(wait: Promise<T>, ms: number | undefined, onIdle: () => Error): Promise<T> {
  if (ms === undefined) return wait;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onIdle()), ms);
  });
  return Promise.race([wait, silence]).finally(() => clearTimeout(timer));
}
