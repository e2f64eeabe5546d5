/**
 * One replay loop for every framed stream the mock serves: WebSocket frames, SSE events,
 * chunked log lines. The caller says how to send a frame, how to end cleanly and how to drop
 * the connection; this applies the pacing and the {@link StreamScenario}.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StreamScenario } from './types.js';

/** How {@link replayFrames} sends, ends and drops; `F` is whatever one frame is to the caller. */
export interface ReplayOptions<F> {
  /** The spec's pacing: ms between two frames when the scenario sets no `delayMs`. */
  intervalMs: number;
  /** The request's scenario (`ctx.scenario`); absent = play normally. */
  scenario?: StreamScenario;
  /** Sends frame number `index` (0-based, counting an invalid frame if one is sent). */
  send(frame: F, index: number): void | Promise<void>;
  /**
   * True for the frame that ends the stream normally (`complete`, `done`, ...); used by
   * `truncate`. Without it, `truncate` withholds the last frame.
   */
  isTerminal?(frame: F): boolean;
  /** Makes a frame whose payload is not valid JSON, for `invalidPayload`; without it that field is ignored. */
  invalidFrame?(): F;
  /** Destroys the connection abruptly (no close frame, no terminal chunk). */
  drop(): void;
  /** Ends the stream cleanly (close frame 1000, `res.end()`). */
  end(): void | Promise<void>;
  /** Aborted when the consumer disconnects: the replay stops at once, calling neither `end` nor `drop`. */
  signal?: AbortSignal;
}

/** How a replay finished. */
export type ReplayOutcome = 'ended' | 'truncated' | 'dropped' | 'aborted';

/**
 * Replays `frames` (an array or any sync / async iterable): the first frame at once, then one
 * every `scenario.delayMs ?? intervalMs` ms. With `scenario.invalidPayload`, one invalid frame
 * goes first. With `truncate`, it stops before the first terminal frame (or the last frame)
 * and ends cleanly. With `dropAfter: n`, once `n` frames are sent and more remain it calls
 * `drop()` instead of sending them (a stream of `n` frames or fewer plays normally).
 * Resolves how it finished; rejects only if `send` or `end` throws while not aborted.
 */
export async function replayFrames<F>(
  frames: Iterable<F> | AsyncIterable<F>,
  options: ReplayOptions<F>,
): Promise<ReplayOutcome> {
  const { scenario = {}, signal } = options;
  const delay = Math.max(0, Number.isFinite(scenario.delayMs) ? (scenario.delayMs as number) : options.intervalMs);
  const dropAfter = scenario.dropAfter;
  const iterator = toAsyncIterator(frames);
  let sent = 0;

  const aborted = () => signal?.aborted === true;
  const invalid = scenario.invalidPayload === true && options.invalidFrame !== undefined;

  try {
    // The invalid frame counts as a frame on the wire: it is subject to drop-after too.
    let next: IteratorResult<F> = invalid ? { done: false, value: options.invalidFrame!() } : await iterator.next();
    let isInvalid = invalid;
    while (!next.done) {
      if (aborted()) return 'aborted';
      const frame = next.value;
      let after: IteratorResult<F> | undefined;
      if (scenario.truncate && !isInvalid) {
        if (options.isTerminal) {
          if (options.isTerminal(frame)) return await finish('truncated');
        } else {
          after = await iterator.next(); // look ahead only here: is this the last frame?
          if (after.done) return await finish('truncated');
        }
      }
      // The frame in hand exists, so something remains to be dropped.
      if (dropAfter !== undefined && sent >= dropAfter) {
        options.drop();
        return 'dropped';
      }
      if (sent > 0 && delay > 0) {
        try {
          await sleep(delay, undefined, signal ? { signal } : undefined);
        } catch {
          return 'aborted';
        }
      }
      if (aborted()) return 'aborted';
      await options.send(frame, sent);
      sent += 1;
      next = after ?? (await iterator.next());
      isInvalid = false;
    }
    return await finish('ended');
  } catch (error) {
    if (aborted()) return 'aborted';
    throw error;
  } finally {
    try {
      await iterator.return?.();
    } catch {
      // A frame source that fails to clean up must not hide how the replay ended.
    }
  }

  async function finish(outcome: 'ended' | 'truncated'): Promise<ReplayOutcome> {
    if (aborted()) return 'aborted';
    await options.end();
    return outcome;
  }
}

function toAsyncIterator<F>(frames: Iterable<F> | AsyncIterable<F>): AsyncIterator<F> {
  if (Symbol.asyncIterator in frames) return (frames as AsyncIterable<F>)[Symbol.asyncIterator]();
  const it = (frames as Iterable<F>)[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}
