/**
 * Hands out, one at a time, the lines of batches produced by an async generator: a buffered
 * line costs an already-resolved promise, and the generator is resumed only once its last
 * batch is used up — so a line the consumer has not taken is never followed by more work
 * (and a tail's count of delivered lines is exact when the generator resumes).
 * `return()` (a `break` in `for await`) returns the generator, which closes its connection.
 */
export class LineIterator implements AsyncIterator<string> {
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
