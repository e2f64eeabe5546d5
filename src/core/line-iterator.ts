/**
 * Hands out, one at a time, the lines of batches produced by an async generator — how a tail
 * pays the generator's per-`yield` cost once per burst of frames or body chunks, not once per
 * line (a `for await` step per line on top of the consumer's own is what kept a tail behind a
 * raw client in the benches).
 *
 * - A buffered line costs an already-resolved promise; the generator is resumed only once its
 *   last batch is used up, so a line the consumer has not taken is never followed by more work
 *   (and a tail's count of delivered lines is exact when the generator resumes). Empty batches
 *   are skipped.
 * - Overlapping `next()` calls made while a batch is being fetched wait for it, in order: no
 *   line is lost or handed out twice.
 * - `return()` (a `break` in `for await`) and `throw()` reach the generator, so its `finally`
 *   closes its connection; a generator that failed rejects the `next()` waiting on it.
 */
export class LineIterator implements AsyncIterableIterator<string> {
  #lines: readonly string[] = [];
  #next = 0;
  #done = false;
  /** A refill in progress: overlapping `next()` calls wait for it, in order. */
  #pending: Promise<IteratorResult<string>> | undefined;

  constructor(private readonly batches: AsyncGenerator<readonly string[], void, undefined>) {}

  next(): Promise<IteratorResult<string>> {
    if (this.#pending) {
      const again = () => this.next();
      return this.#pending.then(again, again);
    }
    if (this.#next < this.#lines.length) return Promise.resolve({ value: this.#lines[this.#next++]!, done: false });
    const refill: Promise<IteratorResult<string>> = this.#refill().finally(() => {
      if (this.#pending === refill) this.#pending = undefined;
    });
    this.#pending = refill;
    return refill;
  }

  async return(): Promise<IteratorResult<string>> {
    this.#lines = [];
    if (!this.#done) {
      this.#done = true;
      await this.batches.return(undefined);
    }
    return { value: undefined, done: true };
  }

  /** Raises `error` in the generator (its `finally` runs); rejects with what it throws. */
  async throw(error?: unknown): Promise<IteratorResult<string>> {
    this.#lines = [];
    this.#done = true;
    await this.batches.throw(error);
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #refill(): Promise<IteratorResult<string>> {
    while (!this.#done) {
      const batch = await this.batches.next();
      if (batch.done) {
        this.#done = true;
        break;
      }
      if (batch.value.length) {
        this.#lines = batch.value;
        this.#next = 1;
        return { value: batch.value[0]!, done: false };
      }
    }
    return { value: undefined, done: true };
  }
}
